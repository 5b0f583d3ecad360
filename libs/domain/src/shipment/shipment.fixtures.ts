import type { ShipmentCommand } from './shipment.commands';
import type { ShipmentEvent } from './shipment.events';
import type { Booking, Milestone } from './shipment.types';

/** Builders for test data: realistic values, with only what a test cares about spelled out. */
let counter = 0;
const nextId = () => `msg-${++counter}`;

export const booking: Booking = {
  orderId: 'SO-1001',
  customerId: 'C-ACME',
  carrierId: 'UPSN',
  origin: { city: 'Rotterdam', country: 'NL', postalCode: '3011' },
  destination: 'Acme DC, Venlo',
  promisedDeliveryBy: '2026-11-20T17:00:00Z',
  charges: { currency: 'EUR', lines: [{ code: 'FRT', description: 'Linehaul', amount: '420.00' }] },
  references: { trackingNumbers: ['1Z999AA10123456784'], pro: 'PRO-77' },
};

export function report(occurredAt: string, source = 'tms', messageId = nextId()) {
  return { messageId, source, occurredAt, receivedAt: '2026-11-21T08:00:00Z' };
}

type BookingCommand = Extract<ShipmentCommand, { type: 'RecordBooking' }>;
type MilestoneCommand = Extract<ShipmentCommand, { type: 'RecordMilestone' }>;

export const cmd = {
  book: (
    occurredAt = '2026-11-18T08:00:00Z',
    overrides: Partial<Booking> = {},
    source = 'tms',
  ): BookingCommand => ({
    type: 'RecordBooking',
    data: { ...report(occurredAt, source), ...booking, ...overrides },
  }),
  milestone: (
    milestone: Milestone,
    occurredAt: string,
    source = 'tms',
    location?: string,
  ): MilestoneCommand => ({
    type: 'RecordMilestone',
    data: { ...report(occurredAt, source), milestone, ...(location ? { location } : {}) },
  }),
};

/** The event a command records when nothing about it is special. */
export function recorded(command: ShipmentCommand, outOfOrder = false): ShipmentEvent {
  switch (command.type) {
    case 'RecordBooking':
      return { type: 'ShipmentBooked', data: command.data };
    case 'RecordMilestone':
      return { type: 'ShipmentMilestoneRecorded', data: { ...command.data, outOfOrder } };
    case 'RaiseException':
      return { type: 'ShipmentExceptionRaised', data: command.data };
    case 'ClearException':
      return { type: 'ShipmentExceptionCleared', data: command.data };
    case 'RecordPod':
      return { type: 'ShipmentPodReceived', data: command.data };
    case 'RecordTemperature': {
      const d = command.data;
      const excursion = d.minCelsius < d.allowedMinCelsius || d.maxCelsius > d.allowedMaxCelsius;
      return { type: 'ShipmentTemperatureRecorded', data: { ...d, excursion } };
    }
    case 'RecordEta':
      return { type: 'ShipmentEtaUpdated', data: command.data };
    case 'RecordAppointment':
      return { type: 'ShipmentAppointmentRecorded', data: command.data };
    case 'RecordCarrierInvoice':
      return {
        type: 'ShipmentCarrierInvoiced',
        data: { ...command.data, audit: { result: 'unaudited', reason: 'not_booked' } },
      };
  }
}
