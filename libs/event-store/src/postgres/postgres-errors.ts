import { DatabaseError } from 'pg';
import { EventStoreUnavailableError } from '../errors';

// Connection exceptions (class 08), shutdowns (57P0x), too many connections, and the errors
// node-postgres raises itself when a socket breaks or the pool cannot hand out a client.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end|Client was closed/i;

export function isUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseError) {
    return error.code !== undefined && (error.code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(error.code));
  }
  // Duck-typed: socket errors are created in Node's own realm, where `instanceof Error` can fail
  // (under jest's module sandbox, for one).
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    (typeof code === 'string' && UNAVAILABLE_NODE_CODES.has(code)) ||
    (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message))
  );
}

/** Retrying the whole transaction fixes these: races with another writer of the same event id or stream. */
export function isRetryable(error: unknown): boolean {
  return (
    error instanceof DatabaseError &&
    (error.code === '23505' || error.code === '40P01' || error.code === '40001')
  );
}

/** Unavailability becomes the port's error; anything else is a bug or bad input and is passed on as is. */
export function translatePgError(error: unknown, doing: string): unknown {
  if (isUnavailable(error)) {
    const reason = (error as { message?: unknown }).message;
    return new EventStoreUnavailableError(`PostgreSQL unavailable while ${doing}: ${String(reason)}`, {
      cause: error,
    });
  }
  return error;
}
