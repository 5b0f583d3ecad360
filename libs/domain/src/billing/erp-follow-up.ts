import type { ShipmentDecisionEvent } from '../shipment/shipment.events';
import type { ShipmentState } from '../shipment/shipment.state';
import type { BillingSagaContext } from './billing-saga';

/** How long to wait for the ERP, and how many sends in all before finance is asked to step in. */
export interface ErpFollowUpPolicy {
  readonly replyTimeoutMs: number;
  readonly maxSends: number;
}

/** When the ERP's silence about the standing release falls due, or `null` when nothing is awaited. */
export function erpReplyDeadline(state: ShipmentState, policy: ErpFollowUpPolicy): string | null {
  const waiting = state.billing.releases.find((r) => r.status === 'requested' && !r.overdue);
  if (!waiting) return null;
  const due = Date.parse(waiting.lastSentAt) + policy.replyTimeoutMs;
  return Number.isFinite(due) && Math.abs(due) <= 8.64e15 ? new Date(due).toISOString() : null;
}

/**
 * The ERP-reply deadline saga: once the reply is overdue at `context.now`, send the same release
 * again, or, after `maxSends` sends, raise `ShipmentErpReplyOverdue` for finance. Pure; a timer
 * that fires early or twice decides nothing.
 */
export function decideErpFollowUp(
  state: ShipmentState,
  policy: ErpFollowUpPolicy,
  context: BillingSagaContext,
): ShipmentDecisionEvent[] {
  const due = erpReplyDeadline(state, policy);
  if (due === null || Date.parse(context.now) < Date.parse(due)) return [];
  const release = state.billing.releases.find((r) => r.status === 'requested' && !r.overdue)!;
  const { causationEventId, now } = context;
  if (release.sends < policy.maxSends) {
    return [
      {
        type: 'ShipmentInvoiceReleaseResent',
        data: { commandId: release.commandId, send: release.sends + 1, resentAt: now, causationEventId },
      },
    ];
  }
  return [
    {
      type: 'ShipmentErpReplyOverdue',
      data: {
        commandId: release.commandId,
        sends: release.sends,
        owner: 'finance',
        raisedAt: now,
        causationEventId,
      },
    },
  ];
}
