/**
 * Subjects and stream names of contract v1 §2 and §3, under configurable prefixes so that tests
 * and tenants can run side by side (`WAYBILL_SUBJECT_PREFIX`, `WAYBILL_STREAM_PREFIX`).
 */
export const SHIPMENT_SUBJECTS = [
  'shipment.booked',
  'shipment.milestone',
  'shipment.exception',
  'shipment.exception-cleared',
  'shipment.pod',
  'shipment.temperature',
] as const;

/**
 * Additions to contract v1: canonical subjects that the carrier-format translators produce, and
 * that an upstream may also publish directly.
 */
export const CARRIER_FACT_SUBJECTS = [
  'shipment.eta',
  'shipment.appointment',
  'shipment.carrier-invoice',
] as const;
export type ShipmentSubject = (typeof SHIPMENT_SUBJECTS)[number] | (typeof CARRIER_FACT_SUBJECTS)[number];

/** Subjects of contract v1 that later parts of Waybill handle (billing, replies, carrier formats). */
export const OTHER_CONTRACT_SUBJECTS = [
  'contract',
  'erp.invoice-released',
  'erp.invoice-rejected',
  'crm.case-opened',
  'crm.case-resolved',
  'edi.x12',
  'edi.edifact',
  'epcis',
] as const;

export interface Subjects {
  readonly prefix: string;
  /** `waybill.ingest.>`: what the ingest stream captures. */
  readonly ingestWildcard: string;
  /** `waybill.ingest.` */
  readonly ingestRoot: string;
  ingest(suffix: string): string;
  /** The part after `waybill.ingest.`, or null when the subject is not an ingest subject. */
  ingestSuffix(subject: string): string | null;
  readonly commandWildcards: readonly string[];
}

export function subjectsFor(prefix: string): Subjects {
  const ingestRoot = `${prefix}.ingest.`;
  return {
    prefix,
    ingestRoot,
    ingestWildcard: `${prefix}.ingest.>`,
    ingest: (suffix) => `${ingestRoot}${suffix}`,
    ingestSuffix: (subject) => (subject.startsWith(ingestRoot) ? subject.slice(ingestRoot.length) : null),
    commandWildcards: [`${prefix}.erp.>`, `${prefix}.crm.>`],
  };
}

export function isContractSubject(suffix: string): boolean {
  return (
    (SHIPMENT_SUBJECTS as readonly string[]).includes(suffix) ||
    (CARRIER_FACT_SUBJECTS as readonly string[]).includes(suffix) ||
    (OTHER_CONTRACT_SUBJECTS as readonly string[]).includes(suffix) ||
    isCarrierFormatSubject(suffix)
  );
}

/**
 * Whether the suffix is a raw carrier-format subject (`edi.x12`, `edi.edifact`, `epcis`,
 * `carrier.<carrier>`): bytes in a carrier's own format, which the translation consumer turns into
 * canonical messages. The ingest consumer leaves them to it.
 */
export function isCarrierFormatSubject(suffix: string): boolean {
  return (
    suffix === 'edi.x12' ||
    suffix === 'edi.edifact' ||
    suffix === 'epcis' ||
    /^carrier\.[A-Za-z0-9_-]+$/.test(suffix)
  );
}

/** The filter subjects of the translation consumer: every raw carrier-format subject. */
export function carrierFormatFilters(subjects: Subjects): string[] {
  return [subjects.ingest('edi.>'), subjects.ingest('carrier.>'), subjects.ingest('epcis')];
}

export function streamNames(streamPrefix: string) {
  return { ingest: `${streamPrefix}_INGEST`, commands: `${streamPrefix}_COMMANDS` } as const;
}

/** Payloads above this are parked as `too_large` (contract v1 §2). */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

/**
 * The NATS server's `max_payload` a deployment needs: room for a payload over the contract's limit
 * with its headers, or such a message is refused at publish and never reaches Waybill to be parked
 * as `too_large`. The server's default is 1 MiB, headers included; the ingest stream takes 2 MiB.
 */
export const SERVER_MAX_PAYLOAD_NEEDED = 2 * MAX_PAYLOAD_BYTES;

/** A warning for an operator when the server's `max_payload` is below what ingest needs, else null. */
export function serverPayloadLimitWarning(serverMaxPayload: number | undefined): string | null {
  if (serverMaxPayload === undefined || serverMaxPayload >= SERVER_MAX_PAYLOAD_NEEDED) return null;
  return (
    `the NATS server's max_payload is ${serverMaxPayload} bytes: a message over ${MAX_PAYLOAD_BYTES} bytes is ` +
    `refused at publish instead of being parked as too_large; set max_payload to ${SERVER_MAX_PAYLOAD_NEEDED} ` +
    `(2MB) or more in the server's configuration`
  );
}
