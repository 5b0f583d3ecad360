import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BILLING_STATUSES, type BillingStatus } from '@waybill/domain';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { ListQueryDto } from '../http/list-query.dto';

export class BillingShipmentsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: BILLING_STATUSES })
  @IsOptional()
  @IsIn(BILLING_STATUSES)
  status?: BillingStatus;

  @ApiPropertyOptional({ example: 'C-ACME', maxLength: 128 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  customerId?: string;

  @ApiPropertyOptional({ example: 'UPSN', maxLength: 128 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  carrierId?: string;
}

export class BillableShipmentDto {
  @ApiProperty({ example: 'SHP-1' }) shipmentId!: string;
  @ApiProperty({ type: String, nullable: true, description: 'null until the booking arrives' })
  customerId!: string | null;
  @ApiProperty({ type: String, nullable: true }) carrierId!: string | null;
  @ApiProperty({ type: String, nullable: true }) orderId!: string | null;
  @ApiProperty({ enum: BILLING_STATUSES }) status!: BillingStatus;
  @ApiProperty({ type: [String], description: 'Why it is not billable; empty when it is', example: [] })
  reasons!: string[];
  @ApiProperty({ type: String, nullable: true }) contractId!: string | null;
  @ApiProperty({ type: Number, nullable: true }) policyVersion!: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '1284.50',
    description: 'Exact decimal sum of the charge lines (of the standing release, else the booking)',
  })
  amount!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'EUR' }) currency!: string | null;
  @ApiProperty({ type: String, nullable: true }) deliveredAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'When the current hold reasons began' })
  holdSince!: string | null;
  @ApiProperty({ type: String, nullable: true }) releaseRequestedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) invoicedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) invoiceNumber!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "When the log last recorded an event of the shipment or of its customer's contract",
  })
  lastEventAt!: string | null;
  @ApiProperty({ description: "Revision of the shipment's stream last applied; -1 before any" })
  revision!: number;
}

export class BillableShipmentPageDto {
  @ApiProperty({ type: [BillableShipmentDto] }) items!: BillableShipmentDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
