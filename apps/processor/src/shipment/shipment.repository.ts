import {
  fold,
  initialShipmentState,
  isShipmentStreamEvent,
  shipmentStreamId,
  type ShipmentState,
  type ShipmentStreamEvent,
} from '@waybill/domain';
import {
  deterministicId,
  eventIdFor,
  type EventMetadata,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '@waybill/event-store';
import { ShipmentAggregate } from './shipment.aggregate';

/** How the new events of a save are identified and described in the log. */
export interface Provenance {
  eventId(index: number): string;
  metadata(event: ShipmentStreamEvent): EventMetadata;
}

/** Events recording an ingest message: ids derived from its messageId (a redelivery is a no-op). */
export function fromMessage(messageId: string, correlationId: string): Provenance {
  return {
    eventId: (index) => eventIdFor(messageId, index),
    metadata: (event) => {
      const data = event.data as { occurredAt?: string; source?: string };
      return {
        messageId,
        correlationId,
        causationId: messageId,
        occurredAt: data.occurredAt ?? '',
        source: data.source ?? 'unknown',
      };
    },
  };
}

/**
 * Events Waybill decided itself: no messageId; caused by `causationId` (the event or timer that
 * led to the decision). Ids derive from the stream revision the decision was taken on, so a
 * re-run of the same decision on the same state is a no-op, and a decision on a newer state
 * is a new one.
 */
export function fromDecision(
  streamId: string,
  revision: bigint,
  causationId: string,
  correlationId: string,
  decidedAt: string,
): Provenance {
  return {
    eventId: (index) => deterministicId(`decision:${streamId}@${revision}#${index}`),
    metadata: () => ({ correlationId, causationId, occurredAt: decidedAt, source: 'waybill' }),
  };
}

interface Snapshot {
  readonly state: ShipmentState;
  readonly revision: bigint;
  /** The last stored event's correlation id. */
  readonly correlationId: string | null;
}

function correlationOf(event: RecordedEvent | undefined): string | null {
  return event?.metadata.correlationId || null;
}

function snapshotOf(recorded: readonly RecordedEvent[]): Snapshot {
  const events = recorded
    .map((e) => ({ type: e.type, data: e.data }) as ShipmentStreamEvent)
    .filter(isShipmentStreamEvent);
  return {
    state: fold(events, initialShipmentState),
    revision: recorded.at(-1)?.revision ?? -1n,
    correlationId: correlationOf(recorded.at(-1)),
  };
}

/**
 * Loads and saves shipment aggregates through the event-store port. The folded state of recently
 * active shipments is kept in memory (bounded, least recently used first out), which is what
 * makes a shipment behave like an actor; the event log stays the truth, and a stale entry is
 * caught by the expected revision on append and re-read.
 */
export class ShipmentRepository {
  private readonly cache = new Map<string, Snapshot>();

  constructor(
    private readonly store: EventStore,
    private readonly maxCached = 20_000,
  ) {}

  async load(shipmentId: string): Promise<ShipmentAggregate> {
    let snapshot = this.cache.get(shipmentId);
    if (snapshot) {
      this.cache.delete(shipmentId); // re-insert: Map order is the LRU order
    } else {
      snapshot = snapshotOf(await this.store.readStream(shipmentStreamId(shipmentId)));
    }
    this.remember(shipmentId, snapshot);
    return new ShipmentAggregate(shipmentId, snapshot.state, snapshot.revision, snapshot.correlationId);
  }

  /**
   * Like `load`, but first reads the events appended after the cached revision: for decisions that
   * may append nothing (billing), where the expected revision on append cannot catch a stale cache.
   */
  async loadFresh(shipmentId: string): Promise<ShipmentAggregate> {
    const cached = this.cache.get(shipmentId);
    if (!cached) return this.load(shipmentId);
    const tail = await this.store.readStream(shipmentStreamId(shipmentId), {
      fromRevision: cached.revision + 1n,
    });
    if (tail.length > 0) {
      const events = tail
        .map((e) => ({ type: e.type, data: e.data }) as ShipmentStreamEvent)
        .filter(isShipmentStreamEvent);
      this.remember(shipmentId, {
        state: fold(events, cached.state),
        revision: tail.at(-1)!.revision,
        correlationId: correlationOf(tail.at(-1)),
      });
    }
    return this.load(shipmentId);
  }

  /**
   * Loads the shipments not yet in memory with one read, so that a batch of messages for many
   * new shipments costs one round trip instead of one each. Never replaces what is cached: a
   * shipment saved meanwhile is newer than what this read saw.
   */
  async prefetch(shipmentIds: Iterable<string>): Promise<void> {
    const missing = [...new Set(shipmentIds)].filter((id) => !this.cache.has(id));
    if (missing.length === 0) return;
    const streams = await this.store.readStreams(missing.map(shipmentStreamId));
    for (const id of missing) {
      if (!this.cache.has(id)) this.remember(id, snapshotOf(streams.get(shipmentStreamId(id)) ?? []));
    }
  }

  /** Appends the aggregate's new events with its revision as the expected one. Returns how many were written. */
  async save(shipment: ShipmentAggregate, provenance: Provenance): Promise<number> {
    const events = shipment.getUncommittedEvents();
    if (events.length === 0) return 0;
    const toStore: NewEvent[] = events.map((event, index) => ({
      id: provenance.eventId(index),
      type: event.type,
      data: event.data,
      metadata: provenance.metadata(event),
    }));
    const expected = shipment.revision < 0n ? 'no_stream' : shipment.revision;
    const result = await this.store.appendToStream(shipmentStreamId(shipment.shipmentId), toStore, expected);
    shipment.uncommit();
    if (result.appended === toStore.length) {
      this.remember(shipment.shipmentId, {
        state: shipment.state,
        revision: result.nextRevision,
        correlationId: toStore.at(-1)!.metadata.correlationId || null,
      });
    } else {
      // Some or all events were already stored (a replay): the stream may hold events this state
      // never saw, so the state must not be cached under the stream's revision. Read it again.
      this.forget(shipment.shipmentId);
    }
    return result.appended;
  }

  forget(shipmentId: string): void {
    this.cache.delete(shipmentId);
  }

  private remember(shipmentId: string, snapshot: Snapshot): void {
    this.cache.set(shipmentId, snapshot);
    if (this.cache.size > this.maxCached) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}
