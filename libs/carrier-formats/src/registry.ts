import { translateCarrierTracking } from './carrier-apis';
import { translateEdifact } from './edifact';
import { translateEpcis } from './epcis';
import type { TranslationContext, Translator } from './translation';
import { translateX12 } from './x12';

/** A translator for one raw subject, with what the subject itself tells it. */
export interface TranslatorChoice {
  readonly translator: Translator;
  /** The `carrier` of `carrier.<carrier>` subjects, for `TranslationContext`. */
  readonly context: Omit<TranslationContext, 'receivedAt'>;
}

/**
 * Which translator reads a raw carrier-format subject, by its suffix after `<prefix>.ingest.`:
 * `edi.x12`, `edi.edifact`, `epcis`, `carrier.<carrier>`. Null for any other suffix.
 */
export function translatorFor(suffix: string): TranslatorChoice | null {
  if (suffix === 'edi.x12') return { translator: translateX12, context: {} };
  if (suffix === 'edi.edifact') return { translator: translateEdifact, context: {} };
  if (suffix === 'epcis') return { translator: translateEpcis, context: {} };
  const carrier = /^carrier\.([A-Za-z0-9_-]+)$/.exec(suffix)?.[1];
  if (carrier !== undefined) return { translator: translateCarrierTracking, context: { carrier } };
  return null;
}
