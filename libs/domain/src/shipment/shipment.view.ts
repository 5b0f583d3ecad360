import { evaluateBilling, type BillingDecision } from '../billing/billing-decision';
import { outstandingRelease } from '../billing/billing.state';
import {
  CARRIER_CHARGES_MISMATCH_OWNER,
  ownerOfShipmentException,
  type ExceptionOwner,
} from '../billing/owners';
import { WAITING_REASONS, type BillingStatus, type HoldReason } from '../billing/billing.types';
import type { CurrentContract } from '../contract/contract.state';
import { hasMilestone, isCancelled, type ShipmentState } from './shipment.state';
import type { CarrierInvoiceAudit } from './shipment.events';
import type { AppointmentFact, EtaFact } from './shipment.state';
import type { AppointmentKind, ChargeLine, Milestone } from './shipment.types';

export type ShipmentStatus =
  | 'unbooked'
  | 'booked'
  | 'dispatched'
  | 'in_transit'
  | 'out_for_delivery'
  | 'arrived'
  | 'delivered'
  | 'returned'
  | 'cancelled';

/** Forward progress, least to furthest; the terminal states are handled apart. */
const PROGRESS: readonly Milestone[] = [
  'dispatched',
  'in_transit',
  'out_for_delivery',
  'arrived',
  'delivered',
];

/**
 * The furthest point of the lifecycle reached, not the last message received (contract v1 §4).
 * A shipment with no booking is `unbooked` however far its milestones got: it cannot be billed
 * until the booking arrives, and that is what an operator needs to see. A return ends any
 * shipment; a cancellation ends one that was not delivered before it (`isCancelled`).
 */
export function shipmentStatus(state: ShipmentState): ShipmentStatus {
  if (!state.booking) return 'unbooked';
  if (hasMilestone(state, 'returned')) return 'returned';
  if (isCancelled(state)) return 'cancelled';
  return furthestMilestone(state) ?? 'booked';
}

export function furthestMilestone(state: ShipmentState): Milestone | null {
  for (let i = PROGRESS.length - 1; i >= 0; i--) {
    const milestone = PROGRESS[i]!;
    if (hasMilestone(state, milestone)) return milestone;
  }
  return null;
}

/** A shipment's billing as the API shows it (`billing` of contract v1 §4). */
export interface BillingView {
  readonly status: BillingStatus;
  readonly reasons: string[];
  readonly invoiceNumber: string | null;
  /** The contract version behind the decision shown; absent when none was. */
  readonly contractId?: string;
  readonly policyVersion?: number;
}

export interface ShipmentView {
  readonly shipmentId: string;
  readonly revision: number;
  readonly status: ShipmentStatus;
  readonly furthestMilestone: Milestone | null;
  readonly customerId: string | null;
  readonly orderId: string | null;
  readonly carrierId: string | null;
  readonly origin: unknown;
  readonly destination: unknown;
  readonly promisedDeliveryBy: string | null;
  readonly charges: unknown;
  readonly references: unknown;
  readonly milestones: readonly {
    milestone: Milestone;
    occurredAt: string;
    receivedAt: string;
    source: string;
    location?: string;
    reportedBy: readonly string[];
  }[];
  readonly exceptions: readonly {
    exceptionId: string;
    code: string | null;
    severity: string | null;
    status: 'open' | 'resolved';
    raisedAt: string | null;
    clearedAt: string | null;
    resolution: string | null;
    /** Who deals with it (`ownerOfShipmentException`). */
    owner: ExceptionOwner;
  }[];
  readonly pod: {
    podId: string;
    signatureCaptured: boolean;
    signedBy: string | null;
    documentRef: string | null;
    remarks: string | null;
    occurredAt: string;
  } | null;
  readonly temperature: {
    compliant: boolean;
    readings: number;
    excursions: number;
    lowestCelsius: number | null;
    highestCelsius: number | null;
  };
  readonly billing: BillingView;
  readonly reports: { corroborating: number; rejected: number };
  /** The latest estimate of each kind (addition to contract v1); `null` when none. */
  readonly eta: { pickup: EtaView | null; delivery: EtaView | null };
  /** Appointments in the order they were made (addition to contract v1). */
  readonly appointments: readonly AppointmentView[];
  /** Carrier freight invoices with their audit against the booking (addition to contract v1). */
  readonly carrierInvoices: readonly CarrierInvoiceView[];
}

export interface EtaView {
  readonly estimatedAt: string;
  readonly occurredAt: string;
  readonly source: string;
  readonly carrierId: string | null;
  readonly timeZoneGuessed: boolean;
  readonly sourceTimeCode: string | null;
}

export interface AppointmentView {
  readonly appointment: AppointmentKind;
  readonly code: string;
  readonly reason: string | null;
  readonly appointmentAt: string;
  readonly occurredAt: string;
  readonly source: string;
  readonly carrierId: string | null;
  readonly timeZoneGuessed: boolean;
  readonly sourceTimeCode: string | null;
}

export interface CarrierInvoiceView {
  readonly invoiceNumber: string;
  readonly carrierId: string;
  readonly currency: string;
  readonly total: string;
  readonly lines: readonly ChargeLine[];
  readonly occurredAt: string;
  readonly source: string;
  readonly audit: CarrierInvoiceAudit;
  /** Who settles a mismatch with the carrier; `null` unless the audit is `mismatched`. */
  readonly owner: ExceptionOwner | null;
}

function etaView(fact: EtaFact | undefined): EtaView | null {
  if (!fact) return null;
  return {
    estimatedAt: fact.estimatedAt,
    occurredAt: fact.occurredAt,
    source: fact.source,
    carrierId: fact.carrierId ?? null,
    timeZoneGuessed: fact.timeZoneGuessed ?? false,
    sourceTimeCode: fact.sourceTimeCode ?? null,
  };
}

function appointmentView(fact: AppointmentFact): AppointmentView {
  return {
    appointment: fact.appointment,
    code: fact.code,
    reason: fact.reason ?? null,
    appointmentAt: fact.appointmentAt,
    occurredAt: fact.occurredAt,
    source: fact.source,
    carrierId: fact.carrierId ?? null,
    timeZoneGuessed: fact.timeZoneGuessed ?? false,
    sourceTimeCode: fact.sourceTimeCode ?? null,
  };
}

/**
 * Billing as far as the shipment alone can tell, before any billing decision is recorded: until a
 * contract exists a delivered shipment is held as `no_contract`.
 */
export function provisionalBilling(state: ShipmentState): BillingView {
  if (!state.booking) return { status: 'on_hold', reasons: ['not_booked'], invoiceNumber: null };
  if (!hasMilestone(state, 'delivered'))
    return { status: 'awaiting_delivery', reasons: [], invoiceNumber: null };
  return { status: 'on_hold', reasons: ['no_contract'], invoiceNumber: null };
}

/**
 * The shipment's billing. A release that stands (requested, or invoiced) decides it. Otherwise,
 * given the customer's current contract (`null` for none), the rules are evaluated now, which is
 * the only way to see `billable` (between the fact and the saga's release); without it, the
 * decision recorded last is shown, and `provisionalBilling` before any.
 */
export function billingView(state: ShipmentState, contract?: CurrentContract | null): BillingView {
  const standing = outstandingRelease(state.billing);
  if (standing) {
    const { contractId, policyVersion } = standing;
    return standing.status === 'invoiced'
      ? {
          status: 'invoiced',
          reasons: [],
          invoiceNumber: standing.invoiceNumber ?? null,
          contractId,
          policyVersion,
        }
      : { status: 'release_requested', reasons: [], invoiceNumber: null, contractId, policyVersion };
  }
  if (contract !== undefined) return decisionView(evaluateBilling(state, contract));
  const last = state.billing.lastDecision;
  if (last?.kind === 'held') return decisionView(last);
  const latest = state.billing.releases.at(-1);
  if (latest?.status === 'rejected') {
    const { contractId, policyVersion } = latest;
    return {
      status: 'rejected',
      reasons: ['invoice_rejected'],
      invoiceNumber: null,
      contractId,
      policyVersion,
    };
  }
  return provisionalBilling(state);
}

function decisionView(decision: BillingDecision): BillingView {
  const { contractId, policyVersion } = decision;
  const version = {
    ...(contractId === undefined ? {} : { contractId }),
    ...(policyVersion === undefined ? {} : { policyVersion }),
  };
  if (decision.kind === 'billable')
    return { status: 'billable', reasons: [], invoiceNumber: null, ...version };
  return {
    status: holdStatus(decision.reasons),
    reasons: [...decision.reasons],
    invoiceNumber: null,
    ...version,
  };
}

function holdStatus(reasons: readonly HoldReason[]): BillingStatus {
  if (reasons.includes('invoice_rejected')) return 'rejected';
  if (reasons.some((r) => !WAITING_REASONS.includes(r))) return 'on_hold';
  return reasons.includes('awaiting_delivery') ? 'awaiting_delivery' : 'awaiting_pod';
}

/**
 * The API's shape of a shipment (contract v1 §4), from its folded state. `contract` is the
 * customer's current contract, when the caller has it (see `billingView`).
 */
export function shipmentView(
  shipmentId: string,
  revision: number,
  state: ShipmentState,
  contract?: CurrentContract | null,
): ShipmentView {
  const b = state.booking;
  return {
    shipmentId,
    revision,
    status: shipmentStatus(state),
    furthestMilestone: furthestMilestone(state),
    customerId: b?.customerId ?? null,
    orderId: b?.orderId ?? null,
    carrierId: b?.carrierId ?? null,
    origin: b?.origin ?? null,
    destination: b?.destination ?? null,
    promisedDeliveryBy: b?.promisedDeliveryBy ?? null,
    charges: b?.charges ?? null,
    references: b?.references ?? null,
    milestones: state.milestones.map((m) => ({
      milestone: m.milestone,
      occurredAt: m.occurredAt,
      receivedAt: m.receivedAt,
      source: m.source,
      ...(m.location === undefined ? {} : { location: m.location }),
      reportedBy: m.reportedBy,
    })),
    exceptions: [...state.exceptions.values()].map((e) => ({
      exceptionId: e.exceptionId,
      code: e.code ?? null,
      severity: e.severity ?? null,
      status: e.status,
      raisedAt: e.raisedAt ?? null,
      clearedAt: e.clearedAt ?? null,
      resolution: e.resolution ?? null,
      // An exception known only by its clearing has no code yet; it is still the delivery's.
      owner: e.code ? ownerOfShipmentException(e.code) : 'operations',
    })),
    pod: state.pod && {
      podId: state.pod.podId,
      signatureCaptured: state.pod.signatureCaptured,
      signedBy: state.pod.signedBy ?? null,
      documentRef: state.pod.documentRef ?? null,
      remarks: state.pod.remarks ?? null,
      occurredAt: state.pod.occurredAt,
    },
    temperature: {
      compliant: state.temperature.excursions === 0,
      readings: state.temperature.readings,
      excursions: state.temperature.excursions,
      lowestCelsius: state.temperature.lowestCelsius ?? null,
      highestCelsius: state.temperature.highestCelsius ?? null,
    },
    billing: billingView(state, contract),
    reports: { corroborating: state.corroboratingReports, rejected: state.rejectedReports },
    eta: { pickup: etaView(state.eta.pickup), delivery: etaView(state.eta.delivery) },
    appointments: state.appointments.map(appointmentView),
    carrierInvoices: [...state.carrierInvoices.values()].map((i) => ({
      invoiceNumber: i.invoiceNumber,
      carrierId: i.carrierId,
      currency: i.currency,
      total: i.total,
      lines: i.lines,
      occurredAt: i.occurredAt,
      source: i.source,
      audit: i.audit,
      owner: i.audit.result === 'mismatched' ? CARRIER_CHARGES_MISMATCH_OWNER : null,
    })),
  };
}
