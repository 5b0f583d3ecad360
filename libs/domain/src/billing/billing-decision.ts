import type { BillingTrigger } from '../contract/billing-policy';
import type { CurrentContract } from '../contract/contract.state';
import { hasMilestone, isCancelled, type ShipmentState } from '../shipment/shipment.state';
import { BILLABLE_FACTS, HOLD_REASONS, type BillableFact, type HoldReason } from './billing.types';

/**
 * Whether a shipment may be invoiced now, and under which contract version. A hold lists every
 * reason that applies, in the order of `HOLD_REASONS`, so that a change of any one of them is a
 * change of the decision.
 */
export type BillingDecision =
  | {
      readonly kind: 'billable';
      readonly trigger: BillingTrigger;
      /** What made it billable: the trigger, then each requirement the policy sets and the shipment meets. */
      readonly because: readonly BillableFact[];
      readonly contractId: string;
      readonly policyVersion: number;
    }
  | {
      readonly kind: 'held';
      readonly reasons: readonly HoldReason[];
      /** Absent when there is no contract. */
      readonly contractId?: string;
      readonly policyVersion?: number;
    };

/**
 * Evaluates the billing rules of contract v1 §2 for one shipment under its customer's current
 * contract (`null` when the customer has none, or the customer is not known yet). Pure.
 *
 * Billable when booked, under a contract, its trigger happened (the delivered milestone; for
 * trigger `pod`, a POD), every requirement of the policy holds, no ERP rejection of an earlier
 * release is still unresolved, and it is not cancelled. Requirements are evaluated only under a
 * contract. The waiting reasons say what has not happened yet: `awaiting_delivery` before any
 * delivery evidence, `awaiting_pod` once delivered when the policy needs a POD (as its trigger, or
 * for its signature). A cancelled shipment waits for nothing, so it never has a waiting reason.
 */
export function evaluateBilling(shipment: ShipmentState, contract: CurrentContract | null): BillingDecision {
  const policy = contract?.policy ?? null;
  const delivered = hasMilestone(shipment, 'delivered');
  const cancelled = isCancelled(shipment);
  const pod = shipment.pod;
  const reasons = new Set<HoldReason>();

  if (cancelled) reasons.add('cancelled');
  if (!shipment.booking) reasons.add('not_booked');
  if (!contract) reasons.add('no_contract');
  if (!cancelled) {
    if (policy?.billingTrigger === 'pod') {
      if (!pod) reasons.add(delivered ? 'awaiting_pod' : 'awaiting_delivery');
    } else if (!delivered) {
      reasons.add('awaiting_delivery');
    } else if (policy?.requireSignedPod && !pod) {
      reasons.add('awaiting_pod');
    }
  }
  if (policy?.requireSignedPod && pod && !pod.signatureCaptured) reasons.add('pod_unsigned');
  if (policy?.requireTemperatureCompliance && shipment.temperature.excursions > 0) {
    reasons.add('temperature_excursion');
  }
  if (
    policy?.requireExceptionsCleared &&
    [...shipment.exceptions.values()].some((e) => e.status === 'open')
  ) {
    reasons.add('open_exceptions');
  }
  if (shipment.billing.releases.some((r) => r.status === 'rejected' && !r.rejectionResolved)) {
    reasons.add('invoice_rejected');
  }

  if (!contract || !policy || reasons.size > 0) {
    return {
      kind: 'held',
      reasons: HOLD_REASONS.filter((r) => reasons.has(r)),
      ...(contract ? { contractId: contract.contractId, policyVersion: contract.version } : {}),
    };
  }
  const because = new Set<BillableFact>([policy.billingTrigger === 'pod' ? 'pod_received' : 'delivered']);
  if (policy.requireSignedPod) because.add('pod_signed');
  if (policy.requireTemperatureCompliance) because.add('temperature_compliant');
  if (policy.requireExceptionsCleared) because.add('exceptions_cleared');
  return {
    kind: 'billable',
    trigger: policy.billingTrigger,
    because: BILLABLE_FACTS.filter((f) => because.has(f)),
    contractId: contract.contractId,
    policyVersion: contract.version,
  };
}
