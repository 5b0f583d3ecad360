import type { PoolClient } from 'pg';
import { CONTRACT_STREAM_PREFIX, SHIPMENT_STREAM_PREFIX } from '@waybill/domain';
import {
  billableShipmentsProjection,
  eventLatencyProjection,
  exceptionQueueProjection,
  shipmentKpiFactsProjection,
  type EventLike,
  type Projection,
} from '@waybill/projections';
import { billableShipmentsTable } from './billable-shipments.table';
import { exceptionQueueTable } from './exception-queue.table';
import { kpiFactsTable } from './kpis.table';
import type { ReadModelTable } from './projection-runner';
import { identifier, rowsTableName } from './sql';

/** One line of a rebuild's diff: a read-model entry whose status or amount changed. */
export interface DiffLine {
  readonly key: string;
  /** `null` when the entry is only in the rebuilt read model. */
  readonly before: { readonly status: string; readonly amount: string | null } | null;
  /** `null` when the entry is only in the live read model. */
  readonly after: { readonly status: string; readonly amount: string | null } | null;
}

/** What a rebuild would change, compared at one checkpoint. */
export interface DiffReport {
  /** How many entries changed status or amount (or appear or disappear). */
  readonly changedCount: number;
  /** The first `DIFF_LINES_SHOWN` of them, by key. */
  readonly changed: readonly DiffLine[];
  readonly countsBefore: Readonly<Record<string, number>>;
  readonly countsAfter: Readonly<Record<string, number>>;
}

export const DIFF_LINES_SHOWN = 1000;

/**
 * A read model as a whole: the projection, the query tables kept with its rows, the streams it
 * reads, and how two copies of it are compared. The processor runs one `ProjectionRunner` per
 * definition; a rebuild builds a second copy from the same definition and swaps it in.
 */
export interface ReadModelDefinition<Row = unknown> {
  // The event type is erased here: a definition list mixes projections of different events.
  readonly projection: Projection<Row, EventLike>;
  readonly tables: readonly ReadModelTable<Row>[];
  readonly streamPrefixes: readonly string[];
  /** The live (`before`) and rebuilt (`after`) copies, compared inside the swap's transaction. */
  diff(client: PoolClient, liveSchema: string, shadowSchema: string): Promise<DiffReport>;
}

/** How entries of a query table are compared: SQL expressions over a table alias. */
export interface DiffColumns {
  /** The key column. */
  readonly key: string;
  readonly status: (alias: string) => string;
  readonly amount: ((alias: string) => string) | null;
}

/**
 * Compares one query table in two schemas: entries by key, changed when status or amount
 * differ, and the number of entries per status on each side.
 */
export async function diffTables(
  client: PoolClient,
  table: string,
  columns: DiffColumns,
  before: string,
  after: string,
): Promise<DiffReport> {
  const a = `${identifier(before)}.${identifier(table)}`;
  const b = `${identifier(after)}.${identifier(table)}`;
  const key = identifier(columns.key);
  const { status } = columns;
  const amount = columns.amount ?? (() => 'NULL::text');
  const changedSql = `FROM ${a} a FULL OUTER JOIN ${b} b ON a.${key} = b.${key}
     WHERE a.${key} IS NULL OR b.${key} IS NULL
        OR ${status('a')} IS DISTINCT FROM ${status('b')}
        OR ${amount('a')} IS DISTINCT FROM ${amount('b')}`;
  const lines = await client.query<{
    key: string;
    before_status: string | null;
    before_amount: string | null;
    after_status: string | null;
    after_amount: string | null;
  }>(
    `SELECT coalesce(a.${key}, b.${key}) AS key,
            CASE WHEN a.${key} IS NULL THEN NULL ELSE coalesce(${status('a')}, '') END AS before_status,
            ${amount('a')} AS before_amount,
            CASE WHEN b.${key} IS NULL THEN NULL ELSE coalesce(${status('b')}, '') END AS after_status,
            ${amount('b')} AS after_amount
     ${changedSql}
     ORDER BY 1 LIMIT ${DIFF_LINES_SHOWN}`,
  );
  const total = await client.query<{ n: string }>(`SELECT count(*)::text AS n ${changedSql}`);
  const counts = async (qualified: string) => {
    const result = await client.query<{ status: string | null; n: string }>(
      `SELECT ${status('t')} AS status, count(*)::text AS n FROM ${qualified} t GROUP BY 1 ORDER BY 1`,
    );
    return Object.fromEntries(result.rows.map((r) => [r.status ?? '', Number(r.n)]));
  };
  return {
    changedCount: Number(total.rows[0]?.n ?? 0),
    changed: lines.rows.map((r) => ({
      key: r.key,
      before: r.before_status === null ? null : { status: r.before_status, amount: r.before_amount },
      after: r.after_status === null ? null : { status: r.after_status, amount: r.after_amount },
    })),
    countsBefore: await counts(a),
    countsAfter: await counts(b),
  };
}

/** A table that may not exist yet in `schema` is compared as empty. */
export async function ensureTables(
  client: PoolClient,
  schema: string,
  tables: readonly ReadModelTable<unknown>[],
): Promise<void> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${identifier(schema)}`);
  for (const table of tables) for (const ddl of table.ddl(schema)) await client.query(ddl);
}

const STREAMS = [SHIPMENT_STREAM_PREFIX, CONTRACT_STREAM_PREFIX];

export const billableShipmentsReadModel: ReadModelDefinition = {
  projection: billableShipmentsProjection,
  tables: [billableShipmentsTable],
  streamPrefixes: STREAMS,
  diff: (client, live, shadow) =>
    diffTables(
      client,
      'billable_shipments',
      { key: 'shipment_id', status: (t) => `${t}.status`, amount: (t) => `${t}.amount` },
      live,
      shadow,
    ),
};

export const exceptionQueueReadModel: ReadModelDefinition = {
  projection: exceptionQueueProjection,
  tables: [exceptionQueueTable],
  streamPrefixes: STREAMS,
  diff: (client, live, shadow) =>
    diffTables(
      client,
      'exception_queue',
      { key: 'id', status: (t) => `${t}.status`, amount: null },
      live,
      shadow,
    ),
};

/** KPI facts per shipment: compared by billing status and booked amount. */
export const kpiFactsReadModel: ReadModelDefinition = {
  projection: shipmentKpiFactsProjection,
  tables: [kpiFactsTable],
  streamPrefixes: [SHIPMENT_STREAM_PREFIX],
  diff: (client, live, shadow) =>
    diffTables(
      client,
      'kpi_facts',
      {
        key: 'shipment_id',
        status: (t) => `(${t}.facts->>'billingStatus')`,
        amount: (t) => `(${t}.facts->>'amount')`,
      },
      live,
      shadow,
    ),
};

/** Hourly event-latency histograms: compared by the number of reports in each hour. */
export const eventLatencyReadModel: ReadModelDefinition = {
  projection: eventLatencyProjection,
  tables: [],
  streamPrefixes: [SHIPMENT_STREAM_PREFIX],
  diff: (client, live, shadow) =>
    diffTables(
      client,
      rowsTableName(eventLatencyProjection.name),
      { key: 'key', status: (t) => `(${t}.row::json->>'reports')`, amount: null },
      live,
      shadow,
    ),
};

/** Every read model Waybill keeps, by projection name. */
export const READ_MODELS: readonly ReadModelDefinition[] = [
  billableShipmentsReadModel,
  exceptionQueueReadModel,
  kpiFactsReadModel,
  eventLatencyReadModel,
];

export function readModelNamed(
  name: string,
  definitions: readonly ReadModelDefinition[] = READ_MODELS,
): ReadModelDefinition | undefined {
  return definitions.find((d) => d.projection.name === name);
}
