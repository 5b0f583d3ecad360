import { EventStoreError } from '@waybill/event-store';

/**
 * Node socket errors and PostgreSQL SQLSTATEs of an outage or a lost race: admin shutdown
 * (57P01), cannot connect now (57P03), too many connections (53300), deadlock (40P01),
 * serialization failure (40001); class 08 is connection exceptions.
 */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P03',
  '53300',
  '40P01',
  '40001',
]);

/** An outage, not a bad input: retried for as long as it takes, never parked or skipped. */
export function isTransient(error: unknown): boolean {
  if (error instanceof EventStoreError) return error.code !== 'event_id_conflict';
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && (TRANSIENT_CODES.has(code) || code.startsWith('08'))) return true;
  // node-postgres and pg-pool report these without a code: a dropped connection, a query or
  // connection attempt that timed out.
  return /Connection terminated|Query read timeout|timeout exceeded when trying to connect/i.test(
    (error as Error)?.message ?? '',
  );
}
