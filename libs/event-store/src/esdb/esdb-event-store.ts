import {
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  excludeSystemEvents,
  type JSONType,
  jsonEvent,
  NO_STREAM,
  type Position as EsdbPosition,
  type ResolvedEvent,
  START as ESDB_START,
  streamNameFilter,
  type AppendExpectedRevision,
} from '@eventstore/db-client';
import {
  canonicalJson,
  decideAppend,
  type ExistingEvent,
  formatActual,
  formatExpected,
  NO_STREAM_REVISION,
  validateAppend,
} from '../append-rules';
import { EventStoreError, EventStoreUnavailableError, WrongExpectedRevisionError } from '../errors';
import {
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  START,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionHandler,
} from '../event-store.port';
import { comparePositions } from '../positions';

export interface EsdbEventStoreOptions {
  /** Whether `close()` disposes the client. Default `false`; `connect()` sets it. */
  readonly ownsClient?: boolean;
}

type EsdbRecorded = NonNullable<ResolvedEvent['event']>;

/** $all pages are read this many events at a time when the caller asks for no maximum. */
const READ_ALL_PAGE = 1000;

function isCommandError(error: unknown, type: ErrorType): boolean {
  return typeof error === 'object' && error !== null && (error as { type?: unknown }).type === type;
}

function translateEsdbError(error: unknown, doing: string): unknown {
  if (
    isCommandError(error, ErrorType.UNAVAILABLE) ||
    isCommandError(error, ErrorType.DEADLINE_EXCEEDED) ||
    isCommandError(error, ErrorType.TIMEOUT) ||
    isCommandError(error, ErrorType.NOT_LEADER)
  ) {
    const reason = error instanceof Error ? error.message : String(error);
    return new EventStoreUnavailableError(`EventStoreDB unavailable while ${doing}: ${reason}`, {
      cause: error,
    });
  }
  return error;
}

/** ESDB hands JSON back parsed; other content (written by some other tool) is passed on as text. */
function dataOf(event: EsdbRecorded): unknown {
  if (event.isJson) return event.data;
  const text = Buffer.from(event.data).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function positionOf(event: EsdbRecorded): Position {
  // Stream reads carry the $all position only from server 22.6 on; the port needs it everywhere.
  if (!event.position) {
    throw new EventStoreError(
      'unavailable',
      `EventStoreDB returned no position for event ${event.id}; server 22.6 or later is required`,
    );
  }
  return event.position;
}

function toRecordedEvent(event: EsdbRecorded): RecordedEvent {
  return {
    id: event.id,
    type: event.type,
    data: dataOf(event),
    metadata: event.metadata as unknown as EventMetadata,
    streamId: event.streamId,
    revision: event.revision,
    position: positionOf(event),
    // ESDB's `created` is already a Date (to the millisecond, from .NET ticks).
    recordedAt: event.created,
  };
}

function isUserEvent(resolved: AllStreamResolvedEvent | ResolvedEvent): resolved is { event: EsdbRecorded } {
  const event = resolved.event;
  return event !== undefined && !event.streamId.startsWith('$') && !event.type.startsWith('$');
}

function matchesPrefixes(streamId: string, prefixes: readonly string[] | undefined): boolean {
  return prefixes === undefined || prefixes.some((p) => streamId.startsWith(p));
}

function toEsdbPosition(position: Position | undefined): EsdbPosition | typeof ESDB_START {
  return position === undefined || comparePositions(position, START) <= 0 ? ESDB_START : position;
}

function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  return expected === 'no_stream' ? NO_STREAM : expected;
}

/**
 * The EventStoreDB adapter, over `@eventstore/db-client` v6: a thin translation of the port, plus
 * the idempotency rules ESDB does not enforce itself (it de-duplicates event ids only for some
 * retried appends, and only with an exact expected revision).
 *
 * Known differences from the PostgreSQL store, both for lack of a global event-id index in ESDB:
 * an id reused in ANOTHER stream is not detected, and with `'any'` two racing appends of the same
 * new event can both write it.
 */
export class EsdbEventStore implements EventStore {
  private readonly ownsClient: boolean;
  private readonly subscriptions = new Set<EsdbSubscription>();

  constructor(
    private readonly client: EventStoreDBClient,
    options: EsdbEventStoreOptions = {},
  ) {
    this.ownsClient = options.ownsClient ?? false;
  }

  /** A store over a new client for `connectionString` (e.g. `esdb://127.0.0.1:2113?tls=false`), disposed on close. */
  static connect(connectionString: string): EsdbEventStore {
    return new EsdbEventStore(EventStoreDBClient.connectionString(connectionString), { ownsClient: true });
  }

  async appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    const validated = validateAppend(streamId, events, expected);
    // The whole stream is read to find ids already in it. Waybill streams are one per shipment
    // (tens of events), so this costs one short read per append; it is what makes a redelivered
    // message a no-op and a reused id with new content an error, as the port requires.
    const stored = await this.readStream(streamId);
    const byId = new Map<string, ExistingEvent<RecordedEvent>>();
    for (const event of stored) {
      let canonical: string | undefined;
      byId.set(event.id, {
        streamId,
        type: event.type,
        canonicalData: () => (canonical ??= canonicalJson(event.data)),
        ref: event,
      });
    }
    const current = stored.length > 0 ? stored[stored.length - 1]!.revision : NO_STREAM_REVISION;
    const decision = decideAppend(streamId, validated, expected, current, (id) => byId.get(id));
    switch (decision.kind) {
      case 'reject':
        throw decision.error;
      case 'noop':
        return { nextRevision: current, appended: 0, position: lastPosition(decision.existing) };
      case 'write':
        break;
    }
    if (decision.toWrite.length === 0) {
      return { nextRevision: current, appended: 0, position: lastPosition(stored.slice(-1)) };
    }
    let nextRevision: bigint;
    try {
      const result = await this.client.appendToStream(
        streamId,
        decision.toWrite.map((event) =>
          jsonEvent({
            id: event.id,
            type: event.type,
            data: event.data as JSONType,
            metadata: event.metadata,
          }),
        ),
        // ESDB re-checks, atomically with the write, what decideAppend checked on a read that may be stale.
        { expectedRevision: toEsdbExpected(expected) },
      );
      nextRevision = result.nextExpectedRevision;
    } catch (error) {
      if (isCommandError(error, ErrorType.WRONG_EXPECTED_VERSION)) {
        const actual = (error as { actualVersion?: unknown }).actualVersion;
        const actualText = typeof actual === 'bigint' ? formatActual(actual) : 'no_stream';
        throw new WrongExpectedRevisionError(streamId, formatExpected(expected), actualText, {
          cause: error,
        });
      }
      throw translateEsdbError(error, `appending to ${streamId}`);
    }
    // The append result's position belongs to the write as a whole and is not documented to equal
    // its last event's $all position, which is what the port promises; reading it back is exact.
    const [last] = await this.readStream(streamId, { fromRevision: nextRevision, maxCount: 1 });
    const written = last && last.id === decision.toWrite[decision.toWrite.length - 1]!.id ? [last] : [];
    return {
      nextRevision,
      appended: decision.toWrite.length,
      position: lastPosition([...decision.existing, ...written]),
    };
  }

  /** EventStoreDB has no multi-stream read: the streams are read concurrently over one connection. */
  async readStreams(streamIds: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
    const unique = [...new Set(streamIds)];
    const read = await Promise.all(unique.map(async (id) => [id, await this.readStream(id)] as const));
    return new Map(read);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { recordedUpTo, upToPosition, maxCount } = options;
    const filtered = recordedUpTo !== undefined || upToPosition !== undefined;
    const events: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(streamId, {
        fromRevision: options.fromRevision ?? ESDB_START,
        // With a filter the count applies to what passes it, so the server cannot cut the read short.
        ...(maxCount !== undefined && !filtered ? { maxCount } : {}),
      });
      for await (const resolved of read) {
        if (!resolved.event) continue;
        const event = toRecordedEvent(resolved.event);
        if (recordedUpTo !== undefined && event.recordedAt.getTime() > recordedUpTo.getTime()) continue;
        if (upToPosition !== undefined && comparePositions(event.position, upToPosition) > 0) continue;
        events.push(event);
        if (maxCount !== undefined && events.length >= maxCount) break;
      }
    } catch (error) {
      if (isCommandError(error, ErrorType.STREAM_NOT_FOUND)) return [];
      throw translateEsdbError(error, `reading stream ${streamId}`);
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { maxCount, streamPrefixes } = options;
    const events: RecordedEvent[] = [];
    // v6 of the client sends no server-side filter on reads (only on subscriptions), so $all is
    // paged through and filtered here. Reads start AT a position (subscriptions start after it).
    let from: Position | undefined = options.after;
    if (maxCount !== undefined && maxCount <= 0) return events;
    try {
      pages: for (;;) {
        let seen = 0;
        let last: Position | undefined;
        for await (const resolved of this.client.readAll({
          fromPosition: toEsdbPosition(from),
          maxCount: READ_ALL_PAGE,
        })) {
          seen += 1;
          const position = resolved.event?.position;
          if (!position) continue;
          last = position;
          if (from !== undefined && comparePositions(position, from) <= 0) continue;
          if (!isUserEvent(resolved) || !matchesPrefixes(resolved.event.streamId, streamPrefixes)) continue;
          events.push(toRecordedEvent(resolved.event));
          if (maxCount !== undefined && events.length >= maxCount) break pages;
        }
        if (seen < READ_ALL_PAGE || last === undefined) break;
        from = last;
      }
    } catch (error) {
      throw translateEsdbError(error, 'reading $all');
    }
    return events;
  }

  subscribeToAll(handler: SubscriptionHandler, options: SubscribeOptions = {}): Subscription {
    const batchSize = options.batchSize ?? 500;
    if (!Number.isInteger(batchSize) || batchSize <= 0)
      throw new RangeError('batchSize must be a positive integer');
    const prefixes = options.streamPrefixes;
    const native = this.client.subscribeToAll({
      fromPosition: toEsdbPosition(options.after),
      // Filtering on the server keeps unrelated traffic off the wire; system events are excluded
      // either way ($ streams never match a Waybill prefix).
      filter: prefixes ? streamNameFilter({ prefixes: [...prefixes] }) : excludeSystemEvents(),
    });
    const subscription: EsdbSubscription = new EsdbSubscription(native, handler, batchSize, prefixes, () =>
      this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async ping(): Promise<void> {
    try {
      for await (const _ of this.client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 })) {
        // Reaching the server is the point; the event itself is not needed.
      }
    } catch (error) {
      const translated = translateEsdbError(error, 'pinging');
      if (translated instanceof EventStoreUnavailableError) throw translated;
      throw new EventStoreUnavailableError('EventStoreDB ping failed', { cause: error });
    }
  }

  /** Stops the subscriptions (waiting for in-flight batches); disposes the client only if this store owns it. */
  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    if (this.ownsClient) await this.client.dispose();
  }
}

function lastPosition(events: readonly RecordedEvent[]): Position {
  return events.reduce<Position>(
    (max, e) => (comparePositions(e.position, max) > 0 ? e.position : max),
    START,
  );
}

/**
 * Turns ESDB's one-event-at-a-time stream into batches: events arriving while the handler runs are
 * buffered (the stream is paused so the buffer stays bounded) and make up the next batch.
 */
class EsdbSubscription implements Subscription {
  readonly done: Promise<void>;
  private readonly buffer: RecordedEvent[] = [];
  private inFlight: Promise<void> | undefined;
  private scheduled = false;
  private stopped = false;
  private settled = false;
  private settle!: { resolve: () => void; reject: (error: unknown) => void };

  constructor(
    private readonly native: AllStreamSubscription,
    private readonly handler: SubscriptionHandler,
    private readonly batchSize: number,
    private readonly prefixes: readonly string[] | undefined,
    onEnd: () => void,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    }).finally(onEnd);
    this.done.catch(() => undefined);
    native.on('data', (resolved) => this.receive(resolved));
    native.on('error', (error) => this.fail(translateEsdbError(error, 'subscribing to $all')));
    native.on('end', () => {
      if (!this.stopped) this.fail(new EventStoreUnavailableError('EventStoreDB ended the subscription'));
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.native.unsubscribe().catch(() => undefined);
    // inFlight never rejects: a handler failure is turned into fail() inside it.
    await this.inFlight;
    if (!this.settled) {
      this.settled = true;
      this.settle.resolve();
    }
    await this.done.catch(() => undefined);
  }

  private receive(resolved: AllStreamResolvedEvent): void {
    if (this.stopped || !isUserEvent(resolved) || !matchesPrefixes(resolved.event.streamId, this.prefixes))
      return;
    try {
      this.buffer.push(toRecordedEvent(resolved.event));
    } catch (error) {
      this.fail(error);
      return;
    }
    if (this.buffer.length >= this.batchSize) this.native.pause();
    if (!this.inFlight && !this.scheduled) {
      this.scheduled = true;
      // Events the stream already holds arrive synchronously; waiting a turn lets them join the batch.
      setImmediate(() => {
        this.scheduled = false;
        this.deliver();
      });
    }
  }

  private deliver(): void {
    if (this.stopped || this.inFlight || this.buffer.length === 0) return;
    this.native.pause();
    const batch = this.buffer.splice(0, this.batchSize);
    this.inFlight = this.handler(batch).then(
      () => {
        this.inFlight = undefined;
        if (this.stopped) return;
        this.native.resume();
        this.deliver();
      },
      (error: unknown) => {
        this.inFlight = undefined;
        this.fail(error);
      },
    );
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.stopped = true;
    this.native.unsubscribe().catch(() => undefined);
    this.settle.reject(error);
  }
}
