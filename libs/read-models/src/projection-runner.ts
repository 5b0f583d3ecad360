import type { Pool, PoolClient } from 'pg';
import {
  comparePositions,
  formatPosition,
  START,
  type EventStore,
  type Position,
  type RecordedEvent,
  type Subscription,
} from '@waybill/event-store';
import { LeaderLock, migrateSchema } from '@waybill/platform';
import { type EventLike, type Projection } from '@waybill/projections';
import {
  checkpointsTable,
  checkpointsTableDdl,
  insertStartCheckpoint,
  readCheckpoint,
} from './checkpoints-table';
import { parseJson, stringifyJson } from './json-codec';
import { identifier, rowsTableName } from './sql';

/**
 * Rows per INSERT. PostgreSQL's cost per row grows with the length of a VALUES list: measured here,
 * 3,500 rows of 2 KB took 250 ms in one statement and 90 ms in seven of 500.
 */
const ROWS_PER_STATEMENT = 500;

/** The default schema of the read models. */
export const READ_MODELS_SCHEMA = 'read_models';

/**
 * What a batch changed, handed to each `ReadModelTable` inside the batch's transaction, after the
 * projection's rows were written.
 */
export interface BatchContext<Row> {
  /** The transaction's client: write with it, or the write is not part of the batch. */
  readonly client: PoolClient;
  readonly schema: string;
  /** How many events the batch applied, and the position of its last: the new checkpoint. */
  readonly eventCount: number;
  readonly through: Position;
  /** The rows the batch changed, by key, as now stored. */
  readonly changed: ReadonlyMap<string, Row>;
  /** Reads stored rows by key in the transaction (this batch's writes included); missing keys are absent. */
  loadRows(keys: readonly string[]): Promise<Map<string, Row>>;
}

/** A query table derived from a projection's rows and kept in the same transaction as they are. */
export interface ReadModelTable<Row> {
  /** The tables `ddl` creates, unqualified: a rebuild moves them between schemas. */
  readonly names: readonly string[];
  /** Idempotent DDL (`CREATE … IF NOT EXISTS`) of the table and its indexes in `schema`. */
  ddl(schema: string): readonly string[];
  /** Brings the table up to date with the rows the batch changed. */
  write(batch: BatchContext<Row>): Promise<void>;
}

export interface ProjectionRunnerOptions<Row, Event extends EventLike = EventLike> {
  readonly store: EventStore;
  readonly pool: Pool;
  readonly projection: Projection<Row, Event>;
  /** Default `read_models`. */
  readonly schema?: string;
  /** Only streams whose id starts with one of these (e.g. `shipment-`, `contract-`). */
  readonly streamPrefixes?: readonly string[];
  /** Events per transaction. Default 500. */
  readonly batchSize?: number;
  /** Query tables kept in the same transaction as the rows. */
  readonly tables?: readonly ReadModelTable<Row>[];
  /** Called when a batch fails (it is rolled back and retried) or the leader lock is lost. */
  readonly onError?: (error: unknown) => void;
  /**
   * Called once when the stored rows turn out to be of another version of the projection (status
   * `outdated`): not a failure, the rows are served until a rebuild swaps in rows of this version.
   */
  readonly onOutdated?: (storedVersion: number) => void;
  /** Delay before following the log again after a failed batch. Default 1 s. */
  readonly restartDelayMs?: number;
  /** How often a standby tries to take the lead. Default 1 s. */
  readonly standbyRetryMs?: number;
  /**
   * Runs inside each batch's transaction, after every write and before the checkpoint: for tests
   * that make a batch fail half-way.
   */
  readonly beforeCheckpoint?: (client: PoolClient, through: Position) => Promise<void>;
  /**
   * Write-behind: keep folding in memory and commit once this many events are pending, or when the
   * log has no more for now (a short batch, or `flushDelayMs` without a batch). Default 0: commit
   * every batch, the right thing when following live. A rebuild sets it high, so that each row is
   * encoded and written once per flush rather than once per event.
   */
  readonly flushEveryEvents?: number;
  /** Flush what is pending after this long without a new batch. Default 100 ms. */
  readonly flushDelayMs?: number;
  /** Committed rows kept in memory by the leader, saving a read and a decode per batch. Default 20,000. */
  readonly cachedRows?: number;
  /**
   * The rows table starts empty and this runner is its only writer (a rebuild's shadow). A key it
   * has never committed is then known to be absent and is not looked up: in a rebuild from
   * position 0 almost every key is new, and looking each up cost bench/rebuild 40% of its time.
   * The runner remembers up to `knownKeys` committed keys; past that it looks misses up again.
   */
  readonly freshTable?: boolean;
  /** Most keys remembered for `freshTable`. Default 1,000,000 (about 100 MB). */
  readonly knownKeys?: number;
}

/** Events folded into rows in memory, not yet committed; `round` is the following they belong to. */
interface Folded<Row> {
  readonly round: number;
  /**
   * How many events are folded, and the last of them. Not the events themselves: kept until the
   * commit, 25,000 parsed events outlived the young generation and made garbage collection a
   * quarter of a rebuild's time.
   */
  count: number;
  last: Position | null;
  readonly dirty: Map<string, Row>;
}

/** What the runner is doing, for `GET /v1/projections`. */
export type RunnerStatus =
  /** Not started, or stopped. */
  | 'stopped'
  /** Another process leads; this one waits to take over. */
  | 'standby'
  /** Leads and follows the log. */
  | 'running'
  /**
   * The stored rows were built by another version of the projection. They keep being served, but
   * are not followed until a rebuild swaps in rows of this version.
   */
  | 'outdated';

/** Infrastructure failures of a runner; `cause` holds the driver's error when there is one. */
export class ProjectionRunnerError extends Error {
  constructor(
    readonly code: 'checkpoint_moved' | 'lock_lost' | 'stopped',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProjectionRunnerError';
  }
}

/**
 * Keeps a projection's rows in PostgreSQL, following the event log from its checkpoint. Each
 * batch is one transaction: load the rows the batch touches, fold the batch with the pure
 * projection, upsert the rows that changed and the query tables derived from them, move the
 * checkpoint, commit. A crash anywhere before the commit leaves nothing of the batch behind, and
 * the batch is read again from the unchanged checkpoint: every event takes effect exactly once.
 *
 * One runner per projection at a time, across processes: the leader holds a PostgreSQL advisory
 * lock on a connection of its own, the others stand by and retry. A leader that loses that
 * connection stops. In addition, each transaction checks that the checkpoint is still where this
 * runner left it, so two runners can never both apply a batch, even in the moment a lock is lost.
 */
export class ProjectionRunner<Row, Event extends EventLike = EventLike> {
  readonly schema: string;
  /** `<schema>.<name>`: key text, row text (JSON; json or jsonb in tables made before). */
  readonly rowsTable: string;
  /** The name of the checkpoint in `<schema>.projection_checkpoints`: the projection's name as a SQL identifier. */
  readonly checkpointName: string;
  /** `<schema>.projection_checkpoints`. */
  readonly checkpointsTable: string;

  private migrated = false;
  private stopped = false;
  private readonly lock: LeaderLock;
  private subscription: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Where the checkpoint is as far as this runner knows: loaded when it starts to follow, then its commits. */
  private committed: Position = START;
  /** Bumped whenever following the log starts over: a batch of an older round must not commit. */
  private round = 0;
  /**
   * The checkpoint row's epoch as this runner loaded it. A rebuild that swaps in new tables bumps
   * it, so a runner whose cache or position belong to the old tables fails its next claim.
   */
  private epoch = 0;
  private outdated = false;
  /** Committed rows, oldest first: valid while the checkpoint row is where this runner left it. */
  private readonly cache = new Map<string, Row>();
  /**
   * With `freshTable`: every key this runner has committed since the table was empty, so a key
   * not in it has no stored row. `null` when not known (not fresh, or too many keys).
   */
  private committedKeys: Set<string> | null = null;
  /** Folded but not yet committed (write-behind). */
  private pending: Folded<Row> | null = null;
  /**
   * Folded and being committed while the next events are folded. Its rows are newer than the
   * cache's until it commits, and the next commit waits for it: commits stay in log order.
   */
  private writing: { folded: Folded<Row>; done: Promise<void> } | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  /** Serialises batches and timed flushes. */
  private work: Promise<void> = Promise.resolve();
  /** Stop applying events after this position and wait (a rebuild lines the shadow up with the live rows). */
  private holdAt: Position | null = null;
  private heldWaiters: (() => void)[] = [];
  private releaseHold: (() => void) | null = null;
  private eventsApplied = 0;

  constructor(private readonly options: ProjectionRunnerOptions<Row, Event>) {
    this.schema = identifier(options.schema ?? READ_MODELS_SCHEMA);
    const table = rowsTableName(options.projection.name);
    this.rowsTable = `${this.schema}.${table}`;
    this.checkpointName = table;
    this.checkpointsTable = checkpointsTable(this.schema);
    this.lock = new LeaderLock(options.pool, `waybill:read-model:${this.schema}.${table}`, (error) => {
      this.options.onError?.(
        new ProjectionRunnerError('lock_lost', 'lost the leader lock', { cause: error }),
      );
      // Without the lock another process may lead: this one stops for good.
      void this.stop();
    });
  }

  /** Whether this runner holds the lead and follows the log. */
  get leading(): boolean {
    return this.lock.held;
  }

  get status(): RunnerStatus {
    if (this.stopped) return 'stopped';
    if (!this.leading) return 'standby';
    return this.outdated ? 'outdated' : 'running';
  }

  /** Events this runner has committed since it was created. */
  get applied(): number {
    return this.eventsApplied;
  }

  /**
   * Applies nothing after `position` until `release()`: resolves once the committed checkpoint is
   * exactly `position`. Only for a position this runner has not passed.
   */
  async holdAtPosition(position: Position): Promise<void> {
    let reached = false;
    // In the queue, so that no batch is half-folded while the hold is checked and set.
    await this.enqueue(async () => {
      const last = this.pending?.last ?? this.writing?.folded.last ?? this.committed;
      if (comparePositions(last, position) > 0)
        throw new RangeError(`already past ${formatPosition(position)}`);
      this.holdAt = position;
      await this.flush(this.round);
      reached = comparePositions(this.committed, position) === 0;
    });
    if (!reached) await new Promise<void>((resolve) => this.heldWaiters.push(resolve));
  }

  /** Commits what is folded, then applies nothing more until `release()`; resolves with where it stands. */
  async holdHere(): Promise<Position> {
    let at: Position = START;
    await this.enqueue(async () => {
      await this.flush(this.round);
      this.holdAt = this.committed;
      at = this.committed;
    });
    return at;
  }

  /** Lifts `holdAtPosition` and `holdHere`. */
  release(): void {
    this.holdAt = null;
    const release = this.releaseHold;
    this.releaseHold = null;
    release?.();
  }

  /** The checkpoint as this runner last loaded or committed it; `null` before the first batch. */
  get position(): Position | null {
    return comparePositions(this.committed, START) === 0 ? null : this.committed;
  }

  /** Creates the tables if missing, then follows the log, or stands by until it can lead. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.migrate();
    if (await this.tryLead()) await this.followOrRetry();
    else this.standBy();
  }

  /** Stops following (waiting for the batch in flight) and gives the lead up. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.round++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.release();
    this.forget();
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
    await subscription?.done.catch(() => undefined);
    // A commit in flight ends (rolled back: the round moved on) before the lock is given up.
    await this.writing?.done.catch(() => undefined);
    await this.lock.release();
  }

  /** The stored checkpoint, or `undefined` before the first batch. */
  async checkpoint(): Promise<Position | undefined> {
    await this.migrate();
    const position = (await readCheckpoint(this.options.pool, this.schema, this.checkpointName))?.position;
    return position === undefined || comparePositions(position, START) === 0 ? undefined : position;
  }

  private async migrate(): Promise<void> {
    if (this.migrated) return;
    await migrateSchema(this.options.pool, this.schema, [
      checkpointsTableDdl(this.schema),
      // The runner stores and loads whole rows by key and never queries inside them (SQL that
      // does casts to json), so the row is plain text: PostgreSQL parses every json value it is
      // given, and compresses (TOAST) a row above about 2 KB, which a folded shipment is. Kept
      // uncompressed up to a page, a rebuild's writes cost PostgreSQL about 40% less (ADR 0009), for
      // a table about 1.5 times the size. Tables made before keep json or jsonb; `upsertRows`
      // writes to any of them.
      `CREATE TABLE IF NOT EXISTS ${this.rowsTable} (
         key        text PRIMARY KEY,
         row        text NOT NULL,
         updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
       ) WITH (toast_tuple_target = 8160)`,
      // The row exists from the start, so that the first batches of two runners serialise on it too.
      insertStartCheckpoint(this.schema, this.checkpointName, this.options.projection.version),
      ...(this.options.tables ?? []).flatMap((table) => table.ddl(this.schema)),
    ]);
    this.migrated = true;
  }

  private async tryLead(): Promise<boolean> {
    if (!(await this.lock.tryAcquire())) return false;
    if (this.stopped) {
      // Stopped while the lock was being taken: give it back rather than lead unseen.
      await this.lock.release();
      return false;
    }
    return true;
  }

  private standBy(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tryLead()
        .then((led) => (led ? this.followOrRetry() : this.standBy()))
        .catch((error: unknown) => {
          this.options.onError?.(error);
          this.standBy();
        });
    }, this.options.standbyRetryMs ?? 1000);
  }

  private async followOrRetry(): Promise<void> {
    try {
      await this.follow();
    } catch (error) {
      this.restartLater(error);
    }
  }

  private async follow(): Promise<void> {
    if (this.stopped || !this.leading) return;
    const round = ++this.round;
    this.forget();
    // The checkpoint is read once a commit of the previous round has ended, or it might move after.
    await this.writing?.done.catch(() => undefined);
    if (round !== this.round) return;
    const stored = await this.loadCheckpoint();
    if (round !== this.round) return;
    this.freshKeysAfterLoading(stored);
    this.epoch = stored.epoch;
    this.committed = stored.position;
    const version = this.options.projection.version;
    // Rows of another version are served as they are, and not touched, until a rebuild swaps.
    // An empty read model has nothing to serve: it simply starts at this version.
    if (stored.version !== version && comparePositions(stored.position, START) !== 0) {
      if (!this.outdated) this.options.onOutdated?.(stored.version);
      this.outdated = true;
      // Looks again later: a rebuild's swap brings rows of this version.
      this.restartLater(undefined, this.options.standbyRetryMs ?? 1000);
      return;
    }
    this.outdated = false;
    const after = comparePositions(stored.position, START) === 0 ? undefined : stored.position;
    const subscription = this.options.store.subscribeToAll(
      (events) => this.enqueue(() => this.applyBatch(events, round)),
      {
        ...(after ? { after } : {}),
        ...(this.options.streamPrefixes ? { streamPrefixes: this.options.streamPrefixes } : {}),
        batchSize: this.batchSize,
      },
    );
    this.subscription = subscription;
    subscription.done.then(
      () => undefined,
      (error: unknown) => {
        if (round === this.round) this.restartLater(error);
      },
    );
  }

  /**
   * A fresh table at its start has no rows; after that, the keys this runner committed are all it
   * has only while the checkpoint is still where this runner left it (nobody else wrote).
   */
  private freshKeysAfterLoading(stored: { position: Position; epoch: number }): void {
    if (!this.options.freshTable) return;
    if (comparePositions(stored.position, START) === 0) this.committedKeys = new Set();
    else if (comparePositions(stored.position, this.committed) !== 0 || stored.epoch !== this.epoch)
      this.committedKeys = null;
  }

  private get batchSize(): number {
    return this.options.batchSize ?? 500;
  }

  private async loadCheckpoint(): Promise<{ position: Position; version: number; epoch: number }> {
    await this.migrate();
    const row = await readCheckpoint(this.options.pool, this.schema, this.checkpointName);
    return row ?? { position: START, version: this.options.projection.version, epoch: 0 };
  }

  /** Follows again after `delayMs`; `error`, when given, is reported first. */
  private restartLater(error: unknown, delayMs = this.options.restartDelayMs ?? 1000): void {
    if (error !== undefined) this.options.onError?.(error);
    if (this.stopped) return;
    const subscription = this.subscription;
    this.subscription = null;
    void subscription?.stop();
    this.round++;
    this.forget();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.followOrRetry();
    }, delayMs);
  }

  /** Drops the cache and whatever is folded but not committed: both are re-read from the database. */
  private forget(): void {
    this.cache.clear();
    this.pending = null;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.work.then(task);
    this.work = next.catch(() => undefined);
    return next;
  }

  private async applyBatch(all: readonly RecordedEvent[], round: number): Promise<void> {
    // Failing, not skipping: a skipped batch would let the subscription move past it.
    if (round !== this.round)
      throw new ProjectionRunnerError('stopped', 'this runner stopped following the log');
    const holdAt = this.holdAt;
    const events = holdAt ? all.filter((e) => comparePositions(e.position, holdAt) <= 0) : all;
    if (events.length > 0) {
      await this.fold(events, round);
      const pending = this.pending;
      const flushEvery = this.options.flushEveryEvents ?? 0;
      const full = pending !== null && pending.count >= flushEvery;
      // A short batch means the log has nothing more for now: commit rather than wait.
      if (all.length < this.batchSize || events.length < all.length) await this.flush(round);
      // Write-behind with more of the log to come: PostgreSQL writes while Node folds what follows.
      else if (full && flushEvery > 0) await this.flush(round, false);
      else if (full) await this.flush(round);
      else this.scheduleFlush(round);
    }
    if (events.length < all.length) {
      // Commit what is folded up to the hold first (a batch that ended exactly at it left it to the
      // timer, whose flush would queue behind this one and never run), so the hold is reached.
      await this.flush(round);
      // Held: the subscription waits here (it delivers the next batch only when this one is done),
      // and the events after the hold are delivered again once released, by following anew.
      await new Promise<void>((resolve) => (this.releaseHold = resolve));
      throw new ProjectionRunnerError('stopped', 'released after a hold: following again');
    }
  }

  private scheduleFlush(round: number): void {
    // "After this long without a new batch": a timer left running from the first batch would
    // commit every few batches during a catch-up, and write-behind would save nothing.
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      // A batch is late because PostgreSQL is busy with the commit in flight, not because the log
      // ran dry: wait for it to end before deciding that.
      const writing = this.writing;
      if (writing) {
        void writing.done.then(
          () => {
            if (round === this.round) this.scheduleFlush(round);
          },
          () => undefined,
        );
        return;
      }
      this.enqueue(() => this.flush(round)).catch((error: unknown) => {
        if (round === this.round) this.restartLater(error);
      });
    }, this.options.flushDelayMs ?? 100);
  }

  /** Folds events into the pending rows, reading the rows they touch that are not in memory. */
  private async fold(events: readonly RecordedEvent[], round: number): Promise<void> {
    const { projection } = this.options;
    const pending = (this.pending ??= { round, count: 0, last: null, dirty: new Map<string, Row>() });
    // Pending rows of an older round were folded onto rows that may never have been committed.
    if (pending.round !== round)
      throw new ProjectionRunnerError('stopped', 'this runner stopped following the log');
    const writing = this.writing?.folded.dirty;
    // `project`, written out: each event's key is found once, and a stored event is its own
    // event and meta (no copies of either), which a rebuild of 1,000,000 events noticed.
    const keyed: { readonly event: RecordedEvent & Event; readonly key: string }[] = [];
    const keys = new Set<string>();
    for (const event of events) {
      if (!projection.handles(event)) continue;
      const key = projection.keyOf(event, event.streamId);
      if (key === null) continue;
      keyed.push({ event, key });
      keys.add(key);
    }
    const rows = new Map<string, Row>();
    const missing: string[] = [];
    for (const key of keys) {
      const row = pending.dirty.get(key) ?? writing?.get(key) ?? this.cache.get(key);
      if (row !== undefined) rows.set(key, row);
      // Otherwise known to be absent: it starts from `init` below.
      else if (this.mayBeStored(key)) missing.push(key);
    }
    // Read outside the flush's transaction: the claim in that transaction proves nobody else wrote.
    if (missing.length > 0) {
      for (const [key, row] of await this.loadRows(this.options.pool, missing)) rows.set(key, row);
      this.checkStillFolding(round, pending);
    }
    // Folded apart and added to `pending` at the end: a batch that fails half-way adds nothing.
    const changed = new Map<string, Row>();
    let folded = 0;
    for (const { event, key } of keyed) {
      // Let I/O in every hundred events: the commit in flight and the next page's read each need
      // this thread between their round trips, and waited for whole batches to be folded
      // (bench/rebuild: Node idle 8% of a rebuild, 6% letting it in every 250, less every 100).
      if (++folded % 100 === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        this.checkStillFolding(round, pending);
      }
      const known = rows.get(key);
      const row = known ?? projection.init(key);
      const next = projection.apply(row, event, event);
      rows.set(key, next);
      // A row started here is stored even if the event left it as `init` made it, as `project` does.
      if (next !== row || known === undefined) changed.set(key, next);
    }
    for (const [key, row] of changed) pending.dirty.set(key, row);
    pending.count += events.length;
    pending.last = events.at(-1)!.position;
  }

  /**
   * While a fold awaited, the commit in flight may have failed: what was pending is dropped and the
   * runner follows again from its checkpoint, so this fold must not go on as if nothing happened.
   */
  private checkStillFolding(round: number, pending: Folded<Row>): void {
    if (round !== this.round || this.pending !== pending)
      throw new ProjectionRunnerError('stopped', 'this runner stopped following the log');
  }

  /**
   * Commits what is folded. With `wait` false it returns once the commit has started, so that the
   * next events are folded while PostgreSQL writes; otherwise once everything folded is committed.
   */
  private async flush(round: number, wait = true): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    // One commit at a time, in log order; a failed one fails this flush too.
    await this.writing?.done;
    const pending = this.pending;
    if (!pending?.last) return;
    if (round !== this.round || pending.round !== round)
      throw new ProjectionRunnerError('stopped', 'this runner stopped following the log');
    this.pending = null;
    const done = this.commit(pending);
    const writing = { folded: pending, done };
    this.writing = writing;
    done.then(
      () => {
        if (this.writing === writing) this.writing = null;
      },
      (error: unknown) => {
        if (this.writing === writing) this.writing = null;
        // Whoever waits on it may be gone (the subscription moved on): follow again from the
        // checkpoint here, since what was folded after it is dropped and must be delivered again.
        if (pending.round === this.round) this.restartLater(error);
      },
    );
    if (wait) await done;
  }

  private async commit(folded: Folded<Row>): Promise<void> {
    const { round, count, last, dirty: changed } = folded;
    if (!last) return;
    const client = await this.options.pool.connect();
    try {
      await client.query('BEGIN');
      await this.claimCheckpoint(client);
      if (changed.size > 0) await this.upsertRows(client, changed);
      const batch: BatchContext<Row> = {
        client,
        schema: this.schema,
        eventCount: count,
        through: last,
        changed,
        loadRows: async (keys) => {
          const found = new Map<string, Row>();
          const missing: string[] = [];
          for (const key of keys) {
            const row = changed.get(key) ?? this.cache.get(key);
            if (row !== undefined) found.set(key, row);
            else if (this.mayBeStored(key)) missing.push(key);
          }
          for (const [key, row] of await this.loadRows(client, missing)) found.set(key, row);
          return found;
        },
      };
      for (const table of this.options.tables ?? []) await table.write(batch);
      await this.options.beforeCheckpoint?.(client, last);
      await client.query(
        `UPDATE ${this.checkpointsTable} SET position = $2, updated_at = clock_timestamp() WHERE name = $1`,
        [this.checkpointName, formatPosition(last)],
      );
      if (round !== this.round) throw new ProjectionRunnerError('stopped', 'stopped during the batch');
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      // What was folded is lost with the transaction, and so is what was folded on top of it: the
      // subscription must deliver it again. A newer round has forgotten it already.
      if (round === this.round) this.forget();
      throw error;
    } finally {
      client.release();
    }
    this.eventsApplied += count;
    // Stopped or restarted during the commit: the next round loads the checkpoint afresh, and
    // rows remembered now could belong to tables a rebuild has since swapped out.
    if (round !== this.round) return;
    this.committed = last;
    this.remember(changed);
    this.rememberKeys(changed);
    const holdAt = this.holdAt;
    if (holdAt && comparePositions(this.committed, holdAt) === 0) {
      const waiters = this.heldWaiters;
      this.heldWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /**
   * Writes rows as `VALUES ($1, $2), …` with one text parameter per key and per row, left untyped
   * so that PostgreSQL casts each to the column's type (text; json or jsonb in tables made before).
   * Measured against one JSON document through `jsonb_to_recordset` (the whole batch parsed, then
   * each row converted back) and a text[] parameter (every quote escaped): 2 to 4 times faster.
   */
  private async upsertRows(client: PoolClient, rows: ReadonlyMap<string, Row>): Promise<void> {
    const entries = [...rows];
    for (let start = 0; start < entries.length; start += ROWS_PER_STATEMENT) {
      const chunk = entries.slice(start, start + ROWS_PER_STATEMENT);
      const values: string[] = [];
      const tuples: string[] = [];
      for (const [key, row] of chunk) {
        values.push(key, stringifyJson(row));
        tuples.push(`($${values.length - 1}, $${values.length})`);
      }
      await client.query(
        `INSERT INTO ${this.rowsTable} (key, row) VALUES ${tuples.join(', ')}
         ON CONFLICT (key) DO UPDATE SET row = EXCLUDED.row, updated_at = clock_timestamp()`,
        values,
      );
    }
  }

  /** Whether the table may hold a row for the key: always, unless `freshTable` knows it never wrote one. */
  private mayBeStored(key: string): boolean {
    return this.committedKeys === null || this.committedKeys.has(key);
  }

  private rememberKeys(rows: ReadonlyMap<string, Row>): void {
    const keys = this.committedKeys;
    if (keys === null) return;
    for (const key of rows.keys()) keys.add(key);
    // Too many to keep: misses are looked up again, as for any table.
    if (keys.size > (this.options.knownKeys ?? 1_000_000)) this.committedKeys = null;
  }

  private remember(rows: ReadonlyMap<string, Row>): void {
    const limit = this.options.cachedRows ?? 20_000;
    for (const [key, row] of rows) {
      this.cache.delete(key);
      this.cache.set(key, row);
    }
    for (const key of this.cache.keys()) {
      if (this.cache.size <= limit) break;
      this.cache.delete(key);
    }
  }

  /**
   * Locks the checkpoint row for the transaction and checks that it is where this runner left it,
   * in the same epoch: had another runner moved it, or a rebuild swapped the tables, applying this
   * batch would apply events twice or onto rows this runner never read.
   */
  private async claimCheckpoint(client: PoolClient): Promise<void> {
    const result = await client.query<{ position: string; epoch: number }>(
      `SELECT position, epoch FROM ${this.checkpointsTable} WHERE name = $1 FOR UPDATE`,
      [this.checkpointName],
    );
    const stored = result.rows[0];
    const expected = formatPosition(this.committed);
    if (stored?.position !== expected || stored.epoch !== this.epoch) {
      throw new ProjectionRunnerError(
        'checkpoint_moved',
        `checkpoint ${this.checkpointName} is at ${stored?.position ?? 'nowhere'} (epoch ${stored?.epoch ?? '-'}), expected ${expected} (epoch ${this.epoch})`,
      );
    }
  }

  private async loadRows(client: Pool | PoolClient, keys: readonly string[]): Promise<Map<string, Row>> {
    if (keys.length === 0) return new Map();
    const result = await client.query<{ key: string; row: string }>(
      `SELECT key, row::text AS row FROM ${this.rowsTable} WHERE key = ANY($1::text[])`,
      [keys],
    );
    return new Map(result.rows.map((r) => [r.key, parseJson(r.row) as Row]));
  }
}
