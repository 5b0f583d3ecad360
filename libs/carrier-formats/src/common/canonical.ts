import type { ExceptionCode, Milestone, Severity } from '@waybill/domain';
import type {
  CarrierReferences,
  Rejected,
  TranslatedKind,
  TranslatedMessage,
  Translation,
} from '../translation';

/** Fields every translated payload has (contract v1 §2, without `shipmentId`). */
export interface PayloadBase {
  readonly messageId: string;
  readonly occurredAt: string;
  readonly source: string;
  /** Set (true) only when the source gave a local time with no zone. */
  readonly timeZoneGuessed?: true;
}

export interface MilestonePayload extends PayloadBase {
  readonly milestone: Milestone;
  readonly location?: string;
  readonly carrierId?: string;
}

export interface ExceptionPayload extends PayloadBase {
  readonly exceptionId: string;
  readonly code: ExceptionCode;
  readonly severity: Severity;
  readonly description?: string;
}

export interface PodPayload extends PayloadBase {
  readonly podId: string;
  readonly signedBy?: string;
  readonly signatureCaptured: boolean;
  readonly documentRef?: string;
}

export interface TemperaturePayload extends PayloadBase {
  readonly minCelsius: number;
  readonly maxCelsius: number;
  readonly allowedMinCelsius: number;
  readonly allowedMaxCelsius: number;
}

export interface EtaPayload extends PayloadBase {
  readonly estimate: 'pickup' | 'delivery';
  readonly estimatedAt: string;
}

interface PayloadOfKind {
  'shipment.milestone': MilestonePayload;
  'shipment.exception': ExceptionPayload;
  'shipment.pod': PodPayload;
  'shipment.temperature': TemperaturePayload;
  'shipment.eta': EtaPayload;
}

export function translated<K extends keyof PayloadOfKind & TranslatedKind>(
  kind: K,
  payload: PayloadOfKind[K],
  references: CarrierReferences,
  place: string,
): TranslatedMessage {
  return { kind, payload: { ...payload }, references, place };
}

/** `{timeZoneGuessed: true}` or nothing, to spread into a payload. */
export function guessedFlag(guessed: boolean): { readonly timeZoneGuessed?: true } {
  return guessed ? { timeZoneGuessed: true } : {};
}

/** The parts that are present, joined by `, ` (`Atlanta, GA, US`); undefined when none is. */
export function joinText(...parts: readonly (string | undefined)[]): string | undefined {
  const present = parts.filter((part): part is string => part !== undefined && part !== '');
  return present.length === 0 ? undefined : present.join(', ');
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { low: 0, medium: 1, high: 2 };

/** The highest of the severities; `low` when there is none. */
export function maxSeverity(...severities: readonly Severity[]): Severity {
  return severities.reduce<Severity>((max, s) => (SEVERITY_RANK[s] > SEVERITY_RANK[max] ? s : max), 'low');
}

/** Adds a value once, keeping first-seen order. */
function addUnique(list: readonly string[] | undefined, value: string): readonly string[] {
  return list?.includes(value) === true ? list : [...(list ?? []), value];
}

/**
 * Builds CarrierReferences step by step, for every format. The first shipment id, PRO and bill of
 * lading are the shipment's; a second, different PRO is kept as a tracking number and a second
 * bill of lading as a purchase order (the shipper's reference), rather than lost: either may be
 * what the shipment is found by. Lists keep first-seen order without repeats.
 */
export class ReferencesBuilder {
  private shipmentId: string | undefined;
  private trackingNumbers: readonly string[] | undefined;
  private purchaseOrders: readonly string[] | undefined;
  private billOfLading: string | undefined;
  private pro: string | undefined;

  /** Our own shipment id, when the source carries it (e.g. X12 B10-01). */
  shipment(value: string | undefined): this {
    if (value !== undefined && value !== '') this.shipmentId ??= value;
    return this;
  }

  tracking(value: string | undefined): this {
    if (value !== undefined && value !== '') this.trackingNumbers = addUnique(this.trackingNumbers, value);
    return this;
  }

  purchaseOrder(value: string | undefined): this {
    if (value !== undefined && value !== '') this.purchaseOrders = addUnique(this.purchaseOrders, value);
    return this;
  }

  bol(value: string | undefined): this {
    if (value === undefined || value === '') return this;
    if (this.billOfLading === undefined) this.billOfLading = value;
    else if (this.billOfLading !== value) this.purchaseOrder(value);
    return this;
  }

  proNumber(value: string | undefined): this {
    if (value === undefined || value === '') return this;
    if (this.pro === undefined) this.pro = value;
    else if (this.pro !== value) this.tracking(value);
    return this;
  }

  merge(references: CarrierReferences): this {
    this.shipment(references.shipmentId);
    this.proNumber(references.pro);
    this.bol(references.billOfLading);
    references.trackingNumbers?.forEach((value) => this.tracking(value));
    references.purchaseOrders?.forEach((value) => this.purchaseOrder(value));
    return this;
  }

  /** The references, or undefined when there is none (a message needs at least one). */
  build(): CarrierReferences | undefined {
    const references: CarrierReferences = {
      ...(this.shipmentId === undefined ? {} : { shipmentId: this.shipmentId }),
      ...(this.trackingNumbers === undefined ? {} : { trackingNumbers: this.trackingNumbers }),
      ...(this.pro === undefined ? {} : { pro: this.pro }),
      ...(this.billOfLading === undefined ? {} : { billOfLading: this.billOfLading }),
      ...(this.purchaseOrders === undefined ? {} : { purchaseOrders: this.purchaseOrders }),
    };
    return Object.keys(references).length === 0 ? undefined : references;
  }
}

/** Collects a translation's parts in input order. */
export class TranslationBuilder {
  readonly messages: TranslatedMessage[] = [];
  readonly rejected: Rejected[] = [];
  readonly warnings: string[] = [];

  message(message: TranslatedMessage): void {
    this.messages.push(message);
  }

  reject(rejected: Rejected): void {
    this.rejected.push(rejected);
  }

  warn(warning: string): void {
    this.warnings.push(warning);
  }

  build(): Translation {
    return { messages: this.messages, rejected: this.rejected, warnings: this.warnings };
  }
}

/** The whole input is unusable: one rejection, no messages. */
export function invalidInput(place: string, explanation: string, code?: string): Translation {
  return {
    messages: [],
    rejected: [{ reason: 'invalid_message', place, ...(code === undefined ? {} : { code }), explanation }],
    warnings: [],
  };
}
