import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsIn,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsString,
  MaxLength,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { BILLING_POLICY_DEFAULTS, BILLING_TRIGGERS, type BillingTrigger } from '@waybill/domain';
import { CUSTOMER_ID_MAX_LENGTH, IsCustomerId } from '@waybill/messaging';

export class ContractParams {
  // Any customer a booking may name (`IsCustomerId`), URL-encoded in the path.
  @ApiProperty({ example: 'C-ACME', minLength: 1, maxLength: CUSTOMER_ID_MAX_LENGTH })
  @IsCustomerId()
  customerId!: string;
}

/** A stated field may be left out, but not sent as `null`: null is no boolean and no number. */
const present = (_: object, value: unknown): boolean => value !== undefined;

export class BillingPolicyDto {
  @ApiProperty({ enum: BILLING_TRIGGERS, description: 'What makes a shipment billable' })
  @IsIn(BILLING_TRIGGERS, { message: `billingTrigger must be one of ${BILLING_TRIGGERS.join(', ')}` })
  billingTrigger!: BillingTrigger;

  @ApiPropertyOptional({
    default: BILLING_POLICY_DEFAULTS.requireSignedPod,
    description: 'Bill only with a POD that carries a signature',
  })
  @ValidateIf(present)
  @IsBoolean()
  requireSignedPod?: boolean;

  @ApiPropertyOptional({
    default: BILLING_POLICY_DEFAULTS.requireTemperatureCompliance,
    description: 'Bill only a shipment that never left its allowed temperature range',
  })
  @ValidateIf(present)
  @IsBoolean()
  requireTemperatureCompliance?: boolean;

  @ApiPropertyOptional({
    default: BILLING_POLICY_DEFAULTS.requireExceptionsCleared,
    description: 'Bill only a shipment with no open exception',
  })
  @ValidateIf(present)
  @IsBoolean()
  requireExceptionsCleared?: boolean;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 8760,
    default: BILLING_POLICY_DEFAULTS.podGraceHours,
    description: 'How long after delivery a missing POD becomes a service case',
  })
  @ValidateIf(present)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(8760)
  podGraceHours?: number;
}

export class PutContractDto {
  @ApiProperty({ example: 'K-ACME-2026', maxLength: 128 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  contractId!: string;

  @ApiProperty({
    type: BillingPolicyDto,
    description: 'Requirements left out take the defaults of contract v1 §2',
  })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => BillingPolicyDto)
  policy!: BillingPolicyDto;
}

class BillingPolicyViewDto {
  @ApiProperty({ enum: BILLING_TRIGGERS }) billingTrigger!: BillingTrigger;
  @ApiProperty() requireSignedPod!: boolean;
  @ApiProperty() requireTemperatureCompliance!: boolean;
  @ApiProperty() requireExceptionsCleared!: boolean;
  @ApiProperty() podGraceHours!: number;
}

export class ContractVersionDto {
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ example: 'K-ACME-2026' }) contractId!: string;
  @ApiProperty({ type: BillingPolicyViewDto, description: 'Complete: defaults filled in' })
  policy!: BillingPolicyViewDto;
  @ApiProperty({ description: 'The ingest message, or the Idempotency-Key of the PUT, that stated it' })
  messageId!: string;
  @ApiProperty({ example: 'api:admin' }) source!: string;
  @ApiProperty({ description: 'When it was stated at the source' }) occurredAt!: string;
  @ApiProperty({ description: 'When Waybill received it' }) receivedAt!: string;
  @ApiProperty({ description: 'When the event store committed it' }) recordedAt!: string;
}

export class ContractViewDto {
  @ApiProperty({ example: 'C-ACME' }) customerId!: string;
  @ApiProperty({ example: 'K-ACME-2026', description: 'Of the current version' }) contractId!: string;
  @ApiProperty({ example: 2, description: 'The current policy version: 1, 2, 3… per customer' })
  version!: number;
  @ApiProperty({ type: BillingPolicyViewDto }) policy!: BillingPolicyViewDto;
  @ApiProperty({ type: [ContractVersionDto], description: 'Every version, oldest first' })
  history!: ContractVersionDto[];
}
