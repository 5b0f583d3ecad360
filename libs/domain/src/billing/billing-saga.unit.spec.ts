import type { ShipmentDecisionEvent, ShipmentStreamEvent } from '../shipment/shipment.events';
import { fold, type ShipmentState } from '../shipment/shipment.state';
import { decide } from '../shipment/shipment.decide';
import { shipmentStatus, shipmentView } from '../shipment/shipment.view';
import { decideDeadline, missingPodDeadline } from './billing-saga';
import { context, contract, eventsOf, reply, say, T } from './billing.fixtures';
import { SERVICE_CASE_CATEGORIES } from './billing.types';
import { given } from './billing.saga-spec';

const charges = { currency: 'EUR', lines: [{ code: 'FRT', description: 'Linehaul', amount: '420.00' }] };
const onDelivery = contract({ billingTrigger: 'delivered' });
const onPod = contract({ billingTrigger: 'pod' });

function released(
  attempt: number,
  over: Partial<Extract<ShipmentDecisionEvent, { type: 'ShipmentInvoiceReleaseRequested' }>['data']> = {},
): ShipmentDecisionEvent {
  return {
    type: 'ShipmentInvoiceReleaseRequested',
    data: {
      commandId: `invoice.release:SHP-1:${attempt}`,
      attempt,
      orderId: 'SO-1001',
      customerId: 'C-ACME',
      contractId: 'K-ACME-2026',
      policyVersion: 1,
      trigger: 'delivered',
      because: ['delivered', 'exceptions_cleared'],
      charges,
      requestedAt: T('18:00'),
      causationEventId: 'evt-1',
      ...over,
    },
  };
}

function held(
  reasons: Extract<ShipmentDecisionEvent, { type: 'ShipmentBillingHeld' }>['data']['reasons'],
  version: { contractId: string; policyVersion: number } | null = {
    contractId: 'K-ACME-2026',
    policyVersion: 1,
  },
  decidedAt = T('18:00'),
): ShipmentDecisionEvent {
  return {
    type: 'ShipmentBillingHeld',
    data: { reasons, ...(version ?? {}), decidedAt, causationEventId: 'evt-1' },
  };
}

function caseRequested(
  category: Extract<ShipmentDecisionEvent, { type: 'ShipmentServiceCaseRequested' }>['data']['category'],
  n: number,
  reasons: readonly string[],
  extra: {
    exceptionIds?: string[];
    requestedAt?: string;
    /** The contract decided under: the customer's first one unless given; null for none. */
    version?: { contractId: string; policyVersion: number } | null;
  } = {},
): ShipmentDecisionEvent {
  const {
    requestedAt = T('18:00'),
    version = { contractId: 'K-ACME-2026', policyVersion: 1 },
    ...rest
  } = extra;
  return {
    type: 'ShipmentServiceCaseRequested',
    data: {
      commandId: `case.open:SHP-1:${category}:${n}`,
      category,
      reasons,
      ...rest,
      customerId: 'C-ACME',
      ...(version ?? {}),
      requestedAt,
      causationEventId: 'evt-1',
    },
  };
}

const deliveredShipment = () => eventsOf(say.book(), say.milestone('delivered', T('15:00')));

describe('billing saga: release', () => {
  it('when a shipment is delivered under a delivered-trigger contract, then its invoice release is requested', () => {
    given(deliveredShipment())
      .under(onDelivery)
      .whenBillingDecided()
      .then([released(1)]);
  });

  it('when the same state is decided again, then nothing is emitted', () => {
    const history = given(deliveredShipment())
      .under(onDelivery)
      .whenBillingDecided()
      .then([released(1)]);
    given(history)
      .under(onDelivery)
      .whenBillingDecided(context(T('19:00'), 'evt-2'))
      .thenNothing();
  });

  it('when delivered with no contract, then billing is held and a billing_hold case is requested; when the contract arrives, then the release is requested', () => {
    const history = given(deliveredShipment())
      .under(null)
      .whenBillingDecided()
      .then([
        held(['no_contract'], null),
        caseRequested('billing_hold', 1, ['no_contract'], { version: null }),
      ]);
    expect(shipmentView('SHP-1', 3, fold(history)).billing).toEqual({
      status: 'on_hold',
      reasons: ['no_contract'],
      invoiceNumber: null,
    });
    const contractArrived = context(T('09:00', 20), 'evt-contract-v1');
    const after = given(history)
      .under(onDelivery)
      .whenBillingDecided(contractArrived)
      .then([released(1, { requestedAt: T('09:00', 20), causationEventId: 'evt-contract-v1' })]);
    expect(shipmentView('SHP-1', 4, fold(after)).billing).toMatchObject({
      status: 'release_requested',
      contractId: 'K-ACME-2026',
      policyVersion: 1,
    });
  });

  it('when a release stands and an exception is raised afterwards, then no hold and no second release follow', () => {
    const history = given(deliveredShipment())
      .under(onDelivery)
      .whenBillingDecided()
      .then([released(1)]);
    given([...history, ...eventsOf(say.exception('E-9', 'low'))])
      .under(onDelivery)
      .whenBillingDecided()
      .thenNothing();
  });

  it('when the ERP invoices the release, then the shipment is invoiced and nothing more is decided', () => {
    const history = given(deliveredShipment())
      .under(onDelivery)
      .whenBillingDecided()
      .then([released(1)]);
    const invoiced = [...history, reply.invoiced('invoice.release:SHP-1:1', 'INV-42')];
    given(invoiced).under(onDelivery).whenBillingDecided().thenNothing();
    expect(shipmentView('SHP-1', 4, fold(invoiced)).billing).toEqual({
      status: 'invoiced',
      reasons: [],
      invoiceNumber: 'INV-42',
      contractId: 'K-ACME-2026',
      policyVersion: 1,
    });
  });

  it('when a cancelled shipment is decided, then it is held as cancelled, with no case and no release', () => {
    given(eventsOf(say.book(), say.milestone('cancelled', T('09:00'))))
      .under(onDelivery)
      .whenBillingDecided()
      .then([held(['cancelled'])]);
  });
});

describe('billing saga: rejection and the second attempt', () => {
  const rejectedOnce = () => {
    const history = given(deliveredShipment())
      .under(onDelivery)
      .whenBillingDecided()
      .then([released(1)]);
    return [...history, reply.rejected('invoice.release:SHP-1:1', 'PO number missing')];
  };

  it('when the ERP rejects the release, then billing is held as invoice_rejected and an invoice_rejected case is requested', () => {
    const history = given(rejectedOnce())
      .under(onDelivery)
      .whenBillingDecided()
      .then([held(['invoice_rejected']), caseRequested('invoice_rejected', 1, ['invoice_rejected'])]);
    expect(shipmentView('SHP-1', 5, fold(history)).billing.status).toBe('rejected');
  });

  it('when the rejection case is only opened, then the shipment stays held and nothing is released', () => {
    const history = given(rejectedOnce())
      .under(onDelivery)
      .whenBillingDecided()
      .then([held(['invoice_rejected']), caseRequested('invoice_rejected', 1, ['invoice_rejected'])]);
    given([...history, reply.caseOpened('case.open:SHP-1:invoice_rejected:1', 'CASE-1')])
      .under(onDelivery)
      .whenBillingDecided()
      .thenNothing();
  });

  it('when the rejection case is resolved and the shipment is billable again, then attempt 2 is requested', () => {
    const history = given(rejectedOnce())
      .under(onDelivery)
      .whenBillingDecided()
      .then([held(['invoice_rejected']), caseRequested('invoice_rejected', 1, ['invoice_rejected'])]);
    const resolved = [
      ...history,
      reply.caseOpened('case.open:SHP-1:invoice_rejected:1', 'CASE-1'),
      reply.caseResolved('CASE-1', 'PO number added in the ERP'),
    ];
    const after = given(resolved)
      .under(onDelivery)
      .whenBillingDecided(context(T('12:00', 20), 'evt-resolved'))
      .then([released(2, { requestedAt: T('12:00', 20), causationEventId: 'evt-resolved' })]);
    given(after).under(onDelivery).whenBillingDecided().thenNothing();
    const twice = [...after, reply.rejected('invoice.release:SHP-1:2')];
    given(twice)
      .under(onDelivery)
      .whenBillingDecided()
      .then([held(['invoice_rejected']), caseRequested('invoice_rejected', 2, ['invoice_rejected'])]);
  });

  it('when resolved but a new open exception blocks billing, then it is held for that and not released', () => {
    const history = given(rejectedOnce())
      .under(onDelivery)
      .whenBillingDecided()
      .then([held(['invoice_rejected']), caseRequested('invoice_rejected', 1, ['invoice_rejected'])]);
    const resolved = [
      ...history,
      reply.caseOpened('case.open:SHP-1:invoice_rejected:1', 'CASE-1'),
      reply.caseResolved('CASE-1'),
      ...eventsOf(say.exception('E-5', 'medium', 'shortage')),
    ];
    given(resolved)
      .under(onDelivery)
      .whenBillingDecided()
      .then([held(['open_exceptions']), caseRequested('billing_hold', 1, ['open_exceptions'])]);
  });
});

describe('billing saga: holds', () => {
  it('when a POD-trigger shipment is delivered, then it is held awaiting the POD, with no case', () => {
    given(deliveredShipment())
      .under(onPod)
      .whenBillingDecided()
      .then([held(['awaiting_pod'])]);
  });

  it('when the hold reasons have not changed, then no hold is repeated', () => {
    const history = given(deliveredShipment())
      .under(onPod)
      .whenBillingDecided()
      .then([held(['awaiting_pod'])]);
    given([...history, ...eventsOf(say.temperature(false))])
      .under(onPod)
      .whenBillingDecided()
      .thenNothing();
  });

  it('when the reasons change, then a new hold is recorded, and a billing_hold case once nothing is awaited', () => {
    const signedPod = contract({ billingTrigger: 'pod', requireSignedPod: true });
    const history = given(deliveredShipment())
      .under(signedPod)
      .whenBillingDecided()
      .then([held(['awaiting_pod'])]);
    given([...history, ...eventsOf(say.pod('P-1', false))])
      .under(signedPod)
      .whenBillingDecided()
      .then([held(['pod_unsigned']), caseRequested('billing_hold', 1, ['pod_unsigned'])]);
  });

  it('when a new contract version arrives with the same reasons, then the hold is recorded again under that version', () => {
    const history = given(deliveredShipment())
      .under(onPod)
      .whenBillingDecided()
      .then([held(['awaiting_pod'])]);
    given(history)
      .under(contract({ billingTrigger: 'pod', podGraceHours: 24 }, 2))
      .whenBillingDecided()
      .then([held(['awaiting_pod'], { contractId: 'K-ACME-2026', policyVersion: 2 })]);
  });

  it('when the billing_hold case is resolved but the reasons are the same, then it is not reopened; when they change, then case 2 is requested', () => {
    const strict = contract({ billingTrigger: 'delivered', requireTemperatureCompliance: true });
    const history = given([...deliveredShipment(), ...eventsOf(say.exception('E-1'))])
      .under(strict)
      .whenBillingDecided()
      .then([held(['open_exceptions']), caseRequested('billing_hold', 1, ['open_exceptions'])]);
    const resolved = [
      ...history,
      reply.caseOpened('case.open:SHP-1:billing_hold:1', 'CASE-3'),
      reply.caseResolved('CASE-3', 'Waiting for the carrier'),
    ];
    given(resolved).under(strict).whenBillingDecided().thenNothing();
    given([...resolved, ...eventsOf(say.temperature(true))])
      .under(strict)
      .whenBillingDecided()
      .then([
        held(['temperature_excursion', 'open_exceptions']),
        caseRequested('temperature_excursion', 1, ['temperature_excursion']),
        caseRequested('billing_hold', 2, ['temperature_excursion', 'open_exceptions']),
      ]);
  });

  it('when a billing_hold case is open and the reasons change, then the hold is recorded but no second case is requested', () => {
    const history = given(deliveredShipment())
      .under(null)
      .whenBillingDecided()
      .then([
        held(['no_contract'], null),
        caseRequested('billing_hold', 1, ['no_contract'], { version: null }),
      ]);
    given([...history, ...eventsOf(say.exception('E-1'))])
      .under(onDelivery)
      .whenBillingDecided()
      .then([held(['open_exceptions'])]);
  });
});

describe('billing saga: service cases', () => {
  it('when a temperature excursion is recorded, then one temperature case is requested, whatever the policy', () => {
    const history = given([...eventsOf(say.book(), say.temperature(true))])
      .under(onDelivery)
      .whenBillingDecided()
      .then([
        held(['awaiting_delivery']),
        caseRequested('temperature_excursion', 1, ['temperature_excursion']),
      ]);
    given([...history, ...eventsOf(say.temperature(true, T('13:00')))])
      .under(onDelivery)
      .whenBillingDecided()
      .thenNothing();
  });

  it('when the temperature case is resolved, then only a later excursion opens case 2', () => {
    const history = given([...eventsOf(say.book(), say.temperature(true))])
      .under(onDelivery)
      .whenBillingDecided()
      .then([
        held(['awaiting_delivery']),
        caseRequested('temperature_excursion', 1, ['temperature_excursion']),
      ]);
    const resolved = [
      ...history,
      reply.caseOpened('case.open:SHP-1:temperature_excursion:1', 'CASE-T1'),
      reply.caseResolved('CASE-T1', 'Cargo inspected, fine'),
    ];
    given(resolved).under(onDelivery).whenBillingDecided().thenNothing();
    given([...resolved, ...eventsOf(say.temperature(true, T('14:00')))])
      .under(onDelivery)
      .whenBillingDecided()
      .then([caseRequested('temperature_excursion', 2, ['temperature_excursion'])]);
  });

  it('when a high-severity exception is raised, then a delivery_exception case names it; a low one opens none', () => {
    const booked = eventsOf(say.book());
    given([...booked, ...eventsOf(say.exception('E-1', 'low', 'delay'))])
      .under(onDelivery)
      .whenBillingDecided()
      .then([held(['awaiting_delivery', 'open_exceptions'])]);
    given([...booked, ...eventsOf(say.exception('E-2', 'high', 'damage'))])
      .under(onDelivery)
      .whenBillingDecided()
      .then([
        held(['awaiting_delivery', 'open_exceptions']),
        caseRequested('delivery_exception', 1, ['damage'], { exceptionIds: ['E-2'] }),
      ]);
  });

  it('when a second high-severity exception comes while the case is open, then it waits; after resolution it gets case 2', () => {
    const history = given([...eventsOf(say.book(), say.exception('E-2', 'high', 'damage'))])
      .under(onDelivery)
      .whenBillingDecided()
      .then([
        held(['awaiting_delivery', 'open_exceptions']),
        caseRequested('delivery_exception', 1, ['damage'], { exceptionIds: ['E-2'] }),
      ]);
    const second = [...history, ...eventsOf(say.exception('E-3', 'high', 'lost'))];
    given(second).under(onDelivery).whenBillingDecided().thenNothing();
    const resolved = [
      ...second,
      reply.caseOpened('case.open:SHP-1:delivery_exception:1', 'CASE-D1'),
      reply.caseResolved('CASE-D1'),
    ];
    given(resolved)
      .under(onDelivery)
      .whenBillingDecided()
      .then([caseRequested('delivery_exception', 2, ['lost'], { exceptionIds: ['E-3'] })]);
  });
});

describe('billing saga: missing POD deadline', () => {
  it('when a POD-trigger shipment is delivered, then the missing_pod case is due podGraceHours later', () => {
    const state = fold(deliveredShipment());
    expect(missingPodDeadline(state, onPod)).toBe('2026-11-21T15:00:00.000Z');
    expect(missingPodDeadline(state, contract({ billingTrigger: 'pod', podGraceHours: 4 }))).toBe(
      '2026-11-19T19:00:00.000Z',
    );
  });

  it.each([
    ['no contract', deliveredShipment, null],
    ['a policy that needs no POD', deliveredShipment, onDelivery],
    ['no delivery', () => eventsOf(say.book()), onPod],
    [
      'a POD received',
      () => eventsOf(say.book(), say.milestone('delivered', T('15:00')), say.pod('P-1', false)),
      onPod,
    ],
  ])('when there is %s, then no missing_pod case is due', (_what, history, current) => {
    expect(missingPodDeadline(fold(history()), current)).toBeNull();
  });

  it('when a signed POD is required under the delivered trigger, then a missing POD falls due too', () => {
    const signed = contract({ billingTrigger: 'delivered', requireSignedPod: true });
    expect(missingPodDeadline(fold(deliveredShipment()), signed)).toBe('2026-11-21T15:00:00.000Z');
  });

  it('when the deadline has not come, then nothing; when it has, then one missing_pod case, and never again', () => {
    const history = deliveredShipment();
    given(history).under(onPod).whenDeadlineChecked(context('2026-11-21T14:59:59Z')).thenNothing();
    const after = given(history)
      .under(onPod)
      .whenDeadlineChecked(context('2026-11-21T15:00:00Z', 'timer:missing_pod:SHP-1'))
      .then([
        {
          type: 'ShipmentServiceCaseRequested',
          data: {
            commandId: 'case.open:SHP-1:missing_pod:1',
            category: 'missing_pod',
            reasons: ['awaiting_pod'],
            customerId: 'C-ACME',
            contractId: 'K-ACME-2026',
            policyVersion: 1,
            requestedAt: '2026-11-21T15:00:00Z',
            causationEventId: 'timer:missing_pod:SHP-1',
          },
        },
      ]);
    expect(missingPodDeadline(fold(after), onPod)).toBeNull();
    const resolved = [
      ...after,
      reply.caseOpened('case.open:SHP-1:missing_pod:1', 'CASE-P'),
      reply.caseResolved('CASE-P', 'Carrier chased'),
    ];
    expect(decideDeadline(fold(resolved), onPod, context('2026-11-25T00:00:00Z'))).toEqual([]);
  });
});

describe('billing saga: invariants over random histories', () => {
  // A small deterministic PRNG, so that a failure names its seed and replays exactly.
  function prng(seed: number) {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const policies = [
    contract({ billingTrigger: 'delivered' }, 1),
    contract({ billingTrigger: 'pod', requireSignedPod: true }, 2),
    contract(
      { billingTrigger: 'delivered', requireTemperatureCompliance: true, requireExceptionsCleared: false },
      3,
    ),
    contract({ billingTrigger: 'pod', requireExceptionsCleared: true, podGraceHours: 1 }, 4),
  ];

  it.each(Array.from({ length: 200 }, (_, i) => i + 1))(
    'when seed %i orders reports, replies and contract changes at random, then no release is ever doubled and no case category is open twice',
    (seed) => {
      const random = prng(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
      const reports = shuffle(random, [
        say.book(),
        say.milestone('dispatched', T('08:00')),
        say.milestone('delivered', T('15:00')),
        ...(random() < 0.25 ? [say.milestone('cancelled', T('09:30'))] : []),
        say.pod('P-1', false),
        say.pod('P-2', true, T('17:00')),
        say.exception('E-1', 'high', 'damage'),
        say.cleared('E-1'),
        say.exception('E-2', 'low'),
        say.temperature(true),
        say.temperature(false, T('13:00')),
        say.book(),
      ]);
      let history: ShipmentStreamEvent[] = [];
      let current = random() < 0.3 ? null : pick(policies);
      let caseNo = 0;
      for (let step = 0; step < 60; step++) {
        const state = fold(history);
        const roll = random();
        const now = new Date(Date.parse(T('18:00')) + step * 3_600_000).toISOString();
        if (roll < 0.35 && reports.length > 0) {
          history = [...history, ...decide(reports.shift()!, state)];
        } else if (roll < 0.45) {
          current = pick([null, ...policies]);
        } else if (roll < 0.65) {
          const waiting = state.billing.releases.filter((r) => r.status === 'requested');
          if (waiting.length > 0) {
            const r = pick(waiting);
            history.push(random() < 0.6 ? reply.rejected(r.commandId) : reply.invoiced(r.commandId));
          }
        } else if (roll < 0.85) {
          const open = state.billing.cases.filter((c) => c.status !== 'resolved');
          if (open.length > 0) {
            const c = pick(open);
            if (c.caseId === undefined) history.push(reply.caseOpened(c.commandId, `CASE-${++caseNo}`));
            else history.push(reply.caseResolved(c.caseId));
          }
        } else {
          history = given(history)
            .under(current)
            .whenDeadlineChecked(context(now, `timer-${step}`)).history;
        }
        const decided = given(history)
          .under(current)
          .whenBillingDecided(context(now, `evt-${step}`));
        assertReleasesAllowed(fold(history), decided.events);
        history = decided.history;
        given(history)
          .under(current)
          .whenBillingDecided(context(now, `evt-${step}-again`))
          .thenNothing();
        assertInvariants(history);
      }
      const { releases, cases } = fold(history).billing;
      seen.releases += releases.length;
      seen.secondAttempts += releases.filter((r) => r.attempt === 2).length;
      seen.invoiced += releases.filter((r) => r.status === 'invoiced').length;
      seen.categories = new Set([...seen.categories, ...cases.map((c) => c.category)]);
    },
  );

  it('when the random histories are summed up, then they exercised releases, second attempts, invoices and every case category', () => {
    expect(seen.releases).toBeGreaterThan(60);
    expect(seen.secondAttempts).toBeGreaterThanOrEqual(3);
    expect(seen.invoiced).toBeGreaterThan(15);
    expect([...seen.categories].sort()).toEqual([...SERVICE_CASE_CATEGORIES].sort());
  });

  const seen = { releases: 0, secondAttempts: 0, invoiced: 0, categories: new Set<string>() };

  function shuffle<T>(random: () => number, items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }

  function assertReleasesAllowed(before: ShipmentState, decided: readonly ShipmentDecisionEvent[]): void {
    if (!decided.some((e) => e.type === 'ShipmentInvoiceReleaseRequested')) return;
    expect(before.billing.releases.every((r) => r.status === 'rejected' && r.rejectionResolved)).toBe(true);
    expect(before.booking).not.toBeNull();
    expect(shipmentStatus(before)).not.toBe('cancelled');
  }

  function assertInvariants(history: readonly ShipmentStreamEvent[]): void {
    const state = fold(history);
    const releases = state.billing.releases;
    expect(new Set(releases.map((r) => r.commandId)).size).toBe(releases.length);
    expect(releases.map((r) => r.attempt)).toEqual(releases.map((_, i) => i + 1));
    expect(releases.filter((r) => r.status !== 'rejected').length).toBeLessThanOrEqual(1);
    const cases = state.billing.cases;
    expect(new Set(cases.map((c) => c.commandId)).size).toBe(cases.length);
    for (const category of new Set(cases.map((c) => c.category))) {
      expect(
        cases.filter((c) => c.category === category && c.status !== 'resolved').length,
      ).toBeLessThanOrEqual(1);
    }
  }
});
