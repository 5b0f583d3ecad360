import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { CONTRACT_STREAM_PREFIX, SHIPMENT_STREAM_PREFIX } from '@waybill/domain';
import type { EventStore } from '@waybill/event-store';
import { billableShipmentsProjection, exceptionQueueProjection } from '@waybill/projections';
import { billableShipmentsTable, exceptionQueueTable, ProjectionRunner } from '@waybill/read-models';
import type { WaybillConfig } from '@waybill/platform';
import { CONFIG, EVENT_STORE, LOGGER, PG_POOL } from './processor.tokens';

/**
 * Keeps the read models the API serves (billable shipments, the exception queue) in PostgreSQL,
 * each by a `ProjectionRunner` that commits its rows and its checkpoint in one transaction. One
 * processor instance at a time runs each (a leader lock); the others stand by.
 */
@Injectable()
export class ReadModelsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runners: ProjectionRunner<never>[] = [];

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) private readonly config: WaybillConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.processorRoles.has('read-models')) return;
    const common = {
      store: this.store,
      pool: this.pool,
      streamPrefixes: [SHIPMENT_STREAM_PREFIX, CONTRACT_STREAM_PREFIX],
      // Small batches: a batch is folded in one go on the event loop that ingest and billing share,
      // and a long one would hold up their latency.
      batchSize: 100,
      onError: (error: unknown) => this.logger.error({ err: error }, 'read-model batch failed; retrying'),
    };
    const runners = [
      new ProjectionRunner({
        ...common,
        projection: billableShipmentsProjection,
        tables: [billableShipmentsTable],
      }),
      new ProjectionRunner({
        ...common,
        projection: exceptionQueueProjection,
        tables: [exceptionQueueTable],
      }),
    ];
    for (const runner of runners) {
      await runner.start();
      this.runners.push(runner as unknown as ProjectionRunner<never>);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop()));
  }
}
