import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import type { EventStore } from '@waybill/event-store';
import { ParkedMessageStore } from '@waybill/parking';
import type { Logger, WaybillConfig } from '@waybill/platform';
import { Rebuilds } from '@waybill/read-models';
import type { Pool } from 'pg';
import {
  API_LOGGER,
  EVENT_STORE,
  PARKED_SCHEMA,
  PG_POOL,
  READ_MODELS_SCHEMA_NAME,
  WAYBILL_CONFIG,
} from './api.tokens';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeys } from './auth/api-keys';
import { rateLimitOptions } from './auth/rate-limit';
import { BillingController } from './billing/billing.controller';
import { BillingService } from './billing/billing.service';
import { ContractsController } from './contracts/contracts.controller';
import { ContractsService } from './contracts/contracts.service';
import { ExceptionsController } from './exceptions/exceptions.controller';
import { ExceptionsService } from './exceptions/exceptions.service';
import { createValidationPipe } from './http/validation';
import { NatsLink } from './nats/nats-link';
import { KpisController } from './kpis/kpis.controller';
import { KpisService } from './kpis/kpis.service';
import { HealthController } from './ops/health.controller';
import { HttpMetrics } from './ops/http-metrics';
import { MetricsController } from './ops/metrics.controller';
import { ParkedController } from './parked/parked.controller';
import { ParkedService } from './parked/parked.service';
import { ProblemFilter } from './problems/problem.filter';
import { ProjectionsController } from './projections/projections.controller';
import { ProjectionsService } from './projections/projections.service';
import { ShipmentsController } from './shipments/shipments.controller';
import { ShipmentsService } from './shipments/shipments.service';

/** Everything the API runs on, made (or handed in) before Nest starts. */
export interface ApiDependencies {
  readonly config: WaybillConfig;
  readonly logger: Logger;
  readonly keys: ApiKeys;
  readonly pool: Pool;
  readonly eventStore: EventStore;
  readonly parkedStore: ParkedMessageStore;
  readonly parkedSchema: string;
  readonly readModelsSchema: string;
  readonly nats: NatsLink;
  readonly metrics: HttpMetrics;
  /** Closes what the app opened itself (not what was handed in), last opened first. */
  readonly release: () => Promise<void>;
}

class Resources implements OnApplicationShutdown {
  constructor(private readonly release: () => Promise<void>) {}

  async onApplicationShutdown(): Promise<void> {
    await this.release();
  }
}

@Module({})
export class ApiModule {
  static register(deps: ApiDependencies): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        ThrottlerModule.forRoot(rateLimitOptions(deps.keys, deps.config.rateLimitPerMinute)),
      ],
      controllers: [
        ShipmentsController,
        ContractsController,
        BillingController,
        ExceptionsController,
        ParkedController,
        KpisController,
        ProjectionsController,
        HealthController,
        MetricsController,
      ],
      providers: [
        { provide: WAYBILL_CONFIG, useValue: deps.config },
        { provide: API_LOGGER, useValue: deps.logger },
        { provide: ApiKeys, useValue: deps.keys },
        { provide: PG_POOL, useValue: deps.pool },
        { provide: EVENT_STORE, useValue: deps.eventStore },
        { provide: ParkedMessageStore, useValue: deps.parkedStore },
        { provide: PARKED_SCHEMA, useValue: deps.parkedSchema },
        { provide: READ_MODELS_SCHEMA_NAME, useValue: deps.readModelsSchema },
        { provide: NatsLink, useValue: deps.nats },
        { provide: HttpMetrics, useValue: deps.metrics },
        { provide: Resources, useValue: new Resources(deps.release) },
        {
          provide: Rebuilds,
          useValue: new Rebuilds({ pool: deps.pool, store: deps.eventStore, schema: deps.readModelsSchema }),
        },
        // Guards run in this order: the rate limit first, so that guessing keys is limited too.
        { provide: APP_GUARD, useClass: ThrottlerGuard },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_PIPE, useValue: createValidationPipe() },
        ShipmentsService,
        ContractsService,
        BillingService,
        ExceptionsService,
        ParkedService,
        KpisService,
        ProjectionsService,
      ],
    };
  }
}
