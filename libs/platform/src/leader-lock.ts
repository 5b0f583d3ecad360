import type { Pool, PoolClient } from 'pg';

/**
 * One process at a time, across processes: a PostgreSQL session advisory lock held on a
 * connection of its own. A crash ends the session and frees the lock for a standby. Losing the
 * connection loses the lock: the connection goes back to the pool (as broken) and `onLost` is
 * told, once, so the holder stops what only a leader may do.
 *
 * Used by the checkpointed subscriptions of `libs/event-store` (which stand by again) and the
 * projection runners of `libs/read-models` (which stop for good): what to do on loss is theirs.
 */
export class LeaderLock {
  private client: PoolClient | null = null;
  private listener: ((error: Error) => void) | null = null;

  constructor(
    private readonly pool: Pool,
    /** The lock's name; `hashtext` of it is the advisory lock key. */
    readonly key: string,
    private readonly onLost: (error: Error) => void,
  ) {}

  get held(): boolean {
    return this.client !== null;
  }

  /** Takes the lock if nobody holds it; resolves whether this process now holds it. */
  async tryAcquire(): Promise<boolean> {
    if (this.client) return true;
    const client = await this.pool.connect();
    try {
      const result = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
        [this.key],
      );
      if (!result.rows[0]?.locked) {
        client.release();
        return false;
      }
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    const listener = (error: Error) => {
      client.removeListener('error', listener);
      if (this.client !== client) return;
      this.client = null;
      this.listener = null;
      client.release(error);
      this.onLost(error);
    };
    client.on('error', listener);
    this.listener = listener;
    this.client = client;
    return true;
  }

  /** Gives the lock up (if held) and the connection back to the pool. */
  async release(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = null;
    if (this.listener) client.removeListener('error', this.listener);
    this.listener = null;
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [this.key]).catch(() => undefined);
    client.release();
  }
}
