import { Inject, Injectable } from '@nestjs/common';
import {
  fold,
  isShipmentStreamEvent,
  type ShipmentStreamEvent,
  shipmentStreamId,
  shipmentView,
  type ShipmentView,
} from '@waybill/domain';
import { type EventStore, formatPosition, type RecordedEvent } from '@waybill/event-store';
import { EVENT_STORE } from '../api.tokens';
import { ContractsService } from '../contracts/contracts.service';
import { decodeCursor, type Page, toPage } from '../http/cursor';
import { ApiError, ApiErrorCode } from '../problems/api-error';

export interface ShipmentEventItem {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly revision: number;
  readonly position: string;
  readonly recordedAt: string;
  readonly occurredAt: string;
  readonly messageId: string | null;
  readonly correlationId: string;
  readonly causationId: string;
  readonly source: string;
}

const EVENTS_CURSOR = 'shipment-events';

@Injectable()
export class ShipmentsService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly contracts: ContractsService,
  ) {}

  /** The shipment folded from its stream, as of now or as Waybill knew it at `asOf`. */
  async view(shipmentId: string, asOf?: Date): Promise<ShipmentView> {
    const events = await this.store.readStream(
      shipmentStreamId(shipmentId),
      asOf === undefined ? {} : { recordedUpTo: asOf },
    );
    const last = events.at(-1);
    if (!last) {
      throw new ApiError(
        ApiErrorCode.NotFound,
        asOf === undefined
          ? `no shipment ${shipmentId} is known`
          : `no event of shipment ${shipmentId} was recorded up to ${asOf.toISOString()}`,
      );
    }
    // The stream may hold events of no known type; the state folds the shipment's and billing's,
    // but the revision is the stream's.
    const own = events.filter((event): event is RecordedEvent & ShipmentStreamEvent =>
      isShipmentStreamEvent(event),
    );
    const state = fold(own);
    // Billing is evaluated under the contract current at the same moment. Without a booking there
    // is no customer to look up: the recorded decision (or `not_booked`) stands.
    const customerId = state.booking?.customerId;
    const contract = customerId === undefined ? undefined : await this.contracts.current(customerId, asOf);
    return shipmentView(shipmentId, Number(last.revision), state, contract);
  }

  async events(shipmentId: string, limit: number, cursor?: string): Promise<Page<ShipmentEventItem>> {
    const after = cursor === undefined ? undefined : BigInt(decodeCursor(EVENTS_CURSOR, cursor, isRevision));
    const streamId = shipmentStreamId(shipmentId);
    const rows = await this.store.readStream(streamId, {
      fromRevision: after === undefined ? 0n : after + 1n,
      maxCount: limit + 1,
    });
    if (rows.length === 0 && after === undefined) {
      throw new ApiError(ApiErrorCode.NotFound, `no shipment ${shipmentId} is known`);
    }
    return toPage(rows, limit, EVENTS_CURSOR, (event) => event.revision.toString(), toEventItem);
  }
}

/** Up to 18 digits: the revision after it must still fit PostgreSQL's int8 (19 digits could overflow it). */
function isRevision(key: string): boolean {
  return /^\d{1,18}$/.test(key);
}

function toEventItem(event: RecordedEvent): ShipmentEventItem {
  return {
    id: event.id,
    type: event.type,
    data: event.data,
    revision: Number(event.revision),
    position: formatPosition(event.position),
    recordedAt: event.recordedAt.toISOString(),
    occurredAt: event.metadata.occurredAt,
    messageId: event.metadata.messageId ?? null,
    correlationId: event.metadata.correlationId,
    causationId: event.metadata.causationId,
    source: event.metadata.source,
  };
}
