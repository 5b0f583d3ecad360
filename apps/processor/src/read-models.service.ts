import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { EventStore } from '@waybill/event-store';
import {
  ProjectionRunner,
  READ_MODELS,
  Rebuilds,
  type ReadModelDefinition,
  type Rebuild,
} from '@waybill/read-models';
import type { WaybillConfig } from '@waybill/platform';
import { CONFIG, EVENT_STORE, LOGGER, PG_POOL } from './processor.tokens';

/**
 * Keeps the read models the API serves (billable shipments, the exception queue) in PostgreSQL,
 * each by a `ProjectionRunner` that commits its rows and its checkpoint in one transaction. One
 * processor instance at a time runs each (a leader lock); the others stand by.
 *
 * It also runs the rebuilds that the API or the CLI request (`Rebuilds`), one at a time, and
 * requests one by itself when a runner finds rows of an older version of its projection: after a
 * rule change the old rows keep being served until the rebuilt ones are swapped in.
 */
@Injectable()
export class ReadModelsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runners: { definition: ReadModelDefinition; runner: ProjectionRunner<unknown> }[] = [];
  private rebuilds: Rebuilds | null = null;
  private rebuildTimer: NodeJS.Timeout | null = null;
  private rebuilding: Promise<Rebuild | undefined> | null = null;
  private stopping = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) private readonly config: WaybillConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.processorRoles.has('read-models')) return;
    const onError = (error: unknown) =>
      this.logger.error({ err: error }, 'read-model batch failed; retrying');
    for (const definition of READ_MODELS) {
      const runner = new ProjectionRunner<unknown>({
        store: this.store,
        pool: this.pool,
        projection: definition.projection,
        tables: definition.tables,
        streamPrefixes: definition.streamPrefixes,
        // Small batches: a batch is folded in one go on the event loop that ingest and billing may
        // share, and a long one would hold up their latency.
        batchSize: 100,
        onError,
        // Expected after a deploy that changed a rule: the old rows stay served until the rebuild
        // that the next check requests.
        onOutdated: (storedVersion) =>
          this.logger.warn(
            { projection: definition.projection.name, storedVersion, version: definition.projection.version },
            'read model of another version: serving it until a rebuild swaps',
          ),
      });
      await runner.start();
      this.runners.push({ definition, runner });
    }
    this.rebuilds = new Rebuilds({
      store: this.store,
      pool: this.pool,
      onError: (error: unknown) => this.logger.warn({ err: error }, 'rebuild: retrying a batch'),
    });
    // The queue exists once the processor has started, not from its first check a second later: a
    // processor stopped sooner left none, and whoever looked at the queue then found no table.
    await this.rebuilds.migrate();
    this.scheduleRebuildCheck();
  }

  private scheduleRebuildCheck(): void {
    if (this.stopping) return;
    this.rebuildTimer = setTimeout(() => {
      this.rebuildTimer = null;
      this.rebuilding = this.checkRebuilds().finally(() => {
        this.rebuilding = null;
        this.scheduleRebuildCheck();
      });
    }, 1000);
  }

  private async checkRebuilds(): Promise<Rebuild | undefined> {
    const rebuilds = this.rebuilds!;
    try {
      for (const { definition, runner } of this.runners) {
        if (runner.status !== 'outdated' || (await rebuilds.active(definition.projection.name))) continue;
        await rebuilds
          .request(definition.projection.name, {
            dryRun: false,
            requestedBy: 'processor: projection version changed',
          })
          .catch((error: unknown) => this.logger.warn({ err: error }, 'could not request a rebuild'));
      }
      const done = await rebuilds.runNext((rebuild) =>
        this.logger.info(
          {
            rebuildId: rebuild.rebuildId,
            projection: rebuild.projection,
            status: rebuild.status,
            progress: rebuild.progress,
          },
          'rebuild progress',
        ),
      );
      if (done) {
        this.logger.info(
          {
            rebuildId: done.rebuildId,
            projection: done.projection,
            status: done.status,
            changed: done.diff?.changedCount,
            error: done.error,
          },
          'rebuild finished',
        );
      }
      return done;
    } catch (error) {
      this.logger.error({ err: error }, 'rebuild check failed');
      return undefined;
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.rebuildTimer) clearTimeout(this.rebuildTimer);
    // A rebuild under way goes back to the queue, for another processor (or this one, restarted).
    this.rebuilds?.stop();
    await Promise.all(this.runners.map(({ runner }) => runner.stop()));
    await this.rebuilding;
  }
}
