import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PARK_REASONS, PARKED_STATUSES, type ParkedStatus, type ParkReason } from '@waybill/parking';
import { ListQueryDto } from '../http/list-query.dto';

export const PARKED_ID_PATTERN = /^[0-9]{1,18}$/;

export class ParkedParams {
  @ApiProperty({ example: '42', pattern: PARKED_ID_PATTERN.source })
  @Matches(PARKED_ID_PATTERN, { message: 'id must be the id of a parked message (digits)' })
  id!: string;
}

export class ParkedQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: PARK_REASONS })
  @IsOptional()
  @IsIn(PARK_REASONS)
  reason?: ParkReason;

  @ApiPropertyOptional({ enum: PARKED_STATUSES })
  @IsOptional()
  @IsIn(PARKED_STATUSES)
  status?: ParkedStatus;
}

export class ReplayDto {
  @ApiPropertyOptional({
    description: 'Why it is replayed (recorded on the parked message)',
    maxLength: 1000,
  })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}

export class DiscardDto {
  @ApiProperty({
    description: 'Why it is closed without replay',
    maxLength: 1000,
    example: 'test message from TMS',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  reason!: string;
}

export class ParkedItemDto {
  @ApiProperty({ example: '42' }) id!: string;
  @ApiProperty({ example: 'waybill.ingest.shipment.booked' }) subject!: string;
  @ApiProperty({ enum: PARK_REASONS }) reason!: ParkReason;
  @ApiProperty({ example: 'occurredAt is missing' }) explanation!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'When the payload was readable enough to have one',
  })
  messageId!: string | null;
  @ApiProperty({ type: String, nullable: true }) shipmentId!: string | null;
  @ApiProperty({ type: String, nullable: true }) correlationId!: string | null;
  @ApiProperty() receivedAt!: string;
  @ApiProperty({ enum: PARKED_STATUSES }) status!: ParkedStatus;
  @ApiProperty({ type: String, nullable: true, description: 'The reason given on replay or discard' })
  statusReason!: string | null;
  @ApiProperty({ type: String, nullable: true }) statusChangedAt!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
    description: 'NATS headers as received',
  })
  headers!: Record<string, string[]>;
  @ApiProperty({ description: 'The message exactly as received, base64' }) rawBase64!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Carrier formats: where in the raw file the parked part is (addition to contract v1)',
  })
  place!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Carrier formats: the offending code' })
  code!: string | null;
  @ApiProperty({
    type: [String],
    description: 'unmatched_reference: the reference keys (`trackingNumber:1Z…`) that named no booking',
  })
  references!: string[];
}

export class ParkedPageDto {
  @ApiProperty({ type: [ParkedItemDto] }) items!: ParkedItemDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

class ReplayReceiptDto {
  @ApiProperty({ example: 'WAYBILL_INGEST' }) stream!: string;
  @ApiProperty() seq!: number;
  @ApiProperty({ description: 'JetStream had this replay already (same Nats-Msg-Id)' }) duplicate!: boolean;
  @ApiProperty({ example: 'replay:42' }) msgId!: string;
}

export class ReplayedItemDto extends ParkedItemDto {
  @ApiProperty({ type: ReplayReceiptDto }) replay!: ReplayReceiptDto;
}
