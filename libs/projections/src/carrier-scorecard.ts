import type { ExceptionCode, ServiceCaseCategory } from '@waybill/domain';
import { hourOverlaps } from './event-latency.projection';
import type { ShipmentKpiFacts } from './kpi-facts.projection';
import { isWithin } from './kpis';
import {
  histogramPercentiles,
  mergeHistograms,
  type LatencyHistogram,
  type Percentiles,
} from './percentiles';

/** CRM cases that a carrier's performance causes: the delivery, the cold chain, the POD. */
export const CARRIER_CASE_CATEGORIES: readonly ServiceCaseCategory[] = [
  'delivery_exception',
  'temperature_excursion',
  'missing_pod',
];

/** One carrier's performance over a window. */
export interface CarrierScorecard {
  readonly carrierId: string;
  /** Shipments booked in the window (the booking's source time). */
  readonly booked: number;
  /** Shipments delivered in the window; `onTime` + `late` are those of them with a promise. */
  readonly delivered: number;
  readonly onTime: number;
  readonly late: number;
  /** `onTime / (onTime + late)`; `null` when none was rated. */
  readonly onTimeRate: number | null;
  /** Exceptions raised in the window, by code; codes with none are left out. */
  readonly exceptions: Readonly<Partial<Record<ExceptionCode | 'unknown', number>>>;
  /** Cases of `CARRIER_CASE_CATEGORIES` requested in the window, by category; none are left out. */
  readonly exceptionCases: Readonly<Partial<Record<ServiceCaseCategory, number>>>;
  /** Latency of the carrier's movement reports received in the hours that overlap the window. */
  readonly eventLatencyMs: Percentiles;
}

interface Tally {
  booked: number;
  delivered: number;
  onTime: number;
  late: number;
  exceptions: Partial<Record<ExceptionCode | 'unknown', number>>;
  exceptionCases: Partial<Record<ServiceCaseCategory, number>>;
  latency: LatencyHistogram[];
}

/**
 * Each carrier's scorecard over [from, to), sorted by carrierId, from the shipments' KPI facts.
 * Derived at query time rather than folded per carrier: a report may arrive before the booking
 * that names the carrier (or a revised booking may change it), and a shipment's facts keep
 * everything, so every report counts for the carrier its shipment has now. Shipments not booked
 * yet belong to no carrier; a carrier with nothing in the window has no scorecard.
 */
export function computeCarrierScorecard(input: {
  readonly from: Date;
  readonly to: Date;
  readonly facts: Iterable<ShipmentKpiFacts>;
}): CarrierScorecard[] {
  const { from, to } = input;
  const within = (timestamp: string | null) => isWithin(timestamp, from, to);
  const tallies = new Map<string, Tally>();
  for (const fact of input.facts) {
    if (fact.carrierId === null) continue;
    const tally = tallies.get(fact.carrierId) ?? {
      booked: 0,
      delivered: 0,
      onTime: 0,
      late: 0,
      exceptions: {},
      exceptionCases: {},
      latency: [],
    };
    tallies.set(fact.carrierId, tally);
    if (within(fact.bookedAt)) tally.booked += 1;
    if (within(fact.deliveredAt)) {
      tally.delivered += 1;
      if (fact.onTime === true) tally.onTime += 1;
      if (fact.onTime === false) tally.late += 1;
    }
    for (const e of fact.exceptions) {
      if (within(e.raisedAt)) tally.exceptions[e.code] = (tally.exceptions[e.code] ?? 0) + 1;
    }
    for (const c of fact.cases) {
      if (CARRIER_CASE_CATEGORIES.includes(c.category) && within(c.requestedAt)) {
        tally.exceptionCases[c.category] = (tally.exceptionCases[c.category] ?? 0) + 1;
      }
    }
    for (const [hour, histogram] of Object.entries(fact.carrierReportLatencyMs)) {
      if (hourOverlaps(hour, from, to)) tally.latency.push(histogram);
    }
  }
  return [...tallies]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([carrierId, t]) => ({
      carrierId,
      booked: t.booked,
      delivered: t.delivered,
      onTime: t.onTime,
      late: t.late,
      onTimeRate: t.onTime + t.late === 0 ? null : t.onTime / (t.onTime + t.late),
      exceptions: t.exceptions,
      exceptionCases: t.exceptionCases,
      eventLatencyMs: histogramPercentiles(mergeHistograms(t.latency)),
    }))
    .filter(
      (card) =>
        card.booked + card.delivered + card.eventLatencyMs.count > 0 ||
        Object.keys(card.exceptions).length + Object.keys(card.exceptionCases).length > 0,
    );
}
