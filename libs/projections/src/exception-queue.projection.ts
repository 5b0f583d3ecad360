import {
  CARRIER_CHARGES_MISMATCH_OWNER,
  ERP_REPLY_OVERDUE_OWNER,
  WAITING_REASONS,
  evolve,
  initialShipmentState,
  isShipmentStreamEvent,
  ownerOfHold,
  ownerOfShipmentException,
  shipmentIdOf,
  type ExceptionCode,
  type ExceptionFact,
  type ExceptionOwner,
  type HoldReason,
  type ServiceCase,
  type ServiceCaseCategory,
  type Severity,
  type ShipmentState,
  type ShipmentStreamEvent,
} from '@waybill/domain';
import type { EventLike, EventMeta, Projection } from './projection';

/** A CRM case Waybill requested about an item: the case itself lives in the CRM, not the queue. */
export interface CaseMention {
  readonly commandId: string;
  readonly category: ServiceCaseCategory;
  readonly status: 'requested' | 'open' | 'resolved';
  readonly caseId: string | null;
}

interface QueueItemBase {
  /** Stable and unique across the queue; see the README for each kind's form. */
  readonly id: string;
  /** `null` when not known (a parked message that could not be read). */
  readonly shipmentId: string | null;
  readonly owner: ExceptionOwner;
  readonly status: 'open' | 'resolved';
  readonly openedAt: string;
  /** When it was resolved, `null` while open. */
  readonly resolvedAt: string | null;
}

/** An exception reported about the shipment's movement (`ShipmentExceptionRaised`). */
export interface ShipmentExceptionItem extends QueueItemBase {
  readonly kind: 'exception';
  /** `unknown` while only the clearing report has arrived. */
  readonly code: ExceptionCode | 'unknown';
  readonly detail: {
    readonly exceptionId: string;
    readonly severity: Severity | null;
    readonly description: string | null;
    readonly resolution: string | null;
    /** `delivery_exception` cases requested about it. */
    readonly cases: readonly CaseMention[];
  };
}

/** The ERP did not answer a release after the last allowed send (`ShipmentErpReplyOverdue`). */
export interface ErpReplyOverdueItem extends QueueItemBase {
  readonly kind: 'exception';
  readonly code: 'erp_reply_overdue';
  readonly detail: {
    readonly commandId: string;
    readonly sends: number;
    /** How the ERP finally answered, or `null` while it has not. */
    readonly reply: 'invoiced' | 'rejected' | null;
  };
}

/**
 * A carrier invoices another total or currency than the booking's charges
 * (`ShipmentCarrierChargesMismatched`), resolved when a later audit of the same invoice matches.
 */
export interface CarrierChargesMismatchItem extends QueueItemBase {
  readonly kind: 'exception';
  readonly code: 'carrier_charges_mismatch';
  /** The latest mismatch recorded for the invoice. */
  readonly detail: CarrierChargesMismatch;
}

export interface CarrierChargesMismatch {
  readonly invoiceNumber: string;
  readonly carrierId: string;
  readonly mismatch: 'amount' | 'currency';
  readonly invoicedTotal: string;
  readonly invoicedCurrency: string;
  readonly bookedTotal: string;
  readonly bookedCurrency: string;
  /** Invoiced minus booked, `null` when the currencies differ. */
  readonly difference: string | null;
}

/** One reason a recorded billing decision holds the shipment (`ShipmentBillingHeld`). */
export interface BillingHoldItem extends QueueItemBase {
  readonly kind: 'hold';
  readonly code: HoldReason;
  readonly detail: {
    readonly contractId: string | null;
    readonly policyVersion: number | null;
    /** Cases requested about this reason: a `billing_hold` case listing it, or one of its own category. */
    readonly cases: readonly CaseMention[];
  };
}

/** A message parked at ingest; it lives in PostgreSQL, so `parkedMessageRow` maps it. */
export interface ParkedMessageItem extends QueueItemBase {
  readonly kind: 'parked';
  /** The park reason. */
  readonly code: string;
  readonly detail: {
    readonly parkedId: string;
    readonly subject: string;
    readonly explanation: string;
    readonly messageId: string | null;
    readonly parkedStatus: ParkedMessageStatus;
  };
}

/** One line of `GET /v1/exceptions` (contract v1 §4). */
export type ExceptionQueueItem =
  | ShipmentExceptionItem
  | ErpReplyOverdueItem
  | CarrierChargesMismatchItem
  | BillingHoldItem
  | ParkedMessageItem;

interface Span {
  readonly openedAt: string;
  readonly resolvedAt: string | null;
}

interface HoldSpan extends Span {
  readonly contractId: string | null;
  readonly policyVersion: number | null;
}

interface OverdueSpan extends Span {
  readonly sends: number;
  readonly reply: 'invoiced' | 'rejected' | null;
}

interface MismatchSpan extends Span {
  readonly detail: CarrierChargesMismatch;
}

/**
 * A shipment's row of the exception-queue projection: its queue items, the folded state they are
 * derived from, and the history the state does not keep (when each hold began and ended, when an
 * exception was first seen, overdue ERP replies). Keyed by shipmentId.
 */
export interface ExceptionQueueRow {
  readonly shipmentId: string;
  /** The shipment's items, oldest first. */
  readonly items: readonly ExceptionQueueItem[];
  readonly state: ShipmentState;
  readonly holds: ReadonlyMap<HoldReason, HoldSpan>;
  readonly exceptionsFirstSeen: ReadonlyMap<string, string>;
  readonly overdue: ReadonlyMap<string, OverdueSpan>;
  /** Carrier charges mismatches, by invoiceNumber. */
  readonly mismatches: ReadonlyMap<string, MismatchSpan>;
  readonly lastEventAt: Date | null;
  /** Stream revision of the last event applied; `-1n` before any. */
  readonly revision: bigint;
}

/** The item id of a shipment exception. */
export function shipmentExceptionItemId(shipmentId: string, exceptionId: string): string {
  return `exception:${shipmentId}:${exceptionId}`;
}

/** The item id of one hold reason of a shipment. */
export function billingHoldItemId(shipmentId: string, reason: HoldReason): string {
  return `hold:${shipmentId}:${reason}`;
}

/** The item id of an overdue ERP reply; the release's commandId already names the shipment. */
export function erpReplyOverdueItemId(commandId: string): string {
  return `erp-reply-overdue:${commandId}`;
}

/** The item id of a carrier invoice whose charges differ from the booking's. */
export function carrierChargesMismatchItemId(shipmentId: string, invoiceNumber: string): string {
  return `carrier-charges-mismatch:${shipmentId}:${invoiceNumber}`;
}

function withHolds(row: ExceptionQueueRow, event: ShipmentStreamEvent): ReadonlyMap<HoldReason, HoldSpan> {
  if (event.type === 'ShipmentInvoiceReleaseRequested')
    return closeHolds(row.holds, [], event.data.requestedAt);
  if (event.type !== 'ShipmentBillingHeld') return row.holds;
  const { reasons, contractId, policyVersion, decidedAt } = event.data;
  const held = reasons.filter(isQueued);
  const holds = new Map(closeHolds(row.holds, held, decidedAt));
  for (const reason of held) {
    const known = holds.get(reason);
    const version = { contractId: contractId ?? null, policyVersion: policyVersion ?? null };
    holds.set(
      reason,
      known && known.resolvedAt === null
        ? { ...known, ...version }
        : { openedAt: decidedAt, resolvedAt: null, ...version },
    );
  }
  return holds;
}

// As for the saga's cases: a waiting reason only says "not yet", and a cancelled shipment is not a
// problem; neither is anything for a person to act on.
function isQueued(reason: HoldReason): boolean {
  return !WAITING_REASONS.includes(reason) && reason !== 'cancelled';
}

function closeHolds(
  holds: ReadonlyMap<HoldReason, HoldSpan>,
  still: readonly HoldReason[],
  at: string,
): ReadonlyMap<HoldReason, HoldSpan> {
  const open = [...holds].filter(([reason, span]) => span.resolvedAt === null && !still.includes(reason));
  if (open.length === 0) return holds;
  const closed = new Map(holds);
  for (const [reason, span] of open) closed.set(reason, { ...span, resolvedAt: at });
  return closed;
}

function withOverdue(row: ExceptionQueueRow, event: ShipmentStreamEvent): ReadonlyMap<string, OverdueSpan> {
  if (event.type === 'ShipmentErpReplyOverdue') {
    const { commandId, sends, raisedAt } = event.data;
    if (row.overdue.has(commandId)) return row.overdue;
    return new Map(row.overdue).set(commandId, { openedAt: raisedAt, resolvedAt: null, sends, reply: null });
  }
  if (event.type !== 'ShipmentInvoiced' && event.type !== 'ShipmentInvoiceRejected') return row.overdue;
  const known = row.overdue.get(event.data.commandId);
  if (!known || known.resolvedAt !== null) return row.overdue;
  const reply = event.type === 'ShipmentInvoiced' ? 'invoiced' : 'rejected';
  return new Map(row.overdue).set(event.data.commandId, {
    ...known,
    resolvedAt: event.data.occurredAt,
    reply,
  });
}

// A mismatch opens (or reopens) the invoice's item, and a later one updates its detail; an audit
// of the same invoice that matches resolves it. `unaudited` says nothing either way.
function withMismatches(
  row: ExceptionQueueRow,
  event: ShipmentStreamEvent,
): ReadonlyMap<string, MismatchSpan> {
  if (event.type === 'ShipmentCarrierChargesMismatched') {
    const { occurredAt, invoiceNumber, carrierId, mismatch, difference } = event.data;
    const { invoicedTotal, invoicedCurrency, bookedTotal, bookedCurrency } = event.data;
    const detail: CarrierChargesMismatch = {
      invoiceNumber,
      carrierId,
      mismatch,
      invoicedTotal,
      invoicedCurrency,
      bookedTotal,
      bookedCurrency,
      difference: difference ?? null,
    };
    const known = row.mismatches.get(invoiceNumber);
    const span =
      known && known.resolvedAt === null
        ? { ...known, detail }
        : { openedAt: occurredAt, resolvedAt: null, detail };
    return new Map(row.mismatches).set(invoiceNumber, span);
  }
  if (event.type !== 'ShipmentCarrierInvoiceAudited' || event.data.audit.result !== 'matched') {
    return row.mismatches;
  }
  const known = row.mismatches.get(event.data.invoiceNumber);
  if (!known || known.resolvedAt !== null) return row.mismatches;
  return new Map(row.mismatches).set(event.data.invoiceNumber, {
    ...known,
    resolvedAt: event.data.occurredAt,
  });
}

function withFirstSeen(row: ExceptionQueueRow, event: ShipmentStreamEvent, meta: EventMeta) {
  if (event.type !== 'ShipmentExceptionRaised' && event.type !== 'ShipmentExceptionCleared') {
    return row.exceptionsFirstSeen;
  }
  const { exceptionId } = event.data;
  if (row.exceptionsFirstSeen.has(exceptionId)) return row.exceptionsFirstSeen;
  return new Map(row.exceptionsFirstSeen).set(exceptionId, meta.recordedAt.toISOString());
}

function mention(c: ServiceCase): CaseMention {
  return { commandId: c.commandId, category: c.category, status: c.status, caseId: c.caseId ?? null };
}

function exceptionItem(
  shipmentId: string,
  fact: ExceptionFact,
  firstSeen: string | undefined,
  cases: readonly ServiceCase[],
): ShipmentExceptionItem {
  const openedAt = fact.raisedAt ?? firstSeen ?? fact.clearedAt ?? '';
  return {
    id: shipmentExceptionItemId(shipmentId, fact.exceptionId),
    kind: 'exception',
    shipmentId,
    code: fact.code ?? 'unknown',
    // Known only by its clearing, an exception is still the delivery's.
    owner: fact.code ? ownerOfShipmentException(fact.code) : 'operations',
    status: fact.status,
    openedAt,
    resolvedAt: fact.status === 'resolved' ? (fact.clearedAt ?? null) : null,
    detail: {
      exceptionId: fact.exceptionId,
      severity: fact.severity ?? null,
      description: fact.description ?? null,
      resolution: fact.resolution ?? null,
      cases: cases
        .filter((c) => c.category === 'delivery_exception' && c.exceptionIds.includes(fact.exceptionId))
        .map(mention),
    },
  };
}

function holdItem(shipmentId: string, reason: HoldReason, span: HoldSpan, cases: readonly ServiceCase[]) {
  const item: BillingHoldItem = {
    id: billingHoldItemId(shipmentId, reason),
    kind: 'hold',
    shipmentId,
    code: reason,
    owner: ownerOfHold(reason),
    status: span.resolvedAt === null ? 'open' : 'resolved',
    openedAt: span.openedAt,
    resolvedAt: span.resolvedAt,
    detail: {
      contractId: span.contractId,
      policyVersion: span.policyVersion,
      cases: cases
        .filter((c) => c.category === reason || (c.category === 'billing_hold' && c.reasons.includes(reason)))
        .map(mention),
    },
  };
  return item;
}

function overdueItem(shipmentId: string, commandId: string, span: OverdueSpan): ErpReplyOverdueItem {
  return {
    id: erpReplyOverdueItemId(commandId),
    kind: 'exception',
    shipmentId,
    code: 'erp_reply_overdue',
    owner: ERP_REPLY_OVERDUE_OWNER,
    status: span.resolvedAt === null ? 'open' : 'resolved',
    openedAt: span.openedAt,
    resolvedAt: span.resolvedAt,
    detail: { commandId, sends: span.sends, reply: span.reply },
  };
}

function mismatchItem(shipmentId: string, span: MismatchSpan): CarrierChargesMismatchItem {
  return {
    id: carrierChargesMismatchItemId(shipmentId, span.detail.invoiceNumber),
    kind: 'exception',
    shipmentId,
    code: 'carrier_charges_mismatch',
    owner: CARRIER_CHARGES_MISMATCH_OWNER,
    status: span.resolvedAt === null ? 'open' : 'resolved',
    openedAt: span.openedAt,
    resolvedAt: span.resolvedAt,
    detail: span.detail,
  };
}

function itemsOf(row: ExceptionQueueRow): ExceptionQueueItem[] {
  const { shipmentId, state } = row;
  const cases = state.billing.cases;
  const items: ExceptionQueueItem[] = [
    ...[...state.exceptions.values()].map((fact) =>
      exceptionItem(shipmentId, fact, row.exceptionsFirstSeen.get(fact.exceptionId), cases),
    ),
    ...[...row.holds].map(([reason, span]) => holdItem(shipmentId, reason, span, cases)),
    ...[...row.overdue].map(([commandId, span]) => overdueItem(shipmentId, commandId, span)),
    ...[...row.mismatches.values()].map((span) => mismatchItem(shipmentId, span)),
  ];
  return items.sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt) || compare(a.id, b.id));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every item of the shipments' rows, oldest first: the part of `GET /v1/exceptions` the event log
 * holds. Parked messages are added from PostgreSQL with `parkedMessageRow`.
 */
export function exceptionQueueItems(rows: ReadonlyMap<string, ExceptionQueueRow>): ExceptionQueueItem[] {
  return [...rows.values()]
    .flatMap((row) => row.items)
    .sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt) || compare(a.id, b.id));
}

/** Statuses of a parked message (`GET /v1/parked`). */
export type ParkedMessageStatus = 'parked' | 'replayed' | 'discarded';

/** What `parkedMessageRow` needs of a parked message; `ParkedMessage` of `@waybill/parking` has it. */
export interface ParkedMessageInput {
  readonly id: string;
  readonly subject: string;
  readonly reason: string;
  readonly explanation: string;
  readonly messageId: string | null;
  readonly shipmentId: string | null;
  readonly receivedAt: Date;
  readonly status: ParkedMessageStatus;
  /** When it was replayed or discarded. */
  readonly statusChangedAt?: Date | null;
}

/**
 * A parked message as an exception-queue item: operations' to replay or discard, open while
 * parked, resolved once replayed or discarded. Id `parked:<id>`.
 */
export function parkedMessageRow(parked: ParkedMessageInput): ParkedMessageItem {
  const resolved = parked.status !== 'parked';
  return {
    id: `parked:${parked.id}`,
    kind: 'parked',
    shipmentId: parked.shipmentId,
    code: parked.reason,
    owner: 'operations',
    status: resolved ? 'resolved' : 'open',
    openedAt: parked.receivedAt.toISOString(),
    resolvedAt: resolved ? (parked.statusChangedAt?.toISOString() ?? null) : null,
    detail: {
      parkedId: parked.id,
      subject: parked.subject,
      explanation: parked.explanation,
      messageId: parked.messageId,
      parkedStatus: parked.status,
    },
  };
}

/**
 * The exception-queue read model, one row per shipment stream, keyed by shipmentId, holding that
 * shipment's items: shipment exceptions, billing holds (one item per reason ever held, resolved
 * when a later decision no longer holds for it), overdue ERP replies and carrier charges mismatches
 * (one item per invoice, resolved when a later audit of it matches). CRM cases are not items
 * (they live in the CRM); the items they are about mention them. Applying an event whose revision
 * the row already has is a no-op.
 */
export const exceptionQueueProjection: Projection<ExceptionQueueRow, ShipmentStreamEvent> = {
  name: 'exception-queue',
  version: 2, // 2: carrier charge mismatches
  handles: (event: EventLike): event is ShipmentStreamEvent => isShipmentStreamEvent(event),
  keyOf: (_event, streamId) => shipmentIdOf(streamId),
  init: (shipmentId) => ({
    shipmentId,
    items: [],
    state: initialShipmentState,
    holds: new Map(),
    exceptionsFirstSeen: new Map(),
    overdue: new Map(),
    mismatches: new Map(),
    lastEventAt: null,
    revision: -1n,
  }),
  apply: (row, event, meta) => {
    if (meta.revision <= row.revision) return row;
    const next: ExceptionQueueRow = {
      ...row,
      state: evolve(row.state, event),
      holds: withHolds(row, event),
      exceptionsFirstSeen: withFirstSeen(row, event, meta),
      overdue: withOverdue(row, event),
      mismatches: withMismatches(row, event),
      lastEventAt: meta.recordedAt,
      revision: meta.revision,
    };
    return { ...next, items: itemsOf(next) };
  },
};
