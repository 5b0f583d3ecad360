import {
  HOLD_REASONS,
  WAITING_REASONS,
  billingView,
  evolveUntracked,
  initialShipmentState,
  isCancelled,
  isShipmentEvent,
  isShipmentStreamEvent,
  milestoneTime,
  outstandingRelease,
  shipmentIdOf,
  type BillingStatus,
  type ExceptionCode,
  type HoldReason,
  type ServiceCaseCategory,
  type ShipmentState,
  type ShipmentStreamEvent,
  sumAmounts,
} from '@waybill/domain';
import { hourOf, messageReportOf, reportLatencyMs } from './event-latency.projection';
import { withLatency, type LatencyHistogram } from './percentiles';
import { type EventLike, type EventMeta, type Projection } from './projection';

/** A shipment exception as the KPIs and the carrier scorecard need it. */
export interface KpiException {
  readonly exceptionId: string;
  /** `unknown` while only the clearing report has arrived. */
  readonly code: ExceptionCode | 'unknown';
  /** Source times; `null` until the raising (or the clearing) report arrives. */
  readonly raisedAt: string | null;
  readonly clearedAt: string | null;
}

/** A CRM case Waybill requested about the shipment. */
export interface KpiCase {
  readonly category: ServiceCaseCategory;
  readonly requestedAt: string;
}

/**
 * One shipment's facts behind the KPIs (`GET /v1/kpis`) and the carrier scorecard. Plain JSON but
 * for `lastEventAt` and `revision`.
 */
export interface ShipmentKpiFacts {
  readonly shipmentId: string;
  /** `null` until the booking arrives; so are `carrierId`, `promisedDeliveryBy` and the amount. */
  readonly customerId: string | null;
  readonly carrierId: string | null;
  /** Source time of the booking (the first one, a revision does not move it). */
  readonly bookedAt: string | null;
  readonly promisedDeliveryBy: string | null;
  /**
   * Source time of the delivery, the earliest any report gave. `null` while not delivered, and
   * when the shipment stands cancelled (a delivery reported after the cancellation, as for billing).
   */
  readonly deliveredAt: string | null;
  /** `deliveredAt ≤ promisedDeliveryBy`; `null` when not delivered or nothing was promised. */
  readonly onTime: boolean | null;
  readonly cancelled: boolean;
  /** The billing status as last decided (the domain's `billingView` without a contract). */
  readonly billingStatus: BillingStatus;
  /** Delivered, and no release stands (requested or invoiced): billing is waiting on something. */
  readonly deliveredNotBillable: boolean;
  /** When the first release was requested (Waybill's time). */
  readonly releaseRequestedAt: string | null;
  /** When the ERP invoiced (its time, `occurredAt` of `erp.invoice-released`). */
  readonly invoicedAt: string | null;
  /** Every hold reason a person had to deal with (all but the waiting ones and `cancelled`). */
  readonly holdReasons: readonly HoldReason[];
  readonly everHeld: boolean;
  /** Overdue ERP replies + rejected releases + CRM cases requested: see the README. */
  readonly manualTouches: number;
  /** Released, never held for a person, no overdue reply, rejection or billing case. */
  readonly touchless: boolean;
  /** The exact sum of the booking's charge lines (`null` when one is not a decimal). */
  readonly amount: string | null;
  readonly currency: string | null;
  readonly exceptions: readonly KpiException[];
  readonly cases: readonly KpiCase[];
  /** Latency of the movement reports (all but the booking and ERP/CRM replies), by UTC hour received. */
  readonly carrierReportLatencyMs: Readonly<Record<string, LatencyHistogram>>;
  readonly lastEventAt: Date | null;
  /** Stream revision of the last event applied; `-1n` before any. */
  readonly revision: bigint;
}

/** A row of the KPI-facts projection: the facts, and the folded state they are derived from. */
export interface ShipmentKpiFactsRow {
  readonly facts: ShipmentKpiFacts;
  readonly state: ShipmentState;
}

// Cases about billing: one of them means a person took part in billing the shipment.
const BILLING_CASES: readonly ServiceCaseCategory[] = ['billing_hold', 'missing_pod', 'invoice_rejected'];

// Reports that are not the carrier's: the booking comes from the shipper's TMS, replies from the
// ERP and CRM.
const NOT_CARRIER_REPORTS: ReadonlySet<string> = new Set(['ShipmentBooked', 'ShipmentBookingRevised']);
const NOT_CARRIER_FACTS: ReadonlySet<string> = new Set([
  'booking',
  'invoice_released',
  'invoice_rejected',
  'case_opened',
  'case_resolved',
]);

function isCarrierReport(event: ShipmentStreamEvent): boolean {
  if (!isShipmentEvent(event) || NOT_CARRIER_REPORTS.has(event.type)) return false;
  return event.type !== 'ShipmentReportCorroborated' || !NOT_CARRIER_FACTS.has(event.data.fact);
}

function withCarrierLatency(
  byHour: Readonly<Record<string, LatencyHistogram>>,
  event: ShipmentStreamEvent,
): Readonly<Record<string, LatencyHistogram>> {
  const report = messageReportOf(event);
  if (report === null || !isCarrierReport(event)) return byHour;
  const hour = hourOf(report.receivedAt);
  const latency = reportLatencyMs(report);
  if (hour === null || latency === null) return byHour;
  return { ...byHour, [hour]: withLatency(byHour[hour] ?? {}, latency) };
}

function withHoldReasons(reasons: readonly HoldReason[], event: ShipmentStreamEvent): readonly HoldReason[] {
  if (event.type !== 'ShipmentBillingHeld') return reasons;
  const held = new Set([...reasons, ...event.data.reasons.filter(needsPerson)]);
  return held.size === reasons.length ? reasons : HOLD_REASONS.filter((r) => held.has(r));
}

// As in the exception queue: waiting is not a problem, and a cancelled shipment is not billed.
function needsPerson(reason: HoldReason): boolean {
  return !WAITING_REASONS.includes(reason) && reason !== 'cancelled';
}

function invoicedAtAfter(invoicedAt: string | null, state: ShipmentState, event: ShipmentStreamEvent) {
  if (event.type !== 'ShipmentInvoiced' || invoicedAt !== null) return invoicedAt;
  const release = state.billing.releases.find((r) => r.commandId === event.data.commandId);
  return release?.status === 'invoiced' ? event.data.occurredAt : invoicedAt;
}

function derive(facts: ShipmentKpiFacts, state: ShipmentState): ShipmentKpiFacts {
  const { booking, billing } = state;
  const cancelled = isCancelled(state);
  const deliveredAt = cancelled ? null : (milestoneTime(state, 'delivered') ?? null);
  const promisedDeliveryBy = booking?.promisedDeliveryBy ?? null;
  const rejected = billing.releases.filter((r) => r.status === 'rejected').length;
  const overdue = billing.releases.filter((r) => r.overdue).length;
  const releaseRequestedAt = billing.releases[0]?.requestedAt ?? null;
  const billingCase = billing.cases.some((c) => BILLING_CASES.includes(c.category));
  return {
    ...facts,
    customerId: booking?.customerId ?? null,
    carrierId: booking?.carrierId ?? null,
    promisedDeliveryBy,
    deliveredAt,
    onTime:
      deliveredAt === null || promisedDeliveryBy === null
        ? null
        : Date.parse(deliveredAt) <= Date.parse(promisedDeliveryBy),
    cancelled,
    billingStatus: billingView(state).status,
    deliveredNotBillable: deliveredAt !== null && outstandingRelease(billing) === undefined,
    releaseRequestedAt,
    everHeld: facts.holdReasons.length > 0,
    manualTouches: overdue + rejected + billing.cases.length,
    touchless:
      releaseRequestedAt !== null &&
      facts.holdReasons.length === 0 &&
      overdue === 0 &&
      rejected === 0 &&
      !billingCase,
    amount: booking ? sumAmounts(booking.charges.lines.map((line) => line.amount)) : null,
    currency: booking?.charges.currency ?? null,
    exceptions: [...state.exceptions.values()].map((e) => ({
      exceptionId: e.exceptionId,
      code: e.code ?? 'unknown',
      raisedAt: e.raisedAt ?? null,
      clearedAt: e.clearedAt ?? null,
    })),
    cases: billing.cases.map((c) => ({ category: c.category, requestedAt: c.requestedAt })),
  };
}

function initialFacts(shipmentId: string): ShipmentKpiFacts {
  return derive(
    {
      shipmentId,
      customerId: null,
      carrierId: null,
      bookedAt: null,
      promisedDeliveryBy: null,
      deliveredAt: null,
      onTime: null,
      cancelled: false,
      billingStatus: 'on_hold',
      deliveredNotBillable: false,
      releaseRequestedAt: null,
      invoicedAt: null,
      holdReasons: [],
      everHeld: false,
      manualTouches: 0,
      touchless: false,
      amount: null,
      currency: null,
      exceptions: [],
      cases: [],
      carrierReportLatencyMs: {},
      lastEventAt: null,
      revision: -1n,
    },
    initialShipmentState,
  );
}

/** The facts of every row, in the rows' order: what `computeKpis` and `computeCarrierScorecard` take. */
export function kpiFactsOf(rows: ReadonlyMap<string, ShipmentKpiFactsRow>): ShipmentKpiFacts[] {
  return [...rows.values()].map((row) => row.facts);
}

/**
 * The KPI facts read model, one row per shipment stream, keyed by shipmentId: what the KPIs and
 * the carrier scorecard are computed from at query time. The state is the domain's, evolved with
 * its `evolve`, so delivery, cancellation and billing rules live only in `libs/domain`. Applying
 * an event whose revision the row already has is a no-op.
 */
export const shipmentKpiFactsProjection: Projection<ShipmentKpiFactsRow, ShipmentStreamEvent> = {
  name: 'shipment-kpi-facts',
  // 2: rows no longer keep the message ids of the folded state (smaller rows).
  version: 2,
  handles: (event: EventLike): event is ShipmentStreamEvent => isShipmentStreamEvent(event),
  keyOf: (_event, streamId) => shipmentIdOf(streamId),
  init: (shipmentId) => ({ facts: initialFacts(shipmentId), state: initialShipmentState }),
  apply: (row: ShipmentKpiFactsRow, event: ShipmentStreamEvent, meta: EventMeta): ShipmentKpiFactsRow => {
    if (meta.revision <= row.facts.revision) return row;
    const state = evolveUntracked(row.state, event);
    const { facts } = row;
    const next: ShipmentKpiFacts = {
      ...facts,
      bookedAt:
        facts.bookedAt === null && event.type === 'ShipmentBooked' ? event.data.occurredAt : facts.bookedAt,
      invoicedAt: invoicedAtAfter(facts.invoicedAt, state, event),
      holdReasons: withHoldReasons(facts.holdReasons, event),
      carrierReportLatencyMs: withCarrierLatency(facts.carrierReportLatencyMs, event),
      lastEventAt: meta.recordedAt,
      revision: meta.revision,
    };
    return { facts: derive(next, state), state };
  },
};
