import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsISO4217CurrencyCode,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsRFC3339,
  IsString,
  Length,
  Matches,
  MaxLength,
  Max,
  Min,
  Validate,
  ValidateNested,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
  type ValidationArguments,
} from 'class-validator';
import {
  APPOINTMENTS,
  BILLING_TRIGGERS,
  ESTIMATES,
  EXCEPTION_CODES,
  MILESTONES,
  SEVERITIES,
} from '@waybill/domain';
import { IsCustomerId } from '@waybill/messaging';

/**
 * DTOs of the canonical ingest messages (contract v1 §2), validated at the edge with
 * class-validator before anything reaches the domain.
 */

/** RFC 3339 with an explicit offset: a bare local time is ambiguous and is refused. */
const WITH_OFFSET = /(Z|[+-]\d{2}:\d{2})$/i;
const SHIPMENT_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const DECIMAL = /^-?\d{1,15}(\.\d{1,6})?$/;

/**
 * RFC 3339 allows what JavaScript dates cannot hold (a leap second `23:59:60`, years past 275760):
 * such a time would poison every later comparison, so it is refused at the edge.
 */
@ValidatorConstraint({ name: 'representableTime' })
class IsRepresentableTime implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && Number.isFinite(Date.parse(value));
  }
  defaultMessage(args: ValidationArguments): string {
    return `${args.property} is not a time Waybill can represent (leap seconds and far-future years are not)`;
  }
}

/**
 * An RFC 3339 time with its offset (`Z` or `±hh:mm`), one that Waybill can represent: what every
 * time field of contract v1 must be. The three rules, in the order they report.
 */
function IsOffsetTime(): PropertyDecorator {
  const rules = [
    IsRFC3339(),
    Matches(WITH_OFFSET, { message: '$property must carry an offset (Z or ±hh:mm)' }),
    Validate(IsRepresentableTime),
  ];
  // Applied last to first, as stacked decorators are.
  return (target, key) => {
    for (const rule of [...rules].reverse()) rule(target, key);
  };
}

export class CanonicalMessageDto {
  @IsString()
  @Length(1, 128)
  messageId!: string;

  @IsOffsetTime()
  occurredAt!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  source!: string;

  @IsOptional()
  @IsString()
  @Length(1, 256)
  correlationId?: string;
}

export class ShipmentMessageDto extends CanonicalMessageDto {
  @IsString()
  @Matches(SHIPMENT_ID, { message: 'shipmentId must be 1-64 characters of [A-Za-z0-9._:-]' })
  shipmentId!: string;
  /**
   * How a carrier's time was read (additions to contract v1, set by the carrier-format
   * translators on any message they produce): kept with the event, so a guessed zone stays visible.
   */
  @IsOptional() @IsBoolean() timeZoneGuessed?: boolean;
  @IsOptional() @IsString() @Length(1, 32) sourceTimeCode?: string;
}

export class AddressDto {
  @IsOptional() @IsString() city?: string;
  @IsOptional() @IsString() region?: string;
  @IsOptional() @IsString() country?: string;
  @IsOptional() @IsString() postalCode?: string;
}

@ValidatorConstraint({ name: 'place' })
class IsPlace implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value === 'string') return value.trim().length > 0;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
    const entries = Object.entries(value as Record<string, unknown>);
    const allowed = ['city', 'region', 'country', 'postalCode'];
    return entries.length > 0 && entries.every(([k, v]) => allowed.includes(k) && typeof v === 'string');
  }
  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must be free text or {city, region, country, postalCode}`;
  }
}

export class ChargeLineDto {
  @IsString() @IsNotEmpty() code!: string;
  @IsString() description!: string;
  @IsString()
  @Matches(DECIMAL, { message: 'amount must be a decimal string such as "120.50"' })
  amount!: string;
}

export class ChargesDto {
  @IsISO4217CurrencyCode()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an upper-case ISO 4217 code such as "EUR"' })
  currency!: string;
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ChargeLineDto)
  lines!: ChargeLineDto[];
}

export class ReferencesDto {
  @IsOptional() @IsArray() @IsString({ each: true }) trackingNumbers?: string[];
  @IsOptional() @IsString() pro?: string;
  @IsOptional() @IsString() billOfLading?: string;
  @IsOptional() @IsArray() @IsString({ each: true }) purchaseOrders?: string[];
}

export class ShipmentBookedDto extends ShipmentMessageDto {
  @IsString() @IsNotEmpty() orderId!: string;
  @IsCustomerId() customerId!: string;
  @IsString() @IsNotEmpty() carrierId!: string;
  @IsDefined() @Validate(IsPlace) origin!: string | AddressDto;
  @IsDefined() @Validate(IsPlace) destination!: string | AddressDto;
  @IsOptional()
  @IsOffsetTime()
  promisedDeliveryBy?: string;
  @IsDefined() @IsObject() @ValidateNested() @Type(() => ChargesDto) charges!: ChargesDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ReferencesDto) references?: ReferencesDto;
}

export class ShipmentMilestoneDto extends ShipmentMessageDto {
  @IsIn(MILESTONES) milestone!: (typeof MILESTONES)[number];
  @IsOptional() @IsString() location?: string;
  @IsOptional() @IsString() carrierId?: string;
}

export class ShipmentExceptionDto extends ShipmentMessageDto {
  @IsString() @Length(1, 256) exceptionId!: string;
  @IsIn(EXCEPTION_CODES) code!: (typeof EXCEPTION_CODES)[number];
  @IsIn(SEVERITIES) severity!: (typeof SEVERITIES)[number];
  @IsOptional() @IsString() description?: string;
}

export class ShipmentExceptionClearedDto extends ShipmentMessageDto {
  @IsString() @Length(1, 256) exceptionId!: string;
  @IsString() @IsNotEmpty() resolution!: string;
}

export class ShipmentPodDto extends ShipmentMessageDto {
  @IsString() @Length(1, 256) podId!: string;
  @IsOptional() @IsString() signedBy?: string;
  @IsBoolean() signatureCaptured!: boolean;
  @IsOptional() @IsString() documentRef?: string;
  @IsOptional() @IsString() remarks?: string;
}

export class ShipmentTemperatureDto extends ShipmentMessageDto {
  @IsNumber({ allowNaN: false, allowInfinity: false }) minCelsius!: number;
  @IsNumber({ allowNaN: false, allowInfinity: false }) maxCelsius!: number;
  @IsNumber({ allowNaN: false, allowInfinity: false }) allowedMinCelsius!: number;
  @IsNumber({ allowNaN: false, allowInfinity: false }) allowedMaxCelsius!: number;
}

/** `shipment.eta` (addition to contract v1): an estimate, never a milestone. */
export class ShipmentEtaDto extends ShipmentMessageDto {
  @IsIn(ESTIMATES) estimate!: (typeof ESTIMATES)[number];
  @IsOffsetTime()
  estimatedAt!: string;
  @IsOptional() @IsString() @IsNotEmpty() carrierId?: string;
}

/** `shipment.appointment` (addition to contract v1): a pick-up or delivery appointment. */
export class ShipmentAppointmentDto extends ShipmentMessageDto {
  @IsIn(APPOINTMENTS) appointment!: (typeof APPOINTMENTS)[number];
  @IsString() @Length(1, 64) code!: string;
  @IsOptional() @IsString() @Length(1, 256) reason?: string;
  @IsOffsetTime()
  appointmentAt!: string;
  @IsOptional() @IsString() @IsNotEmpty() carrierId?: string;
}

/** `shipment.carrier-invoice` (addition to contract v1): a carrier's freight invoice, for freight audit. */
export class ShipmentCarrierInvoiceDto extends ShipmentMessageDto {
  @IsString() @Length(1, 128) invoiceNumber!: string;
  @IsString() @IsNotEmpty() carrierId!: string;
  @IsISO4217CurrencyCode()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an upper-case ISO 4217 code such as "EUR"' })
  currency!: string;
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ChargeLineDto)
  lines!: ChargeLineDto[];
  @IsString()
  @Matches(DECIMAL, { message: 'total must be a decimal string such as "120.50"' })
  total!: string;
}

export class BillingPolicyDto {
  @IsIn(BILLING_TRIGGERS) billingTrigger!: (typeof BILLING_TRIGGERS)[number];
  @IsOptional() @IsBoolean() requireSignedPod?: boolean;
  @IsOptional() @IsBoolean() requireTemperatureCompliance?: boolean;
  @IsOptional() @IsBoolean() requireExceptionsCleared?: boolean;
  /** At most a year: a grace longer than that is a typo, and a huge one overflows any date. */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(8760)
  podGraceHours?: number;
}

/** `contract`: the one canonical message with no shipmentId. */
export class ContractDto extends CanonicalMessageDto {
  // The rule bookings have, so that every customer a booking names can be given a contract.
  @IsCustomerId() customerId!: string;
  @IsString() @IsNotEmpty() @MaxLength(128) contractId!: string;
  @IsDefined() @IsObject() @ValidateNested() @Type(() => BillingPolicyDto) policy!: BillingPolicyDto;
}

export class InvoiceReleasedDto extends ShipmentMessageDto {
  @IsString() @IsNotEmpty() commandId!: string;
  @IsString() @IsNotEmpty() invoiceNumber!: string;
}

export class InvoiceRejectedDto extends ShipmentMessageDto {
  @IsString() @IsNotEmpty() commandId!: string;
  @IsString() @IsNotEmpty() reason!: string;
}

export class CaseOpenedDto extends ShipmentMessageDto {
  @IsString() @IsNotEmpty() commandId!: string;
  @IsString() @IsNotEmpty() caseId!: string;
}

export class CaseResolvedDto extends ShipmentMessageDto {
  @IsString() @IsNotEmpty() caseId!: string;
  @IsString() @IsNotEmpty() resolution!: string;
}
