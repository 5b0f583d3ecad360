import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import type { EventStore } from '@waybill/event-store';
import type { Response } from 'express';
import { Pool } from 'pg';
import { EVENT_STORE, PG_POOL } from '../api.tokens';
import { PublicRoute } from '../auth/requires-role.decorator';
import { NatsLink } from '../nats/nats-link';

const PROBE_TIMEOUT_MS = 2_000;

const HEALTH_SCHEMA = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'error'] },
    info: { type: 'object', additionalProperties: true },
    error: { type: 'object', additionalProperties: true },
    details: {
      type: 'object',
      description: 'Each dependency (`nats`, `eventStore`, `postgres`) with `status` up or down',
      additionalProperties: true,
      example: { nats: { status: 'up' }, eventStore: { status: 'up' }, postgres: { status: 'up' } },
    },
  },
};

/**
 * Answers 200 when NATS, the event store and PostgreSQL all answer, else 503; either way the body
 * names each of them. A report rather than an error, so it keeps terminus' body shape even on 503.
 */
@ApiTags('operations')
@Controller('health')
@PublicRoute()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly nats: NatsLink,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Reachability of NATS, the event store and PostgreSQL' })
  @ApiOkResponse({ description: 'All reachable', schema: HEALTH_SCHEMA })
  @ApiServiceUnavailableResponse({ description: 'At least one is unreachable', schema: HEALTH_SCHEMA })
  async check(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.probe('nats', () => this.nats.ping()),
        () => this.probe('eventStore', () => this.eventStore.ping()),
        () => this.probe('postgres', async () => void (await this.pool.query('SELECT 1'))),
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }

  private async probe(key: string, ping: () => Promise<void>): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      await withTimeout(ping(), PROBE_TIMEOUT_MS);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}

async function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
