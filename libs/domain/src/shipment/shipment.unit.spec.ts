import { given } from './shipment.decider-spec';
import { booking, cmd, recorded, report } from './shipment.fixtures';
import type { ShipmentCommand } from './shipment.commands';
import type { ShipmentEvent } from './shipment.events';
import type { Milestone } from './shipment.types';
import { evolveUntracked, fold, initialShipmentState, UNTRACKED_MESSAGE_IDS } from './shipment.state';
import { shipmentStatus, shipmentView } from './shipment.view';

const T = (hhmm: string, day = 19) => `2026-11-${day}T${hhmm}:00Z`;
const eventsOf = (...commands: ShipmentCommand[]): ShipmentEvent[] => {
  const events: ShipmentEvent[] = [];
  for (const command of commands) events.push(...given(events).when(command).events);
  return events;
};

describe('shipment: booking', () => {
  it('when a shipment is booked, then it is booked', () => {
    const book = cmd.book();
    const state = given([])
      .when(book)
      .then([recorded(book)]);
    expect(shipmentStatus(state)).toBe('booked');
    expect(state.booking?.customerId).toBe('C-ACME');
  });

  it('when the same booking is reported again under a new messageId, then it is a corroboration', () => {
    const first = cmd.book();
    const again = cmd.book();
    given([recorded(first)])
      .when(again)
      .then([
        {
          type: 'ShipmentReportCorroborated',
          data: {
            ...report(again.data.occurredAt, 'tms', again.data.messageId),
            fact: 'booking',
            key: 'SO-1001',
          },
        },
      ]);
  });

  it('when a booking arrives with changed details, then the booking is revised', () => {
    const revised = cmd.book(T('09:00'), { destination: 'Acme DC, Tilburg' });
    const state = given([recorded(cmd.book())])
      .when(revised)
      .then([{ type: 'ShipmentBookingRevised', data: revised.data }]);
    expect(state.booking?.destination).toBe('Acme DC, Tilburg');
  });

  it('when a booking arrives after milestones, then the shipment leaves unbooked and shows its progress', () => {
    const delivered = cmd.milestone('delivered', T('15:00'));
    const before = fold([recorded(delivered)]);
    expect(shipmentStatus(before)).toBe('unbooked');
    const book = cmd.book();
    const after = given([recorded(delivered)])
      .when(book)
      .then([recorded(book)]);
    expect(shipmentStatus(after)).toBe('delivered');
  });

  it('when a cancelled shipment gets its booking late, then the booking is still recorded', () => {
    const book = cmd.book();
    const state = given(eventsOf(cmd.milestone('cancelled', T('07:00'))))
      .when(book)
      .then([recorded(book)]);
    expect(shipmentStatus(state)).toBe('cancelled');
  });
});

describe('shipment: milestones', () => {
  it('when milestones arrive in order, then status follows them', () => {
    const events = eventsOf(
      cmd.book(),
      cmd.milestone('dispatched', T('08:00')),
      cmd.milestone('in_transit', T('10:00')),
    );
    expect(shipmentStatus(fold(events))).toBe('in_transit');
  });

  it('when a stored milestone holds a time that does not parse, then it goes last and no later fact goes before it', () => {
    // Ingest rejects such times; this pins what the fold does with one written by other means.
    const event = (milestone: Milestone, occurredAt: string) =>
      recorded(cmd.milestone(milestone, occurredAt));
    const state = fold([
      event('in_transit', T('10:00')),
      event('out_for_delivery', 'not a time'),
      event('dispatched', T('08:00')),
    ]);
    expect(state.milestones.map((m) => m.milestone)).toEqual([
      'in_transit',
      'out_for_delivery',
      'dispatched',
    ]);
    expect(
      fold([event('out_for_delivery', 'not a time'), event('dispatched', T('08:00'))]).milestones.map(
        (m) => m.milestone,
      ),
    ).toEqual(['out_for_delivery', 'dispatched']);
    expect(
      fold([event('dispatched', T('08:00')), event('out_for_delivery', 'not a time')]).milestones.map(
        (m) => m.milestone,
      ),
    ).toEqual(['dispatched', 'out_for_delivery']);
  });

  it('when delivered arrives before dispatched, then both are recorded and the status stays delivered', () => {
    const delivered = cmd.milestone('delivered', T('16:00'));
    const dispatched = cmd.milestone('dispatched', T('08:00'));
    const state = given(eventsOf(cmd.book(), delivered))
      .when(dispatched)
      .then([recorded(dispatched, true)]);
    expect(shipmentStatus(state)).toBe('delivered');
    expect(state.milestones.map((m) => m.milestone)).toEqual(['dispatched', 'delivered']);
  });

  it('when a milestone arrives before the booking, then it is kept and the shipment is unbooked', () => {
    const arrived = cmd.milestone('arrived', T('12:00'), 'carrier:UPSN');
    const state = given([])
      .when(arrived)
      .then([recorded(arrived)]);
    expect(shipmentStatus(state)).toBe('unbooked');
    expect(state.milestones).toHaveLength(1);
  });

  it('when TMS and carrier both report delivered, then the second report corroborates and there is one delivery', () => {
    const tms = cmd.milestone('delivered', T('15:05'), 'tms');
    const carrier = cmd.milestone('delivered', T('15:02'), 'carrier:UPSN');
    const state = given(eventsOf(cmd.book(), tms))
      .when(carrier)
      .then([
        {
          type: 'ShipmentReportCorroborated',
          data: {
            ...report(T('15:02'), 'carrier:UPSN', carrier.data.messageId),
            fact: 'milestone',
            key: 'delivered',
          },
        },
      ]);
    const deliveries = state.milestones.filter((m) => m.milestone === 'delivered');
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      occurredAt: T('15:02'),
      source: 'tms',
      reportedBy: ['tms', 'carrier:UPSN'],
    });
  });

  it('when in-transit scans come from different hubs, then each is recorded; the same hub again corroborates', () => {
    const venlo = cmd.milestone('in_transit', T('10:00'), 'carrier:UPSN', 'Venlo hub');
    const koln = cmd.milestone('in_transit', T('13:00'), 'carrier:UPSN', 'Köln hub');
    const venloAgain = cmd.milestone('in_transit', T('10:01'), 'tms', 'venlo HUB');
    const events = eventsOf(cmd.book(), venlo);
    given(events)
      .when(koln)
      .then([recorded(koln)]);
    const corroborating = given(eventsOf(cmd.book(), venlo, koln)).when(venloAgain).events;
    expect(corroborating).toEqual([
      {
        type: 'ShipmentReportCorroborated',
        data: {
          ...report(T('10:01'), 'tms', venloAgain.data.messageId),
          fact: 'milestone',
          key: 'in_transit',
          location: 'venlo HUB',
        },
      },
    ]);
  });

  it('when the same message is delivered twice, then the second time records nothing', () => {
    const dispatched = cmd.milestone('dispatched', T('08:00'));
    given(eventsOf(cmd.book(), dispatched)).when(dispatched).thenNothing();
  });
});

describe('shipment: terminal states', () => {
  it('when a shipment is cancelled, then it is cancelled', () => {
    const cancel = cmd.milestone('cancelled', T('09:00'));
    const state = given(eventsOf(cmd.book()))
      .when(cancel)
      .then([recorded(cancel)]);
    expect(shipmentStatus(state)).toBe('cancelled');
  });

  it('when a movement happened after the cancellation, then it is kept as rejected and does not move the shipment', () => {
    const late = cmd.milestone('in_transit', T('11:00'), 'carrier:UPSN');
    const state = given(eventsOf(cmd.book(), cmd.milestone('cancelled', T('09:00'))))
      .when(late)
      .then([{ type: 'ShipmentMilestoneRejected', data: { ...late.data, reason: 'after_terminal' } }]);
    expect(shipmentStatus(state)).toBe('cancelled');
    expect(state.rejectedReports).toBe(1);
  });

  it('when a movement that happened before the cancellation arrives late, then it is recorded as history', () => {
    const earlier = cmd.milestone('dispatched', T('07:30'));
    const state = given(eventsOf(cmd.book(), cmd.milestone('cancelled', T('09:00'))))
      .when(earlier)
      .then([recorded(earlier, true)]);
    expect(shipmentStatus(state)).toBe('cancelled');
  });

  it('when a delivered shipment is cancelled, then the cancellation is rejected', () => {
    const cancel = cmd.milestone('cancelled', T('18:00'));
    const state = given(eventsOf(cmd.book(), cmd.milestone('delivered', T('15:00'))))
      .when(cancel)
      .then([
        { type: 'ShipmentMilestoneRejected', data: { ...cancel.data, reason: 'cancel_after_delivery' } },
      ]);
    expect(shipmentStatus(state)).toBe('delivered');
  });

  it('when a delivered shipment is returned, then it is returned', () => {
    const returned = cmd.milestone('returned', T('10:00', 22));
    const state = given(eventsOf(cmd.book(), cmd.milestone('delivered', T('15:00'))))
      .when(returned)
      .then([recorded(returned)]);
    expect(shipmentStatus(state)).toBe('returned');
  });

  it('when a returned shipment reports delivered later, then the delivery is rejected', () => {
    const delivered = cmd.milestone('delivered', T('12:00', 23));
    given(eventsOf(cmd.book(), cmd.milestone('returned', T('10:00', 22))))
      .when(delivered)
      .then([{ type: 'ShipmentMilestoneRejected', data: { ...delivered.data, reason: 'after_terminal' } }]);
  });

  it('when a cancelled shipment gets a POD, an exception and a temperature report, then all are accepted', () => {
    const base = eventsOf(cmd.book(), cmd.milestone('cancelled', T('09:00')));
    const pod: ShipmentCommand = {
      type: 'RecordPod',
      data: { ...report(T('10:00'), 'pod:docuflow'), podId: 'P-1', signatureCaptured: false },
    };
    const exc: ShipmentCommand = {
      type: 'RaiseException',
      data: { ...report(T('10:00')), exceptionId: 'E-1', code: 'refused', severity: 'low' },
    };
    const temp: ShipmentCommand = {
      type: 'RecordTemperature',
      data: {
        ...report(T('10:00'), 'sensor'),
        minCelsius: 2,
        maxCelsius: 6,
        allowedMinCelsius: 2,
        allowedMaxCelsius: 8,
      },
    };
    given(base)
      .when(pod)
      .then([recorded(pod)]);
    given(base)
      .when(exc)
      .then([recorded(exc)]);
    given(base)
      .when(temp)
      .then([recorded(temp)]);
  });
});

describe('shipment: exceptions', () => {
  const raise = (id: string, occurredAt = T('11:00')): ShipmentCommand => ({
    type: 'RaiseException',
    data: {
      ...report(occurredAt, 'carrier:UPSN'),
      exceptionId: id,
      code: 'delay',
      severity: 'medium',
      description: 'Missed linehaul',
    },
  });
  const clear = (id: string, occurredAt = T('14:00')): ShipmentCommand => ({
    type: 'ClearException',
    data: { ...report(occurredAt, 'tms'), exceptionId: id, resolution: 'Re-routed via Venlo' },
  });

  it('when an exception is raised, then it is open', () => {
    const r = raise('E-1');
    const state = given(eventsOf(cmd.book()))
      .when(r)
      .then([recorded(r)]);
    expect(state.exceptions.get('E-1')).toMatchObject({ code: 'delay', status: 'open' });
  });

  it('when it is cleared, then it is resolved with the resolution', () => {
    const c = clear('E-1');
    const state = given(eventsOf(cmd.book(), raise('E-1')))
      .when(c)
      .then([recorded(c)]);
    expect(state.exceptions.get('E-1')).toMatchObject({
      code: 'delay',
      status: 'resolved',
      resolution: 'Re-routed via Venlo',
    });
  });

  it('when the clearing arrives before the raise, then after both the exception is resolved', () => {
    const r = raise('E-2');
    const state = given(eventsOf(cmd.book(), clear('E-2')))
      .when(r)
      .then([recorded(r)]);
    expect(state.exceptions.get('E-2')).toMatchObject({ code: 'delay', status: 'resolved' });
  });

  it('when the same exception is raised twice, then the second raise corroborates', () => {
    const again = raise('E-3');
    const [event] = given(eventsOf(cmd.book(), raise('E-3'))).when(again).events;
    expect(event).toMatchObject({
      type: 'ShipmentReportCorroborated',
      data: { fact: 'exception', key: 'E-3' },
    });
  });

  it('when a resolved exception is cleared again, then the second clearing corroborates', () => {
    const again = clear('E-4');
    const [event] = given(eventsOf(cmd.book(), raise('E-4'), clear('E-4'))).when(again).events;
    expect(event).toMatchObject({
      type: 'ShipmentReportCorroborated',
      data: { fact: 'exception_cleared', key: 'E-4' },
    });
  });
});

describe('shipment: proof of delivery', () => {
  const pod = (podId: string, signatureCaptured: boolean, occurredAt: string): ShipmentCommand => ({
    type: 'RecordPod',
    data: {
      ...report(occurredAt, 'pod:docuflow'),
      podId,
      signatureCaptured,
      ...(signatureCaptured ? { signedBy: 'J. Doe' } : {}),
      documentRef: `doc-${podId}`,
    },
  });

  it('when a POD arrives, then the shipment has it', () => {
    const p = pod('P-1', true, T('16:00'));
    const state = given(eventsOf(cmd.book()))
      .when(p)
      .then([recorded(p)]);
    expect(shipmentView('SHP-1', 1, state).pod).toMatchObject({
      podId: 'P-1',
      signatureCaptured: true,
      signedBy: 'J. Doe',
    });
  });

  it('when the same POD is sent again, then it corroborates', () => {
    const [event] = given(eventsOf(cmd.book(), pod('P-1', true, T('16:00')))).when(
      pod('P-1', true, T('16:00')),
    ).events;
    expect(event).toMatchObject({ type: 'ShipmentReportCorroborated', data: { fact: 'pod', key: 'P-1' } });
  });

  it('when an unsigned POD arrives after a signed one, then the signed one still counts', () => {
    const state = fold(eventsOf(cmd.book(), pod('P-1', true, T('16:00')), pod('P-2', false, T('17:00'))));
    expect(state.pod?.podId).toBe('P-1');
  });

  it('when a signed POD arrives after an unsigned one, then the signed one counts', () => {
    const state = fold(eventsOf(cmd.book(), pod('P-1', false, T('16:00')), pod('P-2', true, T('15:00'))));
    expect(state.pod?.podId).toBe('P-2');
  });
});

describe('shipment: temperature', () => {
  const reading = (min: number, max: number): ShipmentCommand => ({
    type: 'RecordTemperature',
    data: {
      ...report(T('12:00'), 'sensor:reefer-9'),
      minCelsius: min,
      maxCelsius: max,
      allowedMinCelsius: 2,
      allowedMaxCelsius: 8,
    },
  });

  it('when a reading is inside the allowed range, then the shipment stays compliant', () => {
    const state = given(eventsOf(cmd.book())).when(reading(3, 7)).events;
    expect(state[0]).toMatchObject({ data: { excursion: false } });
    expect(shipmentView('S', 1, fold([...eventsOf(cmd.book()), ...state])).temperature.compliant).toBe(true);
  });

  it.each([
    [1.5, 7],
    [3, 8.1],
  ])(
    'when a reading of %p..%p leaves the range, then it is an excursion and the shipment is not compliant',
    (min, max) => {
      const events = eventsOf(cmd.book(), reading(min, max));
      expect(events[1]).toMatchObject({ type: 'ShipmentTemperatureRecorded', data: { excursion: true } });
      expect(shipmentView('S', 1, fold(events)).temperature).toMatchObject({
        compliant: false,
        excursions: 1,
      });
    },
  );

  it('when a reading sits exactly on the limits, then it is compliant', () => {
    expect(eventsOf(reading(2, 8))[0]).toMatchObject({ data: { excursion: false } });
  });
});

describe('shipment view and provisional billing', () => {
  it('when nothing is booked, then billing is held as not_booked', () => {
    const view = shipmentView('S', 0, fold(eventsOf(cmd.milestone('delivered', T('15:00')))));
    expect(view.billing).toEqual({ status: 'on_hold', reasons: ['not_booked'], invoiceNumber: null });
  });

  it('when booked but not delivered, then billing awaits delivery', () => {
    expect(shipmentView('S', 0, fold(eventsOf(cmd.book()))).billing.status).toBe('awaiting_delivery');
  });

  it('when delivered with no contract, then billing is held as no_contract', () => {
    const view = shipmentView('S', 0, fold(eventsOf(cmd.book(), cmd.milestone('delivered', T('15:00')))));
    expect(view.billing).toEqual({ status: 'on_hold', reasons: ['no_contract'], invoiceNumber: null });
  });

  it('when folded in any arrival order, then the view is the same', () => {
    const commands = [
      cmd.book(),
      cmd.milestone('dispatched', T('08:00')),
      cmd.milestone('in_transit', T('10:00'), 'carrier:UPSN', 'Venlo'),
      cmd.milestone('delivered', T('15:00')),
    ];
    const forward = shipmentView('S', 3, fold(eventsOf(...commands)));
    const backward = shipmentView('S', 3, fold(eventsOf(...[...commands].reverse())));
    expect(backward.status).toBe(forward.status);
    expect(backward.milestones.map((m) => m.milestone)).toEqual(forward.milestones.map((m) => m.milestone));
    expect(backward.customerId).toBe(booking.customerId);
  });
});

describe('shipment: cancellation and delivery in either arrival order', () => {
  const cases = [
    {
      name: 'delivered before the cancellation',
      delivered: T('15:00'),
      cancelled: T('18:00'),
      status: 'delivered',
    },
    {
      name: 'cancelled before a (reported) delivery',
      delivered: T('18:00'),
      cancelled: T('15:00'),
      status: 'cancelled',
    },
  ] as const;

  it.each(cases)('when $name, then the status is $status whichever report arrives first', (c) => {
    const delivered = cmd.milestone('delivered', c.delivered, 'carrier:UPSN');
    const cancelled = cmd.milestone('cancelled', c.cancelled, 'tms');
    const deliveredFirst = fold(eventsOf(cmd.book(), delivered, cancelled));
    const cancelledFirst = fold(eventsOf(cmd.book(), cancelled, delivered));
    expect(shipmentStatus(deliveredFirst)).toBe(c.status);
    expect(shipmentStatus(cancelledFirst)).toBe(c.status);
  });
});

describe('shipment: estimates and appointments (additions to contract v1)', () => {
  type EtaCommand = Extract<ShipmentCommand, { type: 'RecordEta' }>;
  type AppointmentCommand = Extract<ShipmentCommand, { type: 'RecordAppointment' }>;
  const eta = (estimatedAt: string, occurredAt: string, extra: Record<string, unknown> = {}): EtaCommand => ({
    type: 'RecordEta',
    data: { ...report(occurredAt, 'carrier:UPSN'), estimate: 'delivery', estimatedAt, ...extra },
  });

  it('when an ETA arrives, then it is recorded as an estimate and the status does not move', () => {
    const update = eta(T('16:00', 20), T('09:00'), { timeZoneGuessed: true, sourceTimeCode: 'LT' });
    const state = given(eventsOf(cmd.book(), cmd.milestone('dispatched', T('08:00'))))
      .when(update)
      .then([{ type: 'ShipmentEtaUpdated', data: update.data }]);
    expect(shipmentStatus(state)).toBe('dispatched');
    expect(state.milestones.map((m) => m.milestone)).toEqual(['dispatched']);
    expect(shipmentView('SHP-1', 3, state).eta).toEqual({
      pickup: null,
      delivery: {
        estimatedAt: T('16:00', 20),
        occurredAt: T('09:00'),
        source: 'carrier:UPSN',
        carrierId: null,
        timeZoneGuessed: true,
        sourceTimeCode: 'LT',
      },
    });
  });

  it('when an older estimate arrives after a newer one, then the newer one still counts', () => {
    const newer = eta(T('18:00', 20), T('12:00'));
    const older = eta(T('10:00', 20), T('09:00'));
    const state = given(eventsOf(cmd.book(), newer))
      .when(older)
      .then([{ type: 'ShipmentEtaUpdated', data: older.data }]);
    expect(state.eta.delivery?.estimatedAt).toBe(T('18:00', 20));
  });

  it('when appointments arrive, then each is kept in the order made, apart from the milestones', () => {
    const second: AppointmentCommand = {
      type: 'RecordAppointment',
      data: {
        ...report(T('11:00'), 'edi:x12:ABCD'),
        appointment: 'delivery',
        code: 'AB',
        reason: 'NS',
        appointmentAt: T('14:00', 21),
      },
    };
    const first: AppointmentCommand = {
      type: 'RecordAppointment',
      data: {
        ...report(T('10:00'), 'edi:x12:ABCD'),
        appointment: 'pickup',
        code: 'AA',
        appointmentAt: T('08:00', 20),
      },
    };
    const state = given(eventsOf(cmd.book(), second))
      .when(first)
      .then([{ type: 'ShipmentAppointmentRecorded', data: first.data }]);
    expect(shipmentStatus(state)).toBe('booked');
    expect(
      shipmentView('SHP-1', 3, state).appointments.map((a) => [a.appointment, a.code, a.reason]),
    ).toEqual([
      ['pickup', 'AA', null],
      ['delivery', 'AB', 'NS'],
    ]);
  });

  it('when the same estimate message is delivered twice, then the second time records nothing', () => {
    const update = eta(T('16:00', 20), T('09:00'));
    given(eventsOf(cmd.book(), update)).when(update).thenNothing();
  });
});

describe('shipment: carrier invoices and freight audit', () => {
  // The booking fixture charges EUR 420.00 in one line.
  const invoice = (total: string, overrides: Record<string, unknown> = {}) =>
    ({
      type: 'RecordCarrierInvoice',
      data: {
        ...report(T('12:00'), 'edi:x12:UPSN'),
        invoiceNumber: 'INV-UPS-1',
        carrierId: 'UPSN',
        currency: 'EUR',
        lines: [
          { code: '400', description: 'Freight', amount: '400.0' },
          { code: 'FUE', description: 'Fuel', amount: total === '420' ? '20' : '35.5' },
        ],
        total,
        ...overrides,
      },
    }) as Extract<ShipmentCommand, { type: 'RecordCarrierInvoice' }>;
  const matched = {
    result: 'matched' as const,
    invoicedCurrency: 'EUR',
    bookedTotal: '420.00',
    bookedCurrency: 'EUR',
  };

  it('when the invoiced total equals the booked charges exactly, then it is recorded as matched', () => {
    const inv = invoice('420');
    const state = given(eventsOf(cmd.book()))
      .when(inv)
      .then([
        {
          type: 'ShipmentCarrierInvoiced',
          data: { ...inv.data, audit: { ...matched, invoicedTotal: '420', difference: '0.00' } },
        },
      ]);
    expect(shipmentView('SHP-1', 2, state).carrierInvoices[0]).toMatchObject({
      invoiceNumber: 'INV-UPS-1',
      audit: { result: 'matched' },
      owner: null,
    });
  });

  it('when the invoiced total differs from the booked charges, then finance gets a mismatch and billing is not held', () => {
    const inv = invoice('435.50');
    const compared = {
      invoicedTotal: '435.50',
      invoicedCurrency: 'EUR',
      bookedTotal: '420.00',
      bookedCurrency: 'EUR',
    };
    const state = given(eventsOf(cmd.book(), cmd.milestone('delivered', T('10:00'))))
      .when(inv)
      .then([
        {
          type: 'ShipmentCarrierInvoiced',
          data: {
            ...inv.data,
            audit: { result: 'mismatched', mismatch: 'amount', ...compared, difference: '15.50' },
          },
        },
        {
          type: 'ShipmentCarrierChargesMismatched',
          data: {
            ...report(T('12:00'), 'edi:x12:UPSN', inv.data.messageId),
            invoiceNumber: 'INV-UPS-1',
            carrierId: 'UPSN',
            mismatch: 'amount',
            ...compared,
            difference: '15.50',
            owner: 'finance',
          },
        },
      ]);
    const view = shipmentView('SHP-1', 4, state);
    expect(view.carrierInvoices[0]?.owner).toBe('finance');
    // The customer is billed on the booking's charges; the carrier's invoice is finance's matter.
    expect(view.billing).toEqual({ status: 'on_hold', reasons: ['no_contract'], invoiceNumber: null });
  });

  it('when a total differs only in the smallest decimal, then it is a mismatch (no float rounding)', () => {
    const events = given(eventsOf(cmd.book()))
      .when(invoice('420.000001'))
      .events.map((e) => e.type);
    expect(events).toEqual(['ShipmentCarrierInvoiced', 'ShipmentCarrierChargesMismatched']);
  });

  it('when the currency differs, then it is a currency mismatch whatever the amounts', () => {
    const [recordedInvoice, mismatch] = given(eventsOf(cmd.book())).when(
      invoice('420', { currency: 'USD' }),
    ).events;
    expect(recordedInvoice).toMatchObject({
      data: { audit: { result: 'mismatched', mismatch: 'currency' } },
    });
    expect(mismatch).toMatchObject({
      type: 'ShipmentCarrierChargesMismatched',
      data: { mismatch: 'currency' },
    });
    expect(mismatch?.data).not.toHaveProperty('difference');
  });

  it('when the invoice arrives before the booking, then it is unaudited until the booking audits it', () => {
    const inv = invoice('435.50');
    const before = given([])
      .when(inv)
      .then([
        {
          type: 'ShipmentCarrierInvoiced',
          data: { ...inv.data, audit: { result: 'unaudited', reason: 'not_booked' } },
        },
      ]);
    expect(shipmentView('SHP-1', 0, before).carrierInvoices[0]?.audit).toEqual({
      result: 'unaudited',
      reason: 'not_booked',
    });
    const book = cmd.book();
    const produced = given(eventsOf(inv)).when(book).events;
    expect(produced.map((e) => e.type)).toEqual([
      'ShipmentBooked',
      'ShipmentCarrierInvoiceAudited',
      'ShipmentCarrierChargesMismatched',
    ]);
    // The audit records the booking's message: that is what caused it.
    expect(produced[1]).toMatchObject({
      data: {
        messageId: book.data.messageId,
        invoiceNumber: 'INV-UPS-1',
        audit: { result: 'mismatched', difference: '15.50' },
      },
    });
    expect(fold(produced, fold(eventsOf(inv))).carrierInvoices.get('INV-UPS-1')?.audit.result).toBe(
      'mismatched',
    );
  });

  it('when a revised booking makes the invoice match, then the audit is recorded again and no mismatch is raised', () => {
    const inv = invoice('435.50');
    const revise = cmd.book(T('13:00'), {
      charges: { currency: 'EUR', lines: [{ code: 'FRT', description: 'Linehaul', amount: '435.5' }] },
    });
    const produced = given(eventsOf(cmd.book(), inv)).when(revise).events;
    expect(produced.map((e) => e.type)).toEqual(['ShipmentBookingRevised', 'ShipmentCarrierInvoiceAudited']);
    expect(produced[1]).toMatchObject({ data: { audit: { result: 'matched', bookedTotal: '435.5' } } });
  });

  it('when the same invoice is sent again under a new messageId, then it corroborates', () => {
    const first = invoice('420');
    const again = invoice('420.00');
    given(eventsOf(cmd.book(), first))
      .when({ ...again, data: { ...again.data, lines: first.data.lines } })
      .then([
        {
          type: 'ShipmentReportCorroborated',
          data: {
            ...report(T('12:00'), 'edi:x12:UPSN', again.data.messageId),
            fact: 'carrier_invoice',
            key: 'INV-UPS-1',
          },
        },
      ]);
  });
});

describe('shipment: the fold a read model uses', () => {
  it('when milestones arrive in any order, then they are kept in the order they occurred, ties in arrival order', () => {
    const at = (hhmm: string, milestone: Parameters<typeof cmd.milestone>[0], source = 'tms') =>
      recorded(cmd.milestone(milestone, T(hhmm), source));
    const arrivals = [
      at('15:00', 'delivered'),
      at('08:00', 'dispatched'),
      at('12:00', 'in_transit', 'carrier:UPSN'),
      at('12:00', 'out_for_delivery'),
      at('06:00', 'cancelled'),
      at('16:00', 'returned'),
    ];
    const order = fold(arrivals).milestones.map((m) => m.milestone);
    expect(order).toEqual([
      'cancelled',
      'dispatched',
      'in_transit',
      'out_for_delivery',
      'delivered',
      'returned',
    ]);
    // The same as sorting everything at once, which is what the fold promises.
    const sorted = [...arrivals]
      .map((e, i) => ({ e, i }))
      .sort(
        (a, b) =>
          Date.parse(String(a.e.data.occurredAt)) - Date.parse(String(b.e.data.occurredAt)) || a.i - b.i,
      )
      .map(({ e }) => (e.data as { milestone: string }).milestone);
    expect(order).toEqual(sorted);
  });

  it('when a state carries UNTRACKED_MESSAGE_IDS, then folding keeps that same empty set and everything else as a tracked fold', () => {
    const events = eventsOf(
      cmd.book(),
      cmd.milestone('dispatched', T('08:00')),
      cmd.milestone('delivered', T('15:00')),
    );
    const tracked = fold(events);
    const untracked = fold(events, { ...initialShipmentState, messageIds: UNTRACKED_MESSAGE_IDS });
    expect(untracked.messageIds).toBe(UNTRACKED_MESSAGE_IDS);
    expect(UNTRACKED_MESSAGE_IDS.size).toBe(0);
    expect(tracked.messageIds.size).toBe(3);
    expect({ ...untracked, messageIds: tracked.messageIds }).toEqual(tracked);
  });

  it('when a read model folds with evolveUntracked from a tracked state, then message ids are dropped once and everything else is as evolve', () => {
    const events = eventsOf(cmd.book(), cmd.milestone('dispatched', T('08:00')));
    const tracked = fold(events);
    const untracked = events.reduce(evolveUntracked, initialShipmentState);
    expect(untracked.messageIds).toBe(UNTRACKED_MESSAGE_IDS);
    expect({ ...untracked, messageIds: tracked.messageIds }).toEqual(tracked);
    const next = evolveUntracked(untracked, recorded(cmd.milestone('delivered', T('15:00'))));
    expect(next.messageIds).toBe(UNTRACKED_MESSAGE_IDS);
    expect(next.milestones.map((m) => m.milestone)).toEqual(['dispatched', 'delivered']);
  });
});
