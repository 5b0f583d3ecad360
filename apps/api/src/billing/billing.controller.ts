import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequiresRole } from '../auth/requires-role.decorator';
import type { Page } from '../http/cursor';
import { ApiProblems } from '../problems/problem.dto';
import { BillableShipmentDto, BillableShipmentPageDto, BillingShipmentsQueryDto } from './billing.dto';
import { BillingService } from './billing.service';

@ApiTags('billing')
@Controller('v1/billing')
@RequiresRole('reader')
export class BillingController {
  constructor(private readonly billing: BillingService) {}

  @Get('shipments')
  @ApiOperation({
    summary: 'Billable-shipment read model, one line per shipment, by shipmentId',
    description:
      'Kept by the billable-shipments projection runner, so it trails the event log by its lag. ' +
      'Filters `status`, `customerId`, `carrierId`; 503 while the read model has not been built on this database.',
  })
  @ApiOkResponse({ type: BillableShipmentPageDto })
  @ApiProblems(400, 503)
  async list(@Query() query: BillingShipmentsQueryDto): Promise<Page<BillableShipmentDto>> {
    return this.billing.list(query);
  }
}
