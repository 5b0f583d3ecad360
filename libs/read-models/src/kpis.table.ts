import type { Pool } from 'pg';
import { type EventLatencyRow, type ShipmentKpiFacts, type ShipmentKpiFactsRow } from '@waybill/projections';
import { decodeJson, stringifyJson } from './json-codec';
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
  ],
  write: async ({ client, schema, changed }: BatchContext<ShipmentKpiFactsRow>) => {
    if (changed.size === 0) return;
    const rows = [...changed.values()].map((row) => row.facts);
    await client.query(
      `INSERT INTO ${identifier(schema)}.kpi_facts (shipment_id, carrier_id, facts)
       SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])
       ON CONFLICT (shipment_id) DO UPDATE SET carrier_id = EXCLUDED.carrier_id, facts = EXCLUDED.facts,
         updated_at = clock_timestamp()`,
      [rows.map((f) => f.shipmentId), rows.map((f) => f.carrierId), rows.map((f) => stringifyJson(f))],
    );
  },
};

/** Every shipment's KPI facts (optionally one carrier's). */
export async function readKpiFacts(
  pool: Pool,
  schema: string,
  options: { readonly carrierId?: string } = {},
): Promise<ShipmentKpiFacts[]> {
  const result = await pool.query<{ facts: unknown }>(
    `SELECT facts FROM ${identifier(schema)}.kpi_facts ${options.carrierId === undefined ? '' : 'WHERE carrier_id = $1'}`,
    options.carrierId === undefined ? [] : [options.carrierId],
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
  const result = await pool.query<{ row: unknown }>(
    `SELECT row FROM ${identifier(schema)}.${rowsTableName('event-latency')} WHERE key >= $1 AND key <= $2`,
    [hour(from), hour(new Date(to.getTime() - 1))],
  );
  return result.rows.map((r) => decodeJson(r.row) as EventLatencyRow);
}
