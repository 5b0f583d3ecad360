import { Counter, register, type Registry } from 'prom-client';
import type { ParkReason } from '@waybill/parking';

/** Prometheus counters of the ingest pipeline, served by the API's /metrics when in one process. */
export class IngestMetrics {
  private readonly messages: Counter<'outcome'>;
  private readonly events: Counter;
  private readonly parkedTotal: Counter<'reason'>;

  constructor(registry: Registry = register) {
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

  recorded(outcome: 'appended' | 'duplicate', events: number): void {
    this.messages.inc({ outcome });
    if (events > 0) this.events.inc(events);
  }

  /** A raw carrier-format message, left to the translation consumer (its own durable consumer). */
  handedToTranslation(): void {
    this.messages.inc({ outcome: 'carrier_format' });
  }

  parked(reason: ParkReason): void {
    this.messages.inc({ outcome: 'parked' });
    this.parkedTotal.inc({ reason });
  }
}
