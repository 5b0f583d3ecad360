import { decide, fold, shipmentStreamId, type ShipmentCommand, type ShipmentEvent } from '@waybill/domain';
// Test-only builders of the domain; not part of its public API.
import { booking, cmd, report } from '../../domain/src/shipment/shipment.fixtures';
import { project, type StoredEvent } from './projection';
import { shipmentSummaryProjection, type ShipmentSummary } from './shipment-summary.projection';

const T = (hhmm: string, day = 19) => `2026-11-${day}T${hhmm}:00Z`;
const RECORDED = Date.parse('2026-11-21T08:00:00Z');

const raise = (exceptionId: string, occurredAt: string): ShipmentCommand => ({
  type: 'RaiseException',
  data: { ...report(occurredAt, 'carrier:UPSN'), exceptionId, code: 'delay', severity: 'medium' },
});
const clear = (exceptionId: string, occurredAt: string): ShipmentCommand => ({
  type: 'ClearException',
  data: { ...report(occurredAt, 'carrier:UPSN'), exceptionId, resolution: 'rescheduled' },
});
const pod = (podId: string, signatureCaptured: boolean, occurredAt: string): ShipmentCommand => ({
  type: 'RecordPod',
  data: {
    ...report(occurredAt, 'carrier:UPSN'),
    podId,
    signatureCaptured,
    ...(signatureCaptured ? { signedBy: 'J. Doe' } : {}),
  },
});
const temperature = (minCelsius: number, maxCelsius: number): ShipmentCommand => ({
  type: 'RecordTemperature',
  data: { ...report(T('11:00'), 'iot'), minCelsius, maxCelsius, allowedMinCelsius: 2, allowedMaxCelsius: 8 },
});

/**
 * The stream the domain records for these commands, one second apart: the events come from the
 * real decider, so the projection is tested against what the log will actually hold.
 */
function streamOf(shipmentId: string, ...commands: ShipmentCommand[]): StoredEvent[] {
  const events: ShipmentEvent[] = [];
  for (const command of commands) events.push(...decide(command, fold(events)));
  return events.map((event, i) => ({
    ...event,
    streamId: shipmentStreamId(shipmentId),
    revision: BigInt(i),
    recordedAt: new Date(RECORDED + i * 1000),
  }));
}

function summaryOf(events: Iterable<StoredEvent>, shipmentId = 'S1'): ShipmentSummary | undefined {
  return project(shipmentSummaryProjection, events).get(shipmentId)?.summary;
}

describe('shipment summary projection', () => {
  it('when a shipment is booked, then its summary is booked with the booking parties and nothing else yet', () => {
    expect(summaryOf(streamOf('S1', cmd.book()))).toEqual<ShipmentSummary>({
      shipmentId: 'S1',
      status: 'booked',
      customerId: booking.customerId,
      carrierId: booking.carrierId,
      orderId: booking.orderId,
      milestones: 0,
      lastMilestone: null,
      deliveredAt: null,
      openExceptions: 0,
      podReceived: false,
      podSigned: false,
      temperatureCompliant: true,
      lastEventAt: new Date(RECORDED),
      revision: 0n,
      duplicateReports: 0,
      rejectedReports: 0,
    });
  });

  it('when milestones arrive out of order, then status is the furthest and lastMilestone the latest to occur', () => {
    const summary = summaryOf(
      streamOf(
        'S1',
        cmd.book(),
        cmd.milestone('dispatched', T('08:00')),
        cmd.milestone('delivered', T('15:00')),
        cmd.milestone('in_transit', T('10:00'), 'carrier:UPSN', 'Venlo hub'),
      ),
    );
    expect(summary).toMatchObject({
      status: 'delivered',
      milestones: 3,
      lastMilestone: { milestone: 'delivered', occurredAt: T('15:00'), location: null },
      deliveredAt: T('15:00'),
      revision: 3n,
      lastEventAt: new Date(RECORDED + 3000),
    });
  });

  it('when milestones come before the booking, then the shipment is unbooked until the booking arrives', () => {
    const events = streamOf('S1', cmd.milestone('in_transit', T('10:00'), 'tms', 'Venlo hub'), cmd.book());
    expect(summaryOf(events.slice(0, 1))).toMatchObject({
      status: 'unbooked',
      customerId: null,
      lastMilestone: { milestone: 'in_transit', location: 'Venlo hub' },
    });
    expect(summaryOf(events)).toMatchObject({ status: 'in_transit', customerId: 'C-ACME' });
  });

  it('when a second source reports a known milestone earlier, then it is a duplicate report and deliveredAt is the earliest time', () => {
    const summary = summaryOf(
      streamOf(
        'S1',
        cmd.book(),
        cmd.milestone('delivered', T('15:00'), 'tms'),
        cmd.milestone('delivered', T('14:55'), 'carrier:UPSN'),
      ),
    );
    expect(summary).toMatchObject({ milestones: 1, duplicateReports: 1, deliveredAt: T('14:55') });
  });

  it('when a movement is reported after the cancellation, then it is a rejected report and the shipment stays cancelled', () => {
    const summary = summaryOf(
      streamOf(
        'S1',
        cmd.book(),
        cmd.milestone('cancelled', T('09:00')),
        cmd.milestone('dispatched', T('10:00')),
      ),
    );
    expect(summary).toMatchObject({ status: 'cancelled', milestones: 1, rejectedReports: 1 });
  });

  it('when exceptions are raised and one is cleared, then only the other counts as open', () => {
    const events = streamOf('S1', cmd.book(), raise('E-1', T('09:00')), raise('E-2', T('10:00')));
    expect(summaryOf(events)?.openExceptions).toBe(2);
    const cleared = streamOf(
      'S1',
      cmd.book(),
      raise('E-1', T('09:00')),
      raise('E-2', T('10:00')),
      clear('E-1', T('12:00')),
    );
    expect(summaryOf(cleared)?.openExceptions).toBe(1);
  });

  it('when the clearing of an exception arrives before its raising, then the exception is not open', () => {
    const summary = summaryOf(streamOf('S1', cmd.book(), clear('E-1', T('12:00')), raise('E-1', T('09:00'))));
    expect(summary?.openExceptions).toBe(0);
  });

  it('when only an unsigned POD arrived, then the POD is received but not signed', () => {
    const summary = summaryOf(streamOf('S1', cmd.book(), pod('P-1', false, T('15:05'))));
    expect(summary).toMatchObject({ podReceived: true, podSigned: false });
  });

  it('when a signed POD follows an unsigned one, then the POD is signed', () => {
    const summary = summaryOf(
      streamOf('S1', cmd.book(), pod('P-1', false, T('15:05')), pod('P-2', true, T('15:10'))),
    );
    expect(summary).toMatchObject({ podReceived: true, podSigned: true });
  });

  it('when a temperature reading leaves the allowed range, then the shipment is no longer compliant', () => {
    expect(summaryOf(streamOf('S1', cmd.book(), temperature(3, 7)))?.temperatureCompliant).toBe(true);
    expect(summaryOf(streamOf('S1', cmd.book(), temperature(3, 7), temperature(3, 9.5)))).toMatchObject({
      temperatureCompliant: false,
    });
  });

  it('when an event is delivered again, then the summary does not count it twice', () => {
    const events = streamOf(
      'S1',
      cmd.book(),
      cmd.milestone('cancelled', T('09:00')),
      cmd.milestone('dispatched', T('10:00')),
    );
    const once = project(shipmentSummaryProjection, events);
    const again = project(shipmentSummaryProjection, [events[2]!, events[1]!], once);
    expect(again.get('S1')).toBe(once.get('S1'));
    expect(again.get('S1')?.summary).toMatchObject({ rejectedReports: 1, milestones: 1, revision: 2n });
  });

  it('when the log is projected in two batches, then the rows equal those of one pass', () => {
    const events = streamOf(
      'S1',
      cmd.book(),
      cmd.milestone('dispatched', T('08:00')),
      raise('E-1', T('09:00')),
      cmd.milestone('delivered', T('15:00')),
      pod('P-1', true, T('15:05')),
    );
    const first = project(shipmentSummaryProjection, events.slice(0, 2));
    const both = project(shipmentSummaryProjection, events.slice(2), first);
    expect(both.get('S1')?.summary).toEqual(summaryOf(events));
    expect(first.get('S1')?.summary.status).toBe('dispatched');
  });

  it('when two shipment streams interleave in the log, then each shipment gets its own row', () => {
    const s1 = streamOf('S1', cmd.book(), cmd.milestone('delivered', T('15:00')));
    const s2 = streamOf('S2', cmd.book(T('07:00'), { orderId: 'SO-2002', customerId: 'C-BETA' }));
    const rows = project(shipmentSummaryProjection, [s1[0]!, s2[0]!, s1[1]!]);
    expect([...rows.keys()].sort()).toEqual(['S1', 'S2']);
    expect(rows.get('S1')?.summary).toMatchObject({
      status: 'delivered',
      customerId: 'C-ACME',
      revision: 1n,
    });
    expect(rows.get('S2')?.summary).toMatchObject({ status: 'booked', customerId: 'C-BETA', revision: 0n });
  });

  it('when the log holds other streams or event types it does not know, then they change no row', () => {
    const [booked] = streamOf('S1', cmd.book());
    const rows = project(shipmentSummaryProjection, [
      booked!,
      { ...booked!, streamId: 'contract-C-ACME', revision: 0n },
      {
        type: 'ShipmentInvoiced',
        data: { invoiceNumber: 'INV-9' },
        streamId: 'shipment-S1',
        revision: 1n,
        recordedAt: new Date(RECORDED + 5000),
      },
    ]);
    expect([...rows.keys()]).toEqual(['S1']);
    expect(rows.get('S1')?.summary).toMatchObject({ revision: 0n, lastEventAt: new Date(RECORDED) });
  });

  it('when a row is started, then it is an unbooked shipment before any event', () => {
    expect(shipmentSummaryProjection.init('S9').summary).toMatchObject({
      shipmentId: 'S9',
      status: 'unbooked',
      revision: -1n,
      lastEventAt: null,
      milestones: 0,
    });
  });
});
