import { shipmentStreamId, type ShipmentStreamEvent } from '@waybill/domain';
// Test-only builders of the domain; not part of its public API.
import { context, contract, eventsOf, say, T } from '../../domain/src/billing/billing.fixtures';
import { given } from '../../domain/src/billing/billing.saga-spec';
import { cmd } from '../../domain/src/shipment/shipment.fixtures';
import { computeCarrierScorecard, type CarrierScorecard } from './carrier-scorecard';
import { kpiFactsOf, shipmentKpiFactsProjection, type ShipmentKpiFacts } from './kpi-facts.projection';
import { project, type StoredEvent } from './projection';

const RECORDED = Date.parse('2026-11-21T08:00:00Z');

function streamOf(shipmentId: string, events: readonly ShipmentStreamEvent[]): StoredEvent[] {
  return events.map((event, i) => ({
    ...event,
    streamId: shipmentStreamId(shipmentId),
    revision: BigInt(i),
    recordedAt: new Date(RECORDED + i * 1000),
  }));
}

// Every message of the fixtures is received at 2026-11-21T08:00.
const shipments: Record<string, readonly ShipmentStreamEvent[]> = {
  // The carrier's delivery arrives before the booking that names the carrier; no contract.
  'SHP-1': given(eventsOf(say.milestone('delivered', T('15:00')), say.book()))
    .under(null)
    .whenBillingDecided(context(T('15:01'))).history,
  // Damaged, then delivered late (promised by 2026-11-20T17:00).
  'SHP-2': [
    ...given(
      eventsOf(
        cmd.book(T('07:00'), { carrierId: 'DHLX' }),
        say.exception('E-1', 'high', 'damage', T('11:00')),
      ),
    )
      .under(contract())
      .whenBillingDecided(context(T('11:01'))).history,
    ...eventsOf(say.milestone('delivered', '2026-11-21T07:00:00Z')),
  ],
  // Not booked: no carrier yet.
  'SHP-3': eventsOf(say.milestone('dispatched', T('09:00'))),
  // Booked long before the window, nothing since.
  'SHP-4': eventsOf(cmd.book('2026-11-01T07:00:00Z', { carrierId: 'FDEG' })),
};

function facts(): ShipmentKpiFacts[] {
  const log = Object.entries(shipments).flatMap(([id, events]) => streamOf(id, events));
  return kpiFactsOf(project(shipmentKpiFactsProjection, log));
}

const from = new Date('2026-11-19T00:00:00Z');
const to = new Date('2026-11-22T00:00:00Z');

describe('carrier scorecard', () => {
  it('when carriers book, deliver and report in the window, then each has its counts, on-time rate and report latency', () => {
    expect(shipments['SHP-2']!.map((e) => e.type)).toContain('ShipmentServiceCaseRequested');
    expect(shipments['SHP-1']!.map((e) => e.type)).toContain('ShipmentServiceCaseRequested');
    expect(computeCarrierScorecard({ from, to, facts: facts() })).toStrictEqual<CarrierScorecard[]>([
      {
        carrierId: 'DHLX',
        booked: 1,
        delivered: 1,
        onTime: 0,
        late: 1,
        onTimeRate: 0,
        exceptions: { damage: 1 },
        exceptionCases: { delivery_exception: 1 },
        // The delivery 1 h after it happened (3 600 000 ms, in [3 538 944, 3 670 016)), the
        // exception 45 h after (162 000 000 ms, in [159 383 552, 167 772 160)): middles of buckets.
        eventLatencyMs: { p50: 3_604_480, p95: 163_577_856, count: 2 },
      },
      {
        carrierId: 'UPSN',
        booked: 1,
        delivered: 1,
        onTime: 1,
        late: 0,
        onTimeRate: 1,
        exceptions: {},
        // The billing_hold case (no contract) is not the carrier's doing.
        exceptionCases: {},
        // The delivery reported before the booking counts for the carrier the booking names.
        eventLatencyMs: { p50: 146_800_640, p95: 146_800_640, count: 1 },
      },
    ]);
  });

  it('when the window holds only part of the activity, then each measure counts what happened in it', () => {
    // 20 November: nothing was booked, delivered, raised or requested; every report arrived on the 21st.
    const cards = computeCarrierScorecard({
      from: new Date('2026-11-20T00:00:00Z'),
      to: new Date('2026-11-21T00:00:00Z'),
      facts: facts(),
    });
    expect(cards).toStrictEqual([]);
    const onTheTwentyFirst = computeCarrierScorecard({
      from: new Date('2026-11-21T00:00:00Z'),
      to: new Date('2026-11-22T00:00:00Z'),
      facts: facts(),
    });
    expect(
      onTheTwentyFirst.map((c) => [c.carrierId, c.booked, c.delivered, c.late, c.eventLatencyMs.count]),
    ).toStrictEqual([
      ['DHLX', 0, 1, 1, 2],
      ['UPSN', 0, 0, 0, 1],
    ]);
  });

  it('when a carrier booked only before the window, then it has no scorecard', () => {
    const wide = computeCarrierScorecard({ from: new Date('2026-11-01T00:00:00Z'), to, facts: facts() });
    expect(wide.map((c) => [c.carrierId, c.booked])).toStrictEqual([
      ['DHLX', 1],
      ['FDEG', 1],
      ['UPSN', 1],
    ]);
    expect(computeCarrierScorecard({ from, to, facts: facts() }).map((c) => c.carrierId)).not.toContain(
      'FDEG',
    );
  });
});
