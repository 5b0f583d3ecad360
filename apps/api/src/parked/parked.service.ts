import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@waybill/platform';
import {
  type ParkedMessage,
  ParkedMessageStore,
  type ParkedQuery,
  replayUnmatched,
  ShipmentReferences,
  unmatchedTranslationOf,
} from '@waybill/parking';
import { subjectsFor } from '@waybill/messaging';
import type { WaybillConfig } from '@waybill/platform';
import type { Pool } from 'pg';
import { headers as natsHeaders, type MsgHdrs } from 'nats';
import { API_LOGGER, PARKED_SCHEMA, PG_POOL, WAYBILL_CONFIG } from '../api.tokens';
import { decodeCursor, type Page, toPage } from '../http/cursor';
import { NatsLink } from '../nats/nats-link';
import { ApiError, ApiErrorCode } from '../problems/api-error';
import type { ParkedQueryDto } from './parked.dto';

export interface ParkedItem {
  readonly id: string;
  readonly subject: string;
  readonly reason: string;
  readonly explanation: string;
  readonly messageId: string | null;
  readonly shipmentId: string | null;
  readonly correlationId: string | null;
  readonly receivedAt: string;
  readonly status: string;
  readonly statusReason: string | null;
  readonly statusChangedAt: string | null;
  readonly headers: Record<string, string[]>;
  readonly rawBase64: string;
  readonly place: string | null;
  readonly code: string | null;
  readonly references: string[];
}

export interface ReplayedItem extends ParkedItem {
  readonly replay: { stream: string; seq: number; duplicate: boolean; msgId: string };
}

const PARKED_CURSOR = 'parked';

/** Names the replayed message's origin, so the processor and logs can tell a replay apart. */
export const REPLAY_OF_HEADER = 'Waybill-Replay-Of';

@Injectable()
export class ParkedService {
  constructor(
    private readonly store: ParkedMessageStore,
    private readonly nats: NatsLink,
    @Inject(API_LOGGER) private readonly logger: Logger,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PARKED_SCHEMA) private readonly parkedSchema: string,
    @Inject(WAYBILL_CONFIG) private readonly config: WaybillConfig,
  ) {}

  private references: Promise<ShipmentReferences> | null = null;

  async list(query: ParkedQueryDto): Promise<Page<ParkedItem>> {
    const afterId =
      query.cursor === undefined ? undefined : decodeCursor(PARKED_CURSOR, query.cursor, isParkedId);
    const filter: ParkedQuery = {
      limit: query.limit + 1,
      ...(query.reason === undefined ? {} : { reason: query.reason }),
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(afterId === undefined ? {} : { afterId }),
    };
    const rows = await this.store.list(filter);
    return toPage(rows, query.limit, PARKED_CURSOR, (row) => row.id, toParkedItem);
  }

  /**
   * Publishes the raw message again on its original subject, with its headers, through JetStream.
   * `Nats-Msg-Id: replay:<id>` makes JetStream drop a second replay of the same parked message
   * (a double click) inside the stream's duplicate window.
   */
  async replay(id: string, reason: string | undefined): Promise<ReplayedItem> {
    const parked = await this.open(id);
    const js = this.nats.jetstream();
    if (!js)
      throw new ApiError(ApiErrorCode.Unavailable, 'NATS is unreachable; the message was not replayed');
    if (unmatchedTranslationOf(parked)) return this.replayUnmatched(parked, reason);
    const msgId = `replay:${parked.id}`;
    let ack;
    try {
      ack = await js.publish(parked.subject, parked.raw, { msgID: msgId, headers: replayHeaders(parked) });
    } catch (error) {
      throw new ApiError(
        ApiErrorCode.Unavailable,
        `JetStream did not accept the replay on ${parked.subject}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.logger.info(
      {
        parkedId: parked.id,
        subject: parked.subject,
        stream: ack.stream,
        seq: ack.seq,
        duplicate: ack.duplicate,
      },
      'replayed parked message',
    );
    const closed = await this.store.close(parked.id, 'replayed', reason ?? 'replayed through the API');
    if (!closed) throw await this.notOpen(parked.id);
    return {
      ...toParkedItem(await this.mustGet(parked.id)),
      replay: { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate, msgId },
    };
  }

  /**
   * A carrier message that named no booking: replaying its raw bytes would only park it again.
   * Its translated message is resolved against the references index now, and published as the
   * canonical message it is (Nats-Msg-Id = its messageId) when a booking names it; otherwise a 409.
   */
  private async replayUnmatched(parked: ParkedMessage, reason: string | undefined): Promise<ReplayedItem> {
    const js = this.nats.jetstream();
    if (!js)
      throw new ApiError(ApiErrorCode.Unavailable, 'NATS is unreachable; the message was not replayed');
    // Made once; a failure (the database away) is not kept, so the next replay tries again.
    this.references ??= ShipmentReferences.create(this.pool, this.parkedSchema).catch((error: unknown) => {
      this.references = null;
      throw error;
    });
    let outcome;
    try {
      outcome = await replayUnmatched(
        {
          parked: this.store,
          references: await this.references,
          js,
          subjects: subjectsFor(this.config.subjectPrefix),
        },
        parked,
        reason ?? 'replayed through the API',
      );
    } catch (error) {
      throw new ApiError(
        ApiErrorCode.Unavailable,
        `the translated message of parked message ${parked.id} was not published: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (!outcome.replayed) {
      const translation = unmatchedTranslationOf(parked)!;
      const ambiguous = outcome.resolution.ambiguous;
      throw new ApiError(
        ApiErrorCode.Conflict,
        `parked message ${parked.id} still names no booked shipment (${parked.references.join(', ') || 'no references'})${
          ambiguous.length ? `; ${ambiguous.join(', ')} name more than one shipment` : ''
        }; it is replayed by itself when a booking names one of them`,
        {
          extensions: { parkedStatus: parked.status, references: parked.references, kind: translation.kind },
        },
      );
    }
    if (!outcome.closed) throw await this.notOpen(parked.id);
    const msgId = String(unmatchedTranslationOf(parked)!.payload.messageId);
    this.logger.info(
      {
        parkedId: parked.id,
        shipmentId: outcome.shipmentId,
        stream: outcome.ack.stream,
        seq: outcome.ack.seq,
      },
      'replayed unmatched carrier message',
    );
    return {
      ...toParkedItem(await this.mustGet(parked.id)),
      replay: { stream: outcome.ack.stream, seq: outcome.ack.seq, duplicate: outcome.ack.duplicate, msgId },
    };
  }

  async discard(id: string, reason: string): Promise<ParkedItem> {
    const parked = await this.open(id);
    if (!(await this.store.close(parked.id, 'discarded', reason))) throw await this.notOpen(parked.id);
    return toParkedItem(await this.mustGet(parked.id));
  }

  private async mustGet(id: string): Promise<ParkedMessage> {
    const parked = await this.store.get(id);
    if (!parked) throw new ApiError(ApiErrorCode.NotFound, `no parked message ${id}`);
    return parked;
  }

  private async open(id: string): Promise<ParkedMessage> {
    const parked = await this.mustGet(id);
    if (parked.status !== 'parked') throw await this.notOpen(id);
    return parked;
  }

  private async notOpen(id: string): Promise<ApiError> {
    const parked = await this.mustGet(id);
    return new ApiError(
      ApiErrorCode.Conflict,
      `parked message ${id} is already ${parked.status}${parked.statusReason ? ` (${parked.statusReason})` : ''}`,
      { extensions: { parkedStatus: parked.status } },
    );
  }
}

function isParkedId(key: string): boolean {
  return /^[0-9]{1,18}$/.test(key);
}

/**
 * The headers as received, less the `Nats-*` ones: those were instructions to the server for
 * the first publish (its de-duplication id, expected sequence, …) and would break or
 * mis-deduplicate the replay.
 */
function replayHeaders(parked: ParkedMessage): MsgHdrs {
  const result = natsHeaders();
  for (const [name, values] of Object.entries(parked.headers)) {
    if (/^nats-/i.test(name) || name.toLowerCase() === REPLAY_OF_HEADER.toLowerCase()) continue;
    for (const value of values) result.append(name, value);
  }
  result.set(REPLAY_OF_HEADER, parked.id);
  return result;
}

export function toParkedItem(parked: ParkedMessage): ParkedItem {
  return {
    id: parked.id,
    subject: parked.subject,
    reason: parked.reason,
    explanation: parked.explanation,
    messageId: parked.messageId,
    shipmentId: parked.shipmentId,
    correlationId: parked.correlationId,
    receivedAt: parked.receivedAt.toISOString(),
    status: parked.status,
    statusReason: parked.statusReason,
    statusChangedAt: parked.statusChangedAt?.toISOString() ?? null,
    headers: parked.headers,
    rawBase64: parked.raw.toString('base64'),
    place: parked.place,
    code: parked.code,
    references: [...parked.references],
  };
}
