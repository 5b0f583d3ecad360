import type { ShipmentCommand } from './shipment.commands';
import type { CarrierInvoiceAudit, CorroboratedFact, ShipmentEvent } from './shipment.events';
import { isAmount, sameAmount, subtractAmounts, sumAmounts } from './money';
import { findMilestoneFact, hasMilestone, milestoneTime, type ShipmentState } from './shipment.state';
import { TERMINAL_MILESTONES, type Booking, type Milestone, type Report } from './shipment.types';

/**
 * Whether the stream already records this ingest message. The same messageId with the same
 * content is a no-op; a different content under a known messageId is caught earlier, at the
 * ingest ledger, and parked as `conflicting_duplicate`.
 */
export function isRecorded(state: ShipmentState, messageId: string): boolean {
  return state.messageIds.has(messageId);
}

/**
 * Decides which events record a command. Pure and total: every business outcome, including a
 * rejected report, is an event, so nothing a source said is ever lost. Returns `[]` only for a
 * message the stream already records.
 */
export function decide(command: ShipmentCommand, state: ShipmentState): ShipmentEvent[] {
  if (isRecorded(state, command.data.messageId)) return [];
  switch (command.type) {
    case 'RecordBooking':
      return decideBooking(command.data, state);
    case 'RecordMilestone':
      return decideMilestone(command.data, state);
    case 'RaiseException': {
      const { data } = command;
      const known = state.exceptions.get(data.exceptionId);
      if (known?.code !== undefined) return [corroborate(data, 'exception', data.exceptionId)];
      return [{ type: 'ShipmentExceptionRaised', data }];
    }
    case 'ClearException': {
      const { data } = command;
      if (state.exceptions.get(data.exceptionId)?.status === 'resolved') {
        return [corroborate(data, 'exception_cleared', data.exceptionId)];
      }
      return [{ type: 'ShipmentExceptionCleared', data }];
    }
    case 'RecordPod': {
      const { data } = command;
      if (state.podIds.has(data.podId)) return [corroborate(data, 'pod', data.podId)];
      return [{ type: 'ShipmentPodReceived', data }];
    }
    case 'RecordTemperature': {
      const { data } = command;
      const excursion = data.minCelsius < data.allowedMinCelsius || data.maxCelsius > data.allowedMaxCelsius;
      return [{ type: 'ShipmentTemperatureRecorded', data: { ...data, excursion } }];
    }
    case 'RecordEta':
      // Every estimate is kept; the view shows the one made last. Never a milestone.
      return [{ type: 'ShipmentEtaUpdated', data: command.data }];
    case 'RecordAppointment':
      return [{ type: 'ShipmentAppointmentRecorded', data: command.data }];
    case 'RecordCarrierInvoice':
      return decideCarrierInvoice(command.data, state);
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

type BookingData = Extract<ShipmentCommand, { type: 'RecordBooking' }>['data'];
type MilestoneData = Extract<ShipmentCommand, { type: 'RecordMilestone' }>['data'];

function decideBooking(data: BookingData, state: ShipmentState): ShipmentEvent[] {
  const { messageId: _m, source: _s, occurredAt: _o, receivedAt: _r, ...booking } = data;
  // A booking is master data: it is accepted in any state, even after cancellation.
  if (!state.booking) return [{ type: 'ShipmentBooked', data }, ...reaudit(data, booking, state)];
  if (sameBooking(state.booking, booking)) return [corroborate(data, 'booking', data.orderId)];
  return [{ type: 'ShipmentBookingRevised', data }, ...reaudit(data, booking, state)];
}

type CarrierInvoiceData = Extract<ShipmentCommand, { type: 'RecordCarrierInvoice' }>['data'];

function decideCarrierInvoice(data: CarrierInvoiceData, state: ShipmentState): ShipmentEvent[] {
  const known = state.carrierInvoices.get(data.invoiceNumber);
  if (
    known &&
    known.carrierId === data.carrierId &&
    known.currency === data.currency &&
    sameAmount(known.total, data.total) &&
    canonicalJson(known.lines) === canonicalJson(data.lines)
  ) {
    return [corroborate(data, 'carrier_invoice', data.invoiceNumber)];
  }
  // A different content under a known invoice number is the carrier's correction: it replaces
  // the earlier invoice and is audited afresh.
  const audit = auditInvoice(data, state.booking);
  return [
    { type: 'ShipmentCarrierInvoiced', data: { ...data, audit } },
    ...mismatched(data, data.invoiceNumber, data.carrierId, audit),
  ];
}

/**
 * Freight audit: the carrier's total against the sum of the booking's charge lines, exactly (no
 * floats), and the currencies. An invoice that arrives before the booking stays `unaudited` until
 * the booking arrives; `reaudit` then records its audit.
 */
export function auditInvoice(
  invoice: { readonly currency: string; readonly total: string },
  booking: Booking | null,
): CarrierInvoiceAudit {
  if (!booking) return { result: 'unaudited', reason: 'not_booked' };
  const bookedTotal = sumAmounts(booking.charges.lines.map((l) => l.amount));
  if (bookedTotal === null || !isAmount(invoice.total)) {
    return { result: 'unaudited', reason: 'unreadable_amount' };
  }
  const compared = {
    invoicedTotal: invoice.total,
    invoicedCurrency: invoice.currency,
    bookedTotal,
    bookedCurrency: booking.charges.currency,
  };
  if (invoice.currency !== booking.charges.currency) {
    return { result: 'mismatched', mismatch: 'currency', ...compared };
  }
  const difference = subtractAmounts(invoice.total, bookedTotal)!;
  if (sameAmount(invoice.total, bookedTotal)) return { result: 'matched', ...compared, difference };
  return { result: 'mismatched', mismatch: 'amount', ...compared, difference };
}

/** A booking that arrives or changes audits again every invoice whose audit it changes. */
function reaudit(report: Report, booking: Booking, state: ShipmentState): ShipmentEvent[] {
  const { messageId, source, occurredAt, receivedAt } = report;
  return [...state.carrierInvoices.values()].flatMap((invoice) => {
    const audit = auditInvoice(invoice, booking);
    if (canonicalJson(audit) === canonicalJson(invoice.audit)) return [];
    const own = { messageId, source, occurredAt, receivedAt };
    return [
      {
        type: 'ShipmentCarrierInvoiceAudited' as const,
        data: { ...own, invoiceNumber: invoice.invoiceNumber, audit },
      },
      ...mismatched(own, invoice.invoiceNumber, invoice.carrierId, audit),
    ];
  });
}

function mismatched(
  report: Report,
  invoiceNumber: string,
  carrierId: string,
  audit: CarrierInvoiceAudit,
): ShipmentEvent[] {
  if (audit.result !== 'mismatched') return [];
  const { messageId, source, occurredAt, receivedAt } = report;
  const { mismatch, invoicedTotal, invoicedCurrency, bookedTotal, bookedCurrency, difference } = audit;
  return [
    {
      type: 'ShipmentCarrierChargesMismatched',
      data: {
        messageId,
        source,
        occurredAt,
        receivedAt,
        invoiceNumber,
        carrierId,
        mismatch: mismatch ?? 'amount',
        invoicedTotal,
        invoicedCurrency,
        bookedTotal,
        bookedCurrency,
        ...(difference === undefined ? {} : { difference }),
        owner: 'finance',
      },
    },
  ];
}

function decideMilestone(data: MilestoneData, state: ShipmentState): ShipmentEvent[] {
  const { milestone, location } = data;
  if (findMilestoneFact(state, milestone, location) >= 0) {
    return [corroborate(data, 'milestone', milestone, milestone === 'in_transit' ? location : undefined)];
  }
  // A shipment delivered or returned before the cancellation cannot be cancelled; one delivered
  // (reportedly) after it stays cancelled, see `isCancelled`.
  const endedAt = [milestoneTime(state, 'delivered'), milestoneTime(state, 'returned')].filter(
    (t): t is string => t !== undefined,
  );
  if (milestone === 'cancelled' && endedAt.some((t) => Date.parse(t) <= Date.parse(data.occurredAt))) {
    return [{ type: 'ShipmentMilestoneRejected', data: { ...data, reason: 'cancel_after_delivery' } }];
  }
  const terminalAt = terminalTime(state);
  // A return after delivery is the normal way a delivered shipment ends; anything else that
  // happened after the shipment ended is kept, but does not move it.
  const endsDelivery = milestone === 'returned' && !hasMilestone(state, 'returned');
  if (terminalAt !== undefined && !endsDelivery && Date.parse(data.occurredAt) > Date.parse(terminalAt)) {
    return [{ type: 'ShipmentMilestoneRejected', data: { ...data, reason: 'after_terminal' } }];
  }
  const latest = state.milestones.at(-1);
  const outOfOrder = latest !== undefined && Date.parse(data.occurredAt) < Date.parse(latest.occurredAt);
  return [{ type: 'ShipmentMilestoneRecorded', data: { ...data, outOfOrder } }];
}

function terminalTime(state: ShipmentState): string | undefined {
  const times = TERMINAL_MILESTONES.map((m: Milestone) => milestoneTime(state, m)).filter(
    (t): t is string => t !== undefined,
  );
  return times.sort((a, b) => Date.parse(a) - Date.parse(b))[0];
}

function corroborate(
  report: { messageId: string; source: string; occurredAt: string; receivedAt: string },
  fact: CorroboratedFact,
  key: string,
  location?: string,
): ShipmentEvent {
  const { messageId, source, occurredAt, receivedAt } = report;
  return {
    type: 'ShipmentReportCorroborated',
    data: {
      messageId,
      source,
      occurredAt,
      receivedAt,
      fact,
      key,
      ...(location === undefined ? {} : { location }),
    },
  };
}

function sameBooking(a: Booking, b: Booking): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** JSON with sorted keys, so that key order never makes two equal values differ. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
        )
      : v,
  );
}
