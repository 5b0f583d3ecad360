import { Counter, register, type Registry } from 'prom-client';
import type { IngestCounts, ParkReason } from '@waybill/parking';

/** Prometheus counters of the ingest pipeline, served by the API's /metrics when in one process. */
export class IngestMetrics {
  private readonly messages: Counter<'outcome'>;
  private readonly events: Counter;
  private readonly parkedTotal: Counter<'reason'>;

  /**
   * @param counts - durable hourly counts for the KPIs (the duplicate rate); prom-client's
   *   counters die with the process.
   */
  constructor(
    registry: Registry = register,
    private readonly counts?: IngestCounts,
  ) {
    const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
    this.messages =
      existing<Counter<'outcome'>>('waybill_ingest_messages_total') ??
      new Counter({
        name: 'waybill_ingest_messages_total',
        help: 'Ingest messages by outcome',
        labelNames: ['outcome'],
        registers: [registry],
      });
    this.events =
      existing<Counter>('waybill_ingest_events_appended_total') ??
      new Counter({
        name: 'waybill_ingest_events_appended_total',
        help: 'Events appended by ingest',
        registers: [registry],
      });
    this.parkedTotal =
      existing<Counter<'reason'>>('waybill_ingest_parked_total') ??
      new Counter({
        name: 'waybill_ingest_parked_total',
        help: 'Messages parked by reason',
        labelNames: ['reason'],
        registers: [registry],
      });
  }

  /**
   * @param redelivered - JetStream delivered the message before (an ack that did not arrive in
   *   time). Its second outcome is Waybill's own repeat, not an upstream duplicate: the durable
   *   counts leave it out. An append happens once whatever the delivery, so it always counts.
   */
  recorded(outcome: 'appended' | 'duplicate', events: number, redelivered = false): void {
    this.messages.inc({ outcome });
    if (events > 0) this.events.inc(events);
    if (outcome === 'appended' || !redelivered) this.counts?.add(outcome, new Date());
  }

  /** A raw carrier-format message, left to the translation consumer (its own durable consumer). */
  handedToTranslation(): void {
    this.messages.inc({ outcome: 'carrier_format' });
  }

  /** @param redelivered - as for `recorded`: parking again is a no-op, and is not counted again. */
  parked(reason: ParkReason, redelivered = false): void {
    this.messages.inc({ outcome: 'parked' });
    this.parkedTotal.inc({ reason });
    if (!redelivered) this.counts?.add('parked', new Date());
  }
}
