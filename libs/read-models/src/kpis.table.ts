import type { Pool } from 'pg';
import { type EventLatencyRow, type ShipmentKpiFacts, type ShipmentKpiFactsRow } from '@waybill/projections';
import { decodeJson, parseJson, stringifyJson } from './json-codec';
import type { BatchContext, ReadModelTable } from './projection-runner';
import { identifier, rowsTableName } from './sql';

/**
 * `<schema>.kpi_facts`: each shipment's KPI facts without the folded state the projection keeps
 * beside them, so that `GET /v1/kpis` and the carrier scorecard read a few hundred bytes a
 * shipment rather than its whole history.
 */
export const kpiFactsTable: ReadModelTable<ShipmentKpiFactsRow> = {
  names: ['kpi_facts'],
  ddl: (schema) => [
    `CREATE TABLE IF NOT EXISTS ${identifier(schema)}.kpi_facts (
       shipment_id text COLLATE "C" PRIMARY KEY,
       carrier_id  text,
       facts       jsonb NOT NULL,
       updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
     )`,
    // The span of every time in the facts, and whether the shipment is in the delivered-not-billable
    // backlog: a window's query reads only the rows it can concern. Added to tables made before
    // them; a row written before has nulls there and is always read, as before.
    `ALTER TABLE ${identifier(schema)}.kpi_facts
       ADD COLUMN IF NOT EXISTS active_from timestamptz,
       ADD COLUMN IF NOT EXISTS active_to timestamptz,
       ADD COLUMN IF NOT EXISTS backlog boolean`,
    `CREATE INDEX IF NOT EXISTS kpi_facts_active ON ${identifier(schema)}.kpi_facts (active_to, active_from)`,
  ],
  write: async ({ client, schema, changed }: BatchContext<ShipmentKpiFactsRow>) => {
    if (changed.size === 0) return;
    const rows = [...changed.values()].map((row) => row.facts);
    const spans = rows.map(activeSpan);
    await client.query(
      `INSERT INTO ${identifier(schema)}.kpi_facts (shipment_id, carrier_id, facts, active_from, active_to, backlog)
       SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::timestamptz[], $5::timestamptz[], $6::boolean[])
       ON CONFLICT (shipment_id) DO UPDATE SET carrier_id = EXCLUDED.carrier_id, facts = EXCLUDED.facts,
         active_from = EXCLUDED.active_from, active_to = EXCLUDED.active_to, backlog = EXCLUDED.backlog,
         updated_at = clock_timestamp()`,
      [
        rows.map((f) => f.shipmentId),
        rows.map((f) => f.carrierId),
        rows.map((f) => stringifyJson(f)),
        spans.map((span) => span?.from ?? null),
        spans.map((span) => span?.to ?? null),
        rows.map((f) => f.deliveredNotBillable),
      ],
    );
  },
};

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const HOUR_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}$/;
const HOUR_MS = 3_600_000;

/**
 * The first and last moment the facts speak of: every time in them, found by walking the whole
 * object (so a fact added later cannot be missed), hourly histogram keys counted to the end of
 * their hour. `null` when there is none: such a row is read for every window.
 */
export function activeSpan(facts: ShipmentKpiFacts): { from: string; to: string } | null {
  let min = Infinity;
  let max = -Infinity;
  const see = (start: number, end = start) => {
    if (Number.isNaN(start)) return;
    min = Math.min(min, start);
    max = Math.max(max, end);
  };
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      if (HOUR_KEY.test(value)) see(Date.parse(`${value}:00:00Z`), Date.parse(`${value}:00:00Z`) + HOUR_MS);
      else if (ISO_TIME.test(value)) see(Date.parse(value));
    } else if (value instanceof Date) see(value.getTime());
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (HOUR_KEY.test(key)) see(Date.parse(`${key}:00:00Z`), Date.parse(`${key}:00:00Z`) + HOUR_MS);
        walk(inner);
      }
    }
  };
  walk(facts);
  return min === Infinity ? null : { from: new Date(min).toISOString(), to: new Date(max).toISOString() };
}

/**
 * Shipments' KPI facts (optionally one carrier's). With a window, only the rows it can concern:
 * those whose facts span overlaps it, those in the delivered-not-billable backlog (measured at the
 * time of the request), and those written before the span was kept.
 */
export async function readKpiFacts(
  pool: Pool,
  schema: string,
  options: { readonly carrierId?: string; readonly window?: { readonly from: Date; readonly to: Date } } = {},
): Promise<ShipmentKpiFacts[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  if (options.carrierId !== undefined) {
    values.push(options.carrierId);
    where.push(`carrier_id = $${values.length}`);
  }
  if (options.window) {
    values.push(options.window.from, options.window.to);
    const from = `$${values.length - 1}`;
    const to = `$${values.length}`;
    where.push(
      `(active_from IS NULL OR backlog IS NOT FALSE OR (active_to >= ${from} AND active_from < ${to}))`,
    );
  }
  const result = await pool.query<{ facts: unknown }>(
    `SELECT facts FROM ${identifier(schema)}.kpi_facts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
    values,
  );
  return result.rows.map((r) => decodeJson(r.facts) as ShipmentKpiFacts);
}

/** The hourly event-latency rows whose hour overlaps [from, to). */
export async function readEventLatencyHours(
  pool: Pool,
  schema: string,
  from: Date,
  to: Date,
): Promise<EventLatencyRow[]> {
  // Keys are `YYYY-MM-DDTHH` (UTC): they sort as text in time order.
  const hour = (at: Date) => at.toISOString().slice(0, 13);
  const result = await pool.query<{ row: string }>(
    `SELECT row::text AS row FROM ${identifier(schema)}.${rowsTableName('event-latency')} WHERE key >= $1 AND key <= $2`,
    [hour(from), hour(new Date(to.getTime() - 1))],
  );
  return result.rows.map((r) => parseJson(r.row) as EventLatencyRow);
}
