import { createHash } from 'node:crypto';
import type { ExecutionContext } from '@nestjs/common';
import type { ThrottlerModuleOptions } from '@nestjs/throttler';
import type { Request } from 'express';
import type { ApiKeys } from './api-keys';

const MINUTE_MS = 60_000;

/**
 * Options of `@nestjs/throttler` for the `/v1` routes: at most `perMinute` requests a minute per
 * API key, counted across all routes (the library counts per route by default). A request without
 * a valid key counts against its IP address, so guessing keys is limited too. `/health` and
 * `/metrics` are exempt (`@PublicRoute()` skips the throttler). Counts live in the process's
 * memory: each API process limits on its own.
 *
 * Past the limit the guard sets `Retry-After` (seconds) and throws a 429, which the problem filter
 * answers as the `too-many-requests` problem.
 */
export function rateLimitOptions(keys: ApiKeys, perMinute: number): ThrottlerModuleOptions {
  return {
    throttlers: [{ name: 'default', ttl: MINUTE_MS, limit: perMinute }],
    getTracker: (req) => trackerOf(req as Request, keys),
    generateKey: (_context: ExecutionContext, tracker: string) => tracker,
    errorMessage: (_context, detail) =>
      `more than ${detail.limit} requests a minute from this API key; retry after ${detail.timeToBlockExpire} s`,
  };
}

function trackerOf(req: Request, keys: ApiKeys): string {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (match && keys.roleOf(match[1]!) !== null) {
    return `key:${createHash('sha256').update(match[1]!, 'utf8').digest('base64url')}`;
  }
  return `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
}
