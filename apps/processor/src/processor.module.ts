import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { connect, type NatsConnection } from 'nats';
import type { Pool } from 'pg';
import { CheckpointStore, createEventStore, type EventStore } from '@waybill/event-store';
import { BillingSagaRunner } from './billing/billing-saga.runner';
import { CLOCK, systemClock, type Clock } from './billing/clock';
import { CommandDispatcher } from './billing/command-dispatcher';
import { ContractRepository } from './billing/contract.repository';
import { DecideBillingHandler, ERP_FOLLOW_UP } from './billing/decide-billing.command';
import { RecordContractMessageHandler } from './billing/record-contract-message.command';
import { ShipmentMailboxes } from './shipment/shipment-mailboxes';
import {
  COMMAND_DUPLICATE_WINDOW_MS,
  ensureCommandStream,
  ensureDurableConsumer,
  ensureIngestStream,
  serverPayloadLimitWarning,
  streamNames,
  subjectsFor,
} from '@waybill/messaging';
import { IngestCounts, ParkedMessageStore } from '@waybill/parking';
import { createLogger, openPool, type Logger, type WaybillConfig } from '@waybill/platform';
import { IngestConsumer } from './ingest/ingest.consumer';
import { IngestMetrics } from './ingest/ingest.metrics';
import { MessageLedger } from './ingest/message-ledger';
import { RecordShipmentMessageHandler } from './shipment/record-shipment-message.command';
import { ShipmentRepository } from './shipment/shipment.repository';

import { CONFIG, EVENT_STORE, LOGGER, NATS, PG_POOL } from './processor.tokens';
import { ReadModelsService } from './read-models.service';
import {
  TRANSLATION_OPTIONS,
  TranslationService,
  type TranslationOptions,
} from './translation/translation.service';

export { CONFIG, EVENT_STORE, LOGGER, NATS, PG_POOL };

/**
 * Owns the ingest pipeline's lifecycle: streams and consumer are ensured at bootstrap, the
 * consumer is drained before shutdown, connections are closed last.
 */
@Injectable()
export class IngestService
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private consumer: IngestConsumer | null = null;
  private ingestCounts: IngestCounts | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: WaybillConfig,
    @Inject(NATS) private readonly nats: NatsConnection,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly commandBus: CommandBus,
    private readonly ledger: MessageLedger,
    private readonly parked: ParkedMessageStore,
    private readonly repository: ShipmentRepository,
    private readonly mailboxes: ShipmentMailboxes,
    private readonly saga: BillingSagaRunner,
    private readonly dispatcher: CommandDispatcher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { streamPrefix, subjectPrefix } = this.config;
    const jsm = await this.nats.jetstreamManager();
    await ensureCommandStream(jsm, streamPrefix, subjectPrefix);
    const roles = this.config.processorRoles;
    if (this.config.erpReplyTimeoutMs <= COMMAND_DUPLICATE_WINDOW_MS) {
      this.logger.warn(
        { erpReplyTimeoutMs: this.config.erpReplyTimeoutMs, duplicateWindowMs: COMMAND_DUPLICATE_WINDOW_MS },
        'WAYBILL_ERP_REPLY_TIMEOUT_MS is within the command stream de-duplication window: JetStream will drop re-sends made inside it',
      );
    }
    if (roles.has('billing')) {
      await this.saga.start();
      await this.dispatcher.start();
    }
    if (!roles.has('ingest')) return;
    const payloadWarning = serverPayloadLimitWarning(this.nats.info?.max_payload);
    if (payloadWarning) this.logger.warn({ maxPayload: this.nats.info?.max_payload }, payloadWarning);
    const stream = await ensureIngestStream(jsm, streamPrefix, subjectPrefix);
    this.ingestCounts = await IngestCounts.create(this.pool, {
      onError: (error) => this.logger.warn({ err: error }, 'could not write ingest counts; will retry'),
    });
    await ensureDurableConsumer(jsm, {
      stream,
      durable: this.config.ingestConsumer,
      filterSubject: subjectsFor(subjectPrefix).ingestWildcard,
      maxAckPending: this.config.ingestMaxInFlight,
      ackWaitMs: this.config.ingestAckWaitMs,
    });
    this.consumer = new IngestConsumer(
      {
        js: this.nats.jetstream(),
        subjects: subjectsFor(subjectPrefix),
        commandBus: this.commandBus,
        ledger: this.ledger,
        parked: this.parked,
        logger: this.logger,
        metrics: new IngestMetrics(undefined, this.ingestCounts),
        repository: this.repository,
        mailboxes: this.mailboxes,
      },
      {
        stream: streamNames(streamPrefix).ingest,
        durable: this.config.ingestConsumer,
        maxInFlight: this.config.ingestMaxInFlight,
        concurrency: this.config.ingestConcurrency,
      },
    );
    await this.consumer.start();
  }

  /** Resolves when every message received so far is handled (used by tests and benchmarks). */
  async settle(): Promise<void> {
    await this.consumer?.settle();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    await this.ingestCounts?.stop();
    await this.saga.stop();
    await this.dispatcher.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.nats.drain().catch(() => undefined);
    await this.eventStore.close();
    await this.pool.end();
  }
}

@Module({})
export class ProcessorModule {
  static forRoot(
    config: WaybillConfig,
    clock: Clock = systemClock,
    translation: TranslationOptions = {},
  ): DynamicModule {
    return {
      module: ProcessorModule,
      imports: [CqrsModule.forRoot()],
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: LOGGER, useValue: createLogger('waybill-processor', config.logLevel) },
        { provide: PG_POOL, useFactory: () => openPool(config.databaseUrl, { max: 16 }) },
        {
          provide: EVENT_STORE,
          inject: [PG_POOL],
          useFactory: (pool: Pool) => createEventStore(config, pool),
        },
        {
          provide: NATS,
          useFactory: () =>
            connect({ servers: config.natsUrl, name: 'waybill-processor', maxReconnectAttempts: -1 }),
        },
        {
          provide: ParkedMessageStore,
          inject: [PG_POOL],
          useFactory: (pool: Pool) => ParkedMessageStore.create(pool),
        },
        { provide: MessageLedger, inject: [PG_POOL], useFactory: (pool: Pool) => MessageLedger.create(pool) },
        {
          provide: ShipmentRepository,
          inject: [EVENT_STORE],
          useFactory: (store: EventStore) => new ShipmentRepository(store),
        },
        { provide: CLOCK, useValue: clock },
        { provide: ShipmentMailboxes, useFactory: () => new ShipmentMailboxes(config.ingestConcurrency) },
        {
          provide: CheckpointStore,
          inject: [PG_POOL],
          useFactory: (pool: Pool) => CheckpointStore.create(pool),
        },
        {
          provide: ContractRepository,
          inject: [EVENT_STORE],
          useFactory: (store: EventStore) => new ContractRepository(store),
        },
        {
          provide: BillingSagaRunner,
          inject: [
            EVENT_STORE,
            CheckpointStore,
            PG_POOL,
            CommandBus,
            ContractRepository,
            ShipmentMailboxes,
            LOGGER,
          ],
          useFactory: (
            store: EventStore,
            checkpoints: CheckpointStore,
            pool: Pool,
            commandBus: CommandBus,
            contracts: ContractRepository,
            mailboxes: ShipmentMailboxes,
            logger: Logger,
          ) =>
            BillingSagaRunner.create({
              store,
              checkpoints,
              pool,
              commandBus,
              contracts,
              mailboxes,
              clock,
              logger,
              deadlinePollMs: config.deadlinePollMs,
            }),
        },
        {
          provide: CommandDispatcher,
          inject: [NATS, EVENT_STORE, CheckpointStore, LOGGER],
          useFactory: (
            nats: NatsConnection,
            store: EventStore,
            checkpoints: CheckpointStore,
            logger: Logger,
          ) =>
            new CommandDispatcher({
              js: nats.jetstream(),
              subjectPrefix: config.subjectPrefix,
              store,
              checkpoints,
              logger,
            }),
        },
        RecordShipmentMessageHandler,
        RecordContractMessageHandler,
        {
          provide: ERP_FOLLOW_UP,
          useValue: { replyTimeoutMs: config.erpReplyTimeoutMs, maxSends: config.erpMaxSends },
        },
        DecideBillingHandler,
        ReadModelsService,
        { provide: TRANSLATION_OPTIONS, useValue: translation },
        TranslationService,
        IngestService,
      ],
      exports: [IngestService, TranslationService, BillingSagaRunner, EVENT_STORE, PG_POOL],
    };
  }
}
