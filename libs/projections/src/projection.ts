/** An event as any stream may hold it: a stored `type` string and its data. */
export interface EventLike {
  readonly type: string;
  readonly data: unknown;
}

/** Where and when the event log recorded an event. */
export interface EventMeta {
  readonly streamId: string;
  /** 0-based revision of the event inside its stream. */
  readonly revision: bigint;
  /** When the store committed the event. */
  readonly recordedAt: Date;
}

/**
 * An event as read from the log, with its metadata. The `RecordedEvent` of `@waybill/event-store`
 * satisfies it, so a runner passes store events through unchanged.
 */
export type StoredEvent = EventLike & EventMeta;

/**
 * A pure read-model fold: which row an event belongs to, the row before any event, and how one
 * event changes a row. No I/O and no clock; the runner that feeds it from the event log, stores
 * the rows and keeps the checkpoint lives outside this lib.
 *
 * @typeParam Row - one row of the read model.
 * @typeParam Event - the events this projection understands.
 */
export interface Projection<Row, Event extends EventLike = EventLike> {
  /** Stable name: the read model's identity in storage and in `GET /v1/projections`. */
  readonly name: string;
  /** Bump when the row shape or the rules change: the read model must then be rebuilt. */
  readonly version: number;
  /**
   * Whether this projection understands the event. Anything else, including event types added
   * after it was written, is skipped, so a log can always be replayed through it.
   */
  handles(event: EventLike): event is Event;
  /** The key of the row the event changes, or `null` when the event changes no row. */
  keyOf(event: Event, streamId: string): string | null;
  /** The row before its first event. */
  init(key: string): Row;
  /** The row after the event. Pure: it returns a new row and never changes the one given. */
  apply(row: Row, event: Event, meta: EventMeta): Row;
}

/**
 * Folds recorded events, in log order, into rows by key. Events the projection does not handle,
 * or that belong to no row, are skipped. `rows` (the read model so far) is not modified.
 */
export function project<Row, Event extends EventLike>(
  projection: Projection<Row, Event>,
  events: Iterable<StoredEvent>,
  rows: ReadonlyMap<string, Row> = new Map(),
): Map<string, Row> {
  const result = new Map(rows);
  for (const stored of events) {
    const { streamId, revision, recordedAt } = stored;
    const event: EventLike = { type: stored.type, data: stored.data };
    if (!projection.handles(event)) continue;
    const key = projection.keyOf(event, streamId);
    if (key === null) continue;
    const row = result.get(key) ?? projection.init(key);
    result.set(key, projection.apply(row, event, { streamId, revision, recordedAt }));
  }
  return result;
}
