import {
  billingView,
  customerIdOf,
  evolveUntracked,
  initialShipmentState,
  isContractEvent,
  isShipmentStreamEvent,
  milestoneTime,
  outstandingRelease,
  shipmentIdOf,
  type BillingStatus,
  type ContractEvent,
  type CurrentContract,
  type HoldReason,
  type ShipmentState,
  type ShipmentStreamEvent,
  sumAmounts,
} from '@waybill/domain';
import { type EventLike, type EventMeta, type Projection } from './projection';

/** One line of `GET /v1/billing/shipments` (contract v1 §4): a shipment's billing right now. */
export interface BillableShipment {
  readonly shipmentId: string;
  /** `null` until the booking arrives; so are `carrierId` and `orderId`. */
  readonly customerId: string | null;
  readonly carrierId: string | null;
  readonly orderId: string | null;
  readonly status: BillingStatus;
  /** Why it is not billable (hold reasons, in the domain's order); empty when it is. */
  readonly reasons: readonly string[];
  /** The contract version behind the status; `null` when there is none. */
  readonly contractId: string | null;
  readonly policyVersion: number | null;
  /**
   * The exact sum of the charge lines, a decimal string: those of the standing release (what the
   * ERP is asked to invoice), else the booking's. `null` before the booking, or when a line is not
   * a decimal.
   */
  readonly amount: string | null;
  readonly currency: string | null;
  /** When the shipment was delivered at the source (earliest report), or `null`. */
  readonly deliveredAt: string | null;
  /** When the current hold reasons began; `null` when not held. See the README. */
  readonly holdSince: string | null;
  /** When the standing release was requested; `null` when none stands. */
  readonly releaseRequestedAt: string | null;
  /** When the ERP invoiced (its own time), or `null`. */
  readonly invoicedAt: string | null;
  readonly invoiceNumber: string | null;
  /** When the log last recorded an event of the shipment, or of its customer's contract. */
  readonly lastEventAt: Date | null;
  /** Revision of the shipment's stream last applied; `-1n` before any. */
  readonly revision: bigint;
}

/** The recorded hold decision that still stands, and when its reasons began. */
export interface RecordedHold {
  readonly reasons: readonly HoldReason[];
  readonly since: string;
}

/** A shipment's row: its folded state and what the state does not keep. Keyed `shipment:<id>`. */
export interface BillableShipmentEntry {
  readonly kind: 'shipment';
  readonly shipmentId: string;
  readonly state: ShipmentState;
  readonly recordedHold: RecordedHold | null;
  readonly invoicedAt: string | null;
  readonly lastEventAt: Date | null;
  readonly revision: bigint;
}

/** A customer's current contract, from its `contract-<customerId>` stream. Keyed `contract:<customerId>`. */
export interface CustomerContractEntry {
  readonly kind: 'contract';
  readonly customerId: string;
  /** `null` before the first version is recorded. */
  readonly contract: CurrentContract | null;
  readonly lastEventAt: Date | null;
  readonly revision: bigint;
}

/** A row of the billable-shipments projection: a shipment, or a customer's contract. */
export type BillableShipmentsRow = BillableShipmentEntry | CustomerContractEntry;

/** The events the billable-shipments projection folds: shipment streams and contract streams. */
export type BillableShipmentsEvent = ShipmentStreamEvent | ContractEvent;

const SHIPMENT_KEY = 'shipment:';
const CONTRACT_KEY = 'contract:';

/** The key of a shipment's row in the billable-shipments projection. */
export function billableShipmentKey(shipmentId: string): string {
  return `${SHIPMENT_KEY}${shipmentId}`;
}

/** The key of a customer's contract row in the billable-shipments projection. */
export function customerContractKey(customerId: string): string {
  return `${CONTRACT_KEY}${customerId}`;
}

const HELD: readonly BillingStatus[] = ['awaiting_delivery', 'awaiting_pod', 'on_hold', 'rejected'];

/**
 * The billing line of a shipment under its customer's current contract (`contract`, the
 * customer's row, `undefined` when the log has recorded none). Status and reasons are the
 * domain's `billingView` with that contract, so the rules live only in `libs/domain`.
 */
export function billableShipment(
  entry: BillableShipmentEntry,
  contract: CustomerContractEntry | undefined,
): BillableShipment {
  const { state, shipmentId } = entry;
  const view = billingView(state, contract?.contract ?? null);
  const standing = outstandingRelease(state.billing);
  const charges = standing?.charges ?? state.booking?.charges;
  const lastEventAt = latest(entry.lastEventAt, contract?.lastEventAt ?? null);
  return {
    shipmentId,
    customerId: state.booking?.customerId ?? null,
    carrierId: state.booking?.carrierId ?? null,
    orderId: state.booking?.orderId ?? null,
    status: view.status,
    reasons: view.reasons,
    contractId: view.contractId ?? null,
    policyVersion: view.policyVersion ?? null,
    amount: charges ? sumAmounts(charges.lines.map((line) => line.amount)) : null,
    currency: charges?.currency ?? null,
    deliveredAt: milestoneTime(state, 'delivered') ?? null,
    holdSince: HELD.includes(view.status) ? holdSince(entry, view.reasons, lastEventAt) : null,
    releaseRequestedAt: standing?.requestedAt ?? null,
    invoicedAt: standing?.status === 'invoiced' ? entry.invoicedAt : null,
    invoiceNumber: view.invoiceNumber,
    lastEventAt,
    revision: entry.revision,
  };
}

// The saga records a hold whenever its reasons change, so its decision time is when they began.
// Until it has (the contract changed a moment ago), they began with the latest event seen.
function holdSince(
  entry: BillableShipmentEntry,
  reasons: readonly string[],
  seen: Date | null,
): string | null {
  const recorded = entry.recordedHold;
  if (recorded && sameList(recorded.reasons, reasons)) return recorded.since;
  return seen?.toISOString() ?? null;
}

/**
 * Every shipment's billing line, by shipmentId, each under its customer's current contract: the
 * read model `GET /v1/billing/shipments` lists. A contract change therefore changes the lines of
 * all that customer's shipments.
 */
export function billableShipments(rows: ReadonlyMap<string, BillableShipmentsRow>): BillableShipment[] {
  const lines: BillableShipment[] = [];
  for (const row of rows.values()) {
    if (row.kind !== 'shipment') continue;
    const customerId = row.state.booking?.customerId;
    const contract = customerId === undefined ? undefined : rows.get(customerContractKey(customerId));
    lines.push(billableShipment(row, contract?.kind === 'contract' ? contract : undefined));
  }
  return lines.sort((a, b) => (a.shipmentId < b.shipmentId ? -1 : a.shipmentId > b.shipmentId ? 1 : 0));
}

function applyToShipment(
  entry: BillableShipmentEntry,
  event: ShipmentStreamEvent,
  meta: EventMeta,
): BillableShipmentEntry {
  const state = evolveUntracked(entry.state, event);
  // Written out in `init`'s key order: V8 copies an object spread several times slower than it
  // builds a literal, and this runs for every event folded.
  return {
    kind: 'shipment',
    shipmentId: entry.shipmentId,
    state,
    recordedHold: recordedHoldAfter(entry.recordedHold, event),
    invoicedAt: invoicedAtAfter(entry.invoicedAt, state, event),
    lastEventAt: meta.recordedAt,
    revision: meta.revision,
  };
}

function recordedHoldAfter(hold: RecordedHold | null, event: ShipmentStreamEvent): RecordedHold | null {
  if (event.type === 'ShipmentInvoiceReleaseRequested') return null;
  if (event.type !== 'ShipmentBillingHeld') return hold;
  const { reasons, decidedAt } = event.data;
  // A new contract version with the same reasons is the same hold, still going.
  return hold && sameList(hold.reasons, reasons) ? hold : { reasons, since: decidedAt };
}

function invoicedAtAfter(invoicedAt: string | null, state: ShipmentState, event: ShipmentStreamEvent) {
  if (event.type !== 'ShipmentInvoiced' || invoicedAt !== null) return invoicedAt;
  const standing = outstandingRelease(state.billing);
  return standing?.status === 'invoiced' && standing.commandId === event.data.commandId
    ? event.data.occurredAt
    : invoicedAt;
}

function applyToContract(
  entry: CustomerContractEntry,
  event: ContractEvent,
  meta: EventMeta,
): CustomerContractEntry {
  const contract =
    event.type === 'ContractPolicyRecorded'
      ? { contractId: event.data.contractId, version: event.data.version, policy: event.data.policy }
      : entry.contract;
  return { ...entry, contract, lastEventAt: meta.recordedAt, revision: meta.revision };
}

function latest(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() >= b.getTime() ? a : b;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The billable-shipments read model. Two kinds of row in one projection: `shipment:<shipmentId>`
 * (the folded shipment stream, billing included) and `contract:<customerId>` (the customer's
 * current contract), because a shipment's billing status depends on both and `keyOf` sends each
 * event to one row. `billableShipments(rows)` joins them into the lines the API lists. Applying an
 * event whose revision the row already has is a no-op.
 */
export const billableShipmentsProjection: Projection<BillableShipmentsRow, BillableShipmentsEvent> = {
  name: 'billable-shipments',
  // 2: rows no longer keep the message ids of the folded state (smaller rows).
  version: 2,
  handles: (event: EventLike): event is BillableShipmentsEvent =>
    isShipmentStreamEvent(event) || isContractEvent(event),
  keyOf: (event, streamId) => {
    if (isContractEvent(event)) {
      const customerId = customerIdOf(streamId);
      return customerId === null ? null : customerContractKey(customerId);
    }
    const shipmentId = shipmentIdOf(streamId);
    return shipmentId === null ? null : billableShipmentKey(shipmentId);
  },
  init: (key) =>
    key.startsWith(CONTRACT_KEY)
      ? {
          kind: 'contract',
          customerId: key.slice(CONTRACT_KEY.length),
          contract: null,
          lastEventAt: null,
          revision: -1n,
        }
      : {
          kind: 'shipment',
          shipmentId: key.slice(SHIPMENT_KEY.length),
          state: initialShipmentState,
          recordedHold: null,
          invoicedAt: null,
          lastEventAt: null,
          revision: -1n,
        },
  apply: (row, event, meta) => {
    if (meta.revision <= row.revision) return row;
    if (row.kind === 'contract') return isContractEvent(event) ? applyToContract(row, event, meta) : row;
    return isContractEvent(event) ? row : applyToShipment(row, event, meta);
  },
};
