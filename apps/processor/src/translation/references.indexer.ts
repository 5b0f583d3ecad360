import type { JetStreamClient } from 'nats';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { SHIPMENT_STREAM_PREFIX, shipmentIdOf, type References } from '@waybill/domain';
import {
  CheckpointedSubscription,
  type CheckpointStore,
  type EventStore,
  type RecordedEvent,
} from '@waybill/event-store';
import type { Subjects } from '@waybill/messaging';
import { replayUnmatched, type ParkedMessageStore, type ShipmentReferences } from '@waybill/parking';
import { withTransaction } from '@waybill/platform';

export const REFERENCES_INDEX_CHECKPOINT = 'shipment-references';

interface Dependencies {
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore;
  readonly pool: Pool;
  readonly references: ShipmentReferences;
  readonly parked: ParkedMessageStore;
  readonly js: JetStreamClient;
  readonly subjects: Subjects;
  readonly logger: Logger;
}

/**
 * Keeps `shipment_references` (reference → shipmentId) from the log, and replays the carrier
 * messages parked as `unmatched_reference` that a new booking now names.
 *
 * Per batch: the batch's bookings are indexed in one transaction; only after it commits are the
 * parked rows scanned, and the checkpoint moves only after every replay's publish was acked. The
 * translation consumer looks the index up again after its park row commits, so whichever of the
 * two comes second sees the other: a message is never stranded. A crash replays the batch, which
 * indexes the same rows and publishes the same messageIds again, which the ingest path recognises.
 */
export class ReferencesIndexer {
  private readonly subscription: CheckpointedSubscription;

  constructor(private readonly deps: Dependencies) {
    this.subscription = new CheckpointedSubscription(
      deps.store,
      deps.checkpoints,
      (events) => this.handle(events),
      {
        name: REFERENCES_INDEX_CHECKPOINT,
        streamPrefixes: [SHIPMENT_STREAM_PREFIX],
        onError: (error) =>
          deps.logger.error({ err: error }, 'references index failed; retrying from the checkpoint'),
      },
    );
  }

  async start(): Promise<void> {
    await this.subscription.start();
  }

  async stop(): Promise<void> {
    await this.subscription.stop();
  }

  /** One batch of the log; public so that tests can run it at an exact moment. */
  async handle(events: readonly RecordedEvent[]): Promise<void> {
    // The booking recorded last is the booking: a revision replaces its references.
    const bookings = new Map<string, References>();
    for (const event of events) {
      if (event.type !== 'ShipmentBooked' && event.type !== 'ShipmentBookingRevised') continue;
      const shipmentId = shipmentIdOf(event.streamId);
      if (shipmentId === null) continue;
      bookings.set(shipmentId, (event.data as { references?: References }).references ?? {});
    }
    if (bookings.size === 0) return;

    const keys: string[] = [];
    await withTransaction(this.deps.pool, async (client) => {
      for (const [shipmentId, refs] of bookings) {
        keys.push(...(await this.deps.references.replace(shipmentId, refs, client)));
      }
    });

    // Page through every parked message naming these keys: one that still matches nothing (its
    // key names several shipments) stays parked, and must not hide the ones after it.
    let afterId: string | undefined;
    for (;;) {
      const rows = await this.deps.parked.findUnmatched(keys, 200, afterId);
      for (const row of rows) {
        const outcome = await replayUnmatched(this.deps, row, 'booking indexed');
        if (outcome.replayed) {
          this.deps.logger.info(
            { parkedId: row.id, messageId: row.messageId, shipmentId: outcome.shipmentId, by: outcome.by },
            'unmatched carrier message replayed',
          );
        }
      }
      if (rows.length < 200) return;
      afterId = rows.at(-1)!.id;
    }
  }
}
