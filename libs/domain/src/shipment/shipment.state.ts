import { evolveBilling, initialShipmentBilling, type ShipmentBilling } from '../billing/billing.state';
import {
  isShipmentBillingEvent,
  isShipmentDecisionEvent,
  type CarrierInvoiceAudit,
  type ShipmentEvent,
  type ShipmentStreamEvent,
} from './shipment.events';
import type {
  AppointmentKind,
  Booking,
  ChargeLine,
  Estimate,
  ExceptionCode,
  Milestone,
  Severity,
  SourceTime,
} from './shipment.types';
import { timeOf } from './time';

export interface MilestoneFact {
  readonly milestone: Milestone;
  /** The earliest time any source reported for this fact. */
  readonly occurredAt: string;
  /** The first source that reported it. */
  readonly source: string;
  readonly receivedAt: string;
  readonly location?: string;
  /** Every source that reported it, first one first. */
  readonly reportedBy: readonly string[];
}

export interface ExceptionFact {
  readonly exceptionId: string;
  /** Unknown while only the clearing report has arrived (out of order). */
  readonly code?: ExceptionCode;
  readonly severity?: Severity;
  readonly description?: string;
  readonly status: 'open' | 'resolved';
  readonly raisedAt?: string;
  readonly clearedAt?: string;
  readonly resolution?: string;
}

export interface PodFact {
  readonly podId: string;
  readonly signedBy?: string;
  readonly signatureCaptured: boolean;
  readonly documentRef?: string;
  readonly remarks?: string;
  readonly occurredAt: string;
  readonly source: string;
}

export interface TemperatureFact {
  readonly readings: number;
  readonly excursions: number;
  readonly lowestCelsius?: number;
  readonly highestCelsius?: number;
}

export interface EtaFact extends SourceTime {
  readonly estimatedAt: string;
  /** When the source made the estimate: the latest estimate made counts, whatever arrived last. */
  readonly occurredAt: string;
  readonly source: string;
  readonly carrierId?: string;
}

export interface AppointmentFact extends SourceTime {
  readonly appointment: AppointmentKind;
  readonly code: string;
  readonly reason?: string;
  readonly appointmentAt: string;
  readonly occurredAt: string;
  readonly source: string;
  readonly carrierId?: string;
}

export interface CarrierInvoiceFact extends SourceTime {
  readonly invoiceNumber: string;
  readonly carrierId: string;
  readonly currency: string;
  readonly lines: readonly ChargeLine[];
  readonly total: string;
  readonly occurredAt: string;
  readonly source: string;
  readonly messageId: string;
  readonly audit: CarrierInvoiceAudit;
}

export interface ShipmentState {
  readonly booking: Booking | null;
  /** Accepted milestones in the order they occurred (not the order they arrived). */
  readonly milestones: readonly MilestoneFact[];
  readonly exceptions: ReadonlyMap<string, ExceptionFact>;
  /** The POD that counts: a signed one over an unsigned one, then the latest. */
  readonly pod: PodFact | null;
  readonly podIds: ReadonlySet<string>;
  readonly temperature: TemperatureFact;
  /** The latest estimate of each kind; estimates never move the status. */
  readonly eta: Readonly<Partial<Record<Estimate, EtaFact>>>;
  /** Appointments in the order they were made (`occurredAt`). */
  readonly appointments: readonly AppointmentFact[];
  /** Carrier invoices by invoice number; a corrected invoice replaces the earlier one. */
  readonly carrierInvoices: ReadonlyMap<string, CarrierInvoiceFact>;
  /** Ingest messages already recorded in this stream: a redelivery of one of them is a no-op. */
  readonly messageIds: ReadonlySet<string>;
  readonly rejectedReports: number;
  readonly corroboratingReports: number;
  /** Billing decisions, releases and service cases, with the ERP's and CRM's replies. */
  readonly billing: ShipmentBilling;
}

export const initialShipmentState: ShipmentState = Object.freeze({
  booking: null,
  milestones: [],
  exceptions: new Map<string, ExceptionFact>(),
  pod: null,
  podIds: new Set<string>(),
  temperature: { readings: 0, excursions: 0 },
  eta: {},
  appointments: [],
  carrierInvoices: new Map<string, CarrierInvoiceFact>(),
  messageIds: new Set<string>(),
  rejectedReports: 0,
  corroboratingReports: 0,
  billing: initialShipmentBilling,
});

/**
 * A `messageIds` that stays empty, for states folded by read models: they are fed from the log,
 * where each event comes once, so they need no duplicate detection, and copying a growing set on
 * every event was a large part of a rebuild. Recording a message in it leaves it as it is.
 */
export const UNTRACKED_MESSAGE_IDS: ReadonlySet<string> = new Set<string>();

/** An object being built by `evolve`, before it is returned (and no longer changed). */
type Draft<T> = { -readonly [K in keyof T]: T[K] };

/**
 * `{ ...state, messageIds }`, written out in `initialShipmentState`'s key order (the order a stored
 * state keeps): V8 copies an object spread several times slower than it builds a literal, and
 * every event folded copied the state so.
 */
function copyOf(state: ShipmentState, messageIds: ReadonlySet<string>): Draft<ShipmentState> {
  return {
    booking: state.booking,
    milestones: state.milestones,
    exceptions: state.exceptions,
    pod: state.pod,
    podIds: state.podIds,
    temperature: state.temperature,
    eta: state.eta,
    appointments: state.appointments,
    carrierInvoices: state.carrierInvoices,
    messageIds,
    rejectedReports: state.rejectedReports,
    corroboratingReports: state.corroboratingReports,
    billing: state.billing,
  };
}

function withMessage(state: ShipmentState, messageId: string): ReadonlySet<string> {
  if (state.messageIds === UNTRACKED_MESSAGE_IDS || state.messageIds.has(messageId)) return state.messageIds;
  return new Set(state.messageIds).add(messageId);
}

function byOccurrence(a: { readonly occurredAt: string }, b: { readonly occurredAt: string }): number {
  return timeOf(a.occurredAt) - timeOf(b.occurredAt);
}

/**
 * `[...facts, fact].sort(byOccurrence)` for facts already in that order (milestones,
 * appointments): the fact goes after every one that did not occur later. Sorting again on every
 * fact parsed each time O(n log n) times; this parses at most n.
 *
 * A time that does not parse (ingest rejects those, so only an event written by other means could
 * hold one) is earlier and later than nothing, where a sort would give no defined order: a fact
 * with such a time goes last, and no fact is placed before one that has it. Stored states depend
 * on this, so it stays.
 */
function withFactInOrder<Fact extends { readonly occurredAt: string }>(
  facts: readonly Fact[],
  fact: Fact,
): Fact[] {
  const at = timeOf(fact.occurredAt);
  let index = facts.length;
  while (index > 0 && timeOf(facts[index - 1]!.occurredAt) > at) index--;
  if (index === facts.length) return [...facts, fact];
  return [...facts.slice(0, index), fact, ...facts.slice(index)];
}

function betterPod(current: PodFact | null, candidate: PodFact): PodFact {
  if (!current) return candidate;
  if (current.signatureCaptured !== candidate.signatureCaptured) {
    return candidate.signatureCaptured ? candidate : current;
  }
  return timeOf(candidate.occurredAt) >= timeOf(current.occurredAt) ? candidate : current;
}

/**
 * Folds one event of the stream into the state. Pure; the order of arrival does not change what
 * is true about the shipment's movement. Billing decisions and replies are folded in stream order.
 */
export function evolve(state: ShipmentState, event: ShipmentStreamEvent): ShipmentState {
  if (!isShipmentBillingEvent(event)) return evolveRecorded(state, event);
  const billing = evolveBilling(state.billing, event, {
    temperatureExcursions: state.temperature.excursions,
  });
  // A reply records a message, whose redelivery must be a no-op; a decision records none.
  const next = copyOf(
    state,
    isShipmentDecisionEvent(event) ? state.messageIds : withMessage(state, event.data.messageId),
  );
  next.billing = billing;
  return next;
}

function evolveRecorded(state: ShipmentState, event: ShipmentEvent): ShipmentState {
  const next = copyOf(state, withMessage(state, event.data.messageId));
  switch (event.type) {
    case 'ShipmentBooked':
    case 'ShipmentBookingRevised': {
      const { messageId: _m, source: _s, occurredAt: _o, receivedAt: _r, ...booking } = event.data;
      next.booking = booking;
      return next;
    }
    case 'ShipmentMilestoneRecorded': {
      const { milestone, occurredAt, source, receivedAt, location } = event.data;
      const reportedBy = [source];
      // Two literals, not a spread of the optional key: see `copyOf`.
      const fact: MilestoneFact =
        location === undefined
          ? { milestone, occurredAt, source, receivedAt, reportedBy }
          : { milestone, occurredAt, source, receivedAt, reportedBy, location };
      next.milestones = withFactInOrder(state.milestones, fact);
      return next;
    }
    case 'ShipmentMilestoneRejected':
      next.rejectedReports = state.rejectedReports + 1;
      return next;
    case 'ShipmentReportCorroborated': {
      const { fact, key, source, occurredAt, location } = event.data;
      let milestones = state.milestones;
      if (fact === 'milestone') {
        const index = findMilestoneFact(state, key as Milestone, location);
        const known = milestones[index];
        if (known) {
          const earliest = timeOf(occurredAt) < timeOf(known.occurredAt) ? occurredAt : known.occurredAt;
          const reportedBy = known.reportedBy.includes(source)
            ? known.reportedBy
            : [...known.reportedBy, source];
          milestones = milestones
            .map((m, i) => (i === index ? { ...m, occurredAt: earliest, reportedBy } : m))
            .sort(byOccurrence);
        }
      }
      next.milestones = milestones;
      next.corroboratingReports = state.corroboratingReports + 1;
      return next;
    }
    case 'ShipmentExceptionRaised': {
      const { exceptionId, code, severity, description, occurredAt } = event.data;
      const known = state.exceptions.get(exceptionId);
      const fact: ExceptionFact = {
        ...known,
        exceptionId,
        code,
        severity,
        ...(description === undefined ? {} : { description }),
        raisedAt: occurredAt,
        // A clearing report that arrived first still stands.
        status: known?.status ?? 'open',
      };
      next.exceptions = new Map(state.exceptions).set(exceptionId, fact);
      return next;
    }
    case 'ShipmentExceptionCleared': {
      const { exceptionId, resolution, occurredAt } = event.data;
      const known = state.exceptions.get(exceptionId);
      const fact: ExceptionFact = {
        ...known,
        exceptionId,
        status: 'resolved',
        clearedAt: occurredAt,
        resolution,
      };
      next.exceptions = new Map(state.exceptions).set(exceptionId, fact);
      return next;
    }
    case 'ShipmentPodReceived': {
      const { podId, signedBy, signatureCaptured, documentRef, remarks, occurredAt, source } = event.data;
      // The optional keys set after, not spread in: see `copyOf`.
      const fact: Draft<PodFact> = {
        podId,
        signatureCaptured,
        occurredAt,
        source,
      };
      if (signedBy !== undefined) fact.signedBy = signedBy;
      if (documentRef !== undefined) fact.documentRef = documentRef;
      if (remarks !== undefined) fact.remarks = remarks;
      next.pod = betterPod(state.pod, fact);
      next.podIds = new Set(state.podIds).add(podId);
      return next;
    }
    case 'ShipmentTemperatureRecorded': {
      const { minCelsius, maxCelsius, excursion } = event.data;
      const t = state.temperature;
      next.temperature = {
        readings: t.readings + 1,
        excursions: t.excursions + (excursion ? 1 : 0),
        lowestCelsius: Math.min(minCelsius, t.lowestCelsius ?? Infinity),
        highestCelsius: Math.max(maxCelsius, t.highestCelsius ?? -Infinity),
      };
      return next;
    }
    case 'ShipmentEtaUpdated': {
      const { estimate, estimatedAt, occurredAt, source, carrierId } = event.data;
      const known = state.eta[estimate];
      // An estimate made earlier than the one known, but arriving later, is history, not news.
      if (known && timeOf(occurredAt) < timeOf(known.occurredAt)) return next;
      const fact: EtaFact = {
        estimatedAt,
        occurredAt,
        source,
        ...(carrierId === undefined ? {} : { carrierId }),
        ...sourceTimeOf(event.data),
      };
      next.eta = { ...state.eta, [estimate]: fact };
      return next;
    }
    case 'ShipmentAppointmentRecorded': {
      const { appointment, code, reason, appointmentAt, occurredAt, source, carrierId } = event.data;
      const fact: AppointmentFact = {
        appointment,
        code,
        appointmentAt,
        occurredAt,
        source,
        ...(reason === undefined ? {} : { reason }),
        ...(carrierId === undefined ? {} : { carrierId }),
        ...sourceTimeOf(event.data),
      };
      next.appointments = withFactInOrder(state.appointments, fact);
      return next;
    }
    case 'ShipmentCarrierInvoiced': {
      const { invoiceNumber, carrierId, currency, lines, total, occurredAt, source, messageId, audit } =
        event.data;
      const fact: CarrierInvoiceFact = {
        invoiceNumber,
        carrierId,
        currency,
        lines,
        total,
        occurredAt,
        source,
        messageId,
        audit,
        ...sourceTimeOf(event.data),
      };
      next.carrierInvoices = new Map(state.carrierInvoices).set(invoiceNumber, fact);
      return next;
    }
    case 'ShipmentCarrierInvoiceAudited': {
      const { invoiceNumber, audit } = event.data;
      const known = state.carrierInvoices.get(invoiceNumber);
      if (known)
        next.carrierInvoices = new Map(state.carrierInvoices).set(invoiceNumber, { ...known, audit });
      return next;
    }
    case 'ShipmentCarrierChargesMismatched':
      // The audit itself is on the invoice; this event is the exception finance works from.
      return next;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

function sourceTimeOf(data: SourceTime): SourceTime {
  return {
    ...(data.timeZoneGuessed === undefined ? {} : { timeZoneGuessed: data.timeZoneGuessed }),
    ...(data.sourceTimeCode === undefined ? {} : { sourceTimeCode: data.sourceTimeCode }),
  };
}

/**
 * `evolve` as a read model folds: without the ids of the messages the state was folded from.
 * Those ids are how `decide` recognises a duplicate; a read model is fed from the log, where each
 * event comes once, and keeping them would grow every stored row with each message (a row is
 * encoded and written on every change). A state already untracked is not copied again.
 */
export function evolveUntracked(state: ShipmentState, event: ShipmentStreamEvent): ShipmentState {
  const untracked = state.messageIds === UNTRACKED_MESSAGE_IDS ? state : copyOf(state, UNTRACKED_MESSAGE_IDS);
  return evolve(untracked, event);
}

export function fold(
  events: Iterable<ShipmentStreamEvent>,
  state: ShipmentState = initialShipmentState,
): ShipmentState {
  let current = state;
  for (const event of events) current = evolve(current, event);
  return current;
}

/**
 * Index of the accepted milestone that a report of `milestone` at `location` would confirm, or -1.
 * Most milestones happen once per shipment, so any second report confirms the first. A shipment
 * passes many hubs, so `in_transit` is the same fact only at the same location.
 */
export function findMilestoneFact(state: ShipmentState, milestone: Milestone, location?: string): number {
  return state.milestones.findIndex(
    (m) =>
      m.milestone === milestone &&
      (milestone !== 'in_transit' || normalise(m.location) === normalise(location)),
  );
}

function normalise(location: string | undefined): string {
  return (location ?? '').trim().toLowerCase();
}

export function hasMilestone(state: ShipmentState, milestone: Milestone): boolean {
  return state.milestones.some((m) => m.milestone === milestone);
}

/**
 * Whether the shipment stands cancelled: a cancellation is recorded and no delivery happened
 * before it. Decided on the times things happened, not on the order the reports arrived, so
 * that a redelivery or a late report cannot flip it.
 */
export function isCancelled(state: ShipmentState): boolean {
  const cancelledAt = milestoneTime(state, 'cancelled');
  if (cancelledAt === undefined) return false;
  const deliveredAt = milestoneTime(state, 'delivered');
  return deliveredAt === undefined || timeOf(cancelledAt) < timeOf(deliveredAt);
}

export function milestoneTime(state: ShipmentState, milestone: Milestone): string | undefined {
  return state.milestones.find((m) => m.milestone === milestone)?.occurredAt;
}
