import { type ClientBase, type Pool } from 'pg';
import { preparedQuery, withTransaction } from '@waybill/platform';
import { validateAppend } from '../append-rules';
import { EventStoreUnavailableError } from '../errors';
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
import { type AppendOutcome, type AppendRequest, writeAppends } from './postgres-append-batch';
import { isRetryable, isUnavailable, translatePgError } from './postgres-errors';
import { migrate, type Tables, tablesFor } from './postgres-event-store.schema';
import { type Page, PollingSubscription } from './polling-subscription';

export interface PostgresEventStoreOptions {
  /** Schema holding the `events` and `streams` tables. Default `waybill_events`. */
  readonly schema?: string;
  /**
   * Whether `close()` ends the pool. Default `false`: the pool usually serves the projections and
   * checkpoints too, so whoever created it ends it.
   */
  readonly ownsPool?: boolean;
  /** Most events one group-commit transaction takes (an append is never split). Default 500. */
  readonly maxBatchEvents?: number;
  /** Group-commit transactions in flight at once (default 1: on a busy event loop, bigger batches beat more of them). */
  readonly maxConcurrentBatches?: number;
  /** How often an idle subscription looks for new events. Default 50 ms. */
  readonly pollIntervalMs?: number;
}

interface PendingAppend {
  readonly request: AppendRequest;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

interface EventRow {
  stream_id: string;
  revision: string;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
  commit: string;
  prepare: string;
  recorded_ms: string;
}

// Everything as text, parsed here: int8 and xid8 exceed a JS number, and the pool we are given
// may carry type parsers configured for someone else's needs.
const EVENT_COLUMNS = `e.stream_id, e.revision::text AS revision, e.event_id::text AS event_id, e.type,
  e.data::text AS data, e.metadata::text AS metadata,
  e.transaction_id::text AS commit, e.sequence::text AS prepare,
  (extract(epoch FROM e.recorded_at) * 1000)::int8::text AS recorded_ms`;

const MAX_RETRIES = 3;

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.type,
    data: JSON.parse(row.data) as unknown,
    metadata: JSON.parse(row.metadata) as EventMetadata,
    streamId: row.stream_id,
    revision: BigInt(row.revision),
    position: { commit: BigInt(row.commit), prepare: BigInt(row.prepare) },
    recordedAt: new Date(Number(row.recorded_ms)),
  };
}

function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The parameters `$1` and `$2` of a read of the global order after `after` (compared as
 * `(e.transaction_id, e.sequence) > ($1::xid8, $2::int8)`), and the stream-prefix filter with its
 * parameter, if any. More parameters go after these.
 */
function afterPosition(after: Position, prefixes?: readonly string[]): { values: unknown[]; filter: string } {
  const values: unknown[] = [xid8(after.commit), after.prepare.toString()];
  if (prefixes === undefined) return { values, filter: '' };
  values.push(prefixes.map(likePrefix));
  return { values, filter: ` AND e.stream_id LIKE ANY ($${values.length}::text[])` };
}

/** xid8 has no negative values; START (-1) and anything below a real transaction id read as 0. */
function xid8(commit: bigint): string {
  return (commit < 0n ? 0n : commit).toString();
}

/**
 * The default event store: one `events` table in PostgreSQL.
 *
 * Global order is `(transaction_id, sequence)`, and reads of it stop below the oldest
 * transaction still running (see `readPage`). Appends from concurrent callers are group-committed:
 * while one transaction is in flight the next calls queue, and then go together in one
 * transaction of a few statements.
 */
export class PostgresEventStore implements EventStore {
  private readonly tables: Tables;
  private readonly ownsPool: boolean;
  private readonly maxBatchEvents: number;
  private readonly pollIntervalMs: number;
  private queue: PendingAppend[] = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly inFlightStreams = new Set<string>();
  private readonly maxConcurrentBatches: number;
  private readonly subscriptions = new Set<PollingSubscription>();
  private closed = false;

  constructor(
    private readonly pool: Pool,
    options: PostgresEventStoreOptions = {},
  ) {
    this.tables = tablesFor(options.schema ?? 'waybill_events');
    this.ownsPool = options.ownsPool ?? false;
    this.maxBatchEvents = options.maxBatchEvents ?? 500;
    this.maxConcurrentBatches = options.maxConcurrentBatches ?? 1;
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
  }

  /** Creates the schema and tables if they are missing, then the store. */
  static async create(pool: Pool, options: PostgresEventStoreOptions = {}): Promise<PostgresEventStore> {
    const store = new PostgresEventStore(pool, options);
    try {
      await migrate(pool, store.tables);
    } catch (error) {
      throw translatePgError(error, 'migrating the event store schema');
    }
    return store;
  }

  async appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    if (this.closed) throw new EventStoreUnavailableError('the event store is closed');
    const request = { streamId, events: validateAppend(streamId, events, expected), expected };
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      // Deferred by one turn of the event loop so that appends issued together (Promise.all over
      // a batch of messages) leave together, instead of the first one going alone.
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.drain());
      }
    });
  }

  /**
   * Appends within a transaction the caller controls (BEGIN before, COMMIT after), with the same
   * SQL as `appendToStream` but outside group commit. Readers see the events only once that
   * transaction commits, and subscribers of the whole store wait for it: keep it short.
   */
  async appendInTransaction(
    client: ClientBase,
    streamId: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    const request = { streamId, events: validateAppend(streamId, events, expected), expected };
    const [outcome] = await writeAppends(client, this.tables, [request]);
    if (!outcome!.ok) throw outcome!.error;
    return outcome!.result;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const values: unknown[] = [streamId, (options.fromRevision ?? 0n).toString()];
    let where = 'e.stream_id = $1 AND e.revision >= $2::int8';
    if (options.recordedUpTo) {
      values.push(options.recordedUpTo);
      where += ` AND e.recorded_at <= $${values.length}::timestamptz`;
    }
    if (options.upToPosition) {
      values.push(xid8(options.upToPosition.commit), options.upToPosition.prepare.toString());
      where += ` AND (e.transaction_id, e.sequence) <= ($${values.length - 1}::xid8, $${values.length}::int8)`;
    }
    let limit = '';
    if (options.maxCount !== undefined) {
      values.push(options.maxCount);
      limit = `LIMIT $${values.length}::int8`;
    }
    try {
      const result = await this.pool.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM ${this.tables.events} e WHERE ${where} ORDER BY e.revision ${limit}`,
        values,
      );
      return result.rows.map(toRecordedEvent);
    } catch (error) {
      throw translatePgError(error, `reading stream ${streamId}`);
    }
  }

  async readStreams(streamIds: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
    const streams = new Map<string, RecordedEvent[]>(streamIds.map((id) => [id, []]));
    if (streamIds.length === 0) return streams;
    try {
      const result = await this.pool.query<EventRow>(
        preparedQuery(
          `SELECT ${EVENT_COLUMNS} FROM ${this.tables.events} e
           WHERE e.stream_id = ANY($1::text[]) ORDER BY e.stream_id, e.revision`,
          [[...new Set(streamIds)]],
        ),
      );
      for (const row of result.rows) {
        const event = toRecordedEvent(row);
        streams.get(event.streamId)!.push(event);
      }
      return streams;
    } catch (error) {
      throw translatePgError(error, `reading ${streamIds.length} streams`);
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const page = await this.readPage(options.after ?? START, options.maxCount, options.streamPrefixes);
    return page.events;
  }

  async countEventsAfter(
    after: Position,
    options: { readonly streamPrefixes?: readonly string[] } = {},
  ): Promise<number> {
    const { values, filter } = afterPosition(after, options.streamPrefixes);
    try {
      const result = await this.pool.query<{ count: string }>(
        `SELECT count(*)::text AS count FROM ${this.tables.events} e
         WHERE (e.transaction_id, e.sequence) > ($1::xid8, $2::int8)${filter}`,
        values,
      );
      return Number(result.rows[0]!.count);
    } catch (error) {
      throw translatePgError(error, 'counting events');
    }
  }

  subscribeToAll(handler: SubscriptionHandler, options: SubscribeOptions = {}): Subscription {
    const batchSize = options.batchSize ?? 500;
    if (!Number.isInteger(batchSize) || batchSize <= 0)
      throw new RangeError(`batchSize must be a positive integer`);
    if (this.closed) throw new EventStoreUnavailableError('the event store is closed');
    const prefixes = options.streamPrefixes;
    const subscription: PollingSubscription = new PollingSubscription({
      after: options.after ?? START,
      batchSize,
      pollIntervalMs: this.pollIntervalMs,
      readPage: (after, limit) => this.readPage(after, limit, prefixes),
      handler,
      onEnd: () => this.subscriptions.delete(subscription),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  async ping(): Promise<void> {
    try {
      await this.pool.query('SELECT 1');
    } catch (error) {
      throw translatePgError(error, 'pinging');
    }
  }

  /**
   * Stops the subscriptions (waiting for their in-flight batches), lets queued appends finish, and
   * refuses new ones. Ends the pool only if the store was given `ownsPool: true`.
   */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.settled();
    if (this.ownsPool) await this.pool.end();
  }

  /**
   * One page of the global order after `after`.
   *
   * Why the frontier: `sequence` is taken when a row is inserted but becomes visible when its
   * transaction commits, and transactions commit in any order. A reader that trusts `sequence`
   * (or commit order) alone can read sequence 11 from a transaction that committed first, store
   * checkpoint 11, and never see sequence 10 committed a moment later: the "gap" that
   * sequence-based Marten and Eventuous subscribers hit. Ordering by the appending transaction's
   * id and returning only rows of transactions older than the oldest one still running
   * (`pg_snapshot_xmin`) means every row a reader could still be missing sorts after everything
   * it has already read. The price is latency, not loss: a long-running write transaction
   * anywhere on the cluster holds delivery back until it ends.
   */
  private async readPage(
    after: Position,
    limit: number | undefined,
    prefixes?: readonly string[],
  ): Promise<Page> {
    const { values, filter } = afterPosition(after, prefixes);
    let limitSql = '';
    if (limit !== undefined) {
      values.push(limit);
      limitSql = `LIMIT $${values.length}::int8`;
    }
    try {
      const result = await this.pool.query<EventRow & { frontier: string }>(
        preparedQuery(
          `WITH snapshot AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
         SELECT page.*, snapshot.xmin::text AS frontier
         FROM snapshot LEFT JOIN LATERAL (
           SELECT ${EVENT_COLUMNS} FROM ${this.tables.events} e
           WHERE (e.transaction_id, e.sequence) > ($1::xid8, $2::int8) AND e.transaction_id < snapshot.xmin${filter}
           ORDER BY e.transaction_id, e.sequence
           ${limitSql}
         ) page ON true`,
          values,
        ),
      );
      const frontier = BigInt(result.rows[0]!.frontier);
      const events = result.rows[0]!.event_id === null ? [] : result.rows.map(toRecordedEvent);
      return { events, frontier };
    } catch (error) {
      throw translatePgError(error, 'reading all streams');
    }
  }

  /**
   * Up to `maxConcurrentBatches` transactions are in flight at once, so that the database works
   * on one batch while Node prepares the next. A stream is in at most one in-flight batch: its
   * later appends wait in the queue, in call order, until that batch settles.
   */
  private drain(): void {
    this.scheduled = false;
    while (this.queue.length > 0 && this.inFlight.size < this.maxConcurrentBatches) {
      const batch: PendingAppend[] = [];
      const rest: PendingAppend[] = [];
      const batchStreams = new Set<string>();
      const held = new Set<string>();
      let events = 0;
      for (const pending of this.queue) {
        const { streamId } = pending.request;
        const size = pending.request.events.length;
        const busy = this.inFlightStreams.has(streamId) || held.has(streamId);
        if (busy || (batch.length > 0 && events + size > this.maxBatchEvents)) {
          held.add(streamId);
          rest.push(pending);
          continue;
        }
        batch.push(pending);
        batchStreams.add(streamId);
        events += size;
      }
      this.queue = rest;
      if (batch.length === 0) break;
      for (const streamId of batchStreams) this.inFlightStreams.add(streamId);
      const commit: Promise<void> = this.commitBatch(batch).finally(() => {
        for (const streamId of batchStreams) this.inFlightStreams.delete(streamId);
        this.inFlight.delete(commit);
        this.drain();
      });
      this.inFlight.add(commit);
    }
  }

  /** Resolves when nothing is queued or in flight. */
  private async settled(): Promise<void> {
    while (this.inFlight.size > 0 || this.queue.length > 0) {
      await Promise.all([...this.inFlight]);
      if (this.inFlight.size === 0 && this.queue.length > 0) this.drain();
    }
  }

  /** Never throws: every pending append is settled. */
  private async commitBatch(batch: PendingAppend[], attempt = 1): Promise<void> {
    let outcomes: AppendOutcome[];
    try {
      outcomes = await withTransaction(this.pool, (client) =>
        writeAppends(
          client,
          this.tables,
          batch.map((p) => p.request),
        ),
      );
    } catch (error) {
      if (isUnavailable(error)) {
        const translated = translatePgError(error, 'appending');
        for (const pending of batch) pending.reject(translated);
      } else if (batch.length > 1) {
        // Something about one append broke the statement for all (say, data PostgreSQL cannot
        // store). Retrying them one by one, in call order, confines the failure to its caller.
        for (const pending of batch) await this.commitBatch([pending]);
      } else if (isRetryable(error) && attempt < MAX_RETRIES) {
        // Lost a race with another process (the same event id, or a deadlock on stream locks);
        // the next attempt sees its committed rows and decides properly.
        await this.commitBatch(batch, attempt + 1);
      } else {
        batch[0]!.reject(error);
      }
      return;
    }
    outcomes.forEach((outcome, i) =>
      outcome.ok ? batch[i]!.resolve(outcome.result) : batch[i]!.reject(outcome.error),
    );
    if (outcomes.some((o) => o.ok && o.result.appended > 0)) for (const s of this.subscriptions) s.wake();
  }
}
