import type { Pool } from 'pg';
import type { ExceptionOwner } from '@waybill/domain';
import type { ExceptionQueueItem, ExceptionQueueRow } from '@waybill/projections';
import type { BatchContext, ReadModelTable } from './projection-runner';
import { identifier, keysetPage } from './sql';

/**
 * `<schema>.exception_queue`: the items of the exception-queue projection's rows, one table row
 * per item. Kept by the runner of `exceptionQueueProjection` in each batch's transaction: the
 * items of every shipment the batch changed are replaced by the row's current items.
 */
export const exceptionQueueTable: ReadModelTable<ExceptionQueueRow> = {
  names: ['exception_queue'],
  ddl: (schema) => {
    const table = `${identifier(schema)}.exception_queue`;
    return [
      `CREATE TABLE IF NOT EXISTS ${table} (
         id          text COLLATE "C" PRIMARY KEY,
         kind        text NOT NULL,
         shipment_id text,
         code        text NOT NULL,
         owner       text NOT NULL,
         status      text NOT NULL,
         opened_at   text NOT NULL,
         resolved_at text,
         detail      jsonb NOT NULL,
         updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
       )`,
      `CREATE INDEX IF NOT EXISTS exception_queue_shipment ON ${table} (shipment_id, id)`,
      `CREATE INDEX IF NOT EXISTS exception_queue_status ON ${table} (status, id)`,
      `CREATE INDEX IF NOT EXISTS exception_queue_owner ON ${table} (owner, id)`,
    ];
  },
  write: writeExceptionQueue,
};

async function writeExceptionQueue(batch: BatchContext<ExceptionQueueRow>): Promise<void> {
  const { client, schema, changed } = batch;
  if (changed.size === 0) return;
  const table = `${identifier(schema)}.exception_queue`;
  const rows = [...changed.values()];
  await client.query(`DELETE FROM ${table} WHERE shipment_id = ANY($1::text[])`, [
    rows.map((row) => row.shipmentId),
  ]);
  const items = rows.flatMap((row) => row.items);
  if (items.length === 0) return;
  await client.query(
    `INSERT INTO ${table} (id, kind, shipment_id, code, owner, status, opened_at, resolved_at, detail)
     SELECT id, kind, shipment_id, code, owner, status, opened_at, resolved_at, detail
     FROM json_to_recordset($1::json) AS x(
       id text, kind text, shipment_id text, code text, owner text, status text, opened_at text,
       resolved_at text, detail jsonb)`,
    [JSON.stringify(items.map(toColumns))],
  );
}

function toColumns(item: ExceptionQueueItem) {
  return {
    id: item.id,
    kind: item.kind,
    shipment_id: item.shipmentId,
    code: item.code,
    owner: item.owner,
    status: item.status,
    opened_at: item.openedAt,
    resolved_at: item.resolvedAt,
    detail: item.detail,
  };
}

interface ExceptionQueueColumns {
  id: string;
  kind: ExceptionQueueItem['kind'];
  shipment_id: string | null;
  code: string;
  owner: ExceptionOwner;
  status: 'open' | 'resolved';
  opened_at: string;
  resolved_at: string | null;
  detail: unknown;
}

function fromColumns(row: ExceptionQueueColumns): ExceptionQueueItem {
  return {
    id: row.id,
    kind: row.kind,
    shipmentId: row.shipment_id,
    code: row.code,
    owner: row.owner,
    status: row.status,
    openedAt: row.opened_at,
    resolvedAt: row.resolved_at,
    detail: row.detail,
  } as ExceptionQueueItem;
}

/** Filters and keyset page of `readExceptionQueue`. */
export interface ExceptionQueueQuery {
  readonly status?: 'open' | 'resolved';
  readonly owner?: ExceptionOwner;
  readonly kind?: ExceptionQueueItem['kind'];
  readonly shipmentId?: string;
  /** Exclusive: the page starts after this item id (the last of the previous page). */
  readonly afterId?: string;
  readonly limit: number;
}

/**
 * One page of exception-queue items from the log (parked messages are not in this table), by
 * item id, with the filters of `GET /v1/exceptions`. The next page starts after the last item's `id`.
 */
export async function readExceptionQueue(
  pool: Pool,
  schema: string,
  query: ExceptionQueueQuery,
): Promise<ExceptionQueueItem[]> {
  const { text, values } = keysetPage(
    `${identifier(schema)}.exception_queue`,
    'id, kind, shipment_id, code, owner, status, opened_at, resolved_at, detail',
    [
      ['status =', query.status],
      ['owner =', query.owner],
      ['kind =', query.kind],
      ['shipment_id =', query.shipmentId],
      ['id >', query.afterId],
    ],
    'id',
    query.limit,
  );
  const result = await pool.query<ExceptionQueueColumns>(text, values);
  return result.rows.map(fromColumns);
}
