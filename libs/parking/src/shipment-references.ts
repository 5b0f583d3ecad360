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
   * The shipment a carrier's references name.
   *
   * - Identifiers (shipmentId, tracking number, PRO, bill of lading) name one shipment each: every
   *   one the index knows must agree, and the first in `REFERENCE_KINDS` order decides.
   * - When the index knows none of them, the purchase orders may decide, if they name exactly one
   *   booked shipment, and only if that booking does not contradict the message: a booking with
   *   tracking numbers (or a PRO, or a bill of lading) of which the message names another one is
   *   some other shipment of the same purchase order, perhaps not booked yet. The message then
   *   stays unmatched rather than go to the wrong shipment. A booking made with purchase orders
   *   only (the carrier's numbers come later) does not contradict, and the purchase order decides.
   */
  async resolve(refs: ReferenceSet): Promise<Resolution> {
    const keys = referenceKeys(refs);
    if (keys.length === 0) return { matched: false, ambiguous: [] };
    const rows = await this.lookup(keys);
    const isIdentifier = (key: string) => !key.startsWith('purchaseOrder:');
    const decide = (candidates: readonly string[]): Resolution => {
      const found = rows.filter((r) => candidates.includes(r.key));
      const shipments = new Set(found.map((r) => r.shipment_id));
      if (shipments.size === 1) {
        // The first key, in resolution order, that names it.
        const by = candidates.find((k) => found.some((r) => r.key === k))!;
        return { matched: true, shipmentId: found[0]!.shipment_id, by };
      }
      return {
        matched: false,
        ambiguous: shipments.size > 1 ? candidates.filter((k) => found.some((r) => r.key === k)) : [],
      };
    };
    const identifiers = keys.filter(isIdentifier);
    const byIdentifier = decide(identifiers);
    if (byIdentifier.matched || byIdentifier.ambiguous.length > 0) return byIdentifier;
    const byOrder = decide(keys.filter((k) => !isIdentifier(k)));
    if (!byOrder.matched || identifiers.length === 0) return byOrder;
    // The message also names the shipment by identifiers the index does not know: fine when the
    // booking has none of those kinds, a contradiction when it has others.
    const known = await this.pool.query<{ kind: string }>(
      `SELECT DISTINCT kind FROM ${this.table} WHERE shipment_id = $1 AND kind <> 'purchaseOrder'`,
      [byOrder.shipmentId],
    );
    const kindsOfBooking = new Set(known.rows.map((r) => r.kind));
    const contradicted = identifiers.filter((k) => kindsOfBooking.has(k.slice(0, k.indexOf(':'))));
    return contradicted.length === 0 ? byOrder : { matched: false, ambiguous: [] };
  }

  private async lookup(keys: readonly string[]): Promise<{ key: string; shipment_id: string }[]> {
    const split = keys.map((k) => [k.slice(0, k.indexOf(':')), k.slice(k.indexOf(':') + 1)] as const);
    const rows = await this.pool.query<{ key: string; shipment_id: string }>(
      `SELECT r.kind || ':' || r.value AS key, r.shipment_id FROM ${this.table} r
       JOIN unnest($1::text[], $2::text[]) AS k(kind, value) ON r.kind = k.kind AND r.value = k.value`,
      [split.map(([kind]) => kind), split.map(([, value]) => value)],
    );
    return rows.rows;
  }
}
