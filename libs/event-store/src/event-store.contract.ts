/**
 * The behaviour every EventStore adapter must show, as one jest suite that each adapter's
 * integration spec runs against a real server. Tests write to streams under a prefix unique to
 * the run, so they can share a database or an EventStoreDB node with other runs.
 */
import { randomUUID } from 'node:crypto';
import { EventIdConflictError, WrongExpectedRevisionError } from './errors';
import {
  type EventMetadata,
  type EventStore,
  type NewEvent,
  type Position,
  type RecordedEvent,
  START,
  type Subscription,
  type SubscribeOptions,
} from './event-store.port';
import { comparePositions } from './positions';

export interface ContractSubject {
  readonly store: EventStore;
  readonly cleanup: () => Promise<void>;
}

const METADATA: EventMetadata = {
  messageId: 'msg-1',
  correlationId: 'corr-1',
  causationId: 'msg-1',
  occurredAt: '2025-03-01T10:00:00Z',
  source: 'contract-test',
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function newEvent(type: string, data: Record<string, unknown>, id: string = randomUUID()): NewEvent {
  return { id, type, data, metadata: METADATA };
}

function numbered(count: number, from = 0, type = 'Numbered'): NewEvent[] {
  return Array.from({ length: count }, (_, i) => newEvent(type, { n: from + i }));
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the promise to reject, but it resolved');
    },
    (error: unknown) => error,
  );
}

/** Polls until `done(value)` holds; readers of the global order may lag commits by a moment. */
async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(25);
  }
}

function expectAscending(positions: readonly Position[]): void {
  for (let i = 1; i < positions.length; i += 1) {
    expect(comparePositions(positions[i - 1]!, positions[i]!)).toBe(-1);
  }
}

interface Collector {
  readonly received: RecordedEvent[];
  readonly batches: number[];
  readonly subscription: Subscription;
  until(count: number, timeoutMs?: number): Promise<void>;
}

function collect(store: EventStore, options: SubscribeOptions): Collector {
  const received: RecordedEvent[] = [];
  const batches: number[] = [];
  const subscription = store.subscribeToAll((batch) => {
    received.push(...batch);
    batches.push(batch.length);
    return Promise.resolve();
  }, options);
  return {
    received,
    batches,
    subscription,
    async until(count, timeoutMs = 15_000) {
      await eventually(
        () => Promise.resolve(received.length),
        (n) => n >= count,
        timeoutMs,
      );
      expect(received.length).toBeGreaterThanOrEqual(count);
    },
  };
}

export function describeEventStoreContract(name: string, factory: () => Promise<ContractSubject>): void {
  describe(`${name}: event-store contract`, () => {
    const run = randomUUID().slice(0, 8);
    let subject: ContractSubject | undefined;
    let store: EventStore;
    let streamCount = 0;
    /** A fresh prefix (also usable as a stream id) per test, so tests never see each other's events. */
    const fresh = (label: string): string => `c${run}-${label}-${(streamCount += 1)}`;

    beforeAll(async () => {
      subject = await factory();
      store = subject.store;
    });

    afterAll(async () => {
      await subject?.cleanup();
    });

    describe('append and read', () => {
      it('when events are appended to a new stream, then readStream returns them with id, type, data, metadata, revision, position and recordedAt', async () => {
        const streamId = fresh('roundtrip');
        const events = [
          newEvent('ShipmentBooked', { shipmentId: 'S1', lines: [{ sku: 'A', qty: 2 }], note: 'ünïcødé ✓' }),
          newEvent('ShipmentDispatched', { shipmentId: 'S1', at: '2025-03-01T11:00:00Z' }),
          newEvent('ShipmentDelivered', { shipmentId: 'S1', signedBy: null, weightKg: 12.5 }),
        ];
        const before = Date.now();
        const result = await store.appendToStream(streamId, events, 'no_stream');
        const after = Date.now();

        const read = await store.readStream(streamId);

        expect(
          read.map((e) => ({
            id: e.id,
            type: e.type,
            data: e.data,
            metadata: e.metadata,
            streamId: e.streamId,
          })),
        ).toEqual(
          events.map((e) => ({ id: e.id, type: e.type, data: e.data, metadata: e.metadata, streamId })),
        );
        expect(read.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
        expectAscending(read.map((e) => e.position));
        for (const event of read) {
          expect(event.recordedAt).toBeInstanceOf(Date);
          // Server and test share a host clock; the slack covers a container's clock and rounding.
          expect(event.recordedAt.getTime()).toBeGreaterThanOrEqual(before - 5_000);
          expect(event.recordedAt.getTime()).toBeLessThanOrEqual(after + 5_000);
        }
        expect(result).toEqual({ nextRevision: 2n, appended: 3, position: read[2]!.position });
      });

      it('when a stream does not exist, then readStream returns an empty array', async () => {
        await expect(store.readStream(fresh('missing'))).resolves.toEqual([]);
      });

      it('when several streams are read at once, then each comes back whole and in order, and a missing one is empty', async () => {
        const [a, b, missing] = [fresh('multi-a'), fresh('multi-b'), fresh('multi-missing')];
        const eventsA = [newEvent('A1', { n: 1 }), newEvent('A2', { n: 2 })];
        const eventsB = [newEvent('B1', { n: 1 })];
        await store.appendToStream(a, eventsA, 'no_stream');
        await store.appendToStream(b, eventsB, 'no_stream');

        const read = await store.readStreams([a, missing, b]);

        expect([...read.keys()].sort()).toEqual([a, b, missing].sort());
        expect(read.get(a)!.map((e) => [e.id, e.revision])).toEqual(eventsA.map((e, i) => [e.id, BigInt(i)]));
        expect(read.get(b)!.map((e) => e.id)).toEqual(eventsB.map((e) => e.id));
        expect(read.get(missing)).toEqual([]);
        expect(read.get(a)).toEqual(await store.readStream(a));
      });

      it('when an event id is not a UUID, then the append is rejected and nothing is written', async () => {
        const streamId = fresh('bad-id');
        const error = await failure(
          store.appendToStream(streamId, [newEvent('Bad', { a: 1 }, 'not-a-uuid')], 'any'),
        );
        expect(error).toBeInstanceOf(TypeError);
        await expect(store.readStream(streamId)).resolves.toEqual([]);
      });
    });

    describe('expected revision', () => {
      it('when appending with no_stream to a stream that exists, then it fails with WrongExpectedRevisionError and writes nothing', async () => {
        const streamId = fresh('exists');
        await store.appendToStream(streamId, numbered(2), 'no_stream');

        const error = await failure(store.appendToStream(streamId, numbered(1, 2), 'no_stream'));

        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({
          code: 'wrong_expected_revision',
          streamId,
          expected: 'no_stream',
          actual: '1',
        });
        expect(await store.readStream(streamId)).toHaveLength(2);
      });

      it("when appending with the stream's last revision, then it succeeds and nextRevision advances", async () => {
        const streamId = fresh('exact');
        const first = await store.appendToStream(streamId, numbered(2), 'no_stream');
        const second = await store.appendToStream(streamId, numbered(3, 2), first.nextRevision);

        expect(first.nextRevision).toBe(1n);
        expect(second).toMatchObject({ nextRevision: 4n, appended: 3 });
        expect((await store.readStream(streamId)).map((e) => e.data)).toEqual(
          [0, 1, 2, 3, 4].map((n) => ({ n })),
        );
      });

      it('when appending with a stale revision, then it fails with WrongExpectedRevisionError naming the actual revision', async () => {
        const streamId = fresh('stale');
        await store.appendToStream(streamId, numbered(3), 'no_stream');

        const error = await failure(store.appendToStream(streamId, numbered(1, 3), 0n));

        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ streamId, expected: '0', actual: '2' });
        expect(await store.readStream(streamId)).toHaveLength(3);
      });

      it('when appending with a revision to a stream that does not exist, then it fails with WrongExpectedRevisionError', async () => {
        const streamId = fresh('absent');

        const error = await failure(store.appendToStream(streamId, numbered(1), 0n));

        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ streamId, expected: '0', actual: 'no_stream' });
        await expect(store.readStream(streamId)).resolves.toEqual([]);
      });

      it('when appending with any, then it succeeds whether or not the stream exists', async () => {
        const streamId = fresh('any');
        const created = await store.appendToStream(streamId, numbered(1), 'any');
        const extended = await store.appendToStream(streamId, numbered(2, 1), 'any');

        expect(created).toMatchObject({ nextRevision: 0n, appended: 1 });
        expect(extended).toMatchObject({ nextRevision: 2n, appended: 2 });
        expect(await store.readStream(streamId)).toHaveLength(3);
      });

      it('when two writers append with the same expected revision at once, then exactly one succeeds', async () => {
        const streamId = fresh('race');
        await store.appendToStream(streamId, numbered(1), 'no_stream');

        const results = await Promise.allSettled([
          store.appendToStream(streamId, [newEvent('Writer', { writer: 'a' })], 0n),
          store.appendToStream(streamId, [newEvent('Writer', { writer: 'b' })], 0n),
        ]);

        const fulfilled = results.filter((r) => r.status === 'fulfilled');
        const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(fulfilled).toHaveLength(1);
        expect(rejected).toHaveLength(1);
        expect(rejected[0]!.reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.readStream(streamId)).toHaveLength(2);
      });
    });

    describe('idempotency', () => {
      it('when the same events are appended again, then nothing is duplicated and appended is 0', async () => {
        const streamId = fresh('retry');
        const events = numbered(3);
        const original = await store.appendToStream(streamId, events, 'no_stream');
        await store.appendToStream(streamId, numbered(1, 3), original.nextRevision);

        // The retry of a crashed-but-committed append: its expected revision is stale by now.
        const retry = await store.appendToStream(streamId, events, 'no_stream');

        expect(retry).toEqual({ nextRevision: 3n, appended: 0, position: original.position });
        const read = await store.readStream(streamId);
        expect(read.map((e) => e.data)).toEqual([0, 1, 2, 3].map((n) => ({ n })));
        expect(new Set(read.map((e) => e.id)).size).toBe(4);
      });

      it('when a retry carries already-stored events plus new ones, then only the new ones are written', async () => {
        const streamId = fresh('partial');
        const [a, b, c] = numbered(3);
        await store.appendToStream(streamId, [a!, b!], 'no_stream');

        const result = await store.appendToStream(streamId, [b!, c!], 1n);

        expect(result).toMatchObject({ nextRevision: 2n, appended: 1 });
        expect((await store.readStream(streamId)).map((e) => e.id)).toEqual([a!.id, b!.id, c!.id]);
      });

      it('when an event id is reused with different data, then it fails with EventIdConflictError and writes nothing', async () => {
        const streamId = fresh('conflict-data');
        const original = newEvent('ChargeAdded', { amount: 10 });
        await store.appendToStream(streamId, [original], 'no_stream');

        const error = await failure(
          store.appendToStream(
            streamId,
            [newEvent('Other', { x: 1 }), { ...original, data: { amount: 11 } }],
            'any',
          ),
        );

        expect(error).toBeInstanceOf(EventIdConflictError);
        expect(error).toMatchObject({ code: 'event_id_conflict', eventId: original.id, streamId });
        expect((await store.readStream(streamId)).map((e) => e.data)).toEqual([{ amount: 10 }]);
      });

      it('when an event id is reused with a different type, then it fails with EventIdConflictError', async () => {
        const streamId = fresh('conflict-type');
        const original = newEvent('ChargeAdded', { amount: 10 });
        await store.appendToStream(streamId, [original], 'no_stream');

        const error = await failure(
          store.appendToStream(streamId, [{ ...original, type: 'ChargeRemoved' }], 0n),
        );

        expect(error).toBeInstanceOf(EventIdConflictError);
        expect(await store.readStream(streamId)).toHaveLength(1);
      });

      it('when the same data comes back with its keys in another order, then it counts as the same event', async () => {
        const streamId = fresh('key-order');
        const original = newEvent('Measured', { a: 1, b: { c: 2, d: [1, 2] } });
        await store.appendToStream(streamId, [original], 'no_stream');

        const retry = await store.appendToStream(
          streamId,
          [{ ...original, data: { b: { d: [1, 2], c: 2 }, a: 1 } }],
          'no_stream',
        );

        expect(retry.appended).toBe(0);
      });
    });

    describe('readStream options', () => {
      it('when reading from a revision with a maximum count, then only that window is returned', async () => {
        const streamId = fresh('window');
        await store.appendToStream(streamId, numbered(10), 'no_stream');

        const read = await store.readStream(streamId, { fromRevision: 3n, maxCount: 4 });

        expect(read.map((e) => e.revision)).toEqual([3n, 4n, 5n, 6n]);
        expect(read.map((e) => e.data)).toEqual([3, 4, 5, 6].map((n) => ({ n })));
      });

      it('when reading up to a recorded time, then later events are left out', async () => {
        const streamId = fresh('as-of');
        await store.appendToStream(streamId, numbered(2), 'no_stream');
        const [, second] = await store.readStream(streamId);
        await sleep(30);
        await store.appendToStream(streamId, numbered(2, 2), 1n);
        const all = await store.readStream(streamId);
        expect(all[2]!.recordedAt.getTime()).toBeGreaterThan(second!.recordedAt.getTime());

        const asOf = await store.readStream(streamId, { recordedUpTo: second!.recordedAt });

        expect(asOf.map((e) => e.revision)).toEqual([0n, 1n]);
      });

      it('when reading up to a position, then events after it are left out', async () => {
        const streamId = fresh('up-to');
        await store.appendToStream(streamId, numbered(2), 'no_stream');
        await store.appendToStream(streamId, numbered(2, 2), 1n);
        const all = await store.readStream(streamId);

        const upTo = await store.readStream(streamId, { upToPosition: all[2]!.position });

        expect(upTo.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
        expect(await store.readStream(streamId, { upToPosition: START })).toEqual([]);
      });
    });

    describe('readAll', () => {
      it('when reading all with a stream prefix, then events of matching streams come in global order, each stream in revision order', async () => {
        const prefix = fresh('all');
        const appended: NewEvent[] = [];
        for (const [label, count] of [
          ['a', 2],
          ['b', 1],
          ['a', 1],
          ['c', 2],
          ['b', 2],
        ] as const) {
          const events = numbered(count, appended.length, `Type-${label}`);
          await store.appendToStream(`${prefix}-${label}`, events, 'any');
          appended.push(...events);
        }
        await store.appendToStream(fresh('elsewhere'), numbered(2), 'any');

        const read = await eventually(
          () => store.readAll({ streamPrefixes: [prefix] }),
          (events) => events.length >= appended.length,
        );

        expect(read.map((e) => e.id)).toEqual(appended.map((e) => e.id));
        expectAscending(read.map((e) => e.position));
        for (const label of ['a', 'b', 'c']) {
          const revisions = read.filter((e) => e.streamId === `${prefix}-${label}`).map((e) => e.revision);
          expect(revisions).toEqual(revisions.map((_, i) => BigInt(i)));
        }
      });

      it('when reading all after a position, then only later events are returned, up to maxCount', async () => {
        const prefix = fresh('after');
        for (let i = 0; i < 6; i += 1)
          await store.appendToStream(`${prefix}-${i % 2}`, numbered(1, i), 'any');
        const all = await eventually(
          () => store.readAll({ streamPrefixes: [prefix] }),
          (events) => events.length >= 6,
        );

        const afterSecond = await store.readAll({ streamPrefixes: [prefix], after: all[1]!.position });
        const page = await store.readAll({ streamPrefixes: [prefix], after: all[1]!.position, maxCount: 3 });

        expect(afterSecond.map((e) => e.id)).toEqual(all.slice(2).map((e) => e.id));
        expect(page.map((e) => e.id)).toEqual(all.slice(2, 5).map((e) => e.id));
        expect(await store.readAll({ streamPrefixes: [prefix], after: all[5]!.position })).toEqual([]);
      });

      it('when several prefixes are given, then events of any of them are returned and no others', async () => {
        const base = fresh('multi');
        for (const stream of ['shipment_1', 'invoice-1', 'case-1', 'shipmentX1']) {
          await store.appendToStream(`${base}-${stream}`, numbered(1), 'any');
        }

        const read = await eventually(
          () => store.readAll({ streamPrefixes: [`${base}-shipment_`, `${base}-case-`] }),
          (events) => events.length >= 2,
        );
        await sleep(100);

        // shipmentX1 would match if `_` in a prefix were treated as a wildcard (as LIKE does).
        expect(
          (await store.readAll({ streamPrefixes: [`${base}-shipment_`, `${base}-case-`] })).map(
            (e) => e.streamId,
          ),
        ).toEqual([`${base}-shipment_1`, `${base}-case-1`]);
        expect(read).toHaveLength(2);
      });
    });

    describe('subscribeToAll', () => {
      it('when subscribing from the start, then existing events arrive (catch-up) and later ones follow (live), once each and in order', async () => {
        const prefix = fresh('sub');
        const expected: NewEvent[] = [];
        const append = async (stream: string, events: NewEvent[]): Promise<void> => {
          await store.appendToStream(`${prefix}-${stream}`, events, 'any');
          expected.push(...events);
        };
        await append('a', numbered(5));
        await append('b', numbered(3));

        const collector = collect(store, { streamPrefixes: [prefix] });
        try {
          await collector.until(8);
          await append('a', numbered(4, 5));
          await append('c', numbered(2));
          await collector.until(14);
          await sleep(300);

          expect(collector.received.map((e) => e.id)).toEqual(expected.map((e) => e.id));
          expectAscending(collector.received.map((e) => e.position));
        } finally {
          await collector.subscription.stop();
        }
      });

      it('when a subscription resumes from a checkpoint, then it receives exactly the events after it: no duplicates, no gaps', async () => {
        const prefix = fresh('resume');
        const expected: string[] = [];
        for (let i = 0; i < 3; i += 1) {
          const events = numbered(2, i * 2);
          await store.appendToStream(`${prefix}-${i % 2}`, events, 'any');
          expected.push(...events.map((e) => e.id));
        }

        const first = collect(store, { streamPrefixes: [prefix], batchSize: 2 });
        await first.until(4);
        await first.subscription.stop();
        const handled = [...first.received];
        const checkpoint = handled[handled.length - 1]!.position;

        for (let i = 3; i < 5; i += 1) {
          const events = numbered(i === 3 ? 1 : 2, i * 2);
          await store.appendToStream(`${prefix}-${i % 2}`, events, 'any');
          expected.push(...events.map((e) => e.id));
        }

        const second = collect(store, { streamPrefixes: [prefix], after: checkpoint });
        try {
          await second.until(expected.length - handled.length);
          await sleep(300);
          expect([...handled, ...second.received].map((e) => e.id)).toEqual(expected);
        } finally {
          await second.subscription.stop();
        }
      });

      it('when the handler is slow, then the next batch waits for it and stop() waits for the batch in flight', async () => {
        const prefix = fresh('slow');
        await store.appendToStream(`${prefix}-1`, numbered(3), 'no_stream');
        let running = 0;
        let maxRunning = 0;
        let started = 0;
        let finished = 0;
        const subscription = store.subscribeToAll(
          async () => {
            started += 1;
            running += 1;
            maxRunning = Math.max(maxRunning, running);
            await sleep(150);
            running -= 1;
            finished += 1;
          },
          { streamPrefixes: [prefix], batchSize: 1 },
        );
        await eventually(
          () => Promise.resolve(started),
          (n) => n >= 2,
        );

        await subscription.stop();

        expect(finished).toBe(started);
        expect(maxRunning).toBe(1);
        const startedAtStop = started;
        await sleep(300);
        expect(started).toBe(startedAtStop);
        await expect(subscription.done).resolves.toBeUndefined();
      });

      it('when batchSize is given, then no batch is larger and every event is delivered', async () => {
        const prefix = fresh('batches');
        await store.appendToStream(`${prefix}-1`, numbered(10), 'no_stream');

        const collector = collect(store, { streamPrefixes: [prefix], batchSize: 3 });
        try {
          await collector.until(10);
          expect(Math.max(...collector.batches)).toBeLessThanOrEqual(3);
          expect(collector.received).toHaveLength(10);
        } finally {
          await collector.subscription.stop();
        }
      });

      it('when the handler throws, then done rejects with that error', async () => {
        const prefix = fresh('throws');
        await store.appendToStream(`${prefix}-1`, numbered(1), 'no_stream');
        const boom = new Error('projection failed');

        const subscription = store.subscribeToAll(() => Promise.reject(boom), { streamPrefixes: [prefix] });

        await expect(subscription.done).rejects.toBe(boom);
        await subscription.stop();
      });
    });

    describe('concurrency', () => {
      it('when 50 streams each receive 20 appends concurrently, then all 1000 events land and every stream is in order', async () => {
        const prefix = fresh('load');
        const streams = Array.from({ length: 50 }, (_, s) => `${prefix}-${s}`);

        await Promise.all(
          streams.map(async (streamId) => {
            for (let n = 0; n < 20; n += 1) {
              await store.appendToStream(
                streamId,
                [newEvent('Numbered', { n })],
                n === 0 ? 'no_stream' : BigInt(n - 1),
              );
            }
          }),
        );

        for (const streamId of streams) {
          const read = await store.readStream(streamId);
          expect(read.map((e) => e.data)).toEqual(Array.from({ length: 20 }, (_, n) => ({ n })));
        }
        const all = await eventually(
          () => store.readAll({ streamPrefixes: [prefix] }),
          (events) => events.length >= 1000,
        );
        expect(all).toHaveLength(1000);
        expect(new Set(all.map((e) => e.id)).size).toBe(1000);
        expectAscending(all.map((e) => e.position));
        const lastRevision = new Map<string, bigint>();
        for (const event of all) {
          expect(event.revision).toBe((lastRevision.get(event.streamId) ?? -1n) + 1n);
          lastRevision.set(event.streamId, event.revision);
        }
      });
    });
  });
}
