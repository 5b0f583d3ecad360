import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createEventStore, type EventStore } from '@waybill/event-store';
import { ParkedMessageStore } from '@waybill/parking';
import { READ_MODELS_SCHEMA } from '@waybill/read-models';
import { createLogger, type Logger, openPool, type WaybillConfig } from '@waybill/platform';
import type { NatsConnection } from 'nats';
import type { Pool } from 'pg';
import { ApiModule } from './api.module';
import { ApiKeys, generatedKeyNotice } from './auth/api-keys';
import { NatsLink } from './nats/nats-link';
import { PinoNestLogger } from './nest-logger';
import { setupOpenApi } from './openapi';
import { HttpMetrics } from './ops/http-metrics';

/** `ParkedMessageStore.create`'s default schema. */
const DEFAULT_PARKED_SCHEMA = 'waybill';

export interface CreateApiAppOptions {
  readonly config: WaybillConfig;
  /** Default: a pino logger named `api` at `config.logLevel`. */
  readonly logger?: Logger;
  /**
   * PostgreSQL for parked messages (and for the event store when the app creates it). Default: a
   * pool on `config.databaseUrl`, which the app opens and closes.
   */
  readonly pool?: Pool;
  /** Default: `createEventStore(config, pool)`, which the app closes. */
  readonly eventStore?: EventStore;
  /** Default: the app connects to `config.natsUrl` (retrying while NATS is down) and closes it. */
  readonly nats?: NatsConnection;
  /** Schema of the parked-message table. Default `waybill`. */
  readonly parkedSchema?: string;
  /**
   * Schema of the read-model query tables, kept by the projection runners of `apps/processor`.
   * Default `READ_MODELS_SCHEMA` of `@waybill/read-models`.
   */
  readonly readModelsSchema?: string;
  /**
   * Told the admin key the app generated when `config.apiKeys` is undefined. Default: prints it
   * once on stdout.
   */
  readonly onGeneratedKey?: (key: string) => void;
}

/**
 * The HTTP API as a Nest application, initialised but not listening: `main.ts` and the combined
 * launcher call `listen`, tests hand `getHttpServer()` to supertest. Closing the app closes what it
 * opened itself; what was handed in stays open for its owner.
 */
export async function createApiApp(options: CreateApiAppOptions): Promise<INestApplication> {
  const { config } = options;
  const logger = options.logger ?? createLogger('api', config.logLevel);
  const closers: (() => Promise<void>)[] = [];
  const release = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) {
      await close().catch((error: unknown) => logger.warn({ err: error }, 'closing a resource failed'));
    }
  };

  try {
    const keys = ApiKeys.fromConfig(
      config.apiKeys,
      options.onGeneratedKey ?? ((key) => process.stdout.write(generatedKeyNotice(key))),
    );

    let pool = options.pool;
    if (!pool) {
      const owned = await openPool(config.databaseUrl);
      closers.push(() => owned.end());
      pool = owned;
    }

    let eventStore = options.eventStore;
    if (!eventStore) {
      const owned = await createEventStore(config, pool);
      closers.push(() => owned.close());
      eventStore = owned;
    }

    const parkedSchema = options.parkedSchema ?? DEFAULT_PARKED_SCHEMA;
    const parkedStore = await ParkedMessageStore.create(pool, parkedSchema);
    const readModelsSchema = options.readModelsSchema ?? READ_MODELS_SCHEMA;

    const nats = options.nats ? NatsLink.of(options.nats) : await NatsLink.connect(config.natsUrl, logger);
    closers.push(() => nats.close());

    const metrics = new HttpMetrics();
    const app = await NestFactory.create<NestExpressApplication>(
      ApiModule.register({
        config,
        logger,
        keys,
        pool,
        eventStore,
        parkedStore,
        parkedSchema,
        readModelsSchema,
        nats,
        metrics,
        release,
      }),
      { logger: new PinoNestLogger(logger), abortOnError: false },
    );
    app.disable('x-powered-by');
    app.use(metrics.middleware());
    setupOpenApi(app);
    await app.init();
    return app;
  } catch (error) {
    await release();
    throw error;
  }
}
