import type { Pool, PoolClient } from 'pg';
import {
  comparePositions,
  formatPosition,
  parsePosition,
  START,
  type EventStore,
  type Position,
  type RecordedEvent,
  type Subscription,
} from '@waybill/event-store';
import { migrateSchema } from '@waybill/platform';
import { project, type EventLike, type Projection } from '@waybill/projections';
import { decodeJson, stringifyJson } from './json-codec';
import { identifier, rowsTableName } from './sql';

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
  /** The batch, in log order. */
  readonly events: readonly RecordedEvent[];
  /** The rows the batch changed, by key, as now stored. */
  readonly changed: ReadonlyMap<string, Row>;
  /** Reads stored rows by key in the transaction (this batch's writes included); missing keys are absent. */
  loadRows(keys: readonly string[]): Promise<Map<string, Row>>;
}

/** A query table derived from a projection's rows and kept in the same transaction as they are. */
export interface ReadModelTable<Row> {
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
  /** Delay before following the log again after a failed batch. Default 1 s. */
  readonly restartDelayMs?: number;
  /** How often a standby tries to take the lead. Default 1 s. */
  readonly standbyRetryMs?: number;
  /**
   * Runs inside each batch's transaction, after every write and before the checkpoint: for tests
   * that make a batch fail half-way.
   */
  readonly beforeCheckpoint?: (client: PoolClient, events: readonly RecordedEvent[]) => Promise<void>;
}

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
  /** `<schema>.<name>_v<version>`: key text, row jsonb. */
  readonly rowsTable: string;
  /** The name of the checkpoint in `<schema>.projection_checkpoints`: `<name>_v<version>`. */
  readonly checkpointName: string;
  private readonly checkpointsTable: string;
  private readonly lockKey: string;

  private migrated = false;
  private stopped = false;
  private leader: PoolClient | null = null;
  private subscription: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Where the checkpoint is as far as this runner knows: loaded when it starts to follow, then its commits. */
  private committed: Position = START;
  /** The leader's lock-loss handler, removed when the lock client goes back to the pool. */
  private leaderErrorListener: ((error: Error) => void) | null = null;
  /** Bumped whenever following the log starts over: a batch of an older round must not commit. */
  private round = 0;

  constructor(private readonly options: ProjectionRunnerOptions<Row, Event>) {
    this.schema = identifier(options.schema ?? READ_MODELS_SCHEMA);
    const table = rowsTableName(options.projection.name, options.projection.version);
    this.rowsTable = `${this.schema}.${table}`;
    this.checkpointName = table;
    this.checkpointsTable = `${this.schema}.projection_checkpoints`;
    this.lockKey = `waybill:read-model:${this.schema}.${table}`;
  }

  /** Whether this runner holds the lead and follows the log. */
  get leading(): boolean {
    return this.leader !== null;
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
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
    await subscription?.done.catch(() => undefined);
    const leader = this.leader;
    this.leader = null;
    if (leader) {
      if (this.leaderErrorListener) leader.removeListener('error', this.leaderErrorListener);
      this.leaderErrorListener = null;
      await leader.query('SELECT pg_advisory_unlock(hashtext($1))', [this.lockKey]).catch(() => undefined);
      leader.release();
    }
  }

  /** The stored checkpoint, or `undefined` before the first batch. */
  async checkpoint(): Promise<Position | undefined> {
    await this.migrate();
    const result = await this.options.pool.query<{ position: string }>(
      `SELECT position FROM ${this.checkpointsTable} WHERE name = $1`,
      [this.checkpointName],
    );
    const text = result.rows[0]?.position;
    const position = text === undefined ? undefined : parsePosition(text);
    return position === undefined || comparePositions(position, START) === 0 ? undefined : position;
  }

  private async migrate(): Promise<void> {
    if (this.migrated) return;
    await migrateSchema(this.options.pool, this.schema, [
      `CREATE TABLE IF NOT EXISTS ${this.checkpointsTable} (
         name       text PRIMARY KEY,
         position   text NOT NULL,
         updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
       )`,
      `CREATE TABLE IF NOT EXISTS ${this.rowsTable} (
         key        text PRIMARY KEY,
         row        jsonb NOT NULL,
         updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
       )`,
      // The row exists from the start, so that the first batches of two runners serialise on it too.
      `INSERT INTO ${this.checkpointsTable} (name, position)
       VALUES ('${this.checkpointName}', '${formatPosition(START)}') ON CONFLICT (name) DO NOTHING`,
      ...(this.options.tables ?? []).flatMap((table) => table.ddl(this.schema)),
    ]);
    this.migrated = true;
  }

  private async tryLead(): Promise<boolean> {
    const client = await this.options.pool.connect();
    try {
      const result = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
        [this.lockKey],
      );
      if (!result.rows[0]?.locked) {
        client.release();
        return false;
      }
      if (this.stopped) {
        // Stopped while the lock was being taken: give it back rather than lead unseen.
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [this.lockKey]);
        client.release();
        return false;
      }
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    const onError = (error: Error) => {
      client.removeListener('error', onError);
      if (this.leader !== client) return;
      this.leader = null;
      client.release(error);
      this.options.onError?.(
        new ProjectionRunnerError('lock_lost', 'lost the leader lock', { cause: error }),
      );
      // Without the lock another process may lead: this one stops for good.
      void this.stop();
    };
    client.on('error', onError);
    this.leaderErrorListener = onError;
    this.leader = client;
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
    const after = await this.checkpoint();
    if (round !== this.round) return;
    this.committed = after ?? START;
    const subscription = this.options.store.subscribeToAll((events) => this.applyBatch(events, round), {
      ...(after ? { after } : {}),
      ...(this.options.streamPrefixes ? { streamPrefixes: this.options.streamPrefixes } : {}),
      batchSize: this.options.batchSize ?? 500,
    });
    this.subscription = subscription;
    subscription.done.then(
      () => undefined,
      (error: unknown) => {
        if (round === this.round) this.restartLater(error);
      },
    );
  }

  private restartLater(error: unknown): void {
    this.options.onError?.(error);
    if (this.stopped) return;
    this.subscription = null;
    this.round++;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.followOrRetry();
    }, this.options.restartDelayMs ?? 1000);
  }

  private async applyBatch(events: readonly RecordedEvent[], round: number): Promise<void> {
    const last = events.at(-1);
    if (last === undefined) return;
    // Failing, not skipping: a skipped batch would let the subscription move past it.
    if (round !== this.round)
      throw new ProjectionRunnerError('stopped', 'this runner stopped following the log');
    const client = await this.options.pool.connect();
    try {
      await client.query('BEGIN');
      await this.claimCheckpoint(client);
      const changed = await this.writeRows(client, events);
      const batch: BatchContext<Row> = {
        client,
        schema: this.schema,
        events,
        changed,
        loadRows: (keys) => this.loadRows(client, keys),
      };
      for (const table of this.options.tables ?? []) await table.write(batch);
      await this.options.beforeCheckpoint?.(client, events);
      await client.query(
        `INSERT INTO ${this.checkpointsTable} (name, position) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = clock_timestamp()`,
        [this.checkpointName, formatPosition(last.position)],
      );
      if (round !== this.round) throw new ProjectionRunnerError('stopped', 'stopped during the batch');
      await client.query('COMMIT');
      this.committed = last.position;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Locks the checkpoint row for the transaction and checks that it is where this runner left it:
   * had another runner moved it, applying this batch would apply events twice.
   */
  private async claimCheckpoint(client: PoolClient): Promise<void> {
    const result = await client.query<{ position: string }>(
      `SELECT position FROM ${this.checkpointsTable} WHERE name = $1 FOR UPDATE`,
      [this.checkpointName],
    );
    const stored = result.rows[0]?.position ?? 'nowhere';
    const expected = formatPosition(this.committed);
    if (stored !== expected) {
      throw new ProjectionRunnerError(
        'checkpoint_moved',
        `checkpoint ${this.checkpointName} is at ${stored}, expected ${expected}`,
      );
    }
  }

  private async writeRows(client: PoolClient, events: readonly RecordedEvent[]): Promise<Map<string, Row>> {
    const { projection } = this.options;
    const keys = new Set<string>();
    for (const event of events) {
      if (!projection.handles(event)) continue;
      const key = projection.keyOf(event, event.streamId);
      if (key !== null) keys.add(key);
    }
    const changed = new Map<string, Row>();
    if (keys.size === 0) return changed;
    const before = await this.loadRows(client, [...keys]);
    const after = project(projection, events, before);
    for (const [key, row] of after) if (before.get(key) !== row) changed.set(key, row);
    if (changed.size === 0) return changed;
    await client.query(
      `INSERT INTO ${this.rowsTable} (key, row)
       SELECT * FROM unnest($1::text[], $2::jsonb[])
       ON CONFLICT (key) DO UPDATE SET row = EXCLUDED.row, updated_at = clock_timestamp()`,
      [[...changed.keys()], [...changed.values()].map((row) => stringifyJson(row))],
    );
    return changed;
  }

  private async loadRows(client: PoolClient, keys: readonly string[]): Promise<Map<string, Row>> {
    if (keys.length === 0) return new Map();
    const result = await client.query<{ key: string; row: unknown }>(
      `SELECT key, row FROM ${this.rowsTable} WHERE key = ANY($1::text[])`,
      [keys],
    );
    return new Map(result.rows.map((r) => [r.key, decodeJson(r.row) as Row]));
  }
}
