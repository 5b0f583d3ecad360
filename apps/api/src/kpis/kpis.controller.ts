import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CarrierScorecard, Kpis } from '@waybill/projections';
import { RequiresRole } from '../auth/requires-role.decorator';
import { ApiProblems } from '../problems/problem.dto';
import { CarrierScorecardListDto, KpisDto, KpiWindowQueryDto } from './kpis.dto';
import { type KpiWindow, kpiWindow, KpisService } from './kpis.service';

@ApiTags('kpis')
@Controller('v1')
@RequiresRole('reader')
export class KpisController {
  constructor(private readonly kpis: KpisService) {}

  @Get('kpis')
  @ApiOperation({
    summary: 'Operational KPIs over a window [from, to), by default the last 24 h',
    description:
      'Computed at query time from the KPI read models (they trail the event log by their lag) and the parked ' +
      'messages. Each shipment measure takes the facts whose own time falls in the window (a duration counts when ' +
      'it ends); event latency counts the whole UTC hours that overlap it. `deliveredNotBillable` is the backlog ' +
      'now, whatever the window. `duplicateRate` is (corroborating reports + exact duplicates) / messages, both ' +
      'counted by the processor per hour and outcome (table `ingest_counts`, hours overlapping the window). Where ' +
      'no processor keeps that table, the exact duplicates (a messageId already recorded, dropped at ingest) count ' +
      'as 0 and messages are the reports recorded in those hours plus the messages parked in the window. ' +
      '400 when `from` is not before `to`; 503 while the KPI read models have not been built on this database.',
  })
  @ApiOkResponse({ type: KpisDto })
  @ApiProblems(400, 503)
  async get(@Query() query: KpiWindowQueryDto): Promise<KpiWindow & Kpis> {
    const now = new Date();
    const window = kpiWindow(query, now);
    const kpis = await this.kpis.kpis(window, now);
    return { ...window, ...kpis };
  }

  @Get('carriers/scorecard')
  @ApiOperation({
    summary:
      "Each carrier's scorecard over a window [from, to), by default the last 24 h (an addition to v1)",
    description:
      'Per carrier, sorted by carrierId: shipments booked and delivered in the window, on time and late, ' +
      'exceptions raised by code, delivery/temperature/POD cases, and the latency of its movement reports. A ' +
      'shipment counts for the carrier its booking names now; a carrier with nothing in the window is left out. ' +
      '400 when `from` is not before `to`; 503 while the KPI read model has not been built on this database.',
  })
  @ApiOkResponse({ type: CarrierScorecardListDto })
  @ApiProblems(400, 503)
  async scorecard(@Query() query: KpiWindowQueryDto): Promise<KpiWindow & { items: CarrierScorecard[] }> {
    const window = kpiWindow(query, new Date());
    return { ...window, items: await this.kpis.carrierScorecard(window) };
  }
}
