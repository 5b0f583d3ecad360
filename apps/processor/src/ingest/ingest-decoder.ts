import { createHash } from 'node:crypto';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import {
  canonicalJson,
  type BillingPolicyInput,
  type BillingReplyCommand,
  type ContractCommand,
  type Place,
  type References,
  type Report,
  type ShipmentCommand,
} from '@waybill/domain';
import { deterministicId } from '@waybill/event-store';
import {
  isCarrierFormatSubject,
  isContractSubject,
  MAX_PAYLOAD_BYTES,
  type ShipmentSubject,
  type Subjects,
} from '@waybill/messaging';
import type { ParkReason } from '@waybill/parking';
import {
  type AddressDto,
  type CanonicalMessageDto,
  CaseOpenedDto,
  CaseResolvedDto,
  ContractDto,
  InvoiceRejectedDto,
  InvoiceReleasedDto,
  type ReferencesDto,
  ShipmentAppointmentDto,
  ShipmentBookedDto,
  ShipmentCarrierInvoiceDto,
  ShipmentEtaDto,
  ShipmentExceptionClearedDto,
  ShipmentExceptionDto,
  ShipmentMessageDto,
  ShipmentMilestoneDto,
  ShipmentPodDto,
  ShipmentTemperatureDto,
} from './ingest-messages.dto';

/** A message that became a command for one shipment: an upstream report or an ERP/CRM reply. */
export interface DecodedShipmentMessage {
  readonly kind: 'shipment';
  readonly shipmentId: string;
  readonly messageId: string;
  readonly correlationId: string;
  /** SHA-256 of the canonical JSON of the payload: what "the same content" means. */
  readonly contentHash: string;
  readonly command: ShipmentCommand | BillingReplyCommand;
}

/** A `contract` message: a new policy version for one customer. */
export interface DecodedContractMessage {
  readonly kind: 'contract';
  readonly customerId: string;
  readonly messageId: string;
  readonly correlationId: string;
  readonly contentHash: string;
  readonly command: ContractCommand;
}

/** A message that cannot be used: it is parked with the reason, never dropped. */
export interface Unusable {
  readonly kind: 'park';
  readonly reason: ParkReason;
  readonly explanation: string;
  readonly messageId?: string;
  readonly shipmentId?: string;
  readonly correlationId?: string;
}

/**
 * Raw bytes in a carrier's own format (`edi.*`, `carrier.<carrier>`, `epcis`): the translation
 * consumer, a durable consumer of its own on these subjects, translates, parks or publishes them
 * as canonical messages. The ingest consumer only acks them.
 */
export interface CarrierFormat {
  readonly kind: 'carrier_format';
  readonly suffix: string;
}

export type Decoded = DecodedShipmentMessage | DecodedContractMessage | Unusable | CarrierFormat;

const DTO_BY_SUBJECT: Record<string, ClassConstructor<CanonicalMessageDto>> = {
  contract: ContractDto,
  'erp.invoice-released': InvoiceReleasedDto,
  'erp.invoice-rejected': InvoiceRejectedDto,
  'crm.case-opened': CaseOpenedDto,
  'crm.case-resolved': CaseResolvedDto,
  'shipment.booked': ShipmentBookedDto,
  'shipment.milestone': ShipmentMilestoneDto,
  'shipment.exception': ShipmentExceptionDto,
  'shipment.exception-cleared': ShipmentExceptionClearedDto,
  'shipment.pod': ShipmentPodDto,
  'shipment.temperature': ShipmentTemperatureDto,
  'shipment.eta': ShipmentEtaDto,
  'shipment.appointment': ShipmentAppointmentDto,
  'shipment.carrier-invoice': ShipmentCarrierInvoiceDto,
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns raw bytes on an ingest subject into a shipment command, or says exactly why not.
 * Never throws for bad input. `receivedAt` is the time JetStream stored the message, so a
 * redelivery decodes to the very same command.
 */
export function decodeIngestMessage(
  subjects: Subjects,
  subject: string,
  raw: Uint8Array,
  receivedAt: Date,
): Decoded {
  const suffix = subjects.ingestSuffix(subject);
  // First, whatever the bytes: size, format and everything else are the translation consumer's.
  if (suffix !== null && isCarrierFormatSubject(suffix)) return { kind: 'carrier_format', suffix };
  if (raw.byteLength > MAX_PAYLOAD_BYTES) {
    return park('too_large', `payload is ${raw.byteLength} bytes; the limit is ${MAX_PAYLOAD_BYTES} (1 MiB)`);
  }
  let payload: unknown;
  let jsonError: Error | undefined;
  try {
    payload = JSON.parse(utf8.decode(raw));
  } catch (error) {
    jsonError = error as Error;
  }
  const readable = readIds(payload);

  if (suffix === null || !isContractSubject(suffix)) {
    return park('unknown_subject', `subject "${subject}" is not an ingest subject of contract v1`, readable);
  }
  if (jsonError) return park('invalid_json', `payload is not UTF-8 JSON: ${jsonError.message}`);
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
    return park('invalid_message', 'payload must be a JSON object', readable);
  }

  const dtoClass = DTO_BY_SUBJECT[suffix as ShipmentSubject] as
    ClassConstructor<ShipmentMessageDto> | undefined;
  if (!dtoClass) {
    return park(
      'processing_failed',
      `subject "${suffix}" is part of contract v1 but this version of Waybill does not process it yet; replay it after upgrading`,
      readable,
    );
  }
  const dto = plainToInstance(dtoClass, payload);
  const errors = validateSync(dto, { forbidUnknownValues: true });
  if (errors.length > 0) {
    return park('invalid_message', describeErrors(errors), readable);
  }

  const correlationId = dto.correlationId ?? deterministicId(`correlation:${dto.messageId}`);
  const report = {
    messageId: dto.messageId,
    source: dto.source,
    occurredAt: dto.occurredAt,
    receivedAt: receivedAt.toISOString(),
    ...(dto instanceof ShipmentMessageDto ? sourceTime(dto) : {}),
  };
  const contentHash = createHash('sha256').update(canonicalJson(payload)).digest('hex');
  if (dto instanceof ContractDto) {
    const {
      billingTrigger,
      requireSignedPod,
      requireTemperatureCompliance,
      requireExceptionsCleared,
      podGraceHours,
    } = dto.policy;
    const policy: BillingPolicyInput = {
      billingTrigger,
      ...(requireSignedPod == null ? {} : { requireSignedPod }),
      ...(requireTemperatureCompliance == null ? {} : { requireTemperatureCompliance }),
      ...(requireExceptionsCleared == null ? {} : { requireExceptionsCleared }),
      ...(podGraceHours == null ? {} : { podGraceHours }),
    };
    return {
      kind: 'contract',
      customerId: dto.customerId,
      messageId: dto.messageId,
      correlationId,
      contentHash,
      command: {
        type: 'RecordContract',
        data: { ...report, customerId: dto.customerId, contractId: dto.contractId, policy },
      },
    };
  }
  const shipmentDto = dto;
  return {
    kind: 'shipment',
    shipmentId: shipmentDto.shipmentId,
    messageId: dto.messageId,
    correlationId,
    contentHash,
    command: toCommand(shipmentDto, report),
  };
}

function toCommand(dto: ShipmentMessageDto, report: Report): ShipmentCommand | BillingReplyCommand {
  if (dto instanceof InvoiceReleasedDto) {
    return {
      type: 'RecordInvoiceReleased',
      data: { ...report, commandId: dto.commandId, invoiceNumber: dto.invoiceNumber },
    };
  }
  if (dto instanceof InvoiceRejectedDto) {
    return {
      type: 'RecordInvoiceRejected',
      data: { ...report, commandId: dto.commandId, reason: dto.reason },
    };
  }
  if (dto instanceof CaseOpenedDto) {
    return {
      type: 'RecordServiceCaseOpened',
      data: { ...report, commandId: dto.commandId, caseId: dto.caseId },
    };
  }
  if (dto instanceof CaseResolvedDto) {
    return {
      type: 'RecordServiceCaseResolved',
      data: { ...report, caseId: dto.caseId, resolution: dto.resolution },
    };
  }
  if (dto instanceof ShipmentBookedDto) {
    return {
      type: 'RecordBooking',
      data: {
        ...report,
        orderId: dto.orderId,
        customerId: dto.customerId,
        carrierId: dto.carrierId,
        origin: place(dto.origin),
        destination: place(dto.destination),
        ...optional('promisedDeliveryBy', dto.promisedDeliveryBy),
        charges: {
          currency: dto.charges.currency,
          lines: dto.charges.lines.map((l) => ({
            code: l.code,
            description: l.description,
            amount: l.amount,
          })),
        },
        ...optional('references', dto.references && references(dto.references)),
      },
    };
  }
  if (dto instanceof ShipmentMilestoneDto) {
    return {
      type: 'RecordMilestone',
      data: {
        ...report,
        milestone: dto.milestone,
        ...optional('location', dto.location),
        ...optional('carrierId', dto.carrierId),
      },
    };
  }
  if (dto instanceof ShipmentExceptionDto) {
    return {
      type: 'RaiseException',
      data: {
        ...report,
        exceptionId: dto.exceptionId,
        code: dto.code,
        severity: dto.severity,
        ...optional('description', dto.description),
      },
    };
  }
  if (dto instanceof ShipmentExceptionClearedDto) {
    return {
      type: 'ClearException',
      data: { ...report, exceptionId: dto.exceptionId, resolution: dto.resolution },
    };
  }
  if (dto instanceof ShipmentPodDto) {
    return {
      type: 'RecordPod',
      data: {
        ...report,
        podId: dto.podId,
        signatureCaptured: dto.signatureCaptured,
        ...optional('signedBy', dto.signedBy),
        ...optional('documentRef', dto.documentRef),
        ...optional('remarks', dto.remarks),
      },
    };
  }
  if (dto instanceof ShipmentTemperatureDto) {
    return {
      type: 'RecordTemperature',
      data: {
        ...report,
        minCelsius: dto.minCelsius,
        maxCelsius: dto.maxCelsius,
        allowedMinCelsius: dto.allowedMinCelsius,
        allowedMaxCelsius: dto.allowedMaxCelsius,
      },
    };
  }
  if (dto instanceof ShipmentEtaDto) {
    return {
      type: 'RecordEta',
      data: {
        ...report,
        estimate: dto.estimate,
        estimatedAt: dto.estimatedAt,
        ...optional('carrierId', dto.carrierId),
      },
    };
  }
  if (dto instanceof ShipmentAppointmentDto) {
    return {
      type: 'RecordAppointment',
      data: {
        ...report,
        appointment: dto.appointment,
        code: dto.code,
        ...optional('reason', dto.reason),
        appointmentAt: dto.appointmentAt,
        ...optional('carrierId', dto.carrierId),
      },
    };
  }
  if (dto instanceof ShipmentCarrierInvoiceDto) {
    return {
      type: 'RecordCarrierInvoice',
      data: {
        ...report,
        invoiceNumber: dto.invoiceNumber,
        carrierId: dto.carrierId,
        currency: dto.currency,
        lines: dto.lines.map((l) => ({ code: l.code, description: l.description, amount: l.amount })),
        total: dto.total,
      },
    };
  }
  throw new Error(`no command mapping for ${dto.constructor.name}`);
}

/** Kept in the event when the translator said how it read the source's time; null is absent. */
function sourceTime(dto: ShipmentMessageDto) {
  return {
    ...optional('timeZoneGuessed', dto.timeZoneGuessed),
    ...optional('sourceTimeCode', dto.sourceTimeCode),
  };
}

/**
 * `{ [key]: value }`, or `{}` when the value is absent. A field sent as null is treated as absent:
 * a command never carries null.
 */
function optional<K extends string, V>(key: K, value: V | null | undefined): Partial<Record<K, V>> {
  return (value === undefined || value === null ? {} : { [key]: value }) as Partial<Record<K, V>>;
}

/** A place as the contract knows it: free text, or an address with only the contract's fields. */
function place(value: string | AddressDto): Place {
  if (typeof value === 'string') return value;
  const { city, region, country, postalCode } = value;
  return Object.fromEntries(
    Object.entries({ city, region, country, postalCode }).filter(([, v]) => v !== undefined && v !== null),
  );
}

function references(value: ReferencesDto): References {
  const { trackingNumbers, pro, billOfLading, purchaseOrders } = value;
  return Object.fromEntries(
    Object.entries({ trackingNumbers, pro, billOfLading, purchaseOrders }).filter(
      ([, v]) => v !== undefined && v !== null,
    ),
  );
}

function park(reason: ParkReason, explanation: string, ids: Partial<Unusable> = {}): Unusable {
  return { kind: 'park', reason, explanation, ...ids };
}

/** Ids worth keeping with a parked message, when the payload is readable enough to have them. */
function readIds(payload: unknown): Pick<Unusable, 'messageId' | 'shipmentId' | 'correlationId'> {
  if (!payload || typeof payload !== 'object') return {};
  const p = payload as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 256 ? v : undefined);
  const ids: { messageId?: string; shipmentId?: string; correlationId?: string } = {};
  if (text(p.messageId)) ids.messageId = text(p.messageId)!;
  if (text(p.shipmentId)) ids.shipmentId = text(p.shipmentId)!;
  if (text(p.correlationId)) ids.correlationId = text(p.correlationId)!;
  return ids;
}

function describeErrors(errors: ValidationError[], path = ''): string {
  return errors
    .flatMap((e) => {
      const here = path ? `${path}.${e.property}` : e.property;
      const own = Object.values(e.constraints ?? {}).map((m) => `${here}: ${m}`);
      return [...own, ...(e.children?.length ? [describeErrors(e.children, here)] : [])];
    })
    .join('; ');
}
