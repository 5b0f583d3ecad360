import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Rebuild } from '@waybill/read-models';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { RequiresRole } from '../auth/requires-role.decorator';
import { decodeCursor, toPage } from '../http/cursor';
import { ApiProblems } from '../problems/problem.dto';
import {
  PROJECTION_NAMES,
  ProjectionListDto,
  ProjectionParams,
  ProjectionsQueryDto,
  RebuildAcceptedDto,
  RebuildDto,
  RebuildParams,
  RebuildRequestDto,
} from './projections.dto';
import { ProjectionsService } from './projections.service';

/** The scope of this list's cursors: a cursor of another list is a 400. */
const PROJECTIONS_CURSOR = 'projections';

@ApiTags('projections')
@Controller('v1/projections')
@RequiresRole('admin')
export class ProjectionsController {
  constructor(private readonly projections: ProjectionsService) {}

  @Get()
  @ApiOperation({
    summary: 'Every read model: status, checkpoint, lag behind the event log, rebuild under way',
    description:
      '`lagEvents` counts the events of its streams after the checkpoint (null when the event store cannot count ' +
      'them); `lagSeconds` is the age of the first of them (0 when caught up). `rebuild` is the rebuild that is ' +
      'requested or running, with its progress, else null.',
  })
  @ApiOkResponse({ type: ProjectionListDto })
  @ApiProblems(400)
  async list(@Query() query: ProjectionsQueryDto): Promise<ProjectionListDto> {
    const all = await this.projections.list();
    const after =
      query.cursor === undefined
        ? undefined
        : decodeCursor(PROJECTIONS_CURSOR, query.cursor, (name) => PROJECTION_NAMES.includes(name));
    const start = after === undefined ? 0 : all.findIndex((projection) => projection.name === after) + 1;
    return toPage(
      all.slice(start, start + query.limit + 1),
      query.limit,
      PROJECTIONS_CURSOR,
      (projection) => projection.name,
      (projection) => projection,
    );
  }

  @Post(':name/rebuild')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Request a zero-downtime rebuild of a read model',
    description:
      'A processor with the `read-models` role picks the request up within about a second, builds a second copy ' +
      'from the start of the log beside the live one, compares both at one checkpoint and, unless `dryRun`, swaps ' +
      'the new copy in. Follow it with `GET /v1/projections/{name}/rebuilds/{rebuildId}`. 404 for an unknown read ' +
      'model, 409 while another rebuild of it is requested or running.',
  })
  @ApiBody({ type: RebuildRequestDto, required: false })
  @ApiAcceptedResponse({ type: RebuildAcceptedDto })
  @ApiProblems(400, 404, 409)
  async rebuild(
    @Param() params: ProjectionParams,
    @Body() body: RebuildRequestDto,
    @Req() request: AuthenticatedRequest,
  ): Promise<RebuildAcceptedDto> {
    const rebuild = await this.projections.requestRebuild(
      params.name,
      body.dryRun ?? false,
      `api:${request.waybillRole ?? 'admin'}`,
    );
    return { rebuildId: rebuild.rebuildId };
  }

  @Get(':name/rebuilds/:rebuildId')
  @ApiOperation({
    summary: 'A rebuild: its status and progress, then the diff report and whether it was swapped in',
    description:
      'The diff compares the live copy (`before`) with the rebuilt one (`after`) at one checkpoint: the entries ' +
      'whose status or amount changed and the number of entries per status on each side. A dry run ends in ' +
      '`dry_run_complete` with the diff; a rebuild in `swapped`.',
  })
  @ApiOkResponse({ type: RebuildDto })
  @ApiProblems(400, 404)
  async get(@Param() params: RebuildParams): Promise<Rebuild> {
    return this.projections.rebuild(params.name, params.rebuildId);
  }
}
