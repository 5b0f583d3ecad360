import type { Pool, PoolClient } from 'pg';
import { LeaderLock, migrateSchema } from '@waybill/platform';
import type { EventStore, Position, RecordedEvent, Subscription } from './event-store.port';
import { formatPosition, parsePosition } from './positions';

/**
 * Where each subscriber of the log (sagas, the command dispatcher, projections) has got to.
 * Always in PostgreSQL, whichever event store holds the log: a read model's checkpoint must be
 * written in the same transaction as the read model (pass the transaction's client), and an
 * EventStoreDB checkpoint is kept outside EventStoreDB.
 */
export class CheckpointStore {
  private constructor(
    private readonly pool: Pool,
    private readonly table: string,
  ) {}

  /** The pool, for the leader locks of exclusive subscriptions. */
  get database(): Pool {
    return this.pool;
  }

  static async create(pool: Pool, schema = 'waybill'): Promise<CheckpointStore> {
    const table = `"${schema}".checkpoints`;
    await migrateSchema(pool, schema, [
      `
        CREATE TABLE IF NOT EXISTS ${table} (
          name       text PRIMARY KEY,
          position   text NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
        )`,
    ]);
    return new CheckpointStore(pool, table);
  }

  /** The last position handled, or undefined when the subscriber starts from the beginning. */
  async load(name: string): Promise<Position | undefined> {
    const result = await this.pool.query<{ position: string }>(
      `SELECT position FROM ${this.table} WHERE name = $1`,
      [name],
    );
    return result.rows[0] ? parsePosition(result.rows[0].position) : undefined;
  }

  async save(name: string, position: Position, client?: PoolClient): Promise<void> {
    await (client ?? this.pool).query(
      `INSERT INTO ${this.table} (name, position) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = clock_timestamp()`,
      [name, formatPosition(position)],
    );
  }
}

export interface CheckpointedSubscriptionOptions {
  readonly name: string;
  readonly streamPrefixes?: readonly string[];
  readonly batchSize?: number;
  /** Called when the subscription fails; it is then restarted from the last checkpoint. */
  readonly onError?: (error: unknown) => void;
  /** Delay before a restart after a failure. Default 1 s. */
  readonly restartDelayMs?: number;
  /**
   * Run in one process at a time (default true). Each instance keeps caches that only the
   * events it handles keep fresh, so two instances sharing one checkpoint would each skip what
   * the other handled. The leader holds a PostgreSQL advisory lock on a connection of its own;
   * the others stand by and take over when that connection goes (a crash releases it).
   */
  readonly exclusive?: boolean;
  /** How often a standby tries to become the leader. Default 1 s. */
  readonly standbyRetryMs?: number;
  /** Called each time this instance starts to follow the log (after winning the lead): reload caches here. */
  readonly onLead?: () => Promise<void>;
}

/**
 * Follows the log from a stored checkpoint: `handle` gets each batch, and the checkpoint moves
 * past it only after `handle` resolved. A crash between the two replays the batch, so handlers
 * must be idempotent (they are: appends use deterministic event ids, publishes a Nats-Msg-Id).
 * A failing handler does not lose events: the subscription restarts from the checkpoint.
 */
export class CheckpointedSubscription {
  private current: Subscription | null = null;

  private stopped = false;
  private restartTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly handle: (events: readonly RecordedEvent[]) => Promise<void>,
    private readonly options: CheckpointedSubscriptionOptions,
  ) {
    // Losing the lock's connection loses the lock: stop following (a new generation, so that no
    // pending restart of the old one follows without the lock), and stand by again.
    this.lock = new LeaderLock(checkpoints.database, `waybill:subscription:${options.name}`, (error) => {
      this.options.onError?.(error);
      this.generation++;
      const current = this.current;
      this.current = null;
      void (current ? current.stop() : Promise.resolve()).then(() => this.standBy());
    });
  }

  private readonly lock: LeaderLock;
  /** Bumped at each change of leadership: work of an earlier generation stops. */
  private generation = 0;
  private standbyTimer: NodeJS.Timeout | null = null;

  /** Starts following the log, or stands by until this process can lead. */
  async start(): Promise<void> {
    if (this.options.exclusive === false) return this.follow(this.generation);
    if (await this.tryLead()) return this.followOrRetry();
    this.standBy();
  }

  /** Once leading, a failure to start following (the database in trouble) is retried, never dropped. */
  private async followOrRetry(): Promise<void> {
    try {
      await this.follow(this.generation);
    } catch (error) {
      this.restartLater(error);
    }
  }

  /** Whether this instance currently follows the log. */
  get leading(): boolean {
    return this.options.exclusive === false || this.lock.held;
  }

  private standBy(): void {
    if (this.stopped) return;
    this.standbyTimer = setTimeout(() => {
      this.tryLead()
        .then((led) => (led ? this.followOrRetry() : this.standBy()))
        .catch((error: unknown) => {
          this.options.onError?.(error);
          this.standBy();
        });
    }, this.options.standbyRetryMs ?? 1000);
  }

  private async tryLead(): Promise<boolean> {
    const led = await this.lock.tryAcquire();
    if (led) this.generation++;
    return led;
  }

  /** Follows the log for one leadership `generation`; does nothing once that generation is over. */
  private async follow(generation: number): Promise<void> {
    const valid = () =>
      !this.stopped && generation === this.generation && (this.options.exclusive === false || this.lock.held);
    if (!valid()) return;
    await this.options.onLead?.();
    const after = await this.checkpoints.load(this.options.name);
    if (!valid()) return;
    const subscription = this.store.subscribeToAll(
      async (events) => {
        await this.handle(events);
        await this.checkpoints.save(this.options.name, events.at(-1)!.position);
      },
      {
        ...(after ? { after } : {}),
        ...(this.options.streamPrefixes ? { streamPrefixes: this.options.streamPrefixes } : {}),
        ...(this.options.batchSize ? { batchSize: this.options.batchSize } : {}),
      },
    );
    this.current = subscription;
    subscription.done.then(
      () => undefined,
      (error: unknown) => {
        if (generation === this.generation) this.restartLater(error);
      },
    );
  }

  private restartLater(error: unknown): void {
    if (this.stopped) return;
    this.options.onError?.(error);
    const generation = this.generation;
    this.restartTimer = setTimeout(() => {
      this.follow(generation).catch((e: unknown) => this.restartLater(e));
    }, this.options.restartDelayMs ?? 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.standbyTimer) clearTimeout(this.standbyTimer);
    await this.current?.stop();
    await this.lock.release();
  }
}
