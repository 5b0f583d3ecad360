import type { Pool } from 'pg';
import { migrateSchema } from '@waybill/platform';

/** What became of an ingest message. */
export type IngestOutcome = 'appended' | 'duplicate' | 'parked';

const HOUR_MS = 3_600_000;

/**
 * Messages received per hour and outcome, in PostgreSQL: the duplicate-message rate of
 * `GET /v1/kpis` needs the messages that left no event, which the log cannot tell. Counts are
 * gathered in memory and written once a second (one upsert), so a crash loses at most that
 * second's counts: a statistic, not a record. What a message was is recorded in the log and the
 * parked table; this only counts.
 */
export class IngestCounts {
  private readonly pending = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly pool: Pool,
    private readonly table: string,
    private readonly onError: (error: unknown) => void,
    private readonly flushEveryMs: number,
  ) {}

  static async create(
    pool: Pool,
    options: { schema?: string; onError?: (error: unknown) => void; flushEveryMs?: number } = {},
  ): Promise<IngestCounts> {
    const schema = options.schema ?? 'waybill';
    const table = `"${schema}".ingest_counts`;
    await migrateSchema(pool, schema, [
      `CREATE TABLE IF NOT EXISTS ${table} (
         hour     timestamptz NOT NULL,
         outcome  text NOT NULL,
         messages bigint NOT NULL,
         PRIMARY KEY (hour, outcome)
       )`,
    ]);
    return new IngestCounts(pool, table, options.onError ?? (() => undefined), options.flushEveryMs ?? 1000);
  }

  /** Counts one message received at `at` (JetStream's time). */
  add(outcome: IngestOutcome, at: Date): void {
    const hour = new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS).toISOString();
    const key = `${hour}|${outcome}`;
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.flushEveryMs);
  }

  /** Writes what is counted so far. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const entries = [...this.pending];
      this.pending.clear();
      try {
        await this.pool.query(
          `INSERT INTO ${this.table} AS t (hour, outcome, messages)
           SELECT split_part(k, '|', 1)::timestamptz, split_part(k, '|', 2), n
           FROM unnest($1::text[], $2::bigint[]) AS x(k, n)
           ON CONFLICT (hour, outcome) DO UPDATE SET messages = t.messages + EXCLUDED.messages`,
          [entries.map(([k]) => k), entries.map(([, n]) => n)],
        );
      } catch (error) {
        // Put them back: the next flush tries again.
        for (const [k, n] of entries) this.pending.set(k, (this.pending.get(k) ?? 0) + n);
        this.onError(error);
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }

  /** Messages received in the hours that overlap [from, to), by outcome. */
  async totals(from: Date, to: Date): Promise<Record<IngestOutcome, number>> {
    const result = await this.pool.query<{ outcome: IngestOutcome; messages: string }>(
      `SELECT outcome, sum(messages)::text AS messages FROM ${this.table}
       WHERE hour > $1::timestamptz - interval '1 hour' AND hour < $2 GROUP BY outcome`,
      [from, to],
    );
    const totals: Record<IngestOutcome, number> = { appended: 0, duplicate: 0, parked: 0 };
    for (const row of result.rows) totals[row.outcome] = Number(row.messages);
    return totals;
  }
}
