import { createHash } from 'node:crypto';
import type { ConsumerMessages, JetStreamClient, JsMsg } from 'nats';
import type { Logger } from 'pino';
import type { TranslatedMessage, Translation, TranslatorChoice } from '@waybill/carrier-formats';
import { deterministicId } from '@waybill/event-store';
import {
  isCarrierFormatSubject,
  MAX_PAYLOAD_BYTES,
  publishCanonical,
  type Subjects,
} from '@waybill/messaging';
import {
  referenceKeys,
  replayUnmatched,
  type ParkedMessageStore,
  type ParkReason,
  type ShipmentReferences,
  type UnmatchedTranslation,
} from '@waybill/parking';
import type { TranslationMetrics } from './translation.metrics';

export interface TranslationConsumerOptions {
  readonly stream: string;
  /** The durable consumers to read (one with several filters, or one per filter on nats-server 2.9). */
  readonly durables: readonly string[];
  /** Raw messages handled at the same time at most. Default 16. */
  readonly concurrency?: number;
}

interface Dependencies {
  readonly js: JetStreamClient;
  readonly subjects: Subjects;
  readonly parked: ParkedMessageStore;
  readonly references: ShipmentReferences;
  readonly logger: Logger;
  readonly translatorFor: (suffix: string) => TranslatorChoice | null;
  readonly metrics?: TranslationMetrics;
  /**
   * Test seam: runs after a translated message missed the references index and before it is
   * parked, so that a test can index its booking exactly there (the race the re-lookup closes).
   */
  readonly beforeParkUnmatched?: () => Promise<void>;
}

type Outcome = 'published' | 'unmatched' | 'replayed' | ParkReason;

/**
 * Reads raw carrier-format messages (`<prefix>.ingest.edi.>`, `.carrier.>`, `.epcis`) from a
 * durable consumer of its own, translates each with the pure translators of libs/carrier-formats,
 * resolves each translated message's references to a shipmentId, and publishes it as a canonical
 * message on `<prefix>.ingest.<kind>` (Nats-Msg-Id = its messageId), which the ingest consumer then
 * records like any upstream's. Rejected parts and messages no booking names yet are parked with
 * the raw bytes.
 *
 * The raw message is acked only once every part is published (PubAck received) or parked.
 * Anything failing before that naks it, and the redelivery does all of it again: translators are
 * pure, so it yields the same messageIds and bytes; JetStream drops a re-publish inside its
 * duplicate window, the ingest ledger and the shipment's stream recognise one beyond it; parked
 * parts have keys of the raw bytes' hash and their place, so they are parked once.
 */
export class TranslationConsumer {
  private readonly loops: Promise<void>[] = [];
  private readonly subscriptions: ConsumerMessages[] = [];
  private readonly inHand = new Set<Promise<void>>();
  private readonly concurrency: number;

  constructor(
    private readonly deps: Dependencies,
    private readonly options: TranslationConsumerOptions,
  ) {
    this.concurrency = options.concurrency ?? 16;
  }

  async start(): Promise<void> {
    for (const durable of this.options.durables) {
      const consumer = await this.deps.js.consumers.get(this.options.stream, durable);
      const messages = await consumer.consume({ max_messages: this.concurrency });
      this.subscriptions.push(messages);
      this.loops.push(this.run(messages));
    }
    this.deps.logger.info({ durables: this.options.durables }, 'translation consumer started');
  }

  /** Graceful drain: stop pulling, finish every message in hand (acked or nak'ed). */
  async stop(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.close()));
    await Promise.all(this.loops);
    await this.settle();
    this.subscriptions.length = 0;
    this.deps.logger.info('translation consumer drained');
  }

  async settle(): Promise<void> {
    while (this.inHand.size > 0) await Promise.all([...this.inHand]);
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const msg of messages) {
        const work = this.handle(msg).then(
          (ok) => (ok ? msg.ack() : this.retryLater(msg)),
          (error: unknown) => {
            this.deps.logger.error(
              { err: error, subject: msg.subject, streamSequence: msg.info.streamSequence },
              'translation failed; the raw message will be redelivered',
            );
            this.retryLater(msg);
          },
        );
        this.inHand.add(work);
        void work.finally(() => this.inHand.delete(work));
        if (this.inHand.size >= this.concurrency) await Promise.race([...this.inHand]);
      }
    } catch (error) {
      this.deps.logger.error({ err: error }, 'translation consumer stopped on an error');
    }
  }

  private retryLater(msg: JsMsg): void {
    msg.nak(Math.min(30_000, 500 * 2 ** Math.min(msg.info.deliveryCount, 6)));
  }

  /**
   * Translates one raw message and publishes or parks each part. Resolves true once every part is
   * durable (then the raw message may be acked); throws on an outage, to be redelivered.
   */
  async handle(msg: JsMsg): Promise<boolean> {
    const suffix = this.deps.subjects.ingestSuffix(msg.subject);
    // `edi.>` and `carrier.>` also match subjects that are no carrier format (`edi.x13`): the
    // ingest consumer parks those as unknown_subject.
    if (suffix === null || !isCarrierFormatSubject(suffix)) return true;
    const raw = new RawMessage(msg);
    const log = this.deps.logger.child({ correlationId: raw.correlationId, subject: msg.subject });

    if (msg.data.byteLength > MAX_PAYLOAD_BYTES) {
      await this.park(raw, {
        reason: 'too_large',
        place: '',
        explanation: `payload is ${msg.data.byteLength} bytes; the limit is ${MAX_PAYLOAD_BYTES} (1 MiB)`,
      });
      return true;
    }
    const choice = this.deps.translatorFor(suffix);
    if (!choice) {
      await this.park(raw, {
        reason: 'unknown_subject',
        place: '',
        explanation: `no translator reads "${suffix}"`,
      });
      return true;
    }
    let translation: Translation;
    try {
      translation = choice.translator(msg.data, { ...choice.context, receivedAt: raw.receivedAt });
    } catch (error) {
      // Translators are pure and total; one that throws has a bug that a redelivery repeats.
      await this.park(raw, {
        reason: 'processing_failed',
        place: '',
        explanation: `the ${suffix} translator failed: ${(error as Error).message}; replay it after a fix`,
      });
      return true;
    }
    for (const warning of translation.warnings) log.warn({ warning }, 'carrier message tolerated a defect');

    const outcomes: Outcome[] = [];
    for (const rejected of translation.rejected) {
      await this.park(raw, {
        reason: rejected.reason,
        place: rejected.place,
        ...(rejected.code === undefined ? {} : { code: rejected.code }),
        explanation: `${rejected.place}${rejected.code ? ` (${rejected.code})` : ''}: ${rejected.explanation}`,
      });
      outcomes.push(rejected.reason);
    }
    // In file order: a status and the POD after it reach the shipment in the order the carrier sent them.
    for (const message of translation.messages) {
      // A large file takes a while: tell JetStream it is in hand, so it is not delivered again meanwhile.
      msg.working();
      outcomes.push(await this.route(raw, message));
    }
    const counted = count(outcomes);
    this.deps.metrics?.translated(suffix, counted, translation.warnings.length);
    log.info({ streamSequence: msg.info.streamSequence, outcomes: counted }, 'carrier message translated');
    return true;
  }

  private async route(raw: RawMessage, message: TranslatedMessage): Promise<Outcome> {
    const messageId = message.payload.messageId;
    if (typeof messageId !== 'string' || messageId.length === 0 || messageId.length > 128) {
      await this.park(raw, {
        reason: 'invalid_message',
        place: message.place,
        explanation: `${message.place}: the translated ${message.kind} has no usable messageId`,
      });
      return 'invalid_message';
    }
    const correlationId =
      typeof message.payload.correlationId === 'string' ? message.payload.correlationId : raw.correlationId;
    const translation: UnmatchedTranslation = {
      kind: message.kind,
      payload: { ...message.payload },
      references: message.references,
      place: message.place,
      correlationId,
      receivedAt: raw.receivedAt.toISOString(),
      translatedFrom: `${raw.origin}/${message.place}`,
    };
    const resolution = await this.deps.references.resolve(message.references);
    if (resolution.matched) {
      await publishCanonical(this.deps.js, this.deps.subjects, {
        ...translation,
        receivedAt: raw.receivedAt,
        shipmentId: resolution.shipmentId,
      });
      return 'published';
    }

    await this.deps.beforeParkUnmatched?.();
    const keys = referenceKeys(message.references);
    const ambiguous = resolution.ambiguous.length
      ? `; ${resolution.ambiguous.join(', ')} name more than one shipment`
      : '';
    const parkedId = await this.park(raw, {
      reason: 'unmatched_reference',
      place: message.place,
      messageId,
      explanation: `${message.place}: no booking names ${keys.join(', ') || 'any reference'} yet${ambiguous}; replayed by itself when a booking does`,
      translated: translation as unknown as Record<string, unknown>,
      references: keys,
    });
    // The booking may have been indexed between the lookup above and the park: the indexer scans
    // parked rows only after its index rows commit, and this lookup runs only after the park
    // committed, so one of the two always sees the other and the message is never stranded.
    const row = await this.deps.parked.get(parkedId);
    if (row?.status !== 'parked') return 'unmatched';
    const replay = await replayUnmatched(this.deps, row, 'booking indexed while parking');
    return replay.replayed ? 'replayed' : 'unmatched';
  }

  private async park(
    raw: RawMessage,
    part: {
      reason: ParkReason;
      place: string;
      explanation: string;
      code?: string;
      messageId?: string;
      translated?: Record<string, unknown>;
      references?: readonly string[];
    },
  ): Promise<string> {
    const msg = raw.msg;
    const id = await this.deps.parked.park({
      subject: msg.subject,
      raw: Buffer.from(msg.data),
      headers: headersOf(msg),
      reason: part.reason,
      explanation: part.explanation,
      correlationId: raw.correlationId,
      streamSequence: msg.info.streamSequence,
      receivedAt: raw.receivedAt,
      // One row per part of these bytes: a redelivery, or the same file sent again, parks nothing
      // new. One place can yield two messages (a status and the exception of its reason code):
      // each unmatched one is a part of its own.
      dedupKey: `carrier:${msg.subject}:${raw.hash}:${part.reason}:${part.place}${part.messageId === undefined ? '' : `:${part.messageId}`}`,
      ...(part.place ? { place: part.place } : {}),
      ...(part.code === undefined ? {} : { code: part.code }),
      ...(part.messageId === undefined ? {} : { messageId: part.messageId }),
      ...(part.translated === undefined ? {} : { translated: part.translated }),
      ...(part.references === undefined ? {} : { references: part.references }),
    });
    this.deps.logger.warn(
      { parkedId: id, subject: msg.subject, reason: part.reason, place: part.place, code: part.code },
      `carrier message part parked: ${part.explanation}`,
    );
    return id;
  }
}

/** A raw carrier message and what is derived from it deterministically. */
class RawMessage {
  readonly hash: string;
  /** When JetStream stored it: stable across redeliveries. */
  readonly receivedAt: Date;
  /** One per raw file: every event translated from it carries it. */
  readonly correlationId: string;
  readonly origin: string;

  constructor(readonly msg: JsMsg) {
    this.hash = createHash('sha256').update(msg.data).digest('hex');
    this.receivedAt = new Date(Math.floor(msg.info.timestampNanos / 1_000_000));
    this.correlationId = deterministicId(`correlation:carrier:${msg.subject}:${this.hash}`);
    this.origin = `${msg.subject}#${msg.info.streamSequence}`;
  }
}

function headersOf(msg: JsMsg): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  if (!msg.headers) return headers;
  for (const key of msg.headers.keys()) headers[key] = msg.headers.values(key);
  return headers;
}

function count(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
  return counts;
}
