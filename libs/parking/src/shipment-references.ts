import type { Pool, PoolClient } from 'pg';
import { migrateSchema } from '@waybill/platform';

/** How a booking or a carrier names a shipment (contract v1 §2 `references`, plus our own id). */
export interface ReferenceSet {
  readonly shipmentId?: string;
  readonly trackingNumbers?: readonly string[];
  readonly pro?: string;
  readonly billOfLading?: string;
  readonly purchaseOrders?: readonly string[];
}

/** Tried in this order: the most specific name of a shipment first. */
export const REFERENCE_KINDS = [
  'shipmentId',
  'trackingNumber',
  'pro',
  'billOfLading',
  'purchaseOrder',
] as const;
export type ReferenceKind = (typeof REFERENCE_KINDS)[number];

/**
 * Carriers print references with spaces and in either case (`1z 999 aa1…`); a shipmentId is ours
 * and compared as it is.
 */
export function normaliseReference(kind: ReferenceKind, value: string): string {
  return kind === 'shipmentId' ? value.trim() : value.replace(/\s+/g, '').toUpperCase();
}

/** `kind:value` keys of a reference set, normalised, in resolution order, without duplicates. */
export function referenceKeys(refs: ReferenceSet): string[] {
  const pairs: [ReferenceKind, string][] = [
    ...(refs.shipmentId ? [['shipmentId', refs.shipmentId] as [ReferenceKind, string]] : []),
    ...(refs.trackingNumbers ?? []).map((v): [ReferenceKind, string] => ['trackingNumber', v]),
    ...(refs.pro ? [['pro', refs.pro] as [ReferenceKind, string]] : []),
    ...(refs.billOfLading ? [['billOfLading', refs.billOfLading] as [ReferenceKind, string]] : []),
    ...(refs.purchaseOrders ?? []).map((v): [ReferenceKind, string] => ['purchaseOrder', v]),
  ];
  const keys = pairs
    .map(([kind, value]) => [kind, normaliseReference(kind, value)] as const)
    .filter(([, value]) => value.length > 0)
    .map(([kind, value]) => `${kind}:${value}`);
  return [...new Set(keys)];
}

export type Resolution =
  | { readonly matched: true; readonly shipmentId: string; readonly by: string }
  | {
      readonly matched: false;
      /** Keys that name more than one booked shipment, so cannot decide alone. */
      readonly ambiguous: readonly string[];
    };

/**
 * The references index: which booked shipment each reference names. Kept from the log (bookings
 * and their revisions) by the processor's references indexer; read to resolve a carrier's message
 * to a shipmentId.
 */
export class ShipmentReferences {
  private constructor(
    private readonly pool: Pool,
    private readonly table: string,
  ) {}

  static async create(pool: Pool, schema = 'waybill'): Promise<ShipmentReferences> {
    const table = `"${schema}".shipment_references`;
    await migrateSchema(pool, schema, [
      `CREATE TABLE IF NOT EXISTS ${table} (
        kind text NOT NULL, value text NOT NULL, shipment_id text NOT NULL,
        PRIMARY KEY (kind, value, shipment_id))`,
      `CREATE INDEX IF NOT EXISTS shipment_references_shipment_idx ON ${table} (shipment_id)`,
    ]);
    return new ShipmentReferences(pool, table);
  }

  /**
   * Makes the index say exactly what the shipment's latest booking says (a revision may drop a
   * reference). Pass the client of a transaction to index several bookings atomically.
   */
  async replace(shipmentId: string, refs: ReferenceSet, client?: PoolClient): Promise<string[]> {
    const keys = referenceKeys({ ...refs, shipmentId });
    const db = client ?? this.pool;
    await db.query(`DELETE FROM ${this.table} WHERE shipment_id = $1`, [shipmentId]);
    await db.query(
      `INSERT INTO ${this.table} (kind, value, shipment_id)
       SELECT split_part(k, ':', 1), substr(k, strpos(k, ':') + 1), $1 FROM unnest($2::text[]) AS k
       ON CONFLICT DO NOTHING`,
      [shipmentId, keys],
    );
    return keys;
  }

  /**
   * The shipment a carrier's references name: the first kind (in `REFERENCE_KINDS` order) whose
   * values name exactly one booked shipment. A value shared by several shipments (a purchase
   * order over many) cannot decide, and the next kind is tried.
   */
  async resolve(refs: ReferenceSet): Promise<Resolution> {
    const keys = referenceKeys(refs);
    if (keys.length === 0) return { matched: false, ambiguous: [] };
    const split = keys.map((k) => [k.slice(0, k.indexOf(':')), k.slice(k.indexOf(':') + 1)] as const);
    const rows = await this.pool.query<{ key: string; shipment_id: string }>(
      `SELECT r.kind || ':' || r.value AS key, r.shipment_id FROM ${this.table} r
       JOIN unnest($1::text[], $2::text[]) AS k(kind, value) ON r.kind = k.kind AND r.value = k.value`,
      [split.map(([kind]) => kind), split.map(([, value]) => value)],
    );
    const ambiguous: string[] = [];
    for (const kind of REFERENCE_KINDS) {
      const ofKind = keys.filter((k) => k.startsWith(`${kind}:`));
      const shipments = new Set(rows.rows.filter((r) => ofKind.includes(r.key)).map((r) => r.shipment_id));
      if (shipments.size === 1) {
        const shipmentId = [...shipments][0]!;
        const by = rows.rows.find((r) => ofKind.includes(r.key) && r.shipment_id === shipmentId)!.key;
        return { matched: true, shipmentId, by };
      }
      if (shipments.size > 1) ambiguous.push(...ofKind);
    }
    return { matched: false, ambiguous };
  }
}
