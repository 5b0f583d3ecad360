import { randomUUID } from 'node:crypto';
import { Client, DatabaseError, Pool, type PoolClient } from 'pg';
import { eventually, until } from '@waybill/testing';
import { EventIdConflictError, EventStoreUnavailableError, WrongExpectedRevisionError } from '../errors';
import { describeEventStoreContract } from '../event-store.contract';
import { START, type NewEvent, type RecordedEvent } from '../event-store.port';
import { PostgresEventStore } from './postgres-event-store';

const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/waybill_test';
const SCHEMA = `es_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((error: unknown) => {
        // Another test file may have created it in the meantime.
        if (!(error instanceof DatabaseError && (error.code === '42P04' || error.code === '23505')))
          throw error;
      });
    }
  } finally {
    await client.end();
  }
}

function event(data: Record<string, unknown> = {}, id: string = randomUUID()): NewEvent {
  return {
    id,
    type: 'Tested',
    data,
    metadata: { correlationId: 'c', causationId: 'c', occurredAt: '2025-03-01T10:00:00Z', source: 'test' },
  };
}

let pool: Pool;

beforeAll(async () => {
  await ensureDatabase(DATABASE_URL);
  pool = new Pool({ connectionString: DATABASE_URL, max: 10 });
});

afterAll(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
  await pool.end();
});

describeEventStoreContract('PostgresEventStore', async () => {
  const store = await PostgresEventStore.create(pool, { schema: SCHEMA });
  return { store, cleanup: () => store.close() };
});

describe('PostgresEventStore', () => {
  let store: PostgresEventStore;
  const transactionsOf = async (prefix: string): Promise<number> => {
    const result = await pool.query<{ n: string }>(
      `SELECT count(DISTINCT transaction_id)::text AS n FROM "${SCHEMA}".events WHERE stream_id LIKE $1`,
      [`${prefix}%`],
    );
    return Number(result.rows[0]!.n);
  };

  beforeAll(async () => {
    store = await PostgresEventStore.create(pool, { schema: SCHEMA });
  });

  afterAll(async () => {
    await store.close();
  });

  describe('the gap problem', () => {
    it('when a transaction commits late behind later sequence numbers, then a subscriber still gets every event exactly once, where a sequence-checkpoint reader skips it', async () => {
      const prefix = `gap-${randomUUID().slice(0, 8)}`;
      // A subscriber with a pool of its own, so that the pool's checkouts are its reads of the log
      // and nothing else: "it delivered nothing" then means something only once it has read.
      const subscriberPool = new Pool({ connectionString: DATABASE_URL, max: 1 });
      let reads = 0;
      subscriberPool.on('acquire', () => {
        reads += 1;
      });
      const subscriber = new PostgresEventStore(subscriberPool, { schema: SCHEMA, ownsPool: true });
      // A read under way may have taken its snapshot before now, so the first read to start after
      // now is the one that counts; reads go one at a time, and the next starts only once the
      // subscriber has handed over what that one found. A wait, not a sleep: on a slow machine a
      // fixed pause could end before the subscriber had looked at all.
      const subscriberHasReadSinceNow = async (): Promise<void> => {
        const before = reads;
        await until(() => reads >= before + 2, 10_000);
      };
      const received: RecordedEvent[] = [];
      const subscription = subscriber.subscribeToAll(
        (batch) => {
          received.push(...batch);
          return Promise.resolve();
        },
        { streamPrefixes: [prefix] },
      );
      const held = await pool.connect();
      let committed = false;
      try {
        await held.query('BEGIN');
        const late = event({ late: true });
        await store.appendInTransaction(held, `${prefix}-held`, [late], 'no_stream');
        const others: NewEvent[] = [];
        for (let i = 0; i < 5; i += 1) {
          const other = event({ i });
          await store.appendToStream(`${prefix}-other-${i}`, [other], 'no_stream');
          others.push(other);
        }

        // A reader that orders by sequence and keeps the highest one it saw as its checkpoint.
        const naiveSql = `SELECT event_id::text AS id, sequence::text AS sequence FROM "${SCHEMA}".events
                          WHERE stream_id LIKE $1 AND sequence > $2::int8 ORDER BY sequence`;
        const naiveFirst = await pool.query<{ id: string; sequence: string }>(naiveSql, [`${prefix}-%`, '0']);
        expect(naiveFirst.rows.map((r) => r.id)).toEqual(others.map((e) => e.id));
        const naiveCheckpoint = naiveFirst.rows[naiveFirst.rows.length - 1]!.sequence;

        // Meanwhile the store shows nothing past the open transaction, committed or not.
        await subscriberHasReadSinceNow();
        expect(received).toEqual([]);
        expect(await store.readAll({ streamPrefixes: [prefix] })).toEqual([]);

        await held.query('COMMIT');
        committed = true;

        const naiveSecond = await pool.query<{ id: string }>(naiveSql, [`${prefix}-%`, naiveCheckpoint]);
        const lateRow = await pool.query<{ sequence: string }>(
          `SELECT sequence::text AS sequence FROM "${SCHEMA}".events WHERE event_id = $1`,
          [late.id],
        );
        // The problem is real: the late event's sequence is behind the naive checkpoint, so it is lost.
        expect(BigInt(lateRow.rows[0]!.sequence)).toBeLessThan(BigInt(naiveCheckpoint));
        expect(naiveSecond.rows).toEqual([]);

        await until(() => received.length >= 6, 15_000);
        // Once more, so that a duplicate would have arrived by now.
        await subscriberHasReadSinceNow();
        expect(received.map((e) => e.id)).toEqual([late.id, ...others.map((e) => e.id)]);
      } finally {
        // Destroying the connection rolls the transaction back if the test failed before COMMIT.
        held.release(!committed);
        await subscription.stop();
        await subscriber.close();
      }
    });
  });

  describe('group commit', () => {
    it('when 200 appends to different streams are issued together, then they commit in one transaction', async () => {
      const prefix = `gc-${randomUUID().slice(0, 8)}-`;

      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          store.appendToStream(`${prefix}${i}`, [event({ i })], 'no_stream'),
        ),
      );

      expect(results.every((r) => r.appended === 1 && r.nextRevision === 0n)).toBe(true);
      expect(new Set(results.map((r) => r.position.commit)).size).toBe(1);
      expect(await transactionsOf(prefix)).toBe(1);
    });

    it('when more events are queued than a batch holds, then they are split into transactions of at most maxBatchEvents', async () => {
      const bounded = new PostgresEventStore(pool, { schema: SCHEMA, maxBatchEvents: 100 });
      const prefix = `gcb-${randomUUID().slice(0, 8)}-`;

      await Promise.all(
        Array.from({ length: 125 }, (_, i) =>
          bounded.appendToStream(`${prefix}${i}`, [event(), event()], 'no_stream'),
        ),
      );

      const perTransaction = await pool.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM "${SCHEMA}".events WHERE stream_id LIKE $1 GROUP BY transaction_id`,
        [`${prefix}%`],
      );
      const sizes = perTransaction.rows.map((r) => Number(r.n));
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(250);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(100);
      expect(sizes.length).toBeLessThan(125);
      await bounded.close();
    });

    it('when 50 writers append 20 times each, then the 1000 appends take far fewer transactions', async () => {
      const prefix = `gcw-${randomUUID().slice(0, 8)}-`;

      await Promise.all(
        Array.from({ length: 50 }, async (_, w) => {
          for (let n = 0; n < 20; n += 1) {
            await store.appendToStream(
              `${prefix}${w}`,
              [event({ n })],
              n === 0 ? 'no_stream' : BigInt(n - 1),
            );
          }
        }),
      );

      expect(await transactionsOf(prefix)).toBeLessThan(1000 / 5);
    });

    it('when appends to one stream are issued together, then they apply in call order within the batch', async () => {
      const streamId = `gco-${randomUUID().slice(0, 8)}`;

      const results = await Promise.all(
        Array.from({ length: 10 }, (_, n) =>
          store.appendToStream(streamId, [event({ n })], n === 0 ? 'no_stream' : BigInt(n - 1)),
        ),
      );

      expect(results.map((r) => r.nextRevision)).toEqual(Array.from({ length: 10 }, (_, n) => BigInt(n)));
      expect((await store.readStream(streamId)).map((e) => e.data)).toEqual(
        Array.from({ length: 10 }, (_, n) => ({ n })),
      );
      expect(await transactionsOf(streamId)).toBe(1);
    });

    it('when one append in a batch has a wrong revision or a conflicting id, then only its caller fails and the rest commit together', async () => {
      const prefix = `gcf-${randomUUID().slice(0, 8)}-`;
      const existing = event({ v: 1 });
      await store.appendToStream(`${prefix}existing`, [existing], 'no_stream');

      const results = await Promise.allSettled([
        store.appendToStream(`${prefix}good-1`, [event()], 'no_stream'),
        store.appendToStream(`${prefix}existing`, [event()], 'no_stream'),
        store.appendToStream(`${prefix}good-2`, [event()], 'no_stream'),
        store.appendToStream(`${prefix}existing`, [{ ...existing, data: { v: 2 } }], 'any'),
        store.appendToStream(`${prefix}elsewhere`, [existing], 'any'),
        store.appendToStream(`${prefix}good-3`, [event()], 'no_stream'),
      ]);

      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'rejected',
        'rejected',
        'fulfilled',
      ]);
      const reasons = results.map((r) => (r.status === 'rejected' ? (r.reason as unknown) : undefined));
      expect(reasons[1]).toBeInstanceOf(WrongExpectedRevisionError);
      expect(reasons[3]).toBeInstanceOf(EventIdConflictError);
      expect(reasons[4]).toBeInstanceOf(EventIdConflictError);
      expect(reasons[4]).toMatchObject({ streamId: `${prefix}existing`, eventId: existing.id });
      expect(await transactionsOf(`${prefix}good-`)).toBe(1);
      expect(await store.readStream(`${prefix}existing`)).toHaveLength(1);
      expect(await store.readStream(`${prefix}elsewhere`)).toEqual([]);
    });

    it('when PostgreSQL refuses one append of a batch, then only that caller fails and the others are written', async () => {
      const prefix = `gcd-${randomUUID().slice(0, 8)}-`;

      const results = await Promise.allSettled([
        store.appendToStream(`${prefix}good-1`, [event()], 'no_stream'),
        // jsonb cannot hold U+0000, so this row breaks the batch's INSERT for everyone.
        store.appendToStream(`${prefix}bad`, [event({ text: 'nul \u0000 here' })], 'no_stream'),
        store.appendToStream(`${prefix}good-2`, [event()], 'no_stream'),
      ]);

      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(DatabaseError);
      expect(await store.readStream(`${prefix}good-1`)).toHaveLength(1);
      expect(await store.readStream(`${prefix}good-2`)).toHaveLength(1);
      expect(await store.readStream(`${prefix}bad`)).toEqual([]);
    });
  });

  describe('event ids across streams and processes', () => {
    /**
     * The statements of other sessions that wait for a lock held by `holder`'s transaction, once
     * there is one; fails after 10 s. A race test must see the competing append wait: one that
     * arrives only after the COMMIT takes the ordinary path, and would pass without any race.
     */
    const waitingBehind = async (holder: PoolClient): Promise<string[]> => {
      const backend = await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      return eventually(
        async () => {
          const waiting = await pool.query<{ query: string }>(
            'SELECT query FROM pg_stat_activity WHERE $1::int = ANY (pg_blocking_pids(pid))',
            [backend.rows[0]!.pid],
          );
          return waiting.rows.map((row) => row.query);
        },
        (queries) => queries.length > 0,
        10_000,
      );
    };

    it('when an event id already stored in another stream is appended, then it fails with EventIdConflictError', async () => {
      const prefix = `ids-${randomUUID().slice(0, 8)}-`;
      const shared = event({ same: true });
      await store.appendToStream(`${prefix}a`, [shared], 'no_stream');

      const error: unknown = await store
        .appendToStream(`${prefix}b`, [shared], 'no_stream')
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(EventIdConflictError);
      expect(error).toMatchObject({ streamId: `${prefix}a`, eventId: shared.id });
      expect(await store.readStream(`${prefix}b`)).toEqual([]);
    });

    it('when another process commits the same event id to another stream while an append is under way, then that append fails with EventIdConflictError', async () => {
      const prefix = `race-${randomUUID().slice(0, 8)}-`;
      const shared = event({ race: true });
      const otherProcess = await pool.connect();
      try {
        await otherProcess.query('BEGIN');
        await store.appendInTransaction(otherProcess, `${prefix}a`, [shared], 'no_stream');

        // Does not see the uncommitted row, so it inserts and then waits on the unique index.
        const losing = store.appendToStream(`${prefix}b`, [shared], 'no_stream').catch((e: unknown) => e);
        expect(await waitingBehind(otherProcess)).toEqual([
          expect.stringContaining(`INSERT INTO "${SCHEMA}".events`),
        ]);
        await otherProcess.query('COMMIT');

        const error = await losing;
        expect(error).toBeInstanceOf(EventIdConflictError);
        expect(error).toMatchObject({ streamId: `${prefix}a`, eventId: shared.id });
        const stored = await pool.query(`SELECT stream_id FROM "${SCHEMA}".events WHERE event_id = $1`, [
          shared.id,
        ]);
        expect(stored.rows).toEqual([{ stream_id: `${prefix}a` }]);
      } finally {
        otherProcess.release(true);
      }
    });

    it('when another process commits the same event to the same stream while an append is under way, then it is written once and both succeed', async () => {
      const streamId = `redelivery-${randomUUID().slice(0, 8)}`;
      const redelivered = event({ once: true });
      const otherProcess = await pool.connect();
      try {
        await otherProcess.query('BEGIN');
        const first = await store.appendInTransaction(otherProcess, streamId, [redelivered], 'any');

        // Waits for the stream lock, then finds the event already there.
        const second = store.appendToStream(streamId, [redelivered], 'any');
        expect(await waitingBehind(otherProcess)).toEqual([
          expect.stringContaining(`INSERT INTO "${SCHEMA}".streams`),
        ]);
        await otherProcess.query('COMMIT');

        expect(first.appended).toBe(1);
        await expect(second).resolves.toEqual({ nextRevision: 0n, appended: 0, position: first.position });
        expect(await store.readStream(streamId)).toHaveLength(1);
      } finally {
        otherProcess.release(true);
      }
    });
  });

  describe('counting', () => {
    it('when events follow a position, then countEventsAfter counts exactly those, filtered by stream prefix', async () => {
      const tag = `count${Date.now()}`;
      const event = (n: number) => ({
        id: randomUUID(),
        type: 'Counted',
        data: { n },
        metadata: {
          correlationId: 'c',
          causationId: 'c',
          occurredAt: '2026-11-27T00:00:00Z',
          source: 'test',
        },
      });
      const first = await store.appendToStream(`${tag}a-1`, [event(1)], 'no_stream');
      await store.appendToStream(`${tag}a-2`, [event(2), event(3)], 'no_stream');
      await store.appendToStream(`${tag}b-1`, [event(4)], 'no_stream');
      expect(await store.countEventsAfter(first.position, { streamPrefixes: [`${tag}a-`] })).toBe(2);
      expect(await store.countEventsAfter(first.position, { streamPrefixes: [`${tag}a-`, `${tag}b-`] })).toBe(
        3,
      );
      expect(await store.countEventsAfter(START, { streamPrefixes: [`${tag}`] })).toBe(4);
    });
  });

  describe('lifecycle', () => {
    it('when create runs concurrently and repeatedly on a new schema, then it succeeds every time', async () => {
      const schema = `es_migrate_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
      try {
        const stores = await Promise.all(
          Array.from({ length: 5 }, () => PostgresEventStore.create(pool, { schema })),
        );
        await PostgresEventStore.create(pool, { schema });
        await stores[0]!.appendToStream('migrated', [event()], 'no_stream');
        expect(await stores[4]!.readStream('migrated')).toHaveLength(1);
      } finally {
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      }
    });

    it('when the store is closed, then the pool it was given stays open and new appends are refused', async () => {
      const closing = new PostgresEventStore(pool, { schema: SCHEMA });
      await closing.close();

      await expect(pool.query('SELECT 1')).resolves.toBeDefined();
      await expect(closing.appendToStream('after-close', [event()], 'any')).rejects.toBeInstanceOf(
        EventStoreUnavailableError,
      );
    });

    it('when the store owns its pool, then close ends it', async () => {
      const own = new Pool({ connectionString: DATABASE_URL, max: 1 });
      const owning = new PostgresEventStore(own, { schema: SCHEMA, ownsPool: true });
      await owning.ping();

      await owning.close();

      expect(own.ended).toBe(true);
    });

    it('when PostgreSQL cannot be reached, then ping and appends fail with EventStoreUnavailableError', async () => {
      const unreachable = new Pool({
        host: '127.0.0.1',
        port: 1,
        user: 'postgres',
        connectionTimeoutMillis: 2_000,
      });
      const offline = new PostgresEventStore(unreachable, { schema: SCHEMA, ownsPool: true });

      await expect(offline.ping()).rejects.toBeInstanceOf(EventStoreUnavailableError);
      await expect(offline.appendToStream('offline', [event()], 'any')).rejects.toBeInstanceOf(
        EventStoreUnavailableError,
      );
      await offline.close();
    });

    it('when a schema name is not a plain identifier, then the store refuses it', () => {
      expect(() => new PostgresEventStore(pool, { schema: 'x"; DROP TABLE y; --' })).toThrow(TypeError);
    });
  });

  // Speed is measured in bench/, never asserted here: these machines are too noisy for a timed test.
  describe('many writers and a subscriber', () => {
    it('when 256 writers append 2-event batches while a subscriber follows, then it gets every event once, each stream in order', async () => {
      const prefix = `many-${randomUUID().slice(0, 8)}-`;
      const writers = 256;
      const appendsPerWriter = 40;
      const total = writers * appendsPerWriter * 2;
      const seen = new Map<string, bigint[]>();
      let delivered = 0;
      const subscription = store.subscribeToAll(
        (batch) => {
          for (const e of batch) seen.set(e.streamId, [...(seen.get(e.streamId) ?? []), e.revision]);
          delivered += batch.length;
          return Promise.resolve();
        },
        { streamPrefixes: [prefix], batchSize: 300 },
      );
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let n = 0; n < appendsPerWriter; n += 1) {
            await store.appendToStream(
              `${prefix}${w}`,
              [event({ w, n, part: 1, payload: 'x'.repeat(200) }), event({ w, n, part: 2 })],
              n === 0 ? 'no_stream' : BigInt(2 * n - 1),
            );
          }
        }),
      );
      await until(() => delivered >= total, 60_000);
      await subscription.stop();
      expect(delivered).toBe(total);
      expect(seen.size).toBe(writers);
      const inOrder = Array.from({ length: appendsPerWriter * 2 }, (_, i) => BigInt(i));
      for (const revisions of seen.values()) expect(revisions).toEqual(inOrder);
    });
  });
});
