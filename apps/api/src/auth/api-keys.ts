import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '@waybill/platform';

interface KeyEntry {
  readonly digest: Buffer;
  readonly role: Role;
}

/**
 * The API keys the API accepts. Keys are compared as SHA-256 digests with `timingSafeEqual`, and
 * every key is compared on every request, so neither a key's content nor its position leaks
 * through response time.
 */
export class ApiKeys {
  private readonly entries: readonly KeyEntry[];

  constructor(keys: ReadonlyMap<string, Role>) {
    if (keys.size === 0) throw new Error('ApiKeys needs at least one key: the API never runs open');
    this.entries = [...keys].map(([key, role]) => ({ digest: digest(key), role }));
  }

  /**
   * The keys of WAYBILL_API_KEYS, or, when it is unset, one generated admin key that is handed
   * to `announce` once (contract v1 §1: the API never runs open).
   */
  static fromConfig(
    configured: ReadonlyMap<string, Role> | undefined,
    announce: (key: string) => void,
  ): ApiKeys {
    if (configured && configured.size > 0) return new ApiKeys(configured);
    const key = randomBytes(32).toString('base64url');
    announce(key);
    return new ApiKeys(new Map([[key, 'admin']]));
  }

  /** The role of `presented`, or null when it is no known key. */
  roleOf(presented: string): Role | null {
    const candidate = digest(presented);
    let found: Role | null = null;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, candidate) && found === null) found = entry.role;
    }
    return found;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** What the API prints once when it generated its own admin key. */
export function generatedKeyNotice(key: string): string {
  return [
    '',
    '==================================================================================',
    ' WAYBILL_API_KEYS is not set: generated one admin API key for this run.',
    ` Authorization: Bearer ${key}`,
    ' It is printed only now and not stored; set WAYBILL_API_KEYS=key:role,... to choose',
    ' your own keys.',
    '==================================================================================',
    '',
  ].join('\n');
}
