import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { READ_MODELS, type RebuildStatus } from '@waybill/read-models';
import { IsBoolean, IsOptional, IsString, IsUUID } from 'class-validator';
import { ListQueryDto } from '../http/list-query.dto';

export const PROJECTION_NAMES = READ_MODELS.map((definition) => definition.projection.name);
export const PROJECTION_STATUSES = ['live', 'outdated', 'rebuilding', 'not_started'] as const;
export type ProjectionStatus = (typeof PROJECTION_STATUSES)[number];
export const REBUILD_STATUSES: readonly RebuildStatus[] = [
  'requested',
  'running',
  'swapping',
  'swapped',
  'dry_run_complete',
  'failed',
];

/**
 * `GET /v1/projections` pages like every list (contract v1 §4), by read model name; there are few
 * enough that the default page holds them all. Any other parameter is a 400, like a typo anywhere.
 */
export class ProjectionsQueryDto extends ListQueryDto {}

// Any name passes validation: an unknown read model is a 404, not a 400.
export class ProjectionParams {
  @ApiProperty({ enum: PROJECTION_NAMES, description: 'A read model, by its projection name' })
  @IsString()
  name!: string;
}

export class RebuildParams extends ProjectionParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'rebuildId must be a UUID' })
  rebuildId!: string;
}

export class RebuildRequestDto {
  @ApiPropertyOptional({
    default: false,
    description: 'Build and compare only: the diff report is kept, the live read model is not replaced',
  })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

export class RebuildAcceptedDto {
  @ApiProperty({ format: 'uuid' }) rebuildId!: string;
}

export class ActiveRebuildDto {
  @ApiProperty({ format: 'uuid' }) rebuildId!: string;
  @ApiProperty({ enum: ['requested', 'running', 'swapping'] }) status!: RebuildStatus;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: '0–1; null until it runs, or when the store cannot count',
  })
  progress!: number | null;
  @ApiProperty({ description: '0 until it runs' }) eventsPerSecond!: number;
  @ApiProperty({ type: Number, nullable: true }) etaSeconds!: number | null;
}

export class ProjectionDto {
  @ApiProperty({ enum: PROJECTION_NAMES }) name!: string;
  @ApiProperty({
    enum: PROJECTION_STATUSES,
    description:
      '`rebuilding` while a rebuild is requested or under way; else `outdated` when the stored rows were built by ' +
      'another version of the projection (they are served but not followed until a rebuild swaps); else ' +
      '`not_started` when no runner has started on this database; else `live`',
  })
  status!: ProjectionStatus;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '1042/1042',
    description: '`commit/prepare`; null before any runner started',
  })
  checkpoint!: string | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Events of its streams after the checkpoint; null when the event store cannot count them',
  })
  lagEvents!: number | null;
  @ApiProperty({
    description: 'Seconds since the first event after the checkpoint was recorded; 0 when it is caught up',
  })
  lagSeconds!: number;
  @ApiProperty({ type: ActiveRebuildDto, nullable: true }) rebuild!: ActiveRebuildDto | null;
}

export class ProjectionListDto {
  @ApiProperty({ type: [ProjectionDto] }) items!: ProjectionDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Opaque cursor of the next page; null on the last',
  })
  nextCursor!: string | null;
}

export class RebuildProgressDto {
  @ApiProperty() eventsApplied!: number;
  @ApiProperty({ type: Number, nullable: true }) eventsRemaining!: number | null;
  @ApiProperty({ type: Number, nullable: true }) progress!: number | null;
  @ApiProperty() eventsPerSecond!: number;
  @ApiProperty({ type: Number, nullable: true }) etaSeconds!: number | null;
  @ApiProperty({ type: String, nullable: true, description: "The rebuilt copy's checkpoint" })
  checkpoint!: string | null;
}

class DiffSideDto {
  @ApiProperty() status!: string;
  @ApiProperty({ type: String, nullable: true }) amount!: string | null;
}

export class DiffLineDto {
  @ApiProperty({ description: 'The entry: a shipmentId, an exception-queue id, an hour' }) key!: string;
  @ApiProperty({ type: DiffSideDto, nullable: true, description: 'null when only in the rebuilt copy' })
  before!: DiffSideDto | null;
  @ApiProperty({ type: DiffSideDto, nullable: true, description: 'null when only in the live copy' })
  after!: DiffSideDto | null;
}

export class DiffReportDto {
  @ApiProperty({ description: 'Entries whose status or amount changed, appeared or disappeared' })
  changedCount!: number;
  @ApiProperty({ type: [DiffLineDto], description: 'The first 1,000 of them, by key' })
  changed!: DiffLineDto[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { billable: 12 } })
  countsBefore!: Record<string, number>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { billable: 13 } })
  countsAfter!: Record<string, number>;
}

export class RebuildDto {
  @ApiProperty({ format: 'uuid' }) rebuildId!: string;
  @ApiProperty({ enum: PROJECTION_NAMES }) projection!: string;
  @ApiProperty({ description: 'The projection version it builds' }) version!: number;
  @ApiProperty() dryRun!: boolean;
  @ApiProperty({ enum: REBUILD_STATUSES }) status!: RebuildStatus;
  @ApiProperty({ example: 'api:admin' }) requestedBy!: string;
  @ApiProperty({ type: String, format: 'date-time' }) requestedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: Date | null;
  @ApiProperty({ type: RebuildProgressDto, nullable: true }) progress!: RebuildProgressDto | null;
  @ApiProperty({
    type: DiffReportDto,
    nullable: true,
    description: 'Live (before) against rebuilt (after) at one checkpoint; set once compared',
  })
  diff!: DiffReportDto | null;
  @ApiProperty({ description: 'Whether the rebuilt copy replaced the live one' }) swapped!: boolean;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
}
