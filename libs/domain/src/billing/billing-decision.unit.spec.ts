import { BILLING_TRIGGERS, type BillingPolicyInput, type BillingTrigger } from '../contract/billing-policy';
import type { ShipmentStreamEvent } from '../shipment/shipment.events';
import { fold } from '../shipment/shipment.state';
import { evaluateBilling } from './billing-decision';
import { contract, eventsOf, reply, say, T } from './billing.fixtures';
import { HOLD_REASONS, type BillableFact, type HoldReason } from './billing.types';

/**
 * A shipment situation, and what it contributes to the decision: reasons that hold under any
 * policy, reasons per trigger, and the reason each requirement adds when the policy sets it.
 */
interface Situation {
  readonly name: string;
  readonly history: () => ShipmentStreamEvent[];
  readonly always?: readonly HoldReason[];
  readonly byTrigger: Readonly<Record<BillingTrigger, readonly HoldReason[]>>;
  readonly requireSignedPod?: HoldReason;
  readonly requireTemperatureCompliance?: HoldReason;
  readonly requireExceptionsCleared?: HoldReason;
}

const delivered = () => say.milestone('delivered', T('15:00'));
const situations: readonly Situation[] = [
  {
    name: 'booked, in transit',
    history: () => eventsOf(say.book(), say.milestone('in_transit', T('10:00'))),
    byTrigger: { delivered: ['awaiting_delivery'], pod: ['awaiting_delivery'] },
  },
  {
    name: 'delivered, no POD',
    history: () => eventsOf(say.book(), delivered()),
    byTrigger: { delivered: [], pod: ['awaiting_pod'] },
    requireSignedPod: 'awaiting_pod',
  },
  {
    name: 'delivered, unsigned POD',
    history: () => eventsOf(say.book(), delivered(), say.pod('P-1', false)),
    byTrigger: { delivered: [], pod: [] },
    requireSignedPod: 'pod_unsigned',
  },
  {
    name: 'delivered, signed POD',
    history: () => eventsOf(say.book(), delivered(), say.pod('P-1', true)),
    byTrigger: { delivered: [], pod: [] },
  },
  {
    name: 'signed POD, no delivered milestone',
    history: () => eventsOf(say.book(), say.pod('P-1', true)),
    byTrigger: { delivered: ['awaiting_delivery'], pod: [] },
  },
  {
    name: 'delivered, signed POD, temperature excursion',
    history: () => eventsOf(say.book(), say.temperature(true), delivered(), say.pod('P-1', true)),
    byTrigger: { delivered: [], pod: [] },
    requireTemperatureCompliance: 'temperature_excursion',
  },
  {
    name: 'delivered, signed POD, compliant readings',
    history: () => eventsOf(say.book(), say.temperature(false), delivered(), say.pod('P-1', true)),
    byTrigger: { delivered: [], pod: [] },
  },
  {
    name: 'delivered, signed POD, open exception',
    history: () => eventsOf(say.book(), say.exception('E-1'), delivered(), say.pod('P-1', true)),
    byTrigger: { delivered: [], pod: [] },
    requireExceptionsCleared: 'open_exceptions',
  },
  {
    name: 'delivered, signed POD, exception cleared',
    history: () =>
      eventsOf(say.book(), say.exception('E-1'), say.cleared('E-1'), delivered(), say.pod('P-1', true)),
    byTrigger: { delivered: [], pod: [] },
  },
  {
    name: 'delivered, unsigned POD, excursion and open exception',
    history: () =>
      eventsOf(say.book(), say.exception('E-1'), say.temperature(true), delivered(), say.pod('P-1', false)),
    byTrigger: { delivered: [], pod: [] },
    requireSignedPod: 'pod_unsigned',
    requireTemperatureCompliance: 'temperature_excursion',
    requireExceptionsCleared: 'open_exceptions',
  },
  {
    name: 'delivered with signed POD, never booked',
    history: () => eventsOf(delivered(), say.pod('P-1', true)),
    always: ['not_booked'],
    byTrigger: { delivered: [], pod: [] },
  },
  {
    name: 'cancelled before delivery',
    history: () => eventsOf(say.book(), say.milestone('cancelled', T('09:00'))),
    always: ['cancelled'],
    byTrigger: { delivered: [], pod: [] },
  },
  {
    name: 'delivered, signed POD, a release the ERP rejected, not resolved',
    history: () => [
      ...eventsOf(say.book(), delivered(), say.pod('P-1', true)),
      releaseRequested('invoice.release:SHP-1:1'),
      reply.rejected('invoice.release:SHP-1:1'),
    ],
    always: ['invoice_rejected'],
    byTrigger: { delivered: [], pod: [] },
  },
];

function releaseRequested(commandId: string): ShipmentStreamEvent {
  return {
    type: 'ShipmentInvoiceReleaseRequested',
    data: {
      commandId,
      attempt: 1,
      orderId: 'SO-1001',
      customerId: 'C-ACME',
      contractId: 'K-ACME-2026',
      policyVersion: 1,
      trigger: 'delivered',
      because: ['delivered'],
      charges: { currency: 'EUR', lines: [] },
      requestedAt: T('15:00'),
      causationEventId: 'evt-0',
    },
  };
}

const policies: BillingPolicyInput[] = BILLING_TRIGGERS.flatMap((billingTrigger) =>
  [0, 1, 2, 3, 4, 5, 6, 7].map((bits) => ({
    billingTrigger,
    requireSignedPod: (bits & 4) !== 0,
    requireTemperatureCompliance: (bits & 2) !== 0,
    requireExceptionsCleared: (bits & 1) !== 0,
  })),
);

const name = (p: BillingPolicyInput) =>
  `trigger ${p.billingTrigger}` +
  (p.requireSignedPod ? ', signed POD' : '') +
  (p.requireTemperatureCompliance ? ', temperature' : '') +
  (p.requireExceptionsCleared ? ', exceptions cleared' : '');

const cases = situations.flatMap((s) => policies.map((p) => [s.name, name(p), s, p] as const));

describe('billing decision: every policy against every situation', () => {
  it('covers the 16 policies', () => {
    expect(new Set(policies.map(name)).size).toBe(16);
  });

  it.each(cases)('when %s under %s, then it is decided as the table says', (_s, _p, situation, policy) => {
    const expected = new Set<HoldReason>([
      ...(situation.always ?? []),
      ...situation.byTrigger[policy.billingTrigger],
    ]);
    for (const requirement of [
      'requireSignedPod',
      'requireTemperatureCompliance',
      'requireExceptionsCleared',
    ] as const) {
      const reason = situation[requirement];
      if (policy[requirement] && reason) expected.add(reason);
    }
    const decision = evaluateBilling(fold(situation.history()), contract(policy, 3));
    if (expected.size > 0) {
      expect(decision).toEqual({
        kind: 'held',
        reasons: HOLD_REASONS.filter((r) => expected.has(r)),
        contractId: 'K-ACME-2026',
        policyVersion: 3,
      });
      return;
    }
    const because: BillableFact[] = [
      policy.billingTrigger === 'pod' ? 'pod_received' : 'delivered',
      ...(policy.requireSignedPod ? (['pod_signed'] as const) : []),
      ...(policy.requireTemperatureCompliance ? (['temperature_compliant'] as const) : []),
      ...(policy.requireExceptionsCleared ? (['exceptions_cleared'] as const) : []),
    ];
    expect(decision).toEqual({
      kind: 'billable',
      trigger: policy.billingTrigger,
      because,
      contractId: 'K-ACME-2026',
      policyVersion: 3,
    });
  });
});

describe('billing decision: without a contract', () => {
  it('when delivered with a signed POD and no contract, then it is held as no_contract alone', () => {
    const state = fold(eventsOf(say.book(), say.milestone('delivered', T('15:00')), say.pod('P-1', true)));
    expect(evaluateBilling(state, null)).toEqual({ kind: 'held', reasons: ['no_contract'] });
  });

  it('when nothing is booked or delivered and no contract is known, then every applicable reason is listed in order', () => {
    const state = fold(eventsOf(say.milestone('dispatched', T('08:00'))));
    expect(evaluateBilling(state, null)).toEqual({
      kind: 'held',
      reasons: ['not_booked', 'no_contract', 'awaiting_delivery'],
    });
  });

  it('when open exceptions exist but no contract says whether they matter, then they are not a reason', () => {
    const state = fold(eventsOf(say.book(), say.exception('E-1'), say.milestone('delivered', T('15:00'))));
    expect(evaluateBilling(state, null)).toEqual({ kind: 'held', reasons: ['no_contract'] });
  });
});

describe('billing decision: a rejection', () => {
  it('when the rejection has been resolved through its case, then the shipment is billable again', () => {
    const history: ShipmentStreamEvent[] = [
      ...eventsOf(say.book(), say.milestone('delivered', T('15:00'))),
      releaseRequested('invoice.release:SHP-1:1'),
      reply.rejected('invoice.release:SHP-1:1'),
      {
        type: 'ShipmentServiceCaseRequested',
        data: {
          commandId: 'case.open:SHP-1:invoice_rejected:1',
          category: 'invoice_rejected',
          reasons: ['invoice_rejected'],
          requestedAt: T('09:30', 20),
          causationEventId: 'evt-9',
        },
      },
      reply.caseOpened('case.open:SHP-1:invoice_rejected:1', 'CASE-7'),
      reply.caseResolved('CASE-7', 'Charge code corrected'),
    ];
    expect(evaluateBilling(fold(history), contract())).toMatchObject({ kind: 'billable' });
  });
});
