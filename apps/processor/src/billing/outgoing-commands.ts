import {
  fold,
  isShipmentStreamEvent,
  shipmentIdOf,
  shipmentView,
  type ShipmentDecisionEvent,
  type ShipmentStreamEvent,
} from '@waybill/domain';
import type { RecordedEvent } from '@waybill/event-store';

/** A command of contract v1 §3, ready to publish. */
export interface OutgoingCommand {
  /** Subject after the prefix: `erp.invoice.release` or `crm.case.open`. */
  readonly subject: 'erp.invoice.release' | 'crm.case.open';
  readonly commandId: string;
  readonly correlationId: string;
  /** The decision event that requested the command. */
  readonly causationId: string;
  readonly payload: Record<string, unknown>;
}

type Requested = Extract<
  ShipmentDecisionEvent,
  {
    type: 'ShipmentInvoiceReleaseRequested' | 'ShipmentServiceCaseRequested' | 'ShipmentInvoiceReleaseResent';
  }
>;

export function requestsCommand(event: { type: string }): boolean {
  return (
    event.type === 'ShipmentInvoiceReleaseRequested' ||
    event.type === 'ShipmentServiceCaseRequested' ||
    event.type === 'ShipmentInvoiceReleaseResent'
  );
}

/** Whether building the command needs the shipment's stream up to the request. */
export function needsHistory(event: { type: string }): boolean {
  return event.type !== 'ShipmentInvoiceReleaseRequested';
}

/**
 * Builds the command a decision event requests. Deterministic: the payload depends only on the
 * stored events up to and including the request, so a re-send after a crash or a replay carries
 * exactly what the first send did. `history` is the shipment's stream up to the request (the
 * case's context is the shipment as it was when the case was decided).
 */
export function commandFor(request: RecordedEvent, history: readonly RecordedEvent[]): OutgoingCommand {
  const shipmentId = shipmentIdOf(request.streamId);
  if (shipmentId === null) throw new Error(`${request.type} on ${request.streamId}: not a shipment stream`);
  const event = { type: request.type, data: request.data } as Requested;
  const base = { correlationId: request.metadata.correlationId, causationId: request.id };
  switch (event.type) {
    case 'ShipmentInvoiceReleaseResent': {
      // The very command first sent, byte for byte: the ERP de-duplicates on its commandId.
      const original = history.find(
        (e) =>
          e.type === 'ShipmentInvoiceReleaseRequested' &&
          (e.data as { commandId: string }).commandId === event.data.commandId,
      );
      if (!original)
        throw new Error(`${event.data.commandId}: re-send of a release the stream does not hold`);
      return { ...commandFor(original, history), causationId: request.id };
    }
    case 'ShipmentInvoiceReleaseRequested': {
      const d = event.data;
      return {
        ...base,
        subject: 'erp.invoice.release',
        commandId: d.commandId,
        payload: {
          commandId: d.commandId,
          shipmentId,
          orderId: d.orderId,
          customerId: d.customerId,
          contractId: d.contractId,
          policyVersion: d.policyVersion,
          charges: d.charges,
          reason: d.because,
          correlationId: base.correlationId,
          requestedAt: d.requestedAt,
        },
      };
    }
    case 'ShipmentServiceCaseRequested': {
      const d = event.data;
      const state = fold(
        history
          .map((e) => ({ type: e.type, data: e.data }) as ShipmentStreamEvent)
          .filter((e) => isShipmentStreamEvent(e)),
      );
      const view = shipmentView(shipmentId, Number(request.revision), state);
      return {
        ...base,
        subject: 'crm.case.open',
        commandId: d.commandId,
        payload: {
          commandId: d.commandId,
          shipmentId,
          customerId: d.customerId ?? null,
          category: d.category,
          reasons: d.reasons,
          context: {
            status: view.status,
            latestMilestones: view.milestones.slice(-3),
            openExceptions: view.exceptions.filter((e) => e.status === 'open'),
            pod: view.pod ? { podId: view.pod.podId, signatureCaptured: view.pod.signatureCaptured } : null,
            ...(d.exceptionIds ? { exceptionIds: d.exceptionIds } : {}),
          },
          correlationId: base.correlationId,
          requestedAt: d.requestedAt,
        },
      };
    }
  }
}
