import { Pool } from 'pg';
import { shipmentStreamId, type ShipmentCommand } from '@waybill/domain';
import { PostgresEventStore, type ReadStreamOptions, type RecordedEvent } from '@waybill/event-store';
import { createTestDatabase } from '@waybill/testing';
import { fromMessage, ShipmentRepository } from './shipment.repository';

const report = (messageId: string, occurredAt: string) => ({
  messageId,
  source: 'tms',
  occurredAt,
  receivedAt: '2026-11-26T20:00:00.000Z',
});
const milestone = (
  messageId: string,
  m: 'dispatched' | 'delivered',
  occurredAt: string,
): ShipmentCommand => ({
  type: 'RecordMilestone',
  data: { ...report(messageId, occurredAt), milestone: m },
});

/**
 * The real store, which also notes each stream read: from which revision, and how many events
 * came back. Lets a test check how the repository read, not only what it ended up with.
 */
class ReadRecordingStore extends PostgresEventStore {
  readonly reads: { streamId: string; fromRevision: bigint | undefined; events: number }[] = [];

  override async readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    const events = await super.readStream(streamId, options);
    this.reads.push({ streamId, fromRevision: options?.fromRevision, events: events.length });
    return events;
  }
}

/** Two processor instances share one log: one instance's cache must never hide the other's events. */
describe('shipment repository with two instances on one log', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await createTestDatabase('repository');
    pool = new Pool({ connectionString: database.url });
    store = await PostgresEventStore.create(pool);
  });

  afterAll(async () => {
    await store.close();
    await pool.end();
    await database.drop();
  });

  it('when a redelivered message turns out to be stored already, then the stale cache is dropped, not kept under the newer revision', async () => {
    const a = new ShipmentRepository(store);
    const b = new ShipmentRepository(store);
    const first = milestone('m-1', 'dispatched', '2026-11-26T08:00:00Z');
    const second = milestone('m-2', 'delivered', '2026-11-26T15:00:00Z');

    const atA = await a.load('S-1'); // A caches the empty stream
    expect(atA.revision).toBe(-1n);

    for (const command of [first, second]) {
      const shipment = await b.load('S-1');
      shipment.record(command);
      await b.save(shipment, fromMessage(command.data.messageId, 'c'));
    }

    // m-1 is redelivered to A, which decides it on its stale, empty state: identical events,
    // already stored, so the append writes nothing.
    atA.record(first);
    expect(await a.save(atA, fromMessage('m-1', 'c'))).toBe(0);

    const again = await a.load('S-1');
    expect(again.revision).toBe(1n);
    expect(again.state.milestones.map((m) => m.milestone)).toEqual(['dispatched', 'delivered']);
  });

  it('when another instance appended meanwhile, then loadFresh sees it without a full re-read', async () => {
    // Instance A on a store of its own (same database), as a second processor would be.
    const storeOfA = new ReadRecordingStore(pool);
    const a = new ShipmentRepository(storeOfA);
    const b = new ShipmentRepository(store);
    const first = milestone('n-1', 'dispatched', '2026-11-26T08:00:00Z');
    const shipmentA = await a.load('S-2');
    shipmentA.record(first);
    await a.save(shipmentA, fromMessage('n-1', 'c'));

    const atB = await b.load('S-2');
    atB.record(milestone('n-2', 'delivered', '2026-11-26T15:00:00Z'));
    await b.save(atB, fromMessage('n-2', 'c'));

    expect((await a.load('S-2')).revision).toBe(0n); // the plain cache is stale…
    const readsBefore = storeOfA.reads.length;
    const fresh = await a.loadFresh('S-2'); // …the fresh load is not
    expect(fresh.revision).toBe(1n);
    expect(fresh.state.milestones.map((m) => m.milestone)).toEqual(['dispatched', 'delivered']);
    // One read, of the tail only: from the revision after the cached one, bringing B's one event.
    expect(storeOfA.reads.slice(readsBefore)).toEqual([
      { streamId: shipmentStreamId('S-2'), fromRevision: 1n, events: 1 },
    ]);
    await storeOfA.close();
  });
});
