/**
 * The event-store port: the one interface in Waybill with two real implementations
 * (PostgreSQL, the default, and EventStoreDB). Everything above it is store-agnostic.
 *
 * Shapes follow @eventstore/db-client where that is natural (expected revision,
 * commit/prepare positions), so that the EventStoreDB adapter is a thin translation.
 */

/** Metadata every Waybill event carries. */
export interface EventMetadata {
  /** The ingest message this event records; absent for events Waybill decided itself. */
  readonly messageId?: string;
  readonly correlationId: string;
  /** What caused this event: the ingest messageId, or the id of the event that led to a decision. */
  readonly causationId: string;
  /** When it happened at the source (RFC 3339). */
  readonly occurredAt: string;
  /** Who reported it, e.g. `tms`, `carrier:UPSN`, or `waybill` for decisions. */
  readonly source: string;
}

/** An event to append. `id` is deterministic (see `eventIdFor`), which makes appends idempotent. */
export interface NewEvent<Type extends string = string, Data = unknown> {
  readonly id: string;
  readonly type: Type;
  readonly data: Data;
  readonly metadata: EventMetadata;
}

/**
 * A position in the global (all-streams) order. `commit` orders transactions, `prepare` orders
 * events inside one; compare with `comparePositions`. In PostgreSQL `commit` is the appending
 * transaction's id (xid8) and `prepare` the row's sequence number; in EventStoreDB they are the
 * native commit and prepare positions.
 */
export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export const START: Position = Object.freeze({ commit: -1n, prepare: -1n });

/** An event as the store holds it. */
export interface RecordedEvent<Type extends string = string, Data = unknown> extends NewEvent<Type, Data> {
  readonly streamId: string;
  /** 0-based revision inside its stream. */
  readonly revision: bigint;
  readonly position: Position;
  /** When the store committed it. */
  readonly recordedAt: Date;
}

/**
 * Expected revision for an append: `'no_stream'` (must not exist), `'any'`, or the revision of the
 * last event the caller has seen.
 */
export type ExpectedRevision = 'no_stream' | 'any' | bigint;

export interface AppendResult {
  /** Revision of the stream's last event after the append. */
  readonly nextRevision: bigint;
  /** Events actually written; 0 when every event was already there (an idempotent retry). */
  readonly appended: number;
  /** Position of the last event of the append (of the existing one when nothing was written). */
  readonly position: Position;
}

export interface ReadStreamOptions {
  /** Read events with revision >= fromRevision (default 0). */
  readonly fromRevision?: bigint;
  /** Only events recorded at or before this time (the stream as Waybill knew it then). */
  readonly recordedUpTo?: Date;
  /** Only events up to and including this global position. */
  readonly upToPosition?: Position;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: the first event returned is the one after this position. Default: the beginning. */
  readonly after?: Position;
  readonly maxCount?: number;
  /** Only streams whose id starts with one of these prefixes (e.g. `shipment-`). */
  readonly streamPrefixes?: readonly string[];
}

export interface SubscribeOptions {
  /** Exclusive checkpoint: deliver events after it (catch up), then live ones. */
  readonly after?: Position;
  readonly streamPrefixes?: readonly string[];
  /** Events per handler call. Default 500. */
  readonly batchSize?: number;
}

/**
 * A subscription handler gets batches in global order. The subscription delivers the next batch
 * only after the returned promise resolves, so a handler that stores its checkpoint with its
 * writes gets exactly-once effects.
 */
export type SubscriptionHandler = (events: readonly RecordedEvent[]) => Promise<void>;

export interface Subscription {
  /** Stop delivering; resolves when the in-flight batch (if any) has been handled. */
  stop(): Promise<void>;
  /** Resolves when the subscription ends; rejects with the error that ended it. */
  readonly done: Promise<void>;
}

export interface EventStore {
  /**
   * Appends atomically with optimistic concurrency.
   * Idempotent: events whose ids are already in the stream with the same type and data are
   * skipped; an id that is there with different content throws `EventIdConflictError`.
   * A wrong expected revision throws `WrongExpectedRevisionError`.
   */
  appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult>;
  /** The stream's events in revision order; `[]` when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * Several whole streams at once, for loading many aggregates in one round trip. Every id asked
   * for is a key of the result; a stream that does not exist maps to `[]`.
   */
  readStreams(streamIds: readonly string[]): Promise<Map<string, RecordedEvent[]>>;
  /** Events of all streams in global order, after a position. Never skips an event that commits late. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catch up from a checkpoint, then follow live. */
  subscribeToAll(handler: SubscriptionHandler, options?: SubscribeOptions): Subscription;
  /**
   * How many events come after a position (only in streams with these prefixes, when given): the
   * lag of a read model and the progress of a rebuild. Optional: a store that cannot count
   * cheaply leaves it out, and callers then report the lag and the progress as unknown.
   */
  countEventsAfter?(
    after: Position,
    options?: { readonly streamPrefixes?: readonly string[] },
  ): Promise<number>;
  /** Cheap reachability check for /health. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
