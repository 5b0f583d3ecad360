import type { Rejected, Translation } from '../translation';
import { X12_SPECIAL_CHARGE_CODES } from './x12-special-charge-codes';
import { ReferenceCollector, x12MessageId, x12Source } from './x12-messages';
import { formatX12Rfc3339, parseX12Date } from './x12-time';
import { element, type X12Segment } from './x12-tokenizer';
import { unknownCode, unknownSegment, type X12TransactionInput } from './x12-transaction';

/** Segments of the 004010 and 005010 210 that may appear; B3, C3, N9, L11 and L1 are read. */
const KNOWN_210_SEGMENTS: ReadonlySet<string> = new Set([
  'B3',
  'B3A',
  'C2',
  'C3',
  'ITD',
  'N9',
  'L11',
  'G62',
  'R3',
  'H3',
  'K1',
  'N1',
  'N2',
  'N3',
  'N4',
  'N7',
  'M7',
  'LX',
  'L5',
  'CD3',
  'H1',
  'H2',
  'L0',
  'L1',
  'L4',
  'L7',
  'L10',
  'SL1',
  'S5',
  'G61',
  'MS3',
  'POD',
  'NTE',
  'L3',
]);

/** The code of an L1 charge line that carries no L1-08 special charge code. */
export const X12_UNSPECIFIED_CHARGE_CODE = 'unspecified';

/**
 * An X12 amount as a decimal string with two places, by string manipulation only. `N2` amounts
 * have an implied decimal point (`251000` → `2510.00`); an explicit point (`2510.5`) is tolerated.
 */
export function x12Amount(text: string): string | undefined {
  const implied = /^(-?)(\d+)$/.exec(text);
  if (implied !== null) {
    const digits = (implied[2] ?? '').padStart(3, '0');
    return decimal(implied[1] ?? '', digits.slice(0, -2), digits.slice(-2));
  }
  const explicit = /^(-?)(\d*)\.(\d+)$/.exec(text);
  if (explicit === null) return undefined;
  const fraction = explicit[3] ?? '';
  if (fraction.length > 2 && !/^0+$/.test(fraction.slice(2))) return undefined;
  return decimal(explicit[1] ?? '', explicit[2] ?? '', fraction.slice(0, 2).padEnd(2, '0'));
}

function decimal(sign: string, whole: string, fraction: string): string {
  const integer = whole.replace(/^0+(?=\d)/, '') || '0';
  const negative = sign === '-' && !(integer === '0' && fraction === '00');
  return `${negative ? '-' : ''}${integer}.${fraction}`;
}

function cents(amount: string): bigint {
  return BigInt(amount.replace('.', ''));
}

function fromCents(value: bigint): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

interface ChargeLine {
  readonly code: string;
  readonly description: string;
  readonly amount: string;
}

/** Translates one 210 freight invoice into one `shipment.carrier-invoice` message. */
export function translate210(input: X12TransactionInput): Translation {
  const { transaction, interchange, group, receivedAt } = input;
  const place = transaction.place;
  const rejected: Rejected[] = [];
  const warnings: string[] = [];
  const lines: ChargeLine[] = [];
  const references = new ReferenceCollector();
  let b3: X12Segment | undefined;
  let currency = 'USD';
  let lineProblem: Rejected | undefined;
  let l1Count = 0;

  for (const segment of transaction.segments) {
    if (!KNOWN_210_SEGMENTS.has(segment.id)) {
      rejected.push(unknownSegment(place, segment, '210'));
      continue;
    }
    switch (segment.id) {
      case 'B3':
        b3 ??= segment;
        break;
      case 'C3':
        if (element(segment, 1) !== '') currency = element(segment, 1);
        break;
      case 'N9':
        references.addQualified(element(segment, 1), element(segment, 2));
        break;
      case 'L11':
        references.addQualified(element(segment, 2), element(segment, 1));
        break;
      case 'L1': {
        l1Count += 1;
        const linePlace = `${place}/L1[${l1Count}]`;
        const charge = element(segment, 4);
        if (charge === '') {
          warnings.push(`${linePlace}: L1 has no L1-04 charge (a rate line); not an invoice line`);
          break;
        }
        const amount = x12Amount(charge);
        if (amount === undefined) {
          lineProblem ??= {
            reason: 'invalid_message',
            place: linePlace,
            code: `L1-04=${charge}`,
            explanation: `L1-04 ${charge} is not an X12 N2 amount`,
          };
          break;
        }
        const code = element(segment, 8);
        const standard = code === '' ? undefined : X12_SPECIAL_CHARGE_CODES[code];
        if (code !== '' && standard === undefined) {
          lineProblem ??= unknownCode(
            linePlace,
            'L1-08',
            code,
            X12_SPECIAL_CHARGE_CODES,
            'special charge code',
          );
          break;
        }
        const description = element(segment, 12) || standard || 'Charge without a special charge code';
        lines.push({ code: code === '' ? X12_UNSPECIFIED_CHARGE_CODE : code, description, amount });
        break;
      }
      default:
        break;
    }
  }

  const invalid = (code: string | undefined, explanation: string): Translation => ({
    messages: [],
    rejected: [
      ...rejected,
      { reason: 'invalid_message', place, ...(code === undefined ? {} : { code }), explanation },
    ],
    warnings,
  });

  if (b3 === undefined) return invalid('segment=B3', 'A 210 needs a B3 segment');
  if (lineProblem !== undefined) return { messages: [], rejected: [...rejected, lineProblem], warnings };
  const invoiceNumber = element(b3, 2);
  const carrierId = element(b3, 11);
  if (invoiceNumber === '') return invalid('B3-02', 'B3-02 invoice number is missing');
  if (carrierId === '') return invalid('B3-11', 'B3-11 SCAC is missing');
  if (!/^[A-Z]{3}$/.test(currency))
    return invalid(`C3-01=${currency}`, `C3-01 ${currency} is not an ISO 4217 code`);

  const sum = fromCents(lines.reduce((acc, line) => acc + cents(line.amount), 0n));
  const netAmount = element(b3, 7);
  let total = sum;
  if (netAmount !== '') {
    const parsed = x12Amount(netAmount);
    if (parsed === undefined)
      return invalid(`B3-07=${netAmount}`, `B3-07 ${netAmount} is not an X12 N2 amount`);
    total = parsed;
    if (parsed !== sum)
      warnings.push(`${place}: B3-07 net amount ${parsed} differs from the sum of the L1 lines ${sum}`);
  }

  if (references.build()?.pro === undefined) references.proNumber(invoiceNumber);
  references.bol(element(b3, 3));
  const refs = references.build();
  if (refs === undefined) return invalid(undefined, 'Nothing names the shipment');

  const billed = element(b3, 6);
  const billedOn = billed === '' ? undefined : parseX12Date(billed);
  if (billed !== '' && billedOn === undefined) {
    return invalid(`B3-06=${billed}`, `B3-06 ${billed} is not a CCYYMMDD date`);
  }
  if (billedOn === undefined)
    warnings.push(`${place}: B3-06 has no date; occurredAt is the time the file was received`);
  const time =
    billedOn === undefined
      ? { occurredAt: receivedAt.toISOString() }
      : {
          occurredAt: formatX12Rfc3339({ ...billedOn, hour: 0, minute: 0, second: 0, fraction: '' }, 0),
          timeZoneGuessed: true,
        };

  return {
    messages: [
      {
        kind: 'shipment.carrier-invoice',
        payload: {
          messageId: x12MessageId([
            interchange.senderId,
            interchange.control,
            group.control,
            transaction.control,
          ]),
          ...time,
          source: x12Source(carrierId, interchange.senderId),
          invoiceNumber,
          carrierId,
          currency,
          lines,
          total,
        },
        references: refs,
        place,
      },
    ],
    rejected,
    warnings,
  };
}
