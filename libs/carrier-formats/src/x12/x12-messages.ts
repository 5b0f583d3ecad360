import { ReferencesBuilder } from '../common/canonical';
import { MAX_MESSAGE_ID_LENGTH, sha256Hex } from '../common/message-id';
import { X12_REFERENCE_QUALIFIERS } from './x12-mapping';

const HASHED_PREFIX = 56;

/**
 * The dedup key of a translated message: `x12:<ISA06>:<ISA13>:<GS06>:<ST02>[:<LX01>:<AT7 index>][:suffix]`.
 * Past 128 characters it becomes its first 56 characters, `:`, and the SHA-256 of the whole key.
 */
export function x12MessageId(parts: readonly string[]): string {
  const key = ['x12', ...parts].join(':');
  if (key.length <= MAX_MESSAGE_ID_LENGTH) return key;
  return `${key.slice(0, HASHED_PREFIX)}:${sha256Hex(key)}`;
}

/** `carrier:<SCAC>` when the transaction names its carrier, else `edi:x12:<ISA06>`. */
export function x12Source(scac: string, senderId: string): string {
  return scac === '' ? `edi:x12:${senderId}` : `carrier:${scac}`;
}

const SHIPMENT_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Collects the references of one transaction set (or one LX loop of it): the common
 * `ReferencesBuilder`, fed by X12's reference qualifiers (element 128).
 */
export class ReferenceCollector extends ReferencesBuilder {
  copy(): ReferenceCollector {
    const copy = new ReferenceCollector();
    const references = this.build();
    if (references !== undefined) copy.merge(references);
    return copy;
  }

  /** A reference with an element-128 qualifier (L11, N9, B10-05/06); unmapped qualifiers are ignored. */
  addQualified(qualifier: string, value: string): void {
    if (value === '') return;
    const field = X12_REFERENCE_QUALIFIERS[qualifier];
    if (field === undefined) return;
    switch (field) {
      case 'shipmentId':
        if (SHIPMENT_ID.test(value)) this.shipment(value);
        else this.tracking(value);
        return;
      case 'pro':
        this.proNumber(value);
        return;
      case 'billOfLading':
        this.bol(value);
        return;
      case 'trackingNumbers':
        this.tracking(value);
        return;
      case 'purchaseOrders':
        this.purchaseOrder(value);
        return;
    }
  }
}
