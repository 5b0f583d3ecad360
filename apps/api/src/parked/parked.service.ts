import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@waybill/platform';
import { type ParkedMessage, ParkedMessageStore, type ParkedQuery } from '@waybill/parking';
import { headers as natsHeaders, type MsgHdrs } from 'nats';
import { API_LOGGER } from '../api.tokens';
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
  ) {}

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
  };
}
