import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ExceptionOwner } from '@waybill/domain';
import type { ExceptionQueueItem } from '@waybill/projections';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { ListQueryDto } from '../http/list-query.dto';

export const EXCEPTION_KINDS = [
  'hold',
  'exception',
  'parked',
] as const satisfies readonly ExceptionQueueItem['kind'][];
export const EXCEPTION_OWNERS = [
  'operations',
  'finance',
  'service',
] as const satisfies readonly ExceptionOwner[];
export const EXCEPTION_STATUSES = [
  'open',
  'resolved',
] as const satisfies readonly ExceptionQueueItem['status'][];

export class ExceptionsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: EXCEPTION_STATUSES })
  @IsOptional()
  @IsIn(EXCEPTION_STATUSES)
  status?: ExceptionQueueItem['status'];

  @ApiPropertyOptional({ enum: EXCEPTION_OWNERS })
  @IsOptional()
  @IsIn(EXCEPTION_OWNERS)
  owner?: ExceptionOwner;

  @ApiPropertyOptional({ enum: EXCEPTION_KINDS })
  @IsOptional()
  @IsIn(EXCEPTION_KINDS)
  kind?: ExceptionQueueItem['kind'];

  @ApiPropertyOptional({ example: 'SHP-1', maxLength: 128 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  shipmentId?: string;
}

export class ExceptionItemDto {
  @ApiProperty({
    example: 'parked:42',
    description:
      'Unique across the queue; the list is ordered by it (code-point order). Parked messages are `parked:<parked id>`',
  })
  id!: string;
  @ApiProperty({ enum: EXCEPTION_KINDS }) kind!: ExceptionQueueItem['kind'];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'null when not known (an unreadable parked message)',
  })
  shipmentId!: string | null;
  @ApiProperty({
    example: 'pod_unsigned',
    description: 'The exception code, the hold reason or the park reason',
  })
  code!: string;
  @ApiProperty({ enum: EXCEPTION_OWNERS }) owner!: ExceptionOwner;
  @ApiProperty({ enum: EXCEPTION_STATUSES }) status!: ExceptionQueueItem['status'];
  @ApiProperty() openedAt!: string;
  @ApiProperty({ type: String, nullable: true }) resolvedAt!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'By kind: exception `{ exceptionId, severity, description, resolution, cases }` (or, for `erp_reply_overdue`, ' +
      '`{ commandId, sends, reply }`; for `carrier_charges_mismatch`, `{ invoiceNumber, carrierId, mismatch, ' +
      'invoicedTotal, invoicedCurrency, bookedTotal, bookedCurrency, difference }`); hold `{ contractId, policyVersion, cases }`; parked ' +
      '`{ parkedId, subject, explanation, messageId, parkedStatus }`',
  })
  detail!: Record<string, unknown>;
}

export class ExceptionPageDto {
  @ApiProperty({ type: [ExceptionItemDto] }) items!: ExceptionItemDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
