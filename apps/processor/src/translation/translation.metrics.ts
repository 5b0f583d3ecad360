import { Counter, register, type Registry } from 'prom-client';

const FORMATS = new Set(['edi.x12', 'edi.edifact', 'epcis', 'carrier.ups', 'carrier.fedex', 'carrier.dhl']);

/**
 * Prometheus counters of the translation consumer: what became of each translated part, by
 * format, and the defects tolerated. The format label is the subject's suffix for the formats
 * Waybill reads and `other` for the rest, so that a stray subject cannot grow the label set.
 */
export class TranslationMetrics {
  private readonly parts: Counter<'format' | 'outcome'>;
  private readonly warnings: Counter<'format'>;

  constructor(registry: Registry = register) {
    const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
    this.parts =
      existing<Counter<'format' | 'outcome'>>('waybill_translation_parts_total') ??
      new Counter({
        name: 'waybill_translation_parts_total',
        help: 'Parts of carrier-format messages by format and outcome (published, unmatched, replayed, or a park reason)',
        labelNames: ['format', 'outcome'],
        registers: [registry],
      });
    this.warnings =
      existing<Counter<'format'>>('waybill_translation_warnings_total') ??
      new Counter({
        name: 'waybill_translation_warnings_total',
        help: 'Defects tolerated in carrier-format messages (e.g. a wrong trailer count), by format',
        labelNames: ['format'],
        registers: [registry],
      });
  }

  translated(suffix: string, outcomes: Readonly<Record<string, number>>, warnings: number): void {
    const format = FORMATS.has(suffix) ? suffix : 'other';
    for (const [outcome, n] of Object.entries(outcomes)) this.parts.inc({ format, outcome }, n);
    if (warnings > 0) this.warnings.inc({ format }, warnings);
  }
}
