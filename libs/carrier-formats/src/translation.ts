/**
 * What every carrier-format translator returns. A translator is pure: raw bytes in, canonical
 * messages out, no I/O and no clock. The processor resolves `references` to a shipmentId, then
 * runs each message through the same path as a canonical message published on its subject
 * (ledger claim by `messageId`, the shipment's mailbox, append). Anything the translator cannot
 * use comes back in `rejected` with its exact place, and the processor parks it.
 */

/** The canonical subjects (contract v1 §2, after `waybill.ingest.`) a translator may produce. */
export type TranslatedKind =
  | 'shipment.milestone'
  | 'shipment.exception'
  | 'shipment.pod'
  | 'shipment.temperature'
  /** Addition to contract v1: an estimate (ETA, estimated pick-up). Never a milestone. */
  | 'shipment.eta'
  /** Addition to contract v1: a pick-up or delivery appointment (X12 AT7-03), kept apart from statuses. */
  | 'shipment.appointment'
  /** Addition to contract v1: a carrier's freight invoice (X12 210), for freight audit. */
  | 'shipment.carrier-invoice';

/** How a carrier names the shipment. At least one field is set. */
export interface CarrierReferences {
  /** Only when the source carries our own shipment id (e.g. X12 B10-01 when it is ours). */
  readonly shipmentId?: string;
  readonly trackingNumbers?: readonly string[];
  readonly pro?: string;
  readonly billOfLading?: string;
  readonly purchaseOrders?: readonly string[];
}

export interface TranslatedMessage {
  readonly kind: TranslatedKind;
  /**
   * The canonical payload of `kind` WITHOUT `shipmentId` (the processor fills it in after
   * resolving `references`). Always has `messageId` (the source's dedup key, ≤128 chars),
   * `occurredAt` (RFC 3339 with the source's offset), `source` (e.g. `carrier:UPSN`,
   * `edi:x12:ABCD`, `epcis:urn:...`), plus the kind's own fields.
   */
  readonly payload: Readonly<Record<string, unknown>>;
  readonly references: CarrierReferences;
  /** Exact place in the input, e.g. `ISA13=000000905/GS06=1/ST02=0001/LX=2/AT7[1]`. */
  readonly place: string;
}

export type RejectReason = 'invalid_message' | 'unknown_code';

/** A part of the input that was not translated; parked with this reason, place and code. */
export interface Rejected {
  readonly reason: RejectReason;
  readonly place: string;
  /** The offending code or segment id, when there is one (e.g. `AT7-01=ZZ`, `segment=XYZ`). */
  readonly code?: string;
  readonly explanation: string;
}

export interface Translation {
  readonly messages: readonly TranslatedMessage[];
  readonly rejected: readonly Rejected[];
  /** Defects tolerated on purpose, e.g. a wrong SE01 count. Logged, never a rejection. */
  readonly warnings: readonly string[];
}

export interface TranslationContext {
  /** The last subject token for `carrier.<carrier>` subjects (e.g. `ups`, `fedex`, `dhl`). */
  readonly carrier?: string;
  /** When JetStream stored the message: the fallback for a missing source time, never the clock. */
  readonly receivedAt: Date;
}

export type Translator = (raw: Uint8Array, context: TranslationContext) => Translation;
