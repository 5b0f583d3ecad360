import type { Milestone } from '@waybill/domain';

/** CBV business steps Waybill reads as milestones; any other bizStep is unknown (unless the event only reports sensors). */
export const BIZ_STEP_MILESTONES: Readonly<Record<string, Milestone>> = {
  shipping: 'dispatched',
  departing: 'in_transit',
  transporting: 'in_transit',
  arriving: 'arrived',
  receiving: 'delivered',
};

/** `shipping`, `urn:epcglobal:cbv:bizstep:shipping`, `https://ref.gs1.org/cbv/BizStep-shipping`, `cbv:BizStep-shipping` → `shipping`. */
export function cbvTerm(value: string, vocabulary: 'BizStep' | 'BTT'): string {
  const urn = vocabulary === 'BizStep' ? 'urn:epcglobal:cbv:bizstep:' : 'urn:epcglobal:cbv:btt:';
  if (value.startsWith(urn)) return value.slice(urn.length);
  const marker = `${vocabulary}-`;
  const at = value.lastIndexOf(marker);
  return at >= 0 ? value.slice(at + marker.length) : value;
}

/** The last segment of a business transaction id: `urn:epcglobal:cbv:bt:0614141000005:PO-123` → `PO-123`, `https://x/po/123` → `123`. */
export function transactionNumber(value: string): string {
  if (value.startsWith('urn:epcglobal:cbv:bt:')) return value.slice(value.lastIndexOf(':') + 1);
  if (/^https?:\/\//.test(value))
    return value.replace(/\/+$/, '').slice(value.replace(/\/+$/, '').lastIndexOf('/') + 1);
  return value;
}

function gs1CheckDigit(digits: string): number {
  const sum = [...digits]
    .reverse()
    .reduce((total, digit, i) => total + Number(digit) * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10;
}

/**
 * An EPC as a reference: SSCCs become their 18 digits (EPC URN or GS1 Digital Link), so that they
 * match an SSCC a booking lists; other EPCs (SGTIN, GIAI, GRAI …) stay as written.
 */
export function epcReference(epc: string): string {
  const urn = /^urn:epc:id:sscc:(\d+)\.(\d+)$/.exec(epc);
  if (urn !== null) {
    const [, companyPrefix = '', serialReference = ''] = urn;
    const body = `${serialReference.charAt(0)}${companyPrefix}${serialReference.slice(1)}`;
    return body.length === 17 ? `${body}${gs1CheckDigit(body)}` : epc;
  }
  const link = /^https?:\/\/[^/]+\/00\/(\d{18})$/.exec(epc);
  return link?.[1] ?? epc;
}
