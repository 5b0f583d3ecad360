import { policyNeedsPod } from '../contract/billing-policy';
import type { CurrentContract } from '../contract/contract.state';
import type { ShipmentDecisionEvent } from '../shipment/shipment.events';
import { milestoneTime, type ShipmentState } from '../shipment/shipment.state';
import { caseOpenCommandId, invoiceReleaseCommandId } from './billing-command-ids';
import { evaluateBilling, type BillingDecision } from './billing-decision';
import { openCase, outstandingRelease, type LastBillingDecision } from './billing.state';
import { WAITING_REASONS, type HoldReason, type ServiceCaseCategory } from './billing.types';

/** What the processor hands the saga besides the state: which shipment, when, and because of what. */
export interface BillingSagaContext {
  readonly shipmentId: string;
  /** The decision time, from the processor's clock: the domain never reads one. */
  readonly now: string;
  /** The stored event that made the processor run the saga (for a deadline, the timer's id). */
  readonly causationEventId: string;
}

type CaseRequest = Extract<ShipmentDecisionEvent, { type: 'ShipmentServiceCaseRequested' }>;

/**
 * The billing saga: which decisions and case requests to append to the shipment's stream, given
 * its state and its customer's current contract. Pure. The processor runs it after any event that
 * may change billing (delivery, POD, exceptions, temperature, contract change, ERP and CRM
 * replies) and appends what it returns; run again on the resulting state it returns `[]`.
 *
 * - Billable and no release standing → `ShipmentInvoiceReleaseRequested`, attempt 1 + the releases
 *   the ERP rejected. A release stands until the ERP rejects it; a rejection holds the shipment
 *   (`invoice_rejected`) until its case is resolved. So there is at most one release per shipment,
 *   unless the previous was rejected and the shipment became billable again (contract v1 §3).
 * - Held, no release standing, and not the hold recorded last (reasons, contract or version
 *   differ) → `ShipmentBillingHeld`. Once a release stands there are no more holds.
 * - Cases, at most one open per category (contract v1 §3): `invoice_rejected` for each rejection;
 *   `temperature_excursion` for excursions no earlier case covered; `delivery_exception` for open
 *   high-severity exceptions no earlier case covered; `billing_hold` when the shipment is held,
 *   waits for nothing, is not cancelled, has a reason besides `invoice_rejected` (which has its
 *   own case), and the reasons differ from the last `billing_hold` case's.
 */
export function decideBilling(
  state: ShipmentState,
  contract: CurrentContract | null,
  context: BillingSagaContext,
): ShipmentDecisionEvent[] {
  const decision = evaluateBilling(state, contract);
  const events: ShipmentDecisionEvent[] = [];
  const standing = outstandingRelease(state.billing) !== undefined;
  if (!standing) {
    const decided = billingDecisionEvent(state, decision, context);
    if (decided) events.push(decided);
  }
  const hold = !standing && decision.kind === 'held' ? decision.reasons : null;
  events.push(...caseRequests(state, hold, contract, context));
  return events;
}

function billingDecisionEvent(
  state: ShipmentState,
  decision: BillingDecision,
  { shipmentId, now, causationEventId }: BillingSagaContext,
): ShipmentDecisionEvent | null {
  const booking = state.booking;
  if (decision.kind === 'billable' && booking) {
    const attempt = 1 + state.billing.releases.filter((r) => r.status === 'rejected').length;
    return {
      type: 'ShipmentInvoiceReleaseRequested',
      data: {
        commandId: invoiceReleaseCommandId(shipmentId, attempt),
        attempt,
        orderId: booking.orderId,
        customerId: booking.customerId,
        contractId: decision.contractId,
        policyVersion: decision.policyVersion,
        trigger: decision.trigger,
        because: decision.because,
        charges: booking.charges,
        requestedAt: now,
        causationEventId,
      },
    };
  }
  if (decision.kind !== 'held' || sameHold(state.billing.lastDecision, decision)) return null;
  const { reasons, contractId, policyVersion } = decision;
  return {
    type: 'ShipmentBillingHeld',
    data: {
      reasons,
      ...(contractId === undefined ? {} : { contractId }),
      ...(policyVersion === undefined ? {} : { policyVersion }),
      decidedAt: now,
      causationEventId,
    },
  };
}

function sameHold(last: LastBillingDecision | null, decision: Extract<BillingDecision, { kind: 'held' }>) {
  return (
    last?.kind === 'held' &&
    sameList(last.reasons, decision.reasons) &&
    last.contractId === decision.contractId &&
    last.policyVersion === decision.policyVersion
  );
}

function caseRequests(
  state: ShipmentState,
  hold: readonly HoldReason[] | null,
  contract: CurrentContract | null,
  context: BillingSagaContext,
): CaseRequest[] {
  const { billing } = state;
  const requests: CaseRequest[] = [];
  const ofCategory = (category: ServiceCaseCategory) => billing.cases.filter((c) => c.category === category);

  const rejections = billing.releases.filter((r) => r.status === 'rejected').length;
  if (rejections > ofCategory('invoice_rejected').length && !openCase(billing, 'invoice_rejected')) {
    requests.push(caseRequest(state, 'invoice_rejected', ['invoice_rejected'], contract, context));
  }

  const coveredExcursions = Math.max(0, ...ofCategory('temperature_excursion').map((c) => c.excursions));
  if (state.temperature.excursions > coveredExcursions && !openCase(billing, 'temperature_excursion')) {
    requests.push(caseRequest(state, 'temperature_excursion', ['temperature_excursion'], contract, context));
  }

  const covered = new Set(ofCategory('delivery_exception').flatMap((c) => c.exceptionIds));
  const uncovered = [...state.exceptions.values()].filter(
    (e) => e.status === 'open' && e.severity === 'high' && !covered.has(e.exceptionId),
  );
  if (uncovered.length > 0 && !openCase(billing, 'delivery_exception')) {
    const codes = [...new Set(uncovered.map((e) => e.code ?? 'other'))];
    requests.push(
      caseRequest(state, 'delivery_exception', codes, contract, context, {
        exceptionIds: uncovered.map((e) => e.exceptionId),
      }),
    );
  }

  if (hold && needsPerson(hold) && !openCase(billing, 'billing_hold')) {
    const last = ofCategory('billing_hold').at(-1);
    if (!last || !sameList(last.reasons, hold)) {
      requests.push(caseRequest(state, 'billing_hold', hold, contract, context));
    }
  }
  return requests;
}

// A hold that only waits resolves itself; a cancelled shipment is not a problem; a rejection has
// its own case.
function needsPerson(reasons: readonly HoldReason[]): boolean {
  if (reasons.some((r) => WAITING_REASONS.includes(r) || r === 'cancelled')) return false;
  return reasons.some((r) => r !== 'invoice_rejected');
}

/**
 * A case request, with the contract it was decided under (contract v1 §2: every decision records
 * the contract id and policy version that made it; absent when the customer has none).
 */
function caseRequest(
  state: ShipmentState,
  category: ServiceCaseCategory,
  reasons: readonly string[],
  contract: CurrentContract | null,
  { shipmentId, now, causationEventId }: BillingSagaContext,
  extra: { exceptionIds?: readonly string[] } = {},
): CaseRequest {
  const n = 1 + state.billing.cases.filter((c) => c.category === category).length;
  const customerId = state.booking?.customerId;
  return {
    type: 'ShipmentServiceCaseRequested',
    data: {
      commandId: caseOpenCommandId(shipmentId, category, n),
      category,
      reasons,
      ...extra,
      ...(customerId === undefined ? {} : { customerId }),
      ...(contract === null ? {} : { contractId: contract.contractId, policyVersion: contract.version }),
      requestedAt: now,
      causationEventId,
    },
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * When a `missing_pod` case falls due: the delivery (as first reported) plus the policy's
 * `podGraceHours`. `null` when none will: no contract, a policy that needs no POD, not delivered
 * (a cancelled shipment never is), a POD already received, or a `missing_pod` case already requested. The processor
 * schedules a timer for it and runs `decideDeadline` then.
 */
export function missingPodDeadline(state: ShipmentState, contract: CurrentContract | null): string | null {
  if (!contract || !policyNeedsPod(contract.policy) || state.pod) return null;
  if (state.billing.cases.some((c) => c.category === 'missing_pod')) return null;
  const deliveredAt = milestoneTime(state, 'delivered');
  if (deliveredAt === undefined) return null;
  const due = Date.parse(deliveredAt) + contract.policy.podGraceHours * 3_600_000;
  // A time no date can hold schedules nothing rather than stopping the saga.
  return Number.isFinite(due) && Math.abs(due) <= 8.64e15 ? new Date(due).toISOString() : null;
}

/**
 * The deadline saga: requests the `missing_pod` case once `now` has reached
 * `missingPodDeadline`. One per shipment: once a person has dealt with it, a timer firing again
 * must not reopen it.
 */
export function decideDeadline(
  state: ShipmentState,
  contract: CurrentContract | null,
  context: BillingSagaContext,
): ShipmentDecisionEvent[] {
  const due = missingPodDeadline(state, contract);
  if (due === null || Date.parse(context.now) < Date.parse(due)) return [];
  return [caseRequest(state, 'missing_pod', ['awaiting_pod'], contract, context)];
}
