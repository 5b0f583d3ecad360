import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { createTestDatabase, until } from '@waybill/testing';
import { CheckpointedSubscription, CheckpointStore } from './checkpoints';
import type { NewEvent, RecordedEvent } from './event-store.port';
import { PostgresEventStore } from './postgres/postgres-event-store';

const event = (n: number): NewEvent => ({
  id: randomUUID(),
  type: 'Numbered',
  data: { n },
  metadata: { correlationId: 'c', causationId: 'c', occurredAt: '2026-11-27T00:00:00Z', source: 'test' },
});

describe('checkpointed subscriptions', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  let store: PostgresEventStore;
  let checkpoints: CheckpointStore;

  beforeAll(async () => {
    database = await createTestDatabase('checkpoints');
    pool = new Pool({ connectionString: database.url });
    store = await PostgresEventStore.create(pool);
    checkpoints = await CheckpointStore.create(pool);
  });

  afterAll(async () => {
    await store.close();
    await pool.end();
    await database.drop();
  });

  it('when a subscriber stops and starts again, then it resumes after its checkpoint: nothing twice, nothing missed', async () => {
    await store.appendToStream('cp-a', [event(1), event(2)], 'no_stream');
    const seen: number[] = [];
    const handle = (events: readonly RecordedEvent[]) => {
      seen.push(...events.map((e) => (e.data as { n: number }).n));
      return Promise.resolve();
    };
    const first = new CheckpointedSubscription(store, checkpoints, handle, {
      name: 'resume',
      streamPrefixes: ['cp-a'],
    });
    await first.start();
    await until(() => seen.length === 2);
    await first.stop();

    await store.appendToStream('cp-a', [event(3)], 1n);
    const second = new CheckpointedSubscription(store, checkpoints, handle, {
      name: 'resume',
      streamPrefixes: ['cp-a'],
    });
    await second.start();
    await until(() => seen.length === 3);
    await second.stop();
    expect(seen).toEqual([1, 2, 3]);
    const [last] = (await store.readStream('cp-a')).slice(-1);
    expect(await checkpoints.load('resume')).toEqual(last!.position);
  });

  it('when the handler fails, then the batch is handed over again after a restart and the checkpoint never passes it', async () => {
    await store.appendToStream('cp-b', [event(1), event(2), event(3)], 'no_stream');
    const attempts: number[][] = [];
    const errors: unknown[] = [];
    let failNext = true;
    const subscription = new CheckpointedSubscription(
      store,
      checkpoints,
      (events) => {
        attempts.push(events.map((e) => (e.data as { n: number }).n));
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error('downstream unavailable'));
        }
        return Promise.resolve();
      },
      { name: 'retry', streamPrefixes: ['cp-b'], restartDelayMs: 50, onError: (e) => errors.push(e) },
    );
    await subscription.start();
    await until(() => attempts.length >= 2);
    await subscription.stop();
    expect(attempts[0]).toEqual([1, 2, 3]);
    expect(attempts[1]).toEqual([1, 2, 3]);
    expect(errors).toHaveLength(1);
    const [last] = (await store.readStream('cp-b')).slice(-1);
    expect(await checkpoints.load('retry')).toEqual(last!.position);
  });

  it('when two instances run the same subscription, then one leads, and the other takes over from the checkpoint when it stops', async () => {
    await store.appendToStream('cp-c', [event(1), event(2)], 'no_stream');
    const seenBy: Record<string, number[]> = { a: [], b: [] };
    const make = (who: 'a' | 'b') =>
      new CheckpointedSubscription(
        store,
        checkpoints,
        (events) => {
          seenBy[who]!.push(...events.map((e) => (e.data as { n: number }).n));
          return Promise.resolve();
        },
        { name: 'leader', streamPrefixes: ['cp-c'], standbyRetryMs: 50 },
      );
    const a = make('a');
    const b = make('b');
    await a.start();
    await b.start();
    await until(() => seenBy.a!.length === 2);
    expect(a.leading).toBe(true);
    expect(b.leading).toBe(false);

    await a.stop();
    await store.appendToStream('cp-c', [event(3)], 1n);
    await until(() => seenBy.b!.length === 1);
    await b.stop();
    expect(seenBy).toEqual({ a: [1, 2], b: [3] });
  });
});
