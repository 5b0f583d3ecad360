import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ExceptionQueueItem } from '@waybill/projections';
import { RequiresRole } from '../auth/requires-role.decorator';
import type { Page } from '../http/cursor';
import { ApiProblems } from '../problems/problem.dto';
import { ExceptionPageDto, ExceptionsQueryDto } from './exceptions.dto';
import { ExceptionsService } from './exceptions.service';

@ApiTags('exceptions')
@Controller('v1/exceptions')
@RequiresRole('reader')
export class ExceptionsController {
  constructor(private readonly exceptions: ExceptionsService) {}

  @Get()
  @ApiOperation({
    summary: 'The exception queue: billing holds, shipment exceptions and parked messages, by id',
    description:
      'Holds and exceptions come from the exception-queue read model (it trails the event log by its lag); ' +
      'parked messages are read live from the parked-message table as `kind: parked`, owner `operations`, ' +
      'open while parked and resolved once replayed or discarded. Both are merged in one order by `id`, so ' +
      'the cursor pages across both. Filters `status`, `owner`, `kind`, `shipmentId` apply to both; 503 while ' +
      'the read model has not been built on this database.',
  })
  @ApiOkResponse({ type: ExceptionPageDto })
  @ApiProblems(400, 503)
  async list(@Query() query: ExceptionsQueryDto): Promise<Page<ExceptionQueueItem>> {
    return this.exceptions.list(query);
  }
}
