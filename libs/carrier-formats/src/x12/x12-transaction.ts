import type { Rejected } from '../translation';
import type { X12Group, X12Interchange, X12Segment, X12Transaction } from './x12-tokenizer';

/** One transaction set with its envelope, as a set-specific translator (214, 210) receives it. */
export interface X12TransactionInput {
  readonly interchange: X12Interchange;
  readonly group: X12Group;
  readonly transaction: X12Transaction;
  readonly receivedAt: Date;
}

/** The `unknown_code` rejection of a code, saying whether the standard knows it. */
export function unknownCode(
  place: string,
  elementName: string,
  code: string,
  standard: Readonly<Record<string, string>>,
  what: string,
): Rejected {
  const meaning = standard[code];
  return {
    reason: 'unknown_code',
    place,
    code: `${elementName}=${code}`,
    explanation:
      meaning === undefined
        ? `${elementName} ${code} is not an X12 004010 ${what}`
        : `${elementName} ${code} (${meaning}) is an X12 ${what} that Waybill does not map`,
  };
}

/** The rejection of a segment that is not part of the transaction set; the rest of the set is still read. */
export function unknownSegment(
  transactionPlace: string,
  segment: X12Segment,
  setId: '210' | '214',
): Rejected {
  return {
    reason: 'invalid_message',
    place: `${transactionPlace}/${segment.id}#${segment.position}`,
    code: `segment=${segment.id}`,
    explanation: `Segment ${segment.id} is not part of an X12 ${setId}; its content was not translated`,
  };
}
