import { Controller, Get, Res } from '@nestjs/common';
import { register as sharedRegistry } from 'prom-client';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { PublicRoute } from '../auth/requires-role.decorator';
import { HttpMetrics } from './http-metrics';

@ApiTags('operations')
@Controller('metrics')
@PublicRoute()
export class MetricsController {
  constructor(private readonly metrics: HttpMetrics) {}

  @Get()
  @ApiOperation({
    summary:
      'Prometheus metrics: process defaults, HTTP requests, and ingest counters when the processor runs in this process',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format', schema: { type: 'string' } })
  async scrape(@Res({ passthrough: true }) response: Response): Promise<string> {
    response.setHeader('Content-Type', this.metrics.registry.contentType);
    // When the processor runs in the same process (`npm start`), its ingest counters live in
    // prom-client's shared registry: serve them too. Rendered one registry at a time, because
    // `Registry.merge` drops the API registry's default label (`service`).
    const own = await this.metrics.registry.metrics();
    const shared = await sharedRegistry.metrics();
    return shared.trim() === '' ? own : `${own.endsWith('\n') ? own : `${own}\n`}${shared}`;
  }
}
