import type {
  Rejected,
  TranslatedMessage,
  Translation,
  TranslationContext,
  Translator,
} from '../translation';
import { translate210 } from './x12-210';
import { translate214 } from './x12-214';
import { tokenizeX12 } from './x12-tokenizer';
import type { X12TransactionInput } from './x12-transaction';

const TRANSACTION_SETS: Readonly<Partial<Record<string, (input: X12TransactionInput) => Translation>>> = {
  '214': translate214,
  '210': translate210,
};

/**
 * Translates an X12 interchange holding 214 shipment status messages and/or 210 freight invoices
 * (004010; 005010 tolerated), chosen per transaction set by ST01. Other transaction sets are
 * rejected; trailer-count and control-number defects are warnings.
 */
export const translateX12: Translator = (raw: Uint8Array, context: TranslationContext): Translation => {
  const document = tokenizeX12(raw);
  const messages: TranslatedMessage[] = [];
  const rejected: Rejected[] = [...document.rejected];
  const warnings: string[] = [...document.warnings];
  for (const interchange of document.interchanges) {
    for (const group of interchange.groups) {
      for (const transaction of group.transactions) {
        const translate = TRANSACTION_SETS[transaction.setId];
        if (translate === undefined) {
          rejected.push({
            reason: 'invalid_message',
            place: transaction.place,
            code: `ST01=${transaction.setId}`,
            explanation: `Transaction set ${transaction.setId} is not translated (only 214 and 210 are)`,
          });
          continue;
        }
        const out = translate({ interchange, group, transaction, receivedAt: context.receivedAt });
        messages.push(...out.messages);
        rejected.push(...out.rejected);
        warnings.push(...out.warnings);
      }
    }
  }
  return { messages, rejected, warnings };
};
