/**
 * The append semantics both adapters share: input validation, and the idempotency / expected
 * revision decision of the port (`EventStore.appendToStream`). Keeping it in one place is what
 * makes the two adapters pass one contract suite.
 */
import { EventIdConflictError, WrongExpectedRevisionError } from './errors';
import { type ExpectedRevision, type NewEvent } from './event-store.port';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Revision the adapters use internally for "the stream does not exist". */
export const NO_STREAM_REVISION = -1n;

/**
 * Rejects input that one adapter would store and the other would refuse, so that both behave
 * alike. Returns the events with ids in lower case, the form both stores hand back.
 */
export function validateAppend(
  streamId: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
): NewEvent[] {
  if (typeof streamId !== 'string' || streamId.length === 0)
    throw new TypeError('streamId must be a non-empty string');
  // `$` streams are EventStoreDB system streams, which readAll and subscriptions leave out.
  if (streamId.startsWith('$')) throw new TypeError(`stream ids may not start with "$": ${streamId}`);
  if (streamId.includes('\u0000')) throw new TypeError('stream ids may not contain NUL characters');
  if (typeof expected === 'bigint') {
    if (expected < 0n) throw new RangeError(`expected revision must be >= 0, got ${expected}`);
  } else if (expected !== 'any' && expected !== 'no_stream') {
    throw new TypeError(`expected revision must be 'any', 'no_stream' or a bigint, got ${String(expected)}`);
  }
  return events.map((event) => {
    if (typeof event.id !== 'string' || !UUID.test(event.id)) {
      throw new TypeError(`event id must be a UUID, got ${JSON.stringify(event.id)}`);
    }
    if (typeof event.type !== 'string' || event.type.length === 0)
      throw new TypeError('event type must be a non-empty string');
    if (event.type.startsWith('$')) throw new TypeError(`event types may not start with "$": ${event.type}`);
    if (event.data === undefined || event.data === null) throw new TypeError(`event ${event.id} has no data`);
    if (typeof event.metadata !== 'object' || event.metadata === null) {
      throw new TypeError(`event ${event.id} has no metadata`);
    }
    const id = event.id.toLowerCase();
    return id === event.id ? event : { ...event, id };
  });
}

export function formatExpected(expected: ExpectedRevision): string {
  return typeof expected === 'bigint' ? expected.toString() : expected;
}

export function formatActual(current: bigint): string {
  return current === NO_STREAM_REVISION ? 'no_stream' : current.toString();
}

/**
 * JSON with object keys sorted, so that two values compare equal exactly when a JSON store
 * (PostgreSQL jsonb reorders keys) would hold the same document.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(JSON.parse(JSON.stringify(value)) as unknown));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort())
      sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}

/** An event that already holds an id the append uses. `ref` lets the adapter find its position. */
export interface ExistingEvent<Ref> {
  readonly streamId: string;
  readonly type: string;
  /** Canonical JSON of its data (see `canonicalJson`); a function so it is only computed on a hit. */
  readonly canonicalData: () => string;
  readonly ref: Ref;
}

export type AppendDecision<Ref> =
  /** Every event is already stored: an idempotent retry. */
  | { readonly kind: 'noop'; readonly existing: readonly Ref[] }
  | { readonly kind: 'write'; readonly toWrite: readonly NewEvent[]; readonly existing: readonly Ref[] }
  | { readonly kind: 'reject'; readonly error: WrongExpectedRevisionError | EventIdConflictError };

/**
 * Decides one append. Events whose id is already stored (per `lookup`) with the same type and
 * data in the same stream are skipped; any other reuse of an id is a conflict.
 *
 * When every event is already there the append is a retry of one that succeeded, and it
 * succeeds again without looking at the expected revision: the stream may well have moved on
 * since, and failing the retry would turn a harmless redelivery into an error (and, for a
 * caller that retries on `WrongExpectedRevisionError`, into a duplicate decision).
 * An empty append is checked against the expected revision like any other.
 */
export function decideAppend<Ref>(
  streamId: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
  currentRevision: bigint,
  lookup: (eventId: string) => ExistingEvent<Ref> | undefined,
): AppendDecision<Ref> {
  const existing: Ref[] = [];
  const toWrite: NewEvent[] = [];
  const inThisAppend = new Map<string, NewEvent>();
  for (const event of events) {
    const stored = lookup(event.id);
    if (stored) {
      if (
        stored.streamId !== streamId ||
        stored.type !== event.type ||
        stored.canonicalData() !== canonicalJson(event.data)
      ) {
        return { kind: 'reject', error: new EventIdConflictError(stored.streamId, event.id) };
      }
      existing.push(stored.ref);
      continue;
    }
    const earlier = inThisAppend.get(event.id);
    if (earlier) {
      if (earlier.type !== event.type || canonicalJson(earlier.data) !== canonicalJson(event.data)) {
        return { kind: 'reject', error: new EventIdConflictError(streamId, event.id) };
      }
      continue;
    }
    inThisAppend.set(event.id, event);
    toWrite.push(event);
  }
  if (toWrite.length === 0 && events.length > 0) return { kind: 'noop', existing };
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' ? currentRevision === NO_STREAM_REVISION : currentRevision === expected);
  if (!ok) {
    return {
      kind: 'reject',
      error: new WrongExpectedRevisionError(
        streamId,
        formatExpected(expected),
        formatActual(currentRevision),
      ),
    };
  }
  return { kind: 'write', toWrite, existing };
}
