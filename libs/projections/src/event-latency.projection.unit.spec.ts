import { contractStreamId, shipmentStreamId, type ShipmentStreamEvent } from '@waybill/domain';
// Test-only builders of the domain; not part of its public API.
import { context, contract, eventsOf, say, T } from '../../domain/src/billing/billing.fixtures';
import { given } from '../../domain/src/billing/billing.saga-spec';
import { report } from '../../domain/src/shipment/shipment.fixtures';
import {
  eventLatencyProjection,
  hourOf,
  hourOverlaps,
  messageReportOf,
  type EventLatencyRow,
} from './event-latency.projection';
import { project, type StoredEvent } from './projection';

const RECORDED = Date.parse('2026-11-27T09:00:00Z');

/** The shipment's events as the log holds them, each received at the given time. */
function streamOf(
  shipmentId: string,
  events: readonly ShipmentStreamEvent[],
  receivedAt: readonly (string | null)[],
): StoredEvent[] {
  return events.map((event, i) => {
    const received = receivedAt[i] ?? null;
    return {
      type: event.type,
      data: received === null ? event.data : { ...event.data, receivedAt: received },
      streamId: shipmentStreamId(shipmentId),
      revision: BigInt(i),
      recordedAt: new Date(RECORDED + i * 1000),
    };
  });
}

describe('event latency projection', () => {
  it('when messages are received in two hours, then each hour counts its own and holds their receivedAt − occurredAt', () => {
    const events = eventsOf(
      say.milestone('dispatched', '2026-11-27T02:59:00Z'),
      say.milestone('in_transit', '2026-11-27T03:10:00Z', 'carrier:UPSN', 'Venlo'),
      say.milestone('out_for_delivery', '2026-11-27T03:59:59.990Z'),
    );
    const rows = project(
      eventLatencyProjection,
      streamOf('SHP-1', events, ['2026-11-27T03:00:00Z', '2026-11-27T03:10:20Z', '2026-11-27T04:00:00Z']),
    );
    expect(rows).toStrictEqual(
      new Map<string, EventLatencyRow>([
        // 60 000 ms is in [59 392, 61 440); 20 000 ms in [19 456, 20 480).
        [
          '2026-11-27T03',
          { hour: '2026-11-27T03', reports: 2, latencyMs: { '19456': 1, '59392': 1 }, corroborations: 0 },
        ],
        ['2026-11-27T04', { hour: '2026-11-27T04', reports: 1, latencyMs: { '10': 1 }, corroborations: 0 }],
      ]),
    );
  });

  it('when a fact is reported again under a new messageId, then the hour counts it as a report and as a corroboration', () => {
    const events = eventsOf(
      say.milestone('delivered', T('15:00', 27)),
      say.milestone('delivered', T('15:02', 27), 'pod:docuflow'),
    );
    expect(events.map((e) => e.type)).toStrictEqual([
      'ShipmentMilestoneRecorded',
      'ShipmentReportCorroborated',
    ]);
    const rows = project(eventLatencyProjection, streamOf('SHP-1', events, [T('15:00', 27), T('15:05', 27)]));
    expect(rows.get('2026-11-27T15')).toStrictEqual<EventLatencyRow>({
      hour: '2026-11-27T15',
      reports: 2,
      // 0 ms, and 3 minutes = 180 000 ms in [172 032, 180 224).
      latencyMs: { '0': 1, '172032': 1 },
      corroborations: 1,
    });
  });

  it('when Waybill records its own billing decisions, then they are not messages and count nowhere', () => {
    const history = given(eventsOf(say.book(), say.milestone('delivered', T('15:00'))))
      .under(contract())
      .whenBillingDecided(context(T('15:01'))).history;
    expect(history.map((e) => e.type)).toStrictEqual([
      'ShipmentBooked',
      'ShipmentMilestoneRecorded',
      'ShipmentInvoiceReleaseRequested',
    ]);
    const rows = project(eventLatencyProjection, streamOf('SHP-1', history, []));
    // Both messages of the fixtures were received at 2026-11-21T08:00.
    expect([...rows.values()].map((r) => [r.hour, r.reports])).toStrictEqual([['2026-11-21T08', 2]]);
  });

  it('when an event is on a contract stream, then it is not counted', () => {
    const recorded: StoredEvent = {
      type: 'ContractPolicyRecorded',
      data: { ...report('2026-11-01T09:00:00Z', 'admin-api'), customerId: 'C-ACME' },
      streamId: contractStreamId('C-ACME'),
      revision: 0n,
      recordedAt: new Date(RECORDED),
    };
    expect(project(eventLatencyProjection, [recorded]).size).toBe(0);
  });

  it('when an event repeats the report of the message another event records, then it is not a message of its own', () => {
    const own = report('2026-11-27T03:00:00Z');
    expect(messageReportOf({ type: 'ShipmentBooked', data: own })).toStrictEqual({
      occurredAt: '2026-11-27T03:00:00Z',
      receivedAt: '2026-11-21T08:00:00Z',
    });
    expect(messageReportOf({ type: 'ShipmentCarrierInvoiceAudited', data: own })).toBeNull();
    expect(messageReportOf({ type: 'ShipmentCarrierChargesMismatched', data: own })).toBeNull();
    expect(messageReportOf({ type: 'ShipmentBillingHeld', data: { decidedAt: T('15:00') } })).toBeNull();
  });

  it('when an hour is compared with a window, then it counts if any part of it overlaps [from, to)', () => {
    const from = new Date('2026-11-27T03:30:00Z');
    const to = new Date('2026-11-27T05:00:00Z');
    expect(
      ['2026-11-27T02', '2026-11-27T03', '2026-11-27T04', '2026-11-27T05'].map((h) =>
        hourOverlaps(h, from, to),
      ),
    ).toStrictEqual([false, true, true, false]);
    expect(hourOf('2026-11-27T04:59:59.999+01:00')).toBe('2026-11-27T03');
    expect(hourOf('not a time')).toBeNull();
  });
});
