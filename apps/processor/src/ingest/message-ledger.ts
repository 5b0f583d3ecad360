import type { Pool } from 'pg';
import { migrateSchema, preparedQuery } from '@waybill/platform';

export type LedgerVerdict = 'first' | 'same' | 'conflict';

export interface LedgerEntry {
  readonly messageId: string;
  readonly contentHash: string;
  readonly subject: string;
  readonly shipmentId: string;
}

/**
 * Which content each messageId was first seen with, across all shipments. It is what makes
 * "the same messageId with different content" detectable whatever the event store, so that such
 * a message is parked as `conflicting_duplicate` instead of overwriting history.
 *
 * Claims are batched: one round trip for a whole pull of messages. A claim is written before the
 * events are appended; a crash in between leaves a claim whose events are missing, and the
 * redelivered message (same hash → `same`) is then processed normally, because the aggregate
 * only skips messages its stream already records.
 */
export class MessageLedger {
  private constructor(
    private readonly pool: Pool,
    private readonly table: string,
  ) {}

  static async create(pool: Pool, schema = 'waybill'): Promise<MessageLedger> {
    const table = `"${schema}".ingest_ledger`;
    await migrateSchema(pool, schema, [
      `
        CREATE TABLE IF NOT EXISTS ${table} (
          message_id   text PRIMARY KEY,
          content_hash text NOT NULL,
          subject      text NOT NULL,
          shipment_id  text NOT NULL,
          first_seen_at timestamptz NOT NULL DEFAULT clock_timestamp()
        )`,
    ]);
    return new MessageLedger(pool, table);
  }

  /** One verdict per entry, in order. Two entries of one batch with one messageId are judged in order too. */
  async claim(entries: readonly LedgerEntry[]): Promise<LedgerVerdict[]> {
    if (entries.length === 0) return [];
    const ids = entries.map((e) => e.messageId);
    // One statement: rows this statement inserts come back through RETURNING, rows that were
    // already there through the SELECT, which sees the table as it was before the statement.
    const result = await this.pool.query<{ message_id: string; content_hash: string }>(
      preparedQuery(
        `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY
           AS t(message_id, content_hash, subject, shipment_id, n)
       ), inserted AS (
         INSERT INTO ${this.table} (message_id, content_hash, subject, shipment_id)
         SELECT DISTINCT ON (message_id) message_id, content_hash, subject, shipment_id
         FROM input ORDER BY message_id, n
         ON CONFLICT (message_id) DO NOTHING
         RETURNING message_id, content_hash
       )
       SELECT message_id, content_hash FROM inserted
       UNION ALL
       SELECT message_id, content_hash FROM ${this.table} WHERE message_id = ANY($1::text[])`,
        [
          ids,
          entries.map((e) => e.contentHash),
          entries.map((e) => e.subject),
          entries.map((e) => e.shipmentId),
        ],
      ),
    );
    const known = new Map(result.rows.map((r) => [r.message_id, r.content_hash]));
    // A claim by another transaction that committed while this statement waited on its row is
    // invisible to this statement's snapshot: ask again, with a fresh one.
    const unseen = ids.filter((id) => !known.has(id));
    if (unseen.length > 0) {
      const again = await this.pool.query<{ message_id: string; content_hash: string }>(
        `SELECT message_id, content_hash FROM ${this.table} WHERE message_id = ANY($1::text[])`,
        [unseen],
      );
      for (const r of again.rows) known.set(r.message_id, r.content_hash);
    }
    const firstInBatch = new Set<string>();
    return entries.map((e) => {
      if (known.get(e.messageId) !== e.contentHash) return 'conflict';
      if (firstInBatch.has(e.messageId)) return 'same';
      firstInBatch.add(e.messageId);
      return 'first';
    });
  }
}
