import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { ParkedStatus, ParkReason } from './park-reasons';
import { migrateSchema } from '@waybill/platform';

export interface ParkRequest {
  readonly subject: string;
  /** The message exactly as received. */
  readonly raw: Buffer;
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly reason: ParkReason;
  readonly explanation: string;
  /** When the payload was readable enough to have one. */
  readonly messageId?: string;
  readonly shipmentId?: string;
  readonly correlationId?: string;
  /** JetStream stream sequence of the message: with the subject it makes parking idempotent. */
  readonly streamSequence?: number;
  readonly receivedAt: Date;
  /** Where in a carrier file the parked part is, e.g. `ISA13=905/GS06=1/ST02=0001/LX=2/AT7[1]`. */
  readonly place?: string;
  /** The offending code or segment, e.g. `AT7-01=ZZ`. */
  readonly code?: string;
  /** A translated message kept for a later replay (`unmatched_reference`). */
  readonly translated?: Readonly<Record<string, unknown>>;
  /** Reference keys (`trackingNumber:1Z…`) of an `unmatched_reference`, to find it when a booking names one. */
  readonly references?: readonly string[];
  /**
   * Overrides the idempotency key. Carrier parts use the raw bytes' hash and the place, so that
   * a redelivery or a re-sent file parks each part once.
   */
  readonly dedupKey?: string;
}

export interface ParkedMessage {
  readonly id: string;
  readonly subject: string;
  readonly reason: ParkReason;
  readonly explanation: string;
  readonly messageId: string | null;
  readonly shipmentId: string | null;
  readonly correlationId: string | null;
  readonly headers: Record<string, string[]>;
  readonly raw: Buffer;
  readonly receivedAt: Date;
  readonly status: ParkedStatus;
  readonly statusReason: string | null;
  readonly statusChangedAt: Date | null;
  readonly place: string | null;
  readonly code: string | null;
  readonly translated: Record<string, unknown> | null;
  readonly references: readonly string[];
}

export interface ParkedQuery {
  readonly reason?: ParkReason;
  readonly status?: ParkedStatus;
  /** Exclusive keyset cursor: the id of the last item of the previous page. */
  readonly afterId?: string;
  readonly limit: number;
}

/**
 * Parked messages live in PostgreSQL, whatever the event store: they are operational data that
 * operators query, replay and discard. Parking is idempotent: the same delivery parked twice
 * (a crash between parking and the ack) stays one row.
 */
export class ParkedMessageStore {
  private constructor(
    private readonly pool: Pool,
    private readonly table: string,
  ) {}

  static async create(pool: Pool, schema = 'waybill'): Promise<ParkedMessageStore> {
    const table = `"${schema}".parked_messages`;
    await migrateSchema(pool, schema, [
      `
        CREATE TABLE IF NOT EXISTS ${table} (
          id               bigserial PRIMARY KEY,
          dedup_key        text NOT NULL UNIQUE,
          subject          text NOT NULL,
          reason           text NOT NULL,
          explanation      text NOT NULL,
          message_id       text,
          shipment_id      text,
          correlation_id   text,
          headers          jsonb NOT NULL DEFAULT '{}',
          raw              bytea NOT NULL,
          received_at      timestamptz NOT NULL,
          parked_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
          status           text NOT NULL DEFAULT 'parked',
          status_reason    text,
          status_changed_at timestamptz
        )`,
      `CREATE INDEX IF NOT EXISTS parked_messages_reason_idx ON ${table} (reason, id)`,
      `CREATE INDEX IF NOT EXISTS parked_messages_status_idx ON ${table} (status, id)`,
      // Carrier formats: one raw file parks each of its unusable parts, with its place and code;
      // an unmatched translated message keeps its translation and reference keys.
      `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS place text`,
      `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS code text`,
      `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS translated jsonb`,
      `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS "references" text[] NOT NULL DEFAULT '{}'`,
      `CREATE INDEX IF NOT EXISTS parked_messages_unmatched_refs_idx ON ${table}
         USING gin ("references") WHERE reason = 'unmatched_reference' AND status = 'parked'`,
    ]);
    return new ParkedMessageStore(pool, table);
  }

  /** Parks a message; returns its id. Parking the same delivery again returns the first id. */
  async park(request: ParkRequest, client?: PoolClient): Promise<string> {
    const dedupKey =
      request.dedupKey ??
      (request.streamSequence !== undefined
        ? `seq:${request.subject}:${request.streamSequence}`
        : `raw:${request.subject}:${createHash('sha256').update(request.raw).digest('hex')}:${request.reason}`);
    const result = await (client ?? this.pool).query<{ id: string }>(
      `INSERT INTO ${this.table}
         (dedup_key, subject, reason, explanation, message_id, shipment_id, correlation_id, headers, raw,
          received_at, place, code, translated, "references")
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)
       ON CONFLICT (dedup_key) DO UPDATE SET dedup_key = EXCLUDED.dedup_key
       RETURNING id`,
      [
        dedupKey,
        request.subject,
        request.reason,
        request.explanation,
        request.messageId ?? null,
        request.shipmentId ?? null,
        request.correlationId ?? null,
        JSON.stringify(request.headers),
        request.raw,
        request.receivedAt,
        request.place ?? null,
        request.code ?? null,
        request.translated === undefined ? null : JSON.stringify(request.translated),
        request.references ?? [],
      ],
    );
    return result.rows[0]!.id;
  }

  /**
   * Open `unmatched_reference` messages naming any of these reference keys, by id; a page starts
   * after `afterId` (the last id of the previous page).
   */
  async findUnmatched(
    references: readonly string[],
    limit = 500,
    afterId?: string,
  ): Promise<ParkedMessage[]> {
    if (references.length === 0) return [];
    const result = await this.pool.query<Row>(
      `SELECT * FROM ${this.table}
       WHERE reason = 'unmatched_reference' AND status = 'parked' AND "references" && $1::text[]
         AND ($3::bigint IS NULL OR id > $3::bigint)
       ORDER BY id LIMIT $2`,
      [references, limit, afterId ?? null],
    );
    return result.rows.map(toParked);
  }

  async get(id: string): Promise<ParkedMessage | null> {
    if (!/^\d{1,18}$/.test(id)) return null;
    const result = await this.pool.query<Row>(`SELECT * FROM ${this.table} WHERE id = $1`, [id]);
    return result.rows[0] ? toParked(result.rows[0]) : null;
  }

  async list(query: ParkedQuery): Promise<ParkedMessage[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.reason) where.push(`reason = $${params.push(query.reason)}`);
    if (query.status) where.push(`status = $${params.push(query.status)}`);
    if (query.afterId) where.push(`id > $${params.push(query.afterId)}`);
    const result = await this.pool.query<Row>(
      `SELECT * FROM ${this.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id LIMIT $${params.push(query.limit)}`,
      params,
    );
    return result.rows.map(toParked);
  }

  async countByReason(status: ParkedStatus = 'parked'): Promise<Record<string, number>> {
    const result = await this.pool.query<{ reason: string; n: string }>(
      `SELECT reason, count(*) AS n FROM ${this.table} WHERE status = $1 GROUP BY reason`,
      [status],
    );
    return Object.fromEntries(result.rows.map((r) => [r.reason, Number(r.n)]));
  }

  /**
   * Messages received in [from, to) that were parked, by reason, whatever became of them since
   * (replayed and discarded ones count too): the `parkedByReason` of `GET /v1/kpis`.
   */
  async countReceivedByReason(from: Date, to: Date): Promise<Record<string, number>> {
    const result = await this.pool.query<{ reason: string; n: string }>(
      `SELECT reason, count(*) AS n FROM ${this.table}
       WHERE received_at >= $1 AND received_at < $2 GROUP BY reason ORDER BY reason`,
      [from, to],
    );
    return Object.fromEntries(result.rows.map((r) => [r.reason, Number(r.n)]));
  }

  /** Moves a parked message to `replayed` or `discarded`; false when it was not parked. */
  async close(id: string, status: Exclude<ParkedStatus, 'parked'>, reason: string): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE ${this.table} SET status = $2, status_reason = $3, status_changed_at = clock_timestamp()
       WHERE id = $1 AND status = 'parked'`,
      [id, status, reason],
    );
    return (result.rowCount ?? 0) > 0;
  }
}

interface Row {
  id: string;
  subject: string;
  reason: ParkReason;
  explanation: string;
  message_id: string | null;
  shipment_id: string | null;
  correlation_id: string | null;
  headers: Record<string, string[]>;
  raw: Buffer;
  received_at: Date;
  status: ParkedStatus;
  status_reason: string | null;
  status_changed_at: Date | null;
  place: string | null;
  code: string | null;
  translated: Record<string, unknown> | null;
  references: string[] | null;
}

function toParked(row: Row): ParkedMessage {
  return {
    id: row.id,
    subject: row.subject,
    reason: row.reason,
    explanation: row.explanation,
    messageId: row.message_id,
    shipmentId: row.shipment_id,
    correlationId: row.correlation_id,
    headers: row.headers,
    raw: row.raw,
    receivedAt: row.received_at,
    status: row.status,
    statusReason: row.status_reason,
    statusChangedAt: row.status_changed_at,
    place: row.place,
    code: row.code,
    translated: row.translated,
    references: row.references ?? [],
  };
}
