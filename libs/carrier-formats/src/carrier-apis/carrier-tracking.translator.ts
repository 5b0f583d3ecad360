import { invalidInput, TranslationBuilder } from '../common/canonical';
import { parseJsonBytes } from '../common/json-reader';
import type { Translation, TranslationContext } from '../translation';
import { translateDhl } from './dhl-tracking';
import { translateFedex } from './fedex-tracking';
import { translateUps } from './ups-tracking';

const CARRIERS: Readonly<Record<string, (json: unknown, out: TranslationBuilder, receivedAt: Date) => void>> =
  {
    ups: translateUps,
    fedex: translateFedex,
    dhl: translateDhl,
  };

/** UPS, FedEx and DHL tracking JSON (chosen by `context.carrier`) → canonical messages. */
export function translateCarrierTracking(raw: Uint8Array, context: TranslationContext): Translation {
  const token = context.carrier?.trim().toLowerCase();
  if (token === undefined || token === '') {
    return invalidInput(
      'carrier',
      'no carrier token: carrier tracking JSON arrives on waybill.ingest.carrier.<carrier>',
    );
  }
  const translate = CARRIERS[token];
  if (translate === undefined) {
    return {
      messages: [],
      rejected: [
        {
          reason: 'unknown_code',
          place: `carrier=${token}`,
          code: `carrier=${token}`,
          explanation: `no translator for carrier "${token}" (known: ${Object.keys(CARRIERS).join(', ')})`,
        },
      ],
      warnings: [],
    };
  }
  const parsed = parseJsonBytes(raw);
  if (!parsed.ok) {
    return invalidInput('input', `not JSON: ${parsed.error}`);
  }
  const out = new TranslationBuilder();
  translate(parsed.value, out, context.receivedAt);
  return out.build();
}
