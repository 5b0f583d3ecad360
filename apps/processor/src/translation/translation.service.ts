import {
  Inject,
  Injectable,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { NatsConnection } from 'nats';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { TranslationMetrics } from './translation.metrics';
import { translatorFor as registeredTranslators, type TranslatorChoice } from '@waybill/carrier-formats';
import { CheckpointStore, type EventStore } from '@waybill/event-store';
import {
  carrierFormatFilters,
  ensureFilteredConsumers,
  ensureIngestStream,
  subjectsFor,
} from '@waybill/messaging';
import { ParkedMessageStore, ShipmentReferences } from '@waybill/parking';
import type { WaybillConfig } from '@waybill/platform';
import { CONFIG, EVENT_STORE, LOGGER, NATS, PG_POOL } from '../processor.tokens';
import { ReferencesIndexer } from './references.indexer';
import { TranslationConsumer } from './translation.consumer';

/** Overrides for tests: a translator registry, and the seam of the park/index race. */
export interface TranslationOptions {
  readonly translatorFor?: (suffix: string) => TranslatorChoice | null;
  readonly beforeParkUnmatched?: () => Promise<void>;
}
export const TRANSLATION_OPTIONS = Symbol('TRANSLATION_OPTIONS');

/**
 * The `translate` role: the translation consumer (raw carrier formats → canonical messages) and
 * the references indexer that resolves and replays them. Drained before the NATS connection and
 * the pool close (the module's shutdown order).
 */
@Injectable()
export class TranslationService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: TranslationConsumer | null = null;
  private indexer: ReferencesIndexer | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: WaybillConfig,
    @Inject(NATS) private readonly nats: NatsConnection,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly checkpoints: CheckpointStore,
    private readonly parked: ParkedMessageStore,
    @Optional() @Inject(TRANSLATION_OPTIONS) private readonly options: TranslationOptions | null,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.processorRoles.has('translate')) return;
    const { streamPrefix, subjectPrefix } = this.config;
    const subjects = subjectsFor(subjectPrefix);
    const jsm = await this.nats.jetstreamManager();
    const stream = await ensureIngestStream(jsm, streamPrefix, subjectPrefix);
    const durables = await ensureFilteredConsumers(jsm, this.nats.info?.version ?? '0.0.0', {
      stream,
      durable: `${this.config.ingestConsumer}-translate`,
      filterSubjects: carrierFormatFilters(subjects),
      maxAckPending: 256,
      ackWaitMs: this.config.ingestAckWaitMs,
    });
    const references = await ShipmentReferences.create(this.pool);
    const translatorFor = this.options?.translatorFor ?? registeredTranslators;
    const js = this.nats.jetstream();
    this.indexer = new ReferencesIndexer({
      store: this.store,
      checkpoints: this.checkpoints,
      pool: this.pool,
      references,
      parked: this.parked,
      js,
      subjects,
      logger: this.logger,
    });
    this.consumer = new TranslationConsumer(
      {
        js,
        subjects,
        parked: this.parked,
        references,
        logger: this.logger,
        translatorFor,
        metrics: new TranslationMetrics(),
        ...(this.options?.beforeParkUnmatched
          ? { beforeParkUnmatched: this.options.beforeParkUnmatched }
          : {}),
      },
      { stream, durables },
    );
    await this.indexer.start();
    await this.consumer.start();
  }

  async settle(): Promise<void> {
    await this.consumer?.settle();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    await this.indexer?.stop();
  }
}
