import type { Logger } from 'pino';
import type { ConsumerMessages, JetStreamClient, JsMsg } from 'nats';
import { CommandBus } from '@nestjs/cqrs';
import { RECEIVED_AT_HEADER, type Subjects } from '@waybill/messaging';
import type { ParkedMessageStore } from '@waybill/parking';
import type { ShipmentMailboxes } from '../shipment/shipment-mailboxes';
import { RecordContractMessage } from '../billing/record-contract-message.command';
import { RecordShipmentMessage } from '../shipment/record-shipment-message.command';
import type { ShipmentRepository } from '../shipment/shipment.repository';
import {
  decodeIngestMessage,
  type Decoded,
  type DecodedContractMessage,
  type DecodedShipmentMessage,
} from './ingest-decoder';
import type { MessageLedger } from './message-ledger';
import { isTransient } from '../transient-errors';
import type { IngestMetrics } from './ingest.metrics';

export interface IngestConsumerOptions {
  readonly stream: string;
  readonly durable: string;
  readonly maxInFlight: number;
  readonly concurrency: number;
  /** Deliveries after which a message that keeps failing for a non-transient reason is parked. */
  readonly poisonAfterDeliveries?: number;
  /** Messages handled together at most (one ledger round trip, one group commit). Default 250. */
  readonly batchSize?: number;
  /** How long a partial batch waits for more messages. Default 5 ms. */
  readonly lingerMs?: number;
}

interface Dependencies {
  readonly js: JetStreamClient;
  readonly subjects: Subjects;
  readonly commandBus: CommandBus;
  readonly ledger: MessageLedger;
  readonly parked: ParkedMessageStore;
  readonly logger: Logger;
  readonly metrics: IngestMetrics;
  readonly repository: ShipmentRepository;
  /** Shared with the billing saga, so that a shipment is never written by both at once. */
  readonly mailboxes: ShipmentMailboxes;
}

/**
 * Pulls ingest messages from the durable JetStream consumer and runs each on its shipment's
 * mailbox. The rule that keeps input safe: a message is acked only once its outcome is durable,
 * that is appended, recognised as already recorded, or parked. Anything else is left un-acked
 * (or nak'ed with a back-off) and JetStream redelivers it.
 *
 * Messages are handled in micro-batches of whatever has arrived, so that the ledger claim is one
 * round trip per batch and the event store can group-commit the appends of many shipments.
 */
export class IngestConsumer {
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;
  private buffer: JsMsg[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly batchSize: number;
  private readonly lingerMs: number;
  private inFlight = 0;
  private capacityWaiter: (() => void) | null = null;
  private flushes = new Set<Promise<void>>();
  private intake: Promise<void> = Promise.resolve();
  private replies: (() => void)[] = [];
  private readonly poisonAfter: number;

  constructor(
    private readonly deps: Dependencies,
    private readonly options: IngestConsumerOptions,
  ) {
    this.poisonAfter = options.poisonAfterDeliveries ?? 5;
    this.batchSize = options.batchSize ?? 250;
    this.lingerMs = options.lingerMs ?? 5;
  }

  async start(): Promise<void> {
    const consumer = await this.deps.js.consumers.get(this.options.stream, this.options.durable);
    this.messages = await consumer.consume({ max_messages: Math.min(this.options.maxInFlight, 1000) });
    this.loop = this.run(this.messages);
    this.deps.logger.info(
      { stream: this.options.stream, durable: this.options.durable },
      'ingest consumer started',
    );
  }

  /**
   * Graceful drain: stop pulling, finish what is in hand (each message acked or nak'ed), then
   * resolve. Messages the server had buffered for us but we had not started are redelivered.
   */
  async stop(): Promise<void> {
    if (!this.messages) return;
    await this.messages.close();
    await this.loop;
    await this.settle();
    this.messages = null;
    this.deps.logger.info('ingest consumer drained');
  }

  /** Resolves when every message received so far has been handled. */
  async settle(): Promise<void> {
    while (
      this.buffer.length > 0 ||
      this.flushes.size > 0 ||
      this.deps.mailboxes.pending > 0 ||
      this.replies.length > 0
    ) {
      if (this.buffer.length > 0) this.flushNow();
      await Promise.all([...this.flushes]);
      await this.deps.mailboxes.whenIdle();
      await new Promise((r) => setImmediate(r));
    }
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const msg of messages) {
        this.buffer.push(msg);
        this.inFlight++;
        this.scheduleFlush();
        if (this.inFlight >= this.options.maxInFlight) {
          await new Promise<void>((resolve) => (this.capacityWaiter = resolve));
        }
      }
    } catch (error) {
      this.deps.logger.error({ err: error }, 'ingest consumer stopped on an error');
    }
  }

  /**
   * Waits up to `lingerMs` for a batch to fill (like Kafka's linger.ms): a few milliseconds of
   * latency buy batches big enough that round trips to PostgreSQL stop dominating.
   */
  private scheduleFlush(): void {
    if (this.buffer.length >= this.batchSize) {
      this.flushNow();
      return;
    }
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flushNow(), this.lingerMs);
  }

  private flushNow(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return;
    // Admission (decode, ledger claim, prefetch, posting to mailboxes) runs one batch at a time,
    // so that a shipment's messages reach its mailbox in the order JetStream delivered them.
    // Recording then runs concurrently across batches.
    const admitted = this.intake.then(() => this.admit(batch));
    this.intake = admitted.then(
      () => undefined,
      () => undefined,
    );
    const flush = admitted
      .then(({ done }) => done)
      .then(
        () => undefined,
        (error: unknown) => {
          // admit handles its own failures per message; this is a last line of defence.
          this.deps.logger.error({ err: error }, 'ingest batch failed');
        },
      );
    this.flushes.add(flush);
    void flush.finally(() => this.flushes.delete(flush));
  }

  /** Returns once the batch is in the mailboxes; `done` settles when every message is handled. */
  private async admit(batch: JsMsg[]): Promise<{ done: Promise<unknown> }> {
    const decoded = batch.map((msg) => ({
      msg,
      result: decodeIngestMessage(this.deps.subjects, msg.subject, msg.data, receivedAt(msg)),
    }));
    const usable = decoded.filter(
      (d): d is { msg: JsMsg; result: DecodedShipmentMessage | DecodedContractMessage } =>
        d.result.kind === 'shipment' || d.result.kind === 'contract',
    );
    const unusable = decoded.filter((d) => d.result.kind === 'park');
    for (const { msg, result } of decoded) {
      if (result.kind !== 'carrier_format') continue;
      // The translation consumer reads these subjects through a durable consumer of its own; here
      // they are done, not parked.
      this.deps.metrics.handedToTranslation();
      this.deps.logger.debug(
        { subject: msg.subject, streamSequence: msg.info.streamSequence },
        'carrier-format message left to the translation consumer',
      );
      this.done(msg);
    }

    const parks = unusable.map(({ msg, result }) =>
      this.park(msg, result as Extract<Decoded, { kind: 'park' }>),
    );

    let verdicts: Awaited<ReturnType<MessageLedger['claim']>>;
    try {
      verdicts = await this.deps.ledger.claim(
        usable.map(({ msg, result }) => ({
          messageId: result.messageId,
          contentHash: result.contentHash,
          subject: msg.subject,
          shipmentId: result.kind === 'shipment' ? result.shipmentId : `contract:${result.customerId}`,
        })),
      );
    } catch (error) {
      this.deps.logger.error(
        { err: error, messages: usable.length },
        'ingest ledger unavailable; messages will be redelivered',
      );
      usable.forEach(({ msg }) => this.retryLater(msg));
      return { done: Promise.all(parks) };
    }

    try {
      await this.deps.repository.prefetch(
        usable.flatMap(({ result }, i) =>
          verdicts[i] !== 'conflict' && result.kind === 'shipment' ? [result.shipmentId] : [],
        ),
      );
    } catch (error) {
      // Only an optimisation: each shipment is loaded on its own when its message runs.
      this.deps.logger.warn({ err: error }, 'prefetching shipments failed');
    }

    const records = usable.map(({ msg, result }, i) => {
      if (verdicts[i] === 'conflict') {
        return this.park(msg, {
          kind: 'park',
          reason: 'conflicting_duplicate',
          explanation: `messageId "${result.messageId}" was already received with different content`,
          messageId: result.messageId,
          ...(result.kind === 'shipment' ? { shipmentId: result.shipmentId } : {}),
          correlationId: result.correlationId,
        });
      }
      return this.record(msg, result);
    });
    return { done: Promise.all([...parks, ...records]) };
  }

  private async record(msg: JsMsg, message: DecodedShipmentMessage | DecodedContractMessage): Promise<void> {
    const log = this.deps.logger.child({
      correlationId: message.correlationId,
      messageId: message.messageId,
    });
    const shipmentId = message.kind === 'shipment' ? message.shipmentId : undefined;
    try {
      const outcome =
        message.kind === 'shipment'
          ? await this.deps.mailboxes.post(message.shipmentId, () =>
              this.deps.commandBus.execute(
                new RecordShipmentMessage(
                  message.shipmentId,
                  message.messageId,
                  message.correlationId,
                  message.command,
                ),
              ),
            )
          : // '/' cannot occur in a shipmentId, so a contract's mailbox never is a shipment's.
            await this.deps.mailboxes.post(`contract/${message.customerId}`, () =>
              this.deps.commandBus.execute(
                new RecordContractMessage(
                  message.customerId,
                  message.messageId,
                  message.correlationId,
                  message.command,
                ),
              ),
            );
      this.deps.metrics.recorded(
        outcome.outcome,
        outcome.outcome === 'appended' ? outcome.events : 0,
        msg.info.deliveryCount > 1,
      );
      log.debug({ shipmentId, outcome: outcome.outcome }, 'ingest message recorded');
      this.done(msg);
    } catch (error) {
      if (isTransient(error) || msg.info.deliveryCount < this.poisonAfter) {
        log.warn(
          { err: error, shipmentId, delivery: msg.info.deliveryCount },
          'recording failed; will retry',
        );
        this.retryLater(msg);
        return;
      }
      await this.park(msg, {
        kind: 'park',
        reason: 'processing_failed',
        explanation: `failed ${msg.info.deliveryCount} times: ${(error as Error).message}`,
        messageId: message.messageId,
        ...(shipmentId === undefined ? {} : { shipmentId }),
        correlationId: message.correlationId,
      });
    }
  }

  private async park(msg: JsMsg, unusable: Extract<Decoded, { kind: 'park' }>): Promise<void> {
    try {
      const id = await this.deps.parked.park({
        subject: msg.subject,
        raw: Buffer.from(msg.data),
        headers: headersOf(msg),
        reason: unusable.reason,
        explanation: unusable.explanation,
        ...(unusable.messageId === undefined ? {} : { messageId: unusable.messageId }),
        ...(unusable.shipmentId === undefined ? {} : { shipmentId: unusable.shipmentId }),
        ...(unusable.correlationId === undefined ? {} : { correlationId: unusable.correlationId }),
        streamSequence: msg.info.streamSequence,
        receivedAt: receivedAt(msg),
      });
      // A message parked after failing again and again is parked once, at its last delivery.
      this.deps.metrics.parked(
        unusable.reason,
        msg.info.deliveryCount > 1 && unusable.reason !== 'processing_failed',
      );
      this.deps.logger.warn(
        {
          parkedId: id,
          subject: msg.subject,
          reason: unusable.reason,
          correlationId: unusable.correlationId,
          messageId: unusable.messageId,
        },
        `message parked: ${unusable.explanation}`,
      );
      this.done(msg);
    } catch (error) {
      this.deps.logger.error(
        { err: error, subject: msg.subject },
        'parking failed; message will be redelivered',
      );
      this.retryLater(msg);
    }
  }

  private done(msg: JsMsg): void {
    this.queueReply(() => msg.ack());
  }

  private retryLater(msg: JsMsg): void {
    const backoffMs = Math.min(30_000, 500 * 2 ** Math.min(msg.info.deliveryCount, 6));
    this.queueReply(() => msg.nak(backoffMs));
  }

  /**
   * Acks and naks go out together once per event-loop turn: nats.js writes to the socket once per
   * microtask burst, and acks trickling in from many mailboxes would otherwise cost one syscall each.
   */
  private queueReply(reply: () => void): void {
    this.replies.push(reply);
    if (this.replies.length === 1) {
      setImmediate(() => {
        const replies = this.replies;
        this.replies = [];
        for (const send of replies) {
          send();
          this.release();
        }
      });
    }
  }

  private release(): void {
    this.inFlight--;
    if (this.capacityWaiter && this.inFlight < this.options.maxInFlight) {
      const wake = this.capacityWaiter;
      this.capacityWaiter = null;
      wake();
    }
  }
}

/**
 * When JetStream stored the message: stable across redeliveries, so decoding is deterministic. A
 * canonical message translated from a carrier format carries when its raw message was received
 * (`Waybill-Received-At`), which is when Waybill received the report; it is taken when it is not
 * later than the stored time (nothing is received in the future).
 */
function receivedAt(msg: JsMsg): Date {
  const stored = new Date(Math.floor(msg.info.timestampNanos / 1_000_000));
  const header = msg.headers?.get(RECEIVED_AT_HEADER);
  const original = header ? new Date(header) : null;
  return original && Number.isFinite(original.getTime()) && original <= stored ? original : stored;
}

function headersOf(msg: JsMsg): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  if (!msg.headers) return headers;
  for (const key of msg.headers.keys()) headers[key] = msg.headers.values(key);
  return headers;
}

/** Re-exported for the unit tests that grew up beside the consumer. */
export { isTransient } from '../transient-errors';
