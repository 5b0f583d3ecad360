import { MAX_MESSAGE_ID_LENGTH, sha256Hex } from '../common/message-id';
import type { CarrierReferences } from '../translation';
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
 * Collects the references of one transaction set (or one LX loop of it). The first value of a
 * single-valued field wins; lists keep first-seen order without repeats.
 */
export class ReferenceCollector {
  private shipmentId: string | undefined;
  private pro: string | undefined;
  private billOfLading: string | undefined;
  private readonly trackingNumbers: string[] = [];
  private readonly purchaseOrders: string[] = [];

  copy(): ReferenceCollector {
    const c = new ReferenceCollector();
    c.shipmentId = this.shipmentId;
    c.pro = this.pro;
    c.billOfLading = this.billOfLading;
    c.trackingNumbers.push(...this.trackingNumbers);
    c.purchaseOrders.push(...this.purchaseOrders);
    return c;
  }

  /** A reference with an element-128 qualifier (L11, N9, B10-05/06); unmapped qualifiers are ignored. */
  addQualified(qualifier: string, value: string): void {
    if (value === '') return;
    const field = X12_REFERENCE_QUALIFIERS[qualifier];
    if (field === undefined) return;
    switch (field) {
      case 'shipmentId':
        if (SHIPMENT_ID.test(value)) this.setShipmentId(value);
        else this.addTracking(value);
        return;
      case 'pro':
        this.setPro(value);
        return;
      case 'billOfLading':
        this.setBillOfLading(value);
        return;
      case 'trackingNumbers':
        this.addTracking(value);
        return;
      case 'purchaseOrders':
        this.addPurchaseOrder(value);
        return;
    }
  }

  setShipmentId(value: string): void {
    if (this.shipmentId === undefined) this.shipmentId = value;
  }

  /** A second, different PRO is kept as a tracking number rather than lost. */
  setPro(value: string): void {
    if (value === '') return;
    if (this.pro === undefined) this.pro = value;
    else if (this.pro !== value) this.addTracking(value);
  }

  /** A second, different bill of lading number is kept as a purchase order (shipper's reference). */
  setBillOfLading(value: string): void {
    if (value === '') return;
    if (this.billOfLading === undefined) this.billOfLading = value;
    else if (this.billOfLading !== value) this.addPurchaseOrder(value);
  }

  addTracking(value: string): void {
    if (value !== '' && !this.trackingNumbers.includes(value)) this.trackingNumbers.push(value);
  }

  addPurchaseOrder(value: string): void {
    if (value !== '' && !this.purchaseOrders.includes(value)) this.purchaseOrders.push(value);
  }

  /** `undefined` when nothing names the shipment. */
  build(): CarrierReferences | undefined {
    const refs: CarrierReferences = {
      ...(this.shipmentId === undefined ? {} : { shipmentId: this.shipmentId }),
      ...(this.trackingNumbers.length === 0 ? {} : { trackingNumbers: [...this.trackingNumbers] }),
      ...(this.pro === undefined ? {} : { pro: this.pro }),
      ...(this.billOfLading === undefined ? {} : { billOfLading: this.billOfLading }),
      ...(this.purchaseOrders.length === 0 ? {} : { purchaseOrders: [...this.purchaseOrders] }),
    };
    return Object.keys(refs).length === 0 ? undefined : refs;
  }
}
