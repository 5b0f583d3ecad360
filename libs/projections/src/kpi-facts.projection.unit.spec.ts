import { shipmentStreamId, type CurrentContract, type ShipmentStreamEvent } from '@waybill/domain';
// Test-only builders of the domain; not part of its public API.
import { context, contract, eventsOf, reply, say, T } from '../../domain/src/billing/billing.fixtures';
import { given } from '../../domain/src/billing/billing.saga-spec';
import { cmd } from '../../domain/src/shipment/shipment.fixtures';
import { kpiFactsOf, shipmentKpiFactsProjection, type ShipmentKpiFacts } from './kpi-facts.projection';
import { project, type StoredEvent } from './projection';

const RECORDED = Date.parse('2026-11-21T08:00:00Z');
const at = (second: number) => new Date(RECORDED + second * 1000);

function streamOf(events: readonly ShipmentStreamEvent[], shipmentId = 'SHP-1'): StoredEvent[] {
  return events.map((event, i) => ({
    ...event,
    streamId: shipmentStreamId(shipmentId),
    revision: BigInt(i),
    recordedAt: at(i),
  }));
}

function factsOf(events: readonly ShipmentStreamEvent[]): ShipmentKpiFacts {
  const [facts] = kpiFactsOf(project(shipmentKpiFactsProjection, streamOf(events)));
  if (!facts) throw new Error('no row');
  return facts;
}

const delivered = eventsOf(say.book(), say.milestone('delivered', T('15:00')));
const decided = (
  history: readonly ShipmentStreamEvent[],
  now: string,
  under: CurrentContract | null = contract(),
) => given(history).under(under).whenBillingDecided(context(now)).history;
const overdue = (commandId: string, raisedAt: string): ShipmentStreamEvent => ({
  type: 'ShipmentErpReplyOverdue',
  data: { commandId, sends: 3, owner: 'finance', raisedAt, causationEventId: 'timer-1' },
});

describe('shipment KPI facts projection', () => {
  it('when a shipment is delivered on time, released and invoiced with no one involved, then its facts say so', () => {
    const events = [...decided(delivered, T('15:01')), reply.invoiced('invoice.release:SHP-1:1')];
    expect(factsOf(events)).toStrictEqual<ShipmentKpiFacts>({
      shipmentId: 'SHP-1',
      customerId: 'C-ACME',
      carrierId: 'UPSN',
      bookedAt: T('07:00'),
      promisedDeliveryBy: '2026-11-20T17:00:00Z',
      deliveredAt: T('15:00'),
      onTime: true,
      cancelled: false,
      billingStatus: 'invoiced',
      deliveredNotBillable: false,
      releaseRequestedAt: T('15:01'),
      invoicedAt: T('09:00', 20),
      holdReasons: [],
      everHeld: false,
      manualTouches: 0,
      touchless: true,
      amount: '420.00',
      currency: 'EUR',
      exceptions: [],
      cases: [],
      // Only the delivery is the carrier's report: received 41 h after it happened, 147 600 000 ms,
      // in [142 606 336, 150 994 944). The booking and the ERP's reply are not the carrier's.
      carrierReportLatencyMs: { '2026-11-21T08': { '142606336': 1 } },
      lastEventAt: at(3),
      revision: 3n,
    });
  });

  it('when the shipment was held for want of a contract before its release, then it was held, touched and not touchless', () => {
    const held = decided(delivered, T('15:01'), null);
    expect(held.slice(2).map((e) => e.type)).toStrictEqual([
      'ShipmentBillingHeld',
      'ShipmentServiceCaseRequested',
    ]);
    expect(factsOf(decided(held, T('18:00')))).toMatchObject({
      holdReasons: ['no_contract'],
      everHeld: true,
      manualTouches: 1,
      touchless: false,
      cases: [{ category: 'billing_hold', requestedAt: T('15:01') }],
      releaseRequestedAt: T('18:00'),
      billingStatus: 'release_requested',
    });
  });

  it('when the only hold waited for the delivery, then the release is still touchless', () => {
    const waiting = decided(eventsOf(say.book()), T('07:01'));
    expect(waiting.map((e) => e.type)).toStrictEqual(['ShipmentBooked', 'ShipmentBillingHeld']);
    const released = decided([...waiting, ...eventsOf(say.milestone('delivered', T('15:00')))], T('15:01'));
    expect(factsOf(released)).toMatchObject({
      holdReasons: [],
      everHeld: false,
      touchless: true,
      releaseRequestedAt: T('15:01'),
    });
  });

  it('when the ERP answers late and rejects, then each overdue reply, rejection and case is a manual touch and the delivery waits to be billed', () => {
    const released = decided(delivered, T('15:01'));
    const rejected = decided(
      [
        ...released,
        overdue('invoice.release:SHP-1:1', T('18:01')),
        reply.rejected('invoice.release:SHP-1:1'),
      ],
      T('09:01', 20),
    );
    expect(factsOf(rejected)).toMatchObject({
      billingStatus: 'rejected',
      holdReasons: ['invoice_rejected'],
      everHeld: true,
      manualTouches: 3,
      touchless: false,
      deliveredNotBillable: true,
      releaseRequestedAt: T('15:01'),
      invoicedAt: null,
      cases: [{ category: 'invoice_rejected', requestedAt: T('09:01', 20) }],
    });
  });

  it('when a high-severity exception was raised and cleared, then it is listed with its times and its case and hold count against touchless', () => {
    const raised = decided(
      eventsOf(say.book(), say.exception('E-1', 'high', 'damage', T('11:00'))),
      T('11:01'),
    );
    const events = decided(
      [...raised, ...eventsOf(say.cleared('E-1', T('13:00')), say.milestone('delivered', T('15:00')))],
      T('15:01'),
    );
    expect(factsOf(events)).toMatchObject({
      exceptions: [{ exceptionId: 'E-1', code: 'damage', raisedAt: T('11:00'), clearedAt: T('13:00') }],
      cases: [{ category: 'delivery_exception', requestedAt: T('11:01') }],
      holdReasons: ['open_exceptions'],
      manualTouches: 1,
      touchless: false,
      releaseRequestedAt: T('15:01'),
    });
  });

  it('when the delivery is at, after or without the promise, then it is on time, late, or not rated', () => {
    const promise = '2026-11-20T17:00:00Z';
    expect(factsOf(eventsOf(say.book(), say.milestone('delivered', promise))).onTime).toBe(true);
    expect(factsOf(eventsOf(say.book(), say.milestone('delivered', '2026-11-20T17:00:01Z'))).onTime).toBe(
      false,
    );
    const unpromised = eventsOf(
      cmd.book(T('07:00'), { promisedDeliveryBy: undefined }),
      say.milestone('delivered', T('15:00')),
    );
    expect(factsOf(unpromised)).toMatchObject({
      promisedDeliveryBy: null,
      deliveredAt: T('15:00'),
      onTime: null,
    });
    expect(factsOf(eventsOf(say.book())).onTime).toBeNull();
  });

  it('when a second report gives an earlier delivery time, then the delivery is the earliest and both reports count for latency', () => {
    const events = eventsOf(
      say.book(),
      say.milestone('delivered', T('15:00')),
      say.milestone('delivered', T('14:50'), 'carrier:UPSN'),
    );
    expect(factsOf(events)).toMatchObject({
      deliveredAt: T('14:50'),
      // 41 h and 41 h 10 min share a bucket.
      carrierReportLatencyMs: { '2026-11-21T08': { '142606336': 2 } },
    });
  });

  it('when a cancellation that happened before the reported delivery arrives, then the shipment is cancelled and not delivered', () => {
    const events = eventsOf(
      say.book(),
      say.milestone('delivered', T('15:00')),
      say.milestone('cancelled', T('10:00')),
    );
    expect(events.map((e) => e.type)).toStrictEqual([
      'ShipmentBooked',
      'ShipmentMilestoneRecorded',
      'ShipmentMilestoneRecorded',
    ]);
    expect(factsOf(events)).toMatchObject({
      cancelled: true,
      deliveredAt: null,
      onTime: null,
      deliveredNotBillable: false,
    });
  });

  it('when the delivery arrives before the booking, then the carrier, customer and amount are known once the booking arrives', () => {
    const events = eventsOf(say.milestone('delivered', T('15:00')), say.book());
    const rows = project(shipmentKpiFactsProjection, streamOf(events.slice(0, 1)));
    expect(rows.get('SHP-1')?.facts).toMatchObject({
      carrierId: null,
      customerId: null,
      amount: null,
      deliveredAt: T('15:00'),
      deliveredNotBillable: true,
      billingStatus: 'on_hold',
      carrierReportLatencyMs: { '2026-11-21T08': { '142606336': 1 } },
    });
    expect(factsOf(events)).toMatchObject({
      carrierId: 'UPSN',
      customerId: 'C-ACME',
      amount: '420.00',
      bookedAt: T('07:00'),
      carrierReportLatencyMs: { '2026-11-21T08': { '142606336': 1 } },
    });
  });

  it('when events already applied are delivered again, then the row is unchanged', () => {
    const events = streamOf(decided(delivered, T('15:01')));
    const rows = project(shipmentKpiFactsProjection, events);
    const again = project(shipmentKpiFactsProjection, events, rows);
    expect(again.get('SHP-1')).toBe(rows.get('SHP-1'));
  });
});
