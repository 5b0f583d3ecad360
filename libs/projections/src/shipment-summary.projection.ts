import {
  evolve,
  initialShipmentState,
  isShipmentEvent,
  milestoneTime,
  shipmentIdOf,
  shipmentView,
  type Milestone,
  type ShipmentEvent,
  type ShipmentState,
  type ShipmentStatus,
} from '@waybill/domain';
import type { EventMeta, Projection } from './projection';

/** One line per shipment: what an operator's shipment list shows and filters on. */
export interface ShipmentSummary {
  readonly shipmentId: string;
  /** The furthest point of the lifecycle reached (contract v1 §4), as the domain decides it. */
  readonly status: ShipmentStatus;
  /** `null` until the booking arrives. */
  readonly customerId: string | null;
  readonly carrierId: string | null;
  readonly orderId: string | null;
  /** Accepted milestones; rejected reports are counted in `rejectedReports` instead. */
  readonly milestones: number;
  /** The accepted milestone that occurred last, whatever order the reports arrived in. */
  readonly lastMilestone: {
    readonly milestone: Milestone;
    readonly occurredAt: string;
    readonly location: string | null;
  } | null;
  /** When the shipment was delivered at the source (earliest report), or `null`. */
  readonly deliveredAt: string | null;
  readonly openExceptions: number;
  readonly podReceived: boolean;
  /** Whether the POD that counts carries a signature. */
  readonly podSigned: boolean;
  /** `false` once any temperature reading was out of the allowed range. */
  readonly temperatureCompliant: boolean;
  /** When the event log last recorded an event of this shipment; `null` before any. */
  readonly lastEventAt: Date | null;
  /** Stream revision of the last event applied; `-1n` before any. */
  readonly revision: bigint;
  /** Reports of a fact already known, sent again under a new messageId (corroborations). */
  readonly duplicateReports: number;
  /** Reports recorded but not applied, e.g. a movement after the shipment was cancelled. */
  readonly rejectedReports: number;
}

/**
 * A row of the shipment-summary projection: the summary, and the folded domain state it is
 * derived from, which the next event evolves.
 */
export interface ShipmentSummaryRow {
  readonly summary: ShipmentSummary;
  readonly state: ShipmentState;
}

// Derived from the domain's view so that status, compliance and the other rules live in one place.
function summarise(
  shipmentId: string,
  state: ShipmentState,
  revision: bigint,
  lastEventAt: Date | null,
): ShipmentSummary {
  const view = shipmentView(shipmentId, Number(revision), state);
  const last = view.milestones.at(-1);
  return {
    shipmentId,
    status: view.status,
    customerId: view.customerId,
    carrierId: view.carrierId,
    orderId: view.orderId,
    milestones: view.milestones.length,
    lastMilestone: last
      ? { milestone: last.milestone, occurredAt: last.occurredAt, location: last.location ?? null }
      : null,
    deliveredAt: milestoneTime(state, 'delivered') ?? null,
    openExceptions: view.exceptions.filter((e) => e.status === 'open').length,
    podReceived: view.pod !== null,
    podSigned: view.pod?.signatureCaptured ?? false,
    temperatureCompliant: view.temperature.compliant,
    lastEventAt,
    revision,
    duplicateReports: view.reports.corroborating,
    rejectedReports: view.reports.rejected,
  };
}

/**
 * The shipment summary read model, one row per shipment stream, keyed by shipmentId. Applying an
 * event whose revision the row already has is a no-op, so redelivery after a crash between
 * applying and checkpointing changes nothing.
 */
export const shipmentSummaryProjection: Projection<ShipmentSummaryRow, ShipmentEvent> = {
  name: 'shipment-summary',
  version: 1,
  handles: isShipmentEvent,
  keyOf: (_event, streamId) => shipmentIdOf(streamId),
  init: (shipmentId) => ({
    summary: summarise(shipmentId, initialShipmentState, -1n, null),
    state: initialShipmentState,
  }),
  apply: (row: ShipmentSummaryRow, event: ShipmentEvent, meta: EventMeta): ShipmentSummaryRow => {
    if (meta.revision <= row.summary.revision) return row;
    const state = evolve(row.state, event);
    return { summary: summarise(row.summary.shipmentId, state, meta.revision, meta.recordedAt), state };
  },
};
