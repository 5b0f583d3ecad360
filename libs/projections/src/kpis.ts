import { sumAmounts } from '@waybill/domain';
import { hourOverlaps, type EventLatencyRow } from './event-latency.projection';
import type { ShipmentKpiFacts } from './kpi-facts.projection';
import { histogramPercentiles, mergeHistograms, percentilesOf, type Percentiles } from './percentiles';

/** How long delivered shipments have been waiting to become billable, at `now`. */
export const DELIVERY_AGE_BUCKETS = ['<24h', '24-48h', '48-72h', '3-7d', '>7d'] as const;
export type DeliveryAgeBucket = (typeof DELIVERY_AGE_BUCKETS)[number];

/** Delivered shipments with no release standing: the backlog of billing, at `now`. */
export interface DeliveredNotBillable {
  readonly count: number;
  /**
   * The exact sum of their booked amounts by currency (`{ "EUR": "840.00" }`), a decimal string
   * each; `{}` when none. A shipment whose amount is not known is counted but not valued.
   */
  readonly value: Readonly<Record<string, string>>;
  readonly byAge: Readonly<Record<DeliveryAgeBucket, number>>;
}

/** `GET /v1/kpis` (contract v1 §4). Rates are 0–1, `null` when there is nothing to rate. */
export interface Kpis {
  readonly eventLatencyMs: Percentiles;
  readonly invoiceReleaseMs: Percentiles;
  readonly invoicedMs: Percentiles;
  readonly exceptionResolutionMs: Percentiles;
  readonly touchlessBillingRate: number | null;
  readonly duplicateRate: number | null;
  readonly onTimeDeliveryRate: number | null;
  readonly deliveredNotBillable: DeliveredNotBillable;
  readonly parkedByReason: Readonly<Record<string, number>>;
}

/** What `computeKpis` needs: the read models, and the counts that live outside the event log. */
export interface KpiInput {
  /** The window, [from, to). */
  readonly from: Date;
  readonly to: Date;
  /** The time `deliveredNotBillable` ages are measured at. */
  readonly now: Date;
  /** Every shipment's facts (`shipmentKpiFactsProjection`); the window is applied here. */
  readonly facts: Iterable<ShipmentKpiFacts>;
  /** Rows of `eventLatencyProjection`; hours outside the window are skipped here. */
  readonly latencyHours: Iterable<EventLatencyRow>;
  /** Messages received in the window with a messageId already recorded (the ingest side counts them). */
  readonly exactDuplicates: number;
  /** Every message received in the window, duplicates and parked ones included. */
  readonly messages: number;
  readonly parkedByReason: Readonly<Record<string, number>>;
}

/** Whether a timestamp falls in [from, to); `false` for `null` or one that cannot be read. */
export function isWithin(timestamp: string | null, from: Date, to: Date): boolean {
  if (timestamp === null) return false;
  const time = Date.parse(timestamp);
  return time >= from.getTime() && time < to.getTime();
}

/** `end − start` in ms, 0 when the end is earlier (clocks of different sources). */
function elapsedMs(start: string, end: string): number {
  return Math.max(0, Date.parse(end) - Date.parse(start));
}

function rate(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

const HOUR_MS = 3_600_000;
const AGE_LIMITS: readonly [DeliveryAgeBucket, number][] = [
  ['<24h', 24 * HOUR_MS],
  ['24-48h', 48 * HOUR_MS],
  ['48-72h', 72 * HOUR_MS],
  ['3-7d', 7 * 24 * HOUR_MS],
];

/** The age bucket of a wait of `ms`: `<24h` is [0, 24 h) (a negative age too), … `>7d` is ≥ 7 days. */
export function deliveryAgeBucket(ms: number): DeliveryAgeBucket {
  return AGE_LIMITS.find(([, limit]) => ms < limit)?.[0] ?? '>7d';
}

/** The delivered-not-billable backlog of the facts at `now`, whatever the window. */
export function deliveredNotBillable(facts: Iterable<ShipmentKpiFacts>, now: Date): DeliveredNotBillable {
  const byAge: Record<DeliveryAgeBucket, number> = {
    '<24h': 0,
    '24-48h': 0,
    '48-72h': 0,
    '3-7d': 0,
    '>7d': 0,
  };
  const amounts = new Map<string, string[]>();
  let count = 0;
  for (const fact of facts) {
    if (!fact.deliveredNotBillable || fact.deliveredAt === null) continue;
    count += 1;
    byAge[deliveryAgeBucket(now.getTime() - Date.parse(fact.deliveredAt))] += 1;
    if (fact.amount !== null && fact.currency !== null) {
      amounts.set(fact.currency, [...(amounts.get(fact.currency) ?? []), fact.amount]);
    }
  }
  const value: Record<string, string> = {};
  for (const [currency, terms] of [...amounts].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const total = sumAmounts(terms);
    if (total !== null) value[currency] = total;
  }
  return { count, value, byAge };
}

/**
 * The KPIs of contract v1 §4 over [from, to). Each measure takes the facts whose own time falls in
 * the window; a duration is counted when it ends (by then its length is known): see the README for
 * the table. Shipment-level percentiles are exact (nearest rank); event latency comes from
 * histograms, within 3.125 %, and counts the whole hours that overlap the window.
 */
export function computeKpis(input: KpiInput): Kpis {
  const { from, to } = input;
  const facts = [...input.facts];
  const within = (timestamp: string | null) => isWithin(timestamp, from, to);

  const releases = facts.filter((f) => within(f.releaseRequestedAt));
  const releaseMs = releases.flatMap((f) =>
    f.deliveredAt !== null && f.releaseRequestedAt !== null
      ? [elapsedMs(f.deliveredAt, f.releaseRequestedAt)]
      : [],
  );
  const invoicedMs = facts.flatMap((f) =>
    f.deliveredAt !== null && f.invoicedAt !== null && within(f.invoicedAt)
      ? [elapsedMs(f.deliveredAt, f.invoicedAt)]
      : [],
  );
  const resolutionMs = facts.flatMap((f) =>
    f.exceptions.flatMap((e) =>
      e.raisedAt !== null && e.clearedAt !== null && within(e.clearedAt)
        ? [elapsedMs(e.raisedAt, e.clearedAt)]
        : [],
    ),
  );
  const rated = facts.filter((f) => f.onTime !== null && within(f.deliveredAt));

  const hours = [...input.latencyHours].filter((row) => hourOverlaps(row.hour, from, to));
  const corroborations = hours.reduce((sum, row) => sum + row.corroborations, 0);

  return {
    eventLatencyMs: histogramPercentiles(mergeHistograms(hours.map((row) => row.latencyMs))),
    invoiceReleaseMs: percentilesOf(releaseMs),
    invoicedMs: percentilesOf(invoicedMs),
    exceptionResolutionMs: percentilesOf(resolutionMs),
    touchlessBillingRate: rate(releases.filter((f) => f.touchless).length, releases.length),
    duplicateRate: rate(corroborations + input.exactDuplicates, input.messages),
    onTimeDeliveryRate: rate(rated.filter((f) => f.onTime === true).length, rated.length),
    deliveredNotBillable: deliveredNotBillable(facts, input.now),
    parkedByReason: { ...input.parkedByReason },
  };
}
