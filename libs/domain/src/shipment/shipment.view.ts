import { hasMilestone, type ShipmentState } from './shipment.state';
import type { Milestone } from './shipment.types';

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
 * shipment; a cancellation ends one that was not delivered (a cancel after delivery is rejected).
 */
export function shipmentStatus(state: ShipmentState): ShipmentStatus {
  if (!state.booking) return 'unbooked';
  if (hasMilestone(state, 'returned')) return 'returned';
  if (hasMilestone(state, 'cancelled') && !hasMilestone(state, 'delivered')) return 'cancelled';
  return furthestMilestone(state) ?? 'booked';
}

export function furthestMilestone(state: ShipmentState): Milestone | null {
  for (let i = PROGRESS.length - 1; i >= 0; i--) {
    const milestone = PROGRESS[i]!;
    if (hasMilestone(state, milestone)) return milestone;
  }
  return null;
}

/** Billing statuses of contract v1 §4. */
export type BillingStatus =
  | 'awaiting_delivery'
  | 'awaiting_pod'
  | 'on_hold'
  | 'billable'
  | 'release_requested'
  | 'invoiced'
  | 'rejected';

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
  readonly billing: { status: BillingStatus; reasons: string[]; invoiceNumber: string | null };
  readonly reports: { corroborating: number; rejected: number };
}

/**
 * Billing as far as the shipment alone can tell. Contracts and billing decisions add the
 * policy-driven statuses; until a contract exists a delivered shipment is held as `no_contract`.
 */
export function provisionalBilling(state: ShipmentState): ShipmentView['billing'] {
  if (!state.booking) return { status: 'on_hold', reasons: ['not_booked'], invoiceNumber: null };
  if (!hasMilestone(state, 'delivered'))
    return { status: 'awaiting_delivery', reasons: [], invoiceNumber: null };
  return { status: 'on_hold', reasons: ['no_contract'], invoiceNumber: null };
}

/** The API's shape of a shipment (contract v1 §4), from its folded state. */
export function shipmentView(shipmentId: string, revision: number, state: ShipmentState): ShipmentView {
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
    billing: provisionalBilling(state),
    reports: { corroborating: state.corroboratingReports, rejected: state.rejectedReports },
  };
}
