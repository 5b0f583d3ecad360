import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DELIVERY_AGE_BUCKETS } from '@waybill/projections';
import { IsOptional } from 'class-validator';
import { IsTimestamp } from '../http/timestamp';

export class KpiWindowQueryDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Start of the window, inclusive (RFC 3339 with offset). Default: 24 h before `to`',
  })
  @IsOptional()
  @IsTimestamp()
  from?: Date;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'End of the window, exclusive (RFC 3339 with offset). Default: now',
  })
  @IsOptional()
  @IsTimestamp()
  to?: Date;
}

export class PercentilesDto {
  @ApiProperty({ type: Number, nullable: true, description: 'null when there is no sample' }) p50!:
    number | null;
  @ApiProperty({ type: Number, nullable: true }) p95!: number | null;
  @ApiProperty() count!: number;
}

export class DeliveredNotBillableDto {
  @ApiProperty() count!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { EUR: '1284.50' },
    description: 'Exact decimal sum of their booked amounts, by currency',
  })
  value!: Record<string, string>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: Object.fromEntries(DELIVERY_AGE_BUCKETS.map((bucket) => [bucket, 0])),
    description: `How long since delivery, at now; keys ${DELIVERY_AGE_BUCKETS.join(', ')}`,
  })
  byAge!: Record<string, number>;
}

export class KpisDto {
  @ApiProperty({ type: String, format: 'date-time' }) from!: string;
  @ApiProperty({ type: String, format: 'date-time' }) to!: string;
  @ApiProperty({
    type: PercentilesDto,
    description:
      'receivedAt − occurredAt of the ingest messages, over the whole UTC hours overlapping the window',
  })
  eventLatencyMs!: PercentilesDto;
  @ApiProperty({ type: PercentilesDto, description: 'Delivery → invoice release requested, by release time' })
  invoiceReleaseMs!: PercentilesDto;
  @ApiProperty({ type: PercentilesDto, description: 'Delivery → invoiced, by invoice time' })
  invoicedMs!: PercentilesDto;
  @ApiProperty({ type: PercentilesDto, description: 'Exception raised → cleared, by clearing time' })
  exceptionResolutionMs!: PercentilesDto;
  @ApiProperty({ type: Number, nullable: true, description: '0–1 of the releases requested in the window' })
  touchlessBillingRate!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: '0–1; see the operation description' })
  duplicateRate!: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: '0–1 of the deliveries with a promise in the window',
  })
  onTimeDeliveryRate!: number | null;
  @ApiProperty({ type: DeliveredNotBillableDto }) deliveredNotBillable!: DeliveredNotBillableDto;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { invalid_message: 2 },
    description: 'Messages received in the window that were parked, by reason, whatever became of them since',
  })
  parkedByReason!: Record<string, number>;
}

export class CarrierScorecardDto {
  @ApiProperty({ example: 'UPSN' }) carrierId!: string;
  @ApiProperty({ description: 'Shipments booked in the window' }) booked!: number;
  @ApiProperty({ description: 'Shipments delivered in the window' }) delivered!: number;
  @ApiProperty() onTime!: number;
  @ApiProperty() late!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'onTime / (onTime + late)' }) onTimeRate!:
    number | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'Exceptions raised in the window, by code',
  })
  exceptions!: Record<string, number>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'Delivery, temperature and POD cases requested in the window, by category',
  })
  exceptionCases!: Record<string, number>;
  @ApiProperty({ type: PercentilesDto, description: "Latency of the carrier's movement reports" })
  eventLatencyMs!: PercentilesDto;
}

export class CarrierScorecardListDto {
  @ApiProperty({ type: String, format: 'date-time' }) from!: string;
  @ApiProperty({ type: String, format: 'date-time' }) to!: string;
  @ApiProperty({ type: [CarrierScorecardDto] }) items!: CarrierScorecardDto[];
}
