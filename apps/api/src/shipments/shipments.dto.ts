import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { ListQueryDto } from '../http/list-query.dto';
import { IsTimestamp } from '../http/timestamp';

/** Contract v1 §2: `shipmentId` is 1–64 chars of `[A-Za-z0-9._:-]`. */
export const SHIPMENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

export class ShipmentParams {
  @ApiProperty({ example: 'SHP-1', pattern: SHIPMENT_ID_PATTERN.source })
  @Matches(SHIPMENT_ID_PATTERN, {
    message: 'id must be 1-64 characters of A-Z, a-z, 0-9, ".", "_", ":" or "-"',
  })
  id!: string;
}

export class ShipmentQueryDto {
  @ApiPropertyOptional({
    description:
      'RFC 3339 timestamp with offset: the state as Waybill knew it then (events recorded up to it)',
    example: '2025-03-01T12:00:00Z',
    type: String,
    format: 'date-time',
  })
  @IsOptional()
  @IsTimestamp()
  asOf?: Date;
}

export class ShipmentEventsQueryDto extends ListQueryDto {}

class MilestoneDto {
  @ApiProperty({
    enum: ['dispatched', 'in_transit', 'out_for_delivery', 'arrived', 'delivered', 'returned', 'cancelled'],
  })
  milestone!: string;
  @ApiProperty({ description: 'Earliest time any source reported it' }) occurredAt!: string;
  @ApiProperty() receivedAt!: string;
  @ApiProperty({ example: 'tms' }) source!: string;
  @ApiPropertyOptional() location?: string;
  @ApiProperty({ type: [String] }) reportedBy!: string[];
}

class ShipmentExceptionDto {
  @ApiProperty() exceptionId!: string;
  @ApiProperty({ type: String, nullable: true, example: 'delay' }) code!: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['low', 'medium', 'high'] }) severity!: string | null;
  @ApiProperty({ enum: ['open', 'resolved'] }) status!: string;
  @ApiProperty({ type: String, nullable: true }) raisedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) clearedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) resolution!: string | null;
  @ApiProperty({ enum: ['operations', 'finance', 'service'], description: 'Who deals with it' })
  owner!: 'operations' | 'finance' | 'service';
}

class PodDto {
  @ApiProperty() podId!: string;
  @ApiProperty() signatureCaptured!: boolean;
  @ApiProperty({ type: String, nullable: true }) signedBy!: string | null;
  @ApiProperty({ type: String, nullable: true }) documentRef!: string | null;
  @ApiProperty({ type: String, nullable: true }) remarks!: string | null;
  @ApiProperty() occurredAt!: string;
}

class TemperatureDto {
  @ApiProperty() compliant!: boolean;
  @ApiProperty() readings!: number;
  @ApiProperty() excursions!: number;
  @ApiProperty({ type: Number, nullable: true }) lowestCelsius!: number | null;
  @ApiProperty({ type: Number, nullable: true }) highestCelsius!: number | null;
}

class BillingDto {
  @ApiProperty({
    enum: [
      'awaiting_delivery',
      'awaiting_pod',
      'on_hold',
      'billable',
      'release_requested',
      'invoiced',
      'rejected',
    ],
  })
  status!: string;
  @ApiProperty({ type: [String], example: ['no_contract'] }) reasons!: string[];
  @ApiProperty({ type: String, nullable: true, example: 'INV-9' }) invoiceNumber!: string | null;
  @ApiPropertyOptional({ description: 'The contract behind the status shown; absent when there is none' })
  contractId?: string;
  @ApiPropertyOptional({ description: 'The policy version behind the status shown' })
  policyVersion?: number;
}

class ReportsDto {
  @ApiProperty({ description: 'Reports that confirmed a fact already known' }) corroborating!: number;
  @ApiProperty({ description: 'Reports recorded but not applied (e.g. a movement after cancellation)' })
  rejected!: number;
}

const anyJson = {
  oneOf: [{ type: 'string' }, { type: 'object', additionalProperties: true }],
  nullable: true,
};

export class ShipmentViewDto {
  @ApiProperty({ example: 'SHP-1' }) shipmentId!: string;
  @ApiProperty({ description: 'Revision of the last event folded (0-based)', example: 7 }) revision!: number;
  @ApiProperty({
    enum: [
      'unbooked',
      'booked',
      'dispatched',
      'in_transit',
      'out_for_delivery',
      'arrived',
      'delivered',
      'returned',
      'cancelled',
    ],
    description: 'The furthest point of the lifecycle reached, not the last message received',
  })
  status!: string;
  @ApiProperty({ type: String, nullable: true }) furthestMilestone!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'C-1' }) customerId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'SO-1' }) orderId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'UPSN' }) carrierId!: string | null;
  @ApiProperty(anyJson) origin!: unknown;
  @ApiProperty(anyJson) destination!: unknown;
  @ApiProperty({ type: String, nullable: true }) promisedDeliveryBy!: string | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description: '{ currency, lines }',
  })
  charges!: unknown;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true }) references!: unknown;
  @ApiProperty({ type: [MilestoneDto] }) milestones!: MilestoneDto[];
  @ApiProperty({ type: [ShipmentExceptionDto] }) exceptions!: ShipmentExceptionDto[];
  @ApiProperty({ type: PodDto, nullable: true }) pod!: PodDto | null;
  @ApiProperty({ type: TemperatureDto }) temperature!: TemperatureDto;
  @ApiProperty({ type: BillingDto }) billing!: BillingDto;
  @ApiProperty({ type: ReportsDto }) reports!: ReportsDto;
}

export class ShipmentEventDto {
  @ApiProperty({ description: 'Event id (deterministic UUID)' }) id!: string;
  @ApiProperty({ example: 'ShipmentBooked' }) type!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: unknown;
  @ApiProperty({ description: '0-based revision in the shipment stream', example: 0 }) revision!: number;
  @ApiProperty({ description: 'Global position, `commit/prepare`', example: '7431/12' }) position!: string;
  @ApiProperty({ description: 'When the event store committed it' }) recordedAt!: string;
  @ApiProperty({ description: 'When it happened at the source' }) occurredAt!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The ingest message it records; null for events Waybill decided itself',
  })
  messageId!: string | null;
  @ApiProperty() correlationId!: string;
  @ApiProperty({ description: 'The ingest messageId, or the id of the event that led to a decision' })
  causationId!: string;
  @ApiProperty({ example: 'tms' }) source!: string;
}

export class ShipmentEventPageDto {
  @ApiProperty({ type: [ShipmentEventDto] }) items!: ShipmentEventDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
