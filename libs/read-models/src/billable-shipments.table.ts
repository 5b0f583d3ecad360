import type { Pool } from 'pg';
import {
  billableShipment,
  billableShipmentKey,
  customerContractKey,
  type BillableShipment,
  type BillableShipmentEntry,
  type BillableShipmentsRow,
} from '@waybill/projections';
import type { BillingStatus } from '@waybill/domain';
import type { BatchContext, ReadModelTable } from './projection-runner';
import { identifier, keysetPage } from './sql';

/**
 * `<schema>.billable_shipments`: one line per shipment, `billableShipment(entry, contract)` of the
 * billable-shipments projection, flattened for filtering. Kept by the runner of
 * `billableShipmentsProjection` in each batch's transaction: the lines of the shipments the batch
 * touched, and of every shipment of a customer whose contract row it changed.
 */
export const billableShipmentsTable: ReadModelTable<BillableShipmentsRow> = {
  names: ['billable_shipments'],
  ddl: (schema) => {
    const table = `${identifier(schema)}.billable_shipments`;
    return [
      `CREATE TABLE IF NOT EXISTS ${table} (
         shipment_id          text COLLATE "C" PRIMARY KEY,
         customer_id          text,
         carrier_id           text,
         order_id             text,
         status               text NOT NULL,
         reasons              jsonb NOT NULL,
         amount               text,
         currency             text,
         contract_id          text,
         policy_version       integer,
         delivered_at         text,
         hold_since           text,
         release_requested_at text,
         invoiced_at          text,
         invoice_number       text,
         last_event_at        timestamptz,
         revision             bigint NOT NULL,
         updated_at           timestamptz NOT NULL DEFAULT clock_timestamp()
       )`,
      `CREATE INDEX IF NOT EXISTS billable_shipments_status ON ${table} (status, shipment_id)`,
      `CREATE INDEX IF NOT EXISTS billable_shipments_customer ON ${table} (customer_id, shipment_id)`,
      `CREATE INDEX IF NOT EXISTS billable_shipments_carrier ON ${table} (carrier_id, shipment_id)`,
    ];
  },
  write: writeBillableShipments,
};

async function writeBillableShipments(batch: BatchContext<BillableShipmentsRow>): Promise<void> {
  const { client, schema, changed } = batch;
  const table = `${identifier(schema)}.billable_shipments`;
  const shipments = new Map<string, BillableShipmentEntry>();
  const customers = new Set<string>();
  for (const row of changed.values()) {
    if (row.kind === 'shipment') shipments.set(row.shipmentId, row);
    else customers.add(row.customerId);
  }
  if (customers.size > 0) {
    // A shipment without a booking has no customer, so no contract can change its line.
    const others = await client.query<{ shipment_id: string }>(
      `SELECT shipment_id FROM ${table} WHERE customer_id = ANY($1::text[])`,
      [[...customers]],
    );
    const missing = others.rows.map((r) => r.shipment_id).filter((id) => !shipments.has(id));
    const loaded = await batch.loadRows(missing.map(billableShipmentKey));
    for (const row of loaded.values()) if (row.kind === 'shipment') shipments.set(row.shipmentId, row);
  }
  if (shipments.size === 0) return;

  const customerIds = new Set<string>();
  for (const entry of shipments.values()) {
    const customerId = entry.state.booking?.customerId;
    if (customerId !== undefined) customerIds.add(customerId);
  }
  const contracts = await batch.loadRows([...customerIds].map(customerContractKey));
  const lines = [...shipments.values()].map((entry) => {
    const customerId = entry.state.booking?.customerId;
    const contract = customerId === undefined ? undefined : contracts.get(customerContractKey(customerId));
    return billableShipment(entry, contract?.kind === 'contract' ? contract : undefined);
  });
  await client.query(
    `INSERT INTO ${table} AS t (
       shipment_id, customer_id, carrier_id, order_id, status, reasons, amount, currency, contract_id,
       policy_version, delivered_at, hold_since, release_requested_at, invoiced_at, invoice_number,
       last_event_at, revision)
     SELECT shipment_id, customer_id, carrier_id, order_id, status, reasons, amount, currency, contract_id,
       policy_version, delivered_at, hold_since, release_requested_at, invoiced_at, invoice_number,
       last_event_at, revision
     FROM json_to_recordset($1::json) AS x(
       shipment_id text, customer_id text, carrier_id text, order_id text, status text, reasons jsonb,
       amount text, currency text, contract_id text, policy_version integer, delivered_at text,
       hold_since text, release_requested_at text, invoiced_at text, invoice_number text,
       last_event_at timestamptz, revision bigint)
     ON CONFLICT (shipment_id) DO UPDATE SET
       customer_id = EXCLUDED.customer_id, carrier_id = EXCLUDED.carrier_id, order_id = EXCLUDED.order_id,
       status = EXCLUDED.status, reasons = EXCLUDED.reasons, amount = EXCLUDED.amount,
       currency = EXCLUDED.currency, contract_id = EXCLUDED.contract_id,
       policy_version = EXCLUDED.policy_version, delivered_at = EXCLUDED.delivered_at,
       hold_since = EXCLUDED.hold_since, release_requested_at = EXCLUDED.release_requested_at,
       invoiced_at = EXCLUDED.invoiced_at, invoice_number = EXCLUDED.invoice_number,
       last_event_at = EXCLUDED.last_event_at, revision = EXCLUDED.revision,
       updated_at = clock_timestamp()`,
    [JSON.stringify(lines.map(toColumns))],
  );
}

function toColumns(line: BillableShipment) {
  return {
    shipment_id: line.shipmentId,
    customer_id: line.customerId,
    carrier_id: line.carrierId,
    order_id: line.orderId,
    status: line.status,
    reasons: line.reasons,
    amount: line.amount,
    currency: line.currency,
    contract_id: line.contractId,
    policy_version: line.policyVersion,
    delivered_at: line.deliveredAt,
    hold_since: line.holdSince,
    release_requested_at: line.releaseRequestedAt,
    invoiced_at: line.invoicedAt,
    invoice_number: line.invoiceNumber,
    last_event_at: line.lastEventAt?.toISOString() ?? null,
    revision: line.revision.toString(),
  };
}

interface BillableShipmentColumns {
  shipment_id: string;
  customer_id: string | null;
  carrier_id: string | null;
  order_id: string | null;
  status: BillingStatus;
  reasons: string[];
  amount: string | null;
  currency: string | null;
  contract_id: string | null;
  policy_version: number | null;
  delivered_at: string | null;
  hold_since: string | null;
  release_requested_at: string | null;
  invoiced_at: string | null;
  invoice_number: string | null;
  last_event_at: Date | null;
  revision: string;
}

function fromColumns(row: BillableShipmentColumns): BillableShipment {
  return {
    shipmentId: row.shipment_id,
    customerId: row.customer_id,
    carrierId: row.carrier_id,
    orderId: row.order_id,
    status: row.status,
    reasons: row.reasons,
    amount: row.amount,
    currency: row.currency,
    contractId: row.contract_id,
    policyVersion: row.policy_version,
    deliveredAt: row.delivered_at,
    holdSince: row.hold_since,
    releaseRequestedAt: row.release_requested_at,
    invoicedAt: row.invoiced_at,
    invoiceNumber: row.invoice_number,
    lastEventAt: row.last_event_at,
    revision: BigInt(row.revision),
  };
}

/** Filters and keyset page of `readBillableShipments`. */
export interface BillableShipmentsQuery {
  readonly status?: BillingStatus;
  readonly customerId?: string;
  readonly carrierId?: string;
  /** Exclusive: the page starts after this shipmentId (the last of the previous page). */
  readonly afterShipmentId?: string;
  readonly limit: number;
}

/**
 * One page of billable-shipment lines, by shipmentId, with the filters of
 * `GET /v1/billing/shipments`. The next page starts after the last line's `shipmentId`.
 */
export async function readBillableShipments(
  pool: Pool,
  schema: string,
  query: BillableShipmentsQuery,
): Promise<BillableShipment[]> {
  const { text, values } = keysetPage(
    `${identifier(schema)}.billable_shipments`,
    `shipment_id, customer_id, carrier_id, order_id, status, reasons, amount, currency,
       contract_id, policy_version, delivered_at, hold_since, release_requested_at, invoiced_at,
       invoice_number, last_event_at, revision::text AS revision`,
    [
      ['status =', query.status],
      ['customer_id =', query.customerId],
      ['carrier_id =', query.carrierId],
      ['shipment_id >', query.afterShipmentId],
    ],
    'shipment_id',
    query.limit,
  );
  const result = await pool.query<BillableShipmentColumns>(text, values);
  return result.rows.map(fromColumns);
}
