import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ShipmentView } from '@waybill/domain';
import { RequiresRole } from '../auth/requires-role.decorator';
import type { Page } from '../http/cursor';
import { ApiProblems } from '../problems/problem.dto';
import {
  ShipmentEventPageDto,
  ShipmentEventsQueryDto,
  ShipmentParams,
  ShipmentQueryDto,
  ShipmentViewDto,
} from './shipments.dto';
import { type ShipmentEventItem, ShipmentsService } from './shipments.service';

@ApiTags('shipments')
@Controller('v1/shipments')
export class ShipmentsController {
  constructor(private readonly shipments: ShipmentsService) {}

  @Get(':id')
  @RequiresRole('reader')
  @ApiOperation({
    summary: 'Current state of a shipment, folded from its event log',
    description:
      'With `asOf`, the state as Waybill knew it then: only the events recorded up to that time. `billing` is ' +
      "evaluated under the customer's contract current at the same moment (`no_contract` without one).",
  })
  @ApiOkResponse({ type: ShipmentViewDto })
  @ApiProblems(400, 404)
  async get(@Param() params: ShipmentParams, @Query() query: ShipmentQueryDto): Promise<ShipmentView> {
    return this.shipments.view(params.id, query.asOf);
  }

  @Get(':id/events')
  @RequiresRole('auditor')
  @ApiOperation({ summary: "The shipment's events in revision order, paged" })
  @ApiOkResponse({ type: ShipmentEventPageDto })
  @ApiProblems(400, 404)
  async events(
    @Param() params: ShipmentParams,
    @Query() query: ShipmentEventsQueryDto,
  ): Promise<Page<ShipmentEventItem>> {
    return this.shipments.events(params.id, query.limit, query.cursor);
  }
}
