import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import { EventStoreError } from '@waybill/event-store';
import type { Logger } from '@waybill/platform';
import { RebuildError } from '@waybill/read-models';
import type { Request, Response } from 'express';
import { ApiErrorCode, codeForStatus, PROBLEM_KINDS, problemType } from './api-error-code';
import { ApiError } from './api-error';
import { API_LOGGER } from '../api.tokens';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 problem details, plus `code` (an {@link ApiErrorCode}) and any extensions. */
export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly code: ApiErrorCode;
  readonly [extension: string]: unknown;
}

/**
 * The one place that turns failures into HTTP answers: every error leaves the API as
 * `application/problem+json`, whether an {@link ApiError}, an event-store or rebuild error, a Nest
 * `HttpException` (unknown route, …), a body-parser error or an unexpected bug.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(@Inject(API_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const problem = this.toProblem(exception, request);
    if (problem.status >= 500) {
      this.logger.error({ err: exception, instance: problem.instance, code: problem.code }, problem.detail);
    }
    sendProblem(response, problem);
  }

  toProblem(exception: unknown, request: Request): ProblemBody {
    const { code, detail, extensions } = classify(exception);
    const kind = PROBLEM_KINDS[code];
    return {
      type: problemType(code),
      title: kind.title,
      status: kind.status,
      detail,
      instance: request.originalUrl,
      code,
      ...extensions,
    };
  }
}

export function sendProblem(response: Response, problem: ProblemBody): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  if (problem.status === 401) response.setHeader('WWW-Authenticate', 'Bearer realm="waybill"');
  response.status(problem.status);
  response.setHeader('Content-Type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
  response.send(JSON.stringify(problem));
}

interface Classified {
  readonly code: ApiErrorCode;
  readonly detail: string;
  readonly extensions?: Record<string, unknown>;
}

function classify(exception: unknown): Classified {
  if (exception instanceof ApiError) {
    return { code: exception.code, detail: exception.detail, extensions: { ...exception.extensions } };
  }
  if (exception instanceof EventStoreError) {
    switch (exception.code) {
      case 'wrong_expected_revision':
      case 'event_id_conflict':
        return { code: ApiErrorCode.Conflict, detail: exception.message };
      case 'unavailable':
        return { code: ApiErrorCode.Unavailable, detail: 'the event store is unreachable' };
    }
  }
  if (exception instanceof RebuildError) {
    switch (exception.code) {
      case 'unknown_projection':
      case 'unknown_rebuild':
        return { code: ApiErrorCode.NotFound, detail: exception.message };
      case 'rebuild_in_progress':
        return { code: ApiErrorCode.Conflict, detail: exception.message };
    }
  }
  if (exception instanceof HttpException) {
    return { code: codeForStatus(exception.getStatus()), detail: httpExceptionDetail(exception) };
  }
  const status = frameworkStatus(exception);
  if (status !== undefined && status < 500) {
    // body-parser and friends: malformed JSON, a body over the limit, an unsupported charset.
    return { code: codeForStatus(status), detail: (exception as Error).message };
  }
  if (isInfrastructureOutage(exception)) {
    return {
      code: ApiErrorCode.Unavailable,
      detail: 'a backing service (PostgreSQL or NATS) is unreachable',
    };
  }
  return { code: ApiErrorCode.Internal, detail: 'an unexpected error occurred; it has been logged' };
}

function httpExceptionDetail(exception: HttpException): string {
  const body = exception.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  if (typeof message === 'string') return message;
  return exception.message;
}

function frameworkStatus(exception: unknown): number | undefined {
  if (!(exception instanceof Error)) return undefined;
  const { status, statusCode } = exception as { status?: unknown; statusCode?: unknown };
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && value >= 400 && value < 600 ? value : undefined;
}

/** Connection-level failures of pg and nats: the dependency is down, the request was fine. */
const OUTAGE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01', // admin_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  'CONNECTION_CLOSED',
  'CONNECTION_DRAINING',
  'CONNECTION_REFUSED',
  'CONNECTION_TIMEOUT',
  'DISCONNECT',
]);

function isInfrastructureOutage(exception: unknown): boolean {
  const code = (exception as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && OUTAGE_CODES.has(code)) return true;
  return (
    exception instanceof Error &&
    /Connection terminated|timeout exceeded when trying to connect/i.test(exception.message)
  );
}
