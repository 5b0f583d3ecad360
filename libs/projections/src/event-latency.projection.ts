import { isShipmentStreamEvent, shipmentIdOf, type ShipmentStreamEvent } from '@waybill/domain';
import { withLatency, type LatencyHistogram } from './percentiles';
import type { EventLike, Projection } from './projection';

/** The source's and Waybill's times of the ingest message an event records. */
export interface MessageReport {
  readonly occurredAt: string;
  readonly receivedAt: string;
}

// Recorded with the Report of a message that another event of the same batch already records
// (the booking, or the carrier invoice, that caused the audit): counting them would count the
// message twice.
const SECOND_EVENTS_OF_A_MESSAGE: ReadonlySet<string> = new Set([
  'ShipmentCarrierInvoiceAudited',
  'ShipmentCarrierChargesMismatched',
]);

/**
 * The ingest message an event records, or `null` for an event Waybill decided itself (it has no
 * `Report`) and for the second event recorded of one message.
 */
export function messageReportOf(event: EventLike): MessageReport | null {
  if (SECOND_EVENTS_OF_A_MESSAGE.has(event.type)) return null;
  const data = event.data;
  if (typeof data !== 'object' || data === null) return null;
  const { messageId, occurredAt, receivedAt } = data as Record<string, unknown>;
  if (typeof messageId !== 'string' || typeof occurredAt !== 'string' || typeof receivedAt !== 'string') {
    return null;
  }
  return { occurredAt, receivedAt };
}

/** `receivedAt − occurredAt` in ms, or `null` when either time cannot be read. */
export function reportLatencyMs(report: MessageReport): number | null {
  const latency = Date.parse(report.receivedAt) - Date.parse(report.occurredAt);
  return Number.isNaN(latency) ? null : latency;
}

/** The UTC hour of a timestamp, `2026-11-27T03`; `null` when it cannot be read. */
export function hourOf(timestamp: string): string | null {
  const time = Date.parse(timestamp);
  return Number.isNaN(time) ? null : new Date(time).toISOString().slice(0, 13);
}

const HOUR_MS = 3_600_000;

/** Whether the UTC hour (`hourOf`) overlaps [from, to): hour-bucketed measures count whole hours. */
export function hourOverlaps(hour: string, from: Date, to: Date): boolean {
  const start = Date.parse(`${hour}:00:00.000Z`);
  return start < to.getTime() && start + HOUR_MS > from.getTime();
}

/** Ingest messages recorded on shipment streams in one UTC hour of their `receivedAt`. */
export interface EventLatencyRow {
  /** `2026-11-27T03`: the UTC hour of `receivedAt`; the row's key. */
  readonly hour: string;
  /** Messages recorded, corroborations included. */
  readonly reports: number;
  /** `receivedAt − occurredAt` of each of them, in ms. */
  readonly latencyMs: LatencyHistogram;
  /** `ShipmentReportCorroborated`: a second report, under a new messageId, of a fact already known. */
  readonly corroborations: number;
}

/**
 * Event latency by hour: one row per UTC hour of the messages' `receivedAt` (the hour Waybill
 * received them; `keyOf` cannot see the recording time, and the two differ by the processing
 * delay only). Counts the messages recorded on shipment streams, booking, movement and ERP/CRM
 * replies alike; Waybill's own decisions are not messages. A row sums events of many streams, so
 * it cannot skip a redelivered event by its revision: it relies on the runner writing rows and
 * checkpoint in one transaction.
 */
export const eventLatencyProjection: Projection<EventLatencyRow, ShipmentStreamEvent> = {
  name: 'event-latency',
  version: 1,
  handles: (event: EventLike): event is ShipmentStreamEvent =>
    isShipmentStreamEvent(event) && messageReportOf(event) !== null,
  keyOf: (event, streamId) => {
    const report = messageReportOf(event);
    if (shipmentIdOf(streamId) === null || report === null) return null;
    return hourOf(report.receivedAt);
  },
  init: (hour) => ({ hour, reports: 0, latencyMs: {}, corroborations: 0 }),
  apply: (row, event) => {
    const report = messageReportOf(event);
    if (report === null) return row;
    const latency = reportLatencyMs(report);
    return {
      ...row,
      reports: row.reports + 1,
      latencyMs: latency === null ? row.latencyMs : withLatency(row.latencyMs, latency),
      corroborations: row.corroborations + (event.type === 'ShipmentReportCorroborated' ? 1 : 0),
    };
  },
};
