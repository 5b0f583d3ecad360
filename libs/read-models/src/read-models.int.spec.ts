import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import {
  contractStreamId,
  shipmentStreamId,
  withPolicyDefaults,
  type BillingPolicyInput,
  type ContractEvent,
} from '@waybill/domain';
import {
  comparePositions,
  PostgresEventStore,
  type NewEvent,
  type Position,
  type RecordedEvent,
} from '@waybill/event-store';
import {
  billableShipments,
  billableShipmentsProjection,
  exceptionQueueItems,
  exceptionQueueProjection,
  project,
  type BillableShipment,
  type EventLike,
  type Projection,
} from '@waybill/projections';
import { expectedOutcome, shipmentDay } from '@waybill/simulator';
import { createTestDatabase, until } from '@waybill/testing';
import {
  billableShipmentsTable,
  parseJson,
  exceptionQueueTable,
  ProjectionRunner,
  readBillableShipments,
  readExceptionQueue,
  type ProjectionRunnerOptions,
  type ReadModelTable,
} from './index';

const PREFIXES = ['shipment-', 'contract-'];

const toNew = (event: EventLike, occurredAt: string): NewEvent => ({
  id: randomUUID(),
  type: event.type,
  data: event.data,
  metadata: { correlationId: 'read-models', causationId: 'read-models', occurredAt, source: 'test' },
});

const contractRecorded = (customerId: string, policy: BillingPolicyInput, version = 1): ContractEvent => ({
  type: 'ContractPolicyRecorded',
  data: {
    messageId: `contract-${customerId}-${version}-${randomUUID()}`,
    source: 'admin-api',
    occurredAt: '2026-11-26T04:00:00Z',
    receivedAt: '2026-11-26T04:00:00Z',
    customerId,
    contractId: `K-${customerId}`,
    version,
    policy: withPolicyDefaults(policy),
  },
});

// Counts every event it is given, with no revision check: applying an event twice shows.
const eventCountProjection: Projection<{ readonly events: number }> = {
  name: 'event-count',
  version: 1,
  handles: (event): event is EventLike => event.type.length > 0,
  keyOf: (_event, streamId) => streamId,
  init: () => ({ events: 0 }),
  apply: (row) => ({ events: row.events + 1 }),
};

// A query table that adds up the events of every committed batch: an event applied twice shows.
const counted: ReadModelTable<{ readonly events: number }> = {
  names: ['applied'],
  ddl: (s) => [`CREATE TABLE IF NOT EXISTS ${s}.applied (id int PRIMARY KEY, events bigint NOT NULL)`],
  write: async ({ client, schema: s, eventCount }) => {
    await client.query(
      `INSERT INTO ${s}.applied VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET events = applied.events + $1`,
      [eventCount],
    );
  },
};

describe('projection runner', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  let store: PostgresEventStore;
  const runners: ProjectionRunner<unknown>[] = [];
  let schemas = 0;

  beforeAll(async () => {
    database = await createTestDatabase('read_models');
    pool = new Pool({ connectionString: database.url, max: 20 });
    // The lock-loss test terminates a backend on purpose; an idle pooled client hit by that (or by
    // the database being dropped at the end) must not surface as an unhandled 'error' event.
    pool.on('error', () => undefined);
    store = await PostgresEventStore.create(pool);
  });

  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
  });

  afterAll(async () => {
    await store.close();
    await pool.end();
    await database.drop();
  });

  const freshSchema = () => `rm_${++schemas}`;

  function runner<Row>(options: Omit<ProjectionRunnerOptions<Row>, 'store' | 'pool'>): ProjectionRunner<Row> {
    const created = new ProjectionRunner<Row>({
      store,
      pool,
      streamPrefixes: PREFIXES,
      restartDelayMs: 100,
      standbyRetryMs: 100,
      ...options,
    });
    runners.push(created);
    return created;
  }

  // The log's last position as the appends report it: `readAll` may not show an append yet while
  // another transaction (a runner's batch) is still open.
  let lastAppended: Position | undefined;
  const appended = (position: Position) => {
    if (lastAppended === undefined || comparePositions(position, lastAppended) > 0) lastAppended = position;
  };

  async function appendDay(idPrefix: string, shipments: number): Promise<void> {
    const day = shipmentDay({ shipments, seed: 7, idPrefix });
    for (const [shipmentId, events] of expectedOutcome(day).streams) {
      if (events.length === 0) continue;
      const result = await store.appendToStream(
        shipmentStreamId(shipmentId),
        events.map((e) => toNew(e, '2026-11-26T05:00:00Z')),
        'any',
      );
      appended(result.position);
    }
  }

  async function appendContract(customerId: string, policy: BillingPolicyInput, version = 1) {
    const result = await store.appendToStream(
      contractStreamId(customerId),
      [toNew(contractRecorded(customerId, policy, version), '2026-11-26T04:00:00Z')],
      'any',
    );
    appended(result.position);
  }

  const log = () => store.readAll({ streamPrefixes: PREFIXES });

  /** Waits until the runner has committed every append so far; resolves to the log up to its checkpoint. */
  async function caughtUp(target: ProjectionRunner<unknown>): Promise<RecordedEvent[]> {
    const last = lastAppended!;
    let checkpoint: Position | undefined;
    await until(async () => {
      checkpoint = await target.checkpoint();
      return checkpoint !== undefined && comparePositions(checkpoint, last) >= 0;
    });
    return fullLog();
  }

  /** The log with every append so far. */
  async function fullLog(): Promise<RecordedEvent[]> {
    const last = lastAppended!;
    let events: RecordedEvent[] = [];
    await until(async () => {
      events = await log();
      return events.length > 0 && comparePositions(events.at(-1)!.position, last) >= 0;
    });
    return events;
  }

  async function storedRows(target: ProjectionRunner<unknown>): Promise<Map<string, unknown>> {
    const result = await pool.query<{ key: string; row: string }>(
      `SELECT key, row::text AS row FROM ${target.rowsTable}`,
    );
    return new Map(result.rows.map((r) => [r.key, parseJson(r.row)]));
  }

  const allLines = (schema: string) => readBillableShipments(pool, schema, { limit: 100_000 });

  async function expectBillableMatchesMemory(target: ProjectionRunner<unknown>, events: RecordedEvent[]) {
    const rows = project(billableShipmentsProjection, events);
    expect(await storedRows(target)).toEqual(rows);
    expect(await allLines(target.schema)).toEqual(billableShipments(rows));
  }

  it('when shipments and contracts are in the log, then the rows and billable_shipments equal what project() computes, batch after batch', async () => {
    await appendContract('C-GLOBEX', { billingTrigger: 'delivered' });
    await appendDay('RMA', 30);
    await appendContract('C-INITECH', { billingTrigger: 'pod' });
    const billable = runner({
      projection: billableShipmentsProjection,
      schema: freshSchema(),
      batchSize: 40,
      tables: [billableShipmentsTable],
    });
    await billable.start();
    await expectBillableMatchesMemory(billable, await caughtUp(billable));
    const lines = await allLines(billable.schema);
    expect(lines.length).toBeGreaterThanOrEqual(30);
    expect(new Set(lines.map((l) => l.status)).size).toBeGreaterThan(1);

    const statusLines = await readBillableShipments(pool, billable.schema, {
      status: 'on_hold',
      limit: 1000,
    });
    expect(statusLines).toEqual(lines.filter((l) => l.status === 'on_hold'));
    const carrier = lines[0]!.carrierId!;
    expect(await readBillableShipments(pool, billable.schema, { carrierId: carrier, limit: 1000 })).toEqual(
      lines.filter((l) => l.carrierId === carrier),
    );
    const pages: BillableShipment[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await readBillableShipments(pool, billable.schema, {
        limit: 7,
        ...(after === undefined ? {} : { afterShipmentId: after }),
      });
      pages.push(...page);
      if (page.length < 7) break;
      after = page.at(-1)!.shipmentId;
    }
    expect(pages).toEqual(lines);
  });

  it('when the exception-queue runner follows the log, then exception_queue holds exactly the items project() computes', async () => {
    await appendDay('RMB', 30);
    const queue = runner({
      projection: exceptionQueueProjection,
      schema: freshSchema(),
      batchSize: 25,
      tables: [exceptionQueueTable],
    });
    await queue.start();
    const rows = project(exceptionQueueProjection, await caughtUp(queue));
    expect(await storedRows(queue)).toEqual(rows);
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const expected = exceptionQueueItems(rows).sort(byId);
    expect(expected.length).toBeGreaterThan(0);
    expect(await readExceptionQueue(pool, queue.schema, { limit: 100_000 })).toEqual(expected);
    expect(
      await readExceptionQueue(pool, queue.schema, { status: 'open', kind: 'exception', limit: 100_000 }),
    ).toEqual(expected.filter((i) => i.status === 'open' && i.kind === 'exception'));
    const first = expected[0]!;
    expect(
      await readExceptionQueue(pool, queue.schema, {
        shipmentId: first.shipmentId!,
        afterId: first.id,
        limit: 100,
      }),
    ).toEqual(expected.filter((i) => i.shipmentId === first.shipmentId && i.id > first.id));
  });

  it("when a customer's contract arrives later, then the lines of that customer's shipments flip and no other line changes", async () => {
    const billable = runner({
      projection: billableShipmentsProjection,
      schema: freshSchema(),
      tables: [billableShipmentsTable],
    });
    await appendDay('RMC', 30);
    await billable.start();
    await caughtUp(billable);
    const before = await allLines(billable.schema);
    const customer = before.find((l) => l.customerId !== null && l.contractId === null)!.customerId!;
    const theirs = (lines: BillableShipment[]) => lines.filter((l) => l.customerId === customer);
    expect(theirs(before).every((l) => l.reasons.includes('no_contract'))).toBe(true);

    await appendContract(customer, { billingTrigger: 'delivered' }, 7);
    const events = await caughtUp(billable);
    const after = await allLines(billable.schema);
    expect(theirs(after).length).toBe(theirs(before).length);
    expect(theirs(after).every((l) => !l.reasons.includes('no_contract') && l.policyVersion === 7)).toBe(
      true,
    );
    expect(after.filter((l) => l.customerId !== customer)).toEqual(
      before.filter((l) => l.customerId !== customer),
    );
    await expectBillableMatchesMemory(billable, events);
  });

  it('when the runner makes the rows table, then rows are text, kept uncompressed up to a page', async () => {
    await appendDay('RMT', 3);
    const counter = runner({ projection: eventCountProjection, schema: freshSchema() });
    await counter.start();
    const events = await caughtUp(counter);
    expect(await storedRows(counter)).toEqual(project(eventCountProjection, events));
    const table = await pool.query<{ type: string; options: string[] | null }>(
      `SELECT format_type(a.atttypid, a.atttypmod) AS type, c.reloptions AS options
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       WHERE a.attrelid = $1::regclass AND a.attname = 'row'`,
      [counter.rowsTable],
    );
    expect(table.rows).toEqual([{ type: 'text', options: ['toast_tuple_target=8160'] }]);
  });

  it.each(['jsonb', 'json'])(
    'when the rows table was made with a %s column (by an earlier version), then the runner writes and reads it the same, more than one INSERT a batch',
    async (columnType) => {
      await appendContract('C-GLOBEX', { billingTrigger: 'delivered' });
      // More shipments than rows per INSERT (500), in one batch.
      await appendDay(`RMK${columnType}`, 700);
      const schema = freshSchema();
      await pool.query(`CREATE SCHEMA ${schema}`);
      await pool.query(
        `CREATE TABLE ${schema}.billable_shipments_rows (key text PRIMARY KEY, row ${columnType} NOT NULL, updated_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
      );
      const billable = runner({
        projection: billableShipmentsProjection,
        schema,
        batchSize: 20_000,
        tables: [billableShipmentsTable],
      });
      await billable.start();
      await expectBillableMatchesMemory(billable, await caughtUp(billable));
      expect((await storedRows(billable)).size).toBeGreaterThan(700);
      const type = await pool.query<{ t: string }>(
        `SELECT data_type AS t FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'billable_shipments_rows' AND column_name = 'row'`,
        [schema],
      );
      expect(type.rows[0]?.t).toBe(columnType);
    },
  );

  it('when a batch fails half-way, then nothing of it is visible and the checkpoint stays; after a restart every event counts exactly once', async () => {
    await appendDay('RMD', 30);
    const schema = freshSchema();
    const committed: Position[] = [];
    const errors: unknown[] = [];
    let batches = 0;
    const failing = runner({
      projection: eventCountProjection,
      schema,
      batchSize: 50,
      tables: [counted],
      restartDelayMs: 60_000,
      onError: (error) => errors.push(error),
      beforeCheckpoint: (_client, through) => {
        if (++batches === 3) return Promise.reject(new Error('injected failure before the checkpoint'));
        committed.push(through);
        return Promise.resolve();
      },
    });
    await failing.start();
    await until(() => errors.length > 0);
    await failing.stop();

    const events = await fullLog();
    const checkpoint = await failing.checkpoint();
    expect(checkpoint).toEqual(committed.at(-1));
    expect(committed).toHaveLength(2);
    const upTo = events.filter((e) => comparePositions(e.position, checkpoint!) <= 0);
    expect(upTo).toHaveLength(100);
    expect(await storedRows(failing)).toEqual(project(eventCountProjection, upTo));
    const applied = await pool.query<{ events: string }>(`SELECT events FROM ${schema}.applied`);
    expect(applied.rows[0]!.events).toBe('100');

    const restarted = runner({ projection: eventCountProjection, schema, batchSize: 50, tables: [counted] });
    await restarted.start();
    await caughtUp(restarted);
    expect(await storedRows(restarted)).toEqual(project(eventCountProjection, events));
    const after = await pool.query<{ events: string }>(`SELECT events FROM ${schema}.applied`);
    expect(after.rows[0]!.events).toBe(String(events.length));
  });

  it('when a billable-shipments batch fails, then billable_shipments shows the state before that batch', async () => {
    await appendDay('RME', 20);
    const schema = freshSchema();
    let failures = 0;
    const failing = runner({
      projection: billableShipmentsProjection,
      schema,
      batchSize: 30,
      tables: [billableShipmentsTable],
      restartDelayMs: 60_000,
      onError: () => failures++,
      beforeCheckpoint: () => Promise.reject(new Error('injected failure')),
    });
    await failing.start();
    await until(() => failures > 0);
    await failing.stop();
    expect(await failing.checkpoint()).toBeUndefined();
    expect(await storedRows(failing)).toEqual(new Map());
    expect(await allLines(schema)).toEqual([]);

    const restarted = runner({
      projection: billableShipmentsProjection,
      schema,
      batchSize: 30,
      tables: [billableShipmentsTable],
    });
    await restarted.start();
    await expectBillableMatchesMemory(restarted, await caughtUp(restarted));
  });

  it('when two runners of one projection start at once, then only one leads, and the other takes over when it stops', async () => {
    const schema = freshSchema();
    const first = runner({
      projection: billableShipmentsProjection,
      schema,
      tables: [billableShipmentsTable],
    });
    const second = runner({
      projection: billableShipmentsProjection,
      schema,
      tables: [billableShipmentsTable],
    });
    await Promise.all([first.start(), second.start()]);
    expect([first.leading, second.leading].filter(Boolean)).toHaveLength(1);
    const [leader, standby] = first.leading ? [first, second] : [second, first];

    await appendDay('RMF', 10);
    await caughtUp(leader);
    expect(standby.leading).toBe(false);
    expect(standby.position).toBeNull();

    await leader.stop();
    await until(() => standby.leading);
    await appendDay('RMG', 10);
    await appendContract('C-STARK', { billingTrigger: 'pod' }, 3);
    await expectBillableMatchesMemory(standby, await caughtUp(standby));
  });

  it('when a batch fails once, then the runner rolls it back, follows again from its checkpoint by itself and counts every event once', async () => {
    await appendDay('RMH', 10);
    const errors: unknown[] = [];
    let failed = false;
    const flaky = runner({
      projection: eventCountProjection,
      schema: freshSchema(),
      batchSize: 20,
      onError: (error) => errors.push(error),
      beforeCheckpoint: () => {
        if (failed) return Promise.resolve();
        failed = true;
        return Promise.reject(new Error('injected failure'));
      },
    });
    await flaky.start();
    const events = await caughtUp(flaky);
    expect(errors).toHaveLength(1);
    expect(await storedRows(flaky)).toEqual(project(eventCountProjection, events));
  });

  it('when a full batch ends exactly at a hold and the next lies wholly past it, then the runner still commits up to the hold and reaches it', async () => {
    const stream = `shipment-HOLD-${randomUUID()}`;
    for (let i = 0; i < 30; i++) {
      const result = await store.appendToStream(
        stream,
        [toNew({ type: 'Counted', data: { i } }, '2026-11-26T05:00:00Z')],
        'any',
      );
      appended(result.position);
    }
    const log = await fullLog();
    const schema = freshSchema();
    // The hold ends a page exactly (pages of ten from the start of the log), and the next page,
    // still of this stream, lies wholly past it.
    const batchSize = 10;
    const first = log.findIndex((e) => e.streamId === stream);
    let holdIndex = first + 5;
    while ((holdIndex + 1) % batchSize !== 0) holdIndex++;
    expect(log.length - 1 - holdIndex).toBeGreaterThanOrEqual(batchSize);
    const hold = log[holdIndex]!.position;
    const held = runner({
      projection: eventCountProjection,
      schema,
      batchSize,
      flushEveryEvents: 100_000,
      flushDelayMs: 60_000,
    });
    const reached = held.holdAtPosition(hold);
    await held.start();
    await Promise.race([
      reached,
      new Promise((_, reject) => setTimeout(() => reject(new Error('the hold was never reached')), 15_000)),
    ]);
    expect(held.position).toEqual(hold);
    expect(await held.checkpoint()).toEqual(hold);
  });

  it('when a write-behind commit fails while the next events are folded, then the runner drops them, follows again from its checkpoint and counts every event once', async () => {
    await appendDay('RMJ', 30);
    const schema = freshSchema();
    const errors: unknown[] = [];
    let commits = 0;
    const behind = runner({
      projection: eventCountProjection,
      schema,
      batchSize: 20,
      flushEveryEvents: 40,
      tables: [counted],
      onError: (error) => errors.push(error),
      // The second commit starts while the runner folds the next pages, then fails.
      beforeCheckpoint: async () => {
        if (++commits !== 2) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
        throw new Error('injected failure');
      },
    });
    await behind.start();
    const events = await caughtUp(behind);
    expect(errors).toHaveLength(1);
    expect(await storedRows(behind)).toEqual(project(eventCountProjection, events));
    const applied = await pool.query<{ events: string }>(`SELECT events FROM ${schema}.applied`);
    expect(applied.rows[0]!.events).toBe(String(events.length));
  });

  /** A runner over the test pool whose row lookups (`SELECT key, row …`) are counted, by key. */
  function lookupCountingRunner(options: Omit<ProjectionRunnerOptions<unknown>, 'store' | 'pool'>) {
    const looked: string[] = [];
    const counting = new Proxy(pool, {
      get(target, property) {
        if (property === 'query')
          return (text: unknown, values?: unknown[]) => {
            if (typeof text === 'string' && text.startsWith('SELECT key, row'))
              looked.push(...(values?.[0] as string[]));
            return target.query(text as string, values);
          };
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const created = new ProjectionRunner<unknown>({
      store,
      pool: counting,
      streamPrefixes: PREFIXES,
      restartDelayMs: 100,
      standbyRetryMs: 100,
      ...options,
    });
    runners.push(created);
    return { runner: created, looked };
  }

  /** Only the streams `appendRoundRobin(prefix, …)` wrote, so that a small batch size stays quick. */
  const roundRobinOnly = (prefix: string) => ({ streamPrefixes: [`shipment-${prefix}-`] });
  const ofRoundRobin = (prefix: string, events: readonly RecordedEvent[]) =>
    events.filter((event) => event.streamId.startsWith(`shipment-${prefix}-`));

  /** An event counter over `appendRoundRobin(prefix, …)`'s streams, in small batches, on a fresh table. */
  const freshCounter = (prefix: string, schema: string) => ({
    ...roundRobinOnly(prefix),
    projection: eventCountProjection,
    schema,
    batchSize: 5,
    freshTable: true,
  });

  /** `rounds` events in each of `streams` streams, round after round: every stream in every batch. */
  async function appendRoundRobin(prefix: string, streams: number, rounds: number): Promise<void> {
    for (let round = 0; round < rounds; round++)
      for (let stream = 0; stream < streams; stream++) {
        const result = await store.appendToStream(
          `shipment-${prefix}-${stream}`,
          [toNew({ type: 'CountMe', data: { round } }, '2026-11-26T05:00:00Z')],
          'any',
        );
        appended(result.position);
      }
  }

  it('when a fresh table is written by one runner, then it looks up no key it never committed, and every row is right', async () => {
    await appendRoundRobin('FRESH', 12, 4);
    const { runner: fresh, looked } = lookupCountingRunner(freshCounter('FRESH', freshSchema()));
    await fresh.start();
    const events = ofRoundRobin('FRESH', await caughtUp(fresh));
    expect(await storedRows(fresh)).toEqual(project(eventCountProjection, events));
    // Without freshTable, every key's first batch looks it up.
    expect(looked).toEqual([]);
  });

  it('when a fresh table outgrows the cache, then the keys it evicted are looked up again and every row is still right', async () => {
    await appendRoundRobin('EVICT', 12, 4);
    const { runner: fresh, looked } = lookupCountingRunner({
      ...freshCounter('EVICT', freshSchema()),
      cachedRows: 3,
    });
    await fresh.start();
    const events = ofRoundRobin('EVICT', await caughtUp(fresh));
    // eventCountProjection has no revision check: a row started afresh instead of read back would count low.
    expect(await storedRows(fresh)).toEqual(project(eventCountProjection, events));
    expect(looked.filter((key) => key.startsWith('shipment-EVICT-')).length).toBeGreaterThan(0);
  });

  it('when a runner with freshTable starts on a table that already has rows, then it looks its keys up as any runner does', async () => {
    await appendRoundRobin('AGAIN', 6, 2);
    const schema = freshSchema();
    const first = runner(freshCounter('AGAIN', schema));
    await first.start();
    await caughtUp(first);
    await first.stop();
    await appendRoundRobin('AGAIN', 6, 2);
    const { runner: second, looked } = lookupCountingRunner(freshCounter('AGAIN', schema));
    await second.start();
    const events = ofRoundRobin('AGAIN', await caughtUp(second));
    expect(await storedRows(second)).toEqual(project(eventCountProjection, events));
    expect(looked).toEqual(expect.arrayContaining(['shipment-AGAIN-0', 'shipment-AGAIN-5']));
  });

  it('when another runner moved the checkpoint of a fresh table meanwhile, then a runner that wrote it before looks every key up again', async () => {
    await appendRoundRobin('MOVED', 4, 1);
    const schema = freshSchema();
    const { runner: first, looked } = lookupCountingRunner(freshCounter('MOVED', schema));
    await first.start();
    await caughtUp(first);
    await first.stop();
    // Another runner writes keys the first never committed.
    await appendRoundRobin('MOVED-B', 3, 1);
    const other = runner({ streamPrefixes: ['shipment-MOVED'], projection: eventCountProjection, schema });
    await other.start();
    await caughtUp(other);
    await other.stop();
    await appendRoundRobin('MOVED-B', 3, 1);
    looked.length = 0;
    await first.start();
    const events = (await caughtUp(first)).filter((event) => event.streamId.startsWith('shipment-MOVED'));
    // Had it trusted the keys it remembered, the MOVED-B rows would start from init and count 1.
    expect(await storedRows(first)).toEqual(project(eventCountProjection, events));
    expect(looked).toEqual(expect.arrayContaining(['shipment-MOVED-B-0', 'shipment-MOVED-B-2']));
  });

  it('when apply leaves a new row as init made it, then the runner stores that row, as project() does', async () => {
    const stream = `shipment-SAME-${randomUUID()}`;
    const appendedAt = await store.appendToStream(
      stream,
      [toNew({ type: 'Ignored', data: {} }, '2026-11-26T05:00:00Z')],
      'any',
    );
    appended(appendedAt.position);
    const unchanged: Projection<{ readonly seen: boolean }> = {
      name: 'unchanged',
      version: 1,
      handles: (event): event is EventLike => event.type === 'Ignored',
      keyOf: (_event, streamId) => streamId,
      init: () => ({ seen: false }),
      apply: (row) => row,
    };
    const keeper = runner({ streamPrefixes: [stream], projection: unchanged, schema: freshSchema() });
    await keeper.start();
    const events = (await caughtUp(keeper)).filter((event) => event.streamId === stream);
    expect(await storedRows(keeper)).toEqual(project(unchanged, events));
    expect(await storedRows(keeper)).toEqual(new Map([[stream, { seen: false }]]));
  });

  it('when the leader loses its lock connection, then it stops and the standby takes over', async () => {
    const schema = freshSchema();
    const errors: unknown[] = [];
    const first = runner({
      projection: eventCountProjection,
      schema,
      onError: (error) => errors.push(error),
    });
    await first.start();
    const second = runner({ projection: eventCountProjection, schema });
    await second.start();
    expect([first.leading, second.leading]).toEqual([true, false]);

    await pool.query(
      `SELECT pg_terminate_backend(l.pid) FROM pg_locks l
       WHERE l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND l.objid::bigint = (hashtext($1)::bigint & 4294967295)`,
      [`waybill:read-model:${schema}.event_count_rows`],
    );
    await until(() => !first.leading && second.leading);
    expect(errors).toContainEqual(expect.objectContaining({ code: 'lock_lost' }));
    await appendDay('RMI', 5);
    const events = await caughtUp(second);
    expect(await storedRows(second)).toEqual(project(eventCountProjection, events));
  });
});
