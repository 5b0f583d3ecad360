import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequiresRole } from '../auth/requires-role.decorator';
import type { Page } from '../http/cursor';
import { ApiProblems } from '../problems/problem.dto';
import {
  DiscardDto,
  ParkedItemDto,
  ParkedPageDto,
  ParkedParams,
  ParkedQueryDto,
  ReplayDto,
  ReplayedItemDto,
} from './parked.dto';
import { type ParkedItem, ParkedService, type ReplayedItem } from './parked.service';

@ApiTags('parked')
@Controller('v1/parked')
@RequiresRole('operator')
export class ParkedController {
  constructor(private readonly parked: ParkedService) {}

  @Get()
  @ApiOperation({ summary: 'Parked messages, oldest first; filter by reason and status' })
  @ApiOkResponse({ type: ParkedPageDto })
  @ApiProblems(400)
  async list(@Query() query: ParkedQueryDto): Promise<Page<ParkedItem>> {
    return this.parked.list(query);
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Publish a parked message again on its original subject, then mark it replayed',
    description:
      'The raw bytes and headers go back to JetStream with `Nats-Msg-Id: replay:<id>`, so a second replay of ' +
      'the same message is dropped by JetStream. Only a message in status `parked` can be replayed (else 409).',
  })
  @ApiBody({ type: ReplayDto, required: false })
  @ApiOkResponse({ type: ReplayedItemDto })
  @ApiProblems(400, 404, 409, 503)
  async replay(@Param() params: ParkedParams, @Body() body: ReplayDto): Promise<ReplayedItem> {
    return this.parked.replay(params.id, body.reason);
  }

  @Post(':id/discard')
  @HttpCode(200)
  @ApiOperation({ summary: 'Close a parked message without replaying it, with a reason' })
  @ApiOkResponse({ type: ParkedItemDto })
  @ApiProblems(400, 404, 409)
  async discard(@Param() params: ParkedParams, @Body() body: DiscardDto): Promise<ParkedItem> {
    return this.parked.discard(params.id, body.reason);
  }
}
