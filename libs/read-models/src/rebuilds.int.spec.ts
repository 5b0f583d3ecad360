import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import {
  contractStreamId,
  shipmentStreamId,
  withPolicyDefaults,
  type BillingPolicyInput,
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
  computeKpis,
  eventLatencyProjection,
  exceptionQueueItems,
  kpiFactsOf,
  shipmentKpiFactsProjection,
  exceptionQueueProjection,
  project,
  type EventLike,
  type Projection,
} from '@waybill/projections';
import { expectedOutcome, shipmentDay } from '@waybill/simulator';
import { createTestDatabase, until } from '@waybill/testing';
import {
  billableShipmentsReadModel,
  eventLatencyReadModel,
  exceptionQueueReadModel,
  kpiFactsReadModel,
  readEventLatencyHours,
  readKpiFacts,
  ProjectionRunner,
  readBillableShipments,
  readExceptionQueue,
  Rebuilds,
  verifyReadModel,
  type ProjectionRunnerOptions,
  type ReadModelDefinition,
} from './index';

const PREFIXES = ['shipment-', 'contract-'];

const toNew = (event: EventLike): NewEvent => ({
  id: randomUUID(),
  type: event.type,
  data: event.data,
  metadata: {
    correlationId: 'rebuild',
    causationId: 'rebuild',
    occurredAt: '2026-11-26T05:00:00Z',
    source: 'test',
  },
});

/**
 * The billing rule as it would be after a change: proof of delivery no longer counts. Same name, next
 * version, so the runner of the old version sees its rows are outdated.
 */
const podIgnoredProjection: Projection<unknown, EventLike> = {
  ...(billableShipmentsProjection as Projection<unknown, EventLike>),
  version: billableShipmentsProjection.version + 1,
  handles: (event): event is EventLike =>
    event.type !== 'ShipmentPodReceived' && billableShipmentsProjection.handles(event),
};
const podIgnoredReadModel: ReadModelDefinition = {
  ...billableShipmentsReadModel,
  projection: podIgnoredProjection,
};

describe('read-model rebuilds', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  let store: PostgresEventStore;
  const runners: ProjectionRunner<unknown>[] = [];
  let lastAppended: Position | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('rebuilds');
    pool = new Pool({ connectionString: database.url, max: 20 });
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

  function liveRunner(
    definition: ReadModelDefinition,
    schema: string,
    extra: Partial<ProjectionRunnerOptions<unknown>> = {},
  ): ProjectionRunner<unknown> {
    const created = new ProjectionRunner<unknown>({
      ...extra,
      store,
      pool,
      schema,
      projection: definition.projection,
      tables: definition.tables,
      streamPrefixes: definition.streamPrefixes,
      batchSize: 100,
      restartDelayMs: 100,
      standbyRetryMs: 100,
    });
    runners.push(created);
    return created;
  }

  // The simulator's oracle leaves receivedAt as a placeholder (ingest stamps it): 90 s after the fact.
  const received = (event: EventLike): EventLike => {
    const data = event.data as Record<string, unknown>;
    if (data.receivedAt !== '<receivedAt>' || typeof data.occurredAt !== 'string') return event;
    return {
      ...event,
      data: { ...data, receivedAt: new Date(Date.parse(data.occurredAt) + 90_000).toISOString() },
    };
  };

  async function append(streamId: string, events: readonly EventLike[]): Promise<void> {
    const result = await store.appendToStream(streamId, events.map(received).map(toNew), 'any');
    if (lastAppended === undefined || comparePositions(result.position, lastAppended) > 0)
      lastAppended = result.position;
  }

  async function appendDay(idPrefix: string, shipments: number, seed = 11): Promise<void> {
    const day = shipmentDay({ shipments, seed, idPrefix });
    for (const [shipmentId, events] of expectedOutcome(day).streams) {
      if (events.length > 0) await append(shipmentStreamId(shipmentId), events);
    }
  }

  async function appendContract(customerId: string, policy: BillingPolicyInput): Promise<void> {
    await append(contractStreamId(customerId), [
      {
        type: 'ContractPolicyRecorded',
        data: {
          messageId: `contract-${customerId}-${randomUUID()}`,
          source: 'admin-api',
          occurredAt: '2026-11-26T04:00:00Z',
          receivedAt: '2026-11-26T04:00:00Z',
          customerId,
          contractId: `K-${customerId}`,
          version: 1,
          policy: withPolicyDefaults(policy),
        },
      },
    ]);
  }

  /** The whole log, once every append so far is visible in it. */
  async function fullLog(): Promise<RecordedEvent[]> {
    let events: RecordedEvent[] = [];
    await until(async () => {
      events = await store.readAll({ streamPrefixes: PREFIXES });
      const last = events.at(-1);
      return last !== undefined && comparePositions(last.position, lastAppended!) >= 0;
    });
    return events;
  }

  async function caughtUp(runner: ProjectionRunner<unknown>): Promise<void> {
    await until(async () => {
      const checkpoint = await runner.checkpoint();
      return checkpoint !== undefined && comparePositions(checkpoint, lastAppended!) >= 0;
    });
  }

  it('when a rebuild runs while events keep arriving, then it swaps in a copy equal to a fresh fold of the log, and the live runner follows on from it', async () => {
    const schema = 'rb_live';
    await appendContract('C-GLOBEX', { billingTrigger: 'delivered' });
    await appendContract('C-INITECH', { billingTrigger: 'pod', requireSignedPod: true });
    await appendDay('RBA', 60);
    const billable = liveRunner(billableShipmentsReadModel, schema);
    const queue = liveRunner(exceptionQueueReadModel, schema);
    await billable.start();
    await queue.start();
    await caughtUp(billable);

    let appending = true;
    let rebuilding = false;
    let batches = 0;
    // Days whose append committed while the rebuild was running: the swap really happened under
    // concurrent writes only if there is at least one.
    let appendedDuringRebuild = 0;
    const traffic = (async () => {
      while (appending) {
        await appendDay(`RBL${++batches}`, 5, batches);
        if (rebuilding) appendedDuringRebuild++;
      }
    })();
    const rebuilds = new Rebuilds({ pool, store, schema, flushEveryEvents: 300, batchSize: 200 });
    const requested = await rebuilds.request('billable-shipments', { dryRun: false, requestedBy: 'test' });
    const progress: number[] = [];
    rebuilding = true;
    const done = await rebuilds.runNext((r) => progress.push(r.progress?.eventsApplied ?? 0));
    rebuilding = false;
    appending = false;
    await traffic;

    expect(done).toMatchObject({
      rebuildId: requested.rebuildId,
      status: 'swapped',
      swapped: true,
      error: null,
    });
    expect(appendedDuringRebuild).toBeGreaterThan(0);
    // Both copies were built from the same log by the same rules: nothing changed.
    expect(done!.diff).toMatchObject({ changedCount: 0, changed: [] });
    expect(done!.diff!.countsAfter).toEqual(done!.diff!.countsBefore);
    expect(progress.some((applied) => applied > 0)).toBe(true);

    await appendDay('RBZ', 10, 99);
    await caughtUp(billable);
    await caughtUp(queue);
    const log = await fullLog();
    const lines = await readBillableShipments(pool, schema, { limit: 100_000 });
    expect(lines).toEqual(billableShipments(project(billableShipmentsProjection, log)));
    const items = await readExceptionQueue(pool, schema, { limit: 100_000 });
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    expect(items).toEqual(exceptionQueueItems(project(exceptionQueueProjection, log)).sort(byId));
    expect(billable.status).toBe('running');
    // Only the swapped-in copy and the one it retired are left: no shadow schema lingers.
    const schemas = await pool.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rm_rebuild_%' OR nspname LIKE 'rm_retired_%'`,
    );
    expect(schemas.rows.map((r) => r.nspname)).toEqual([
      `rm_retired_${requested.rebuildId.replace(/-/g, '').slice(0, 16)}`,
    ]);
  });

  it('when a billing rule changes, then the old rows keep being served, a dry run reports exactly the shipments whose status changes, and the rebuild swaps them in', async () => {
    const schema = 'rb_rule';
    await appendContract('C-POD', { billingTrigger: 'pod' });
    await appendDay('RBR', 80, 5);
    const before = liveRunner(billableShipmentsReadModel, schema);
    await before.start();
    await caughtUp(before);
    await before.stop();
    const log = await fullLog();
    const oldLines = billableShipments(project(billableShipmentsProjection, log));
    const newLines = billableShipments(
      project(podIgnoredProjection as typeof billableShipmentsProjection, log),
    );
    const expectedChanged = newLines
      .filter((line, i) => line.status !== oldLines[i]!.status || line.amount !== oldLines[i]!.amount)
      .map((line) => line.shipmentId);
    expect(expectedChanged.length).toBeGreaterThan(0);

    // The new version starts: its rows are outdated, so it serves them and waits for a rebuild.
    const outdated: number[] = [];
    const after = liveRunner(podIgnoredReadModel, schema, { onOutdated: (stored) => outdated.push(stored) });
    await after.start();
    await until(() => after.status === 'outdated');
    // Told once, with the version the rows were built by, however often the runner looks again.
    await new Promise((r) => setTimeout(r, 300));
    expect(outdated).toEqual([billableShipmentsProjection.version]);
    expect(await readBillableShipments(pool, schema, { limit: 100_000 })).toEqual(oldLines);

    const rebuilds = new Rebuilds({
      pool,
      store,
      schema,
      definitions: [podIgnoredReadModel],
      batchSize: 200,
    });
    const dry = await rebuilds.request('billable-shipments', { dryRun: true, requestedBy: 'test' });
    const dryRun = await rebuilds.runNext();
    expect(dryRun).toMatchObject({ rebuildId: dry.rebuildId, status: 'dry_run_complete', swapped: false });
    expect(dryRun!.diff!.changedCount).toBe(expectedChanged.length);
    expect(dryRun!.diff!.changed.map((line) => line.key)).toEqual(expectedChanged);
    const count = (lines: typeof oldLines) =>
      lines.reduce<Record<string, number>>(
        (counts, l) => ({ ...counts, [l.status]: (counts[l.status] ?? 0) + 1 }),
        {},
      );
    expect(dryRun!.diff!.countsBefore).toEqual(count(oldLines));
    expect(dryRun!.diff!.countsAfter).toEqual(count(newLines));
    expect(await readBillableShipments(pool, schema, { limit: 100_000 })).toEqual(oldLines);
    expect(after.status).toBe('outdated');

    await rebuilds.request('billable-shipments', { dryRun: false, requestedBy: 'test' });
    const swapped = await rebuilds.runNext();
    expect(swapped).toMatchObject({ status: 'swapped', swapped: true });
    expect(swapped!.diff!.changedCount).toBe(expectedChanged.length);
    expect(await readBillableShipments(pool, schema, { limit: 100_000 })).toEqual(newLines);
    await until(() => after.status === 'running');
    await appendDay('RBS', 5, 6);
    await caughtUp(after);
    expect(await readBillableShipments(pool, schema, { limit: 100_000 })).toEqual(
      billableShipments(project(podIgnoredProjection as typeof billableShipmentsProjection, await fullLog())),
    );
  });

  it('when the KPI runners follow the log, then kpi_facts and the latency hours hold what project() computes, and they rebuild like any read model', async () => {
    const schema = 'rb_kpi';
    await appendContract('C-KPI', { billingTrigger: 'delivered' });
    await appendDay('RBK', 40, 21);
    const facts = liveRunner(kpiFactsReadModel, schema);
    const latency = liveRunner(eventLatencyReadModel, schema);
    await facts.start();
    await latency.start();
    await caughtUp(facts);
    await caughtUp(latency);
    const log = await fullLog();
    const expectedFacts = kpiFactsOf(project(shipmentKpiFactsProjection, log));
    const byId = (a: { shipmentId: string }, b: { shipmentId: string }) =>
      a.shipmentId < b.shipmentId ? -1 : 1;
    expect((await readKpiFacts(pool, schema)).sort(byId)).toEqual([...expectedFacts].sort(byId));
    const hours = [...project(eventLatencyProjection, log).values()];
    expect(hours.length).toBeGreaterThan(0);
    const stored = await readEventLatencyHours(
      pool,
      schema,
      new Date('2000-01-01T00:00:00Z'),
      new Date('2100-01-01T00:00:00Z'),
    );
    expect(stored.sort((a, b) => (a.hour < b.hour ? -1 : 1))).toEqual(
      hours.sort((a, b) => (a.hour < b.hour ? -1 : 1)),
    );

    // A window reads only what it can concern: a year before the day, only the backlog; around
    // the day, every shipment whose facts fall in it (computeKpis gives the same answer as on all).
    const dayBefore = await readKpiFacts(pool, schema, {
      window: { from: new Date('2025-01-01T00:00:00Z'), to: new Date('2025-01-02T00:00:00Z') },
    });
    expect(dayBefore.map((f) => f.shipmentId).sort()).toEqual(
      expectedFacts
        .filter((f) => f.deliveredNotBillable)
        .map((f) => f.shipmentId)
        .sort(),
    );
    const window = { from: new Date('2026-11-26T00:00:00Z'), to: new Date('2026-11-27T00:00:00Z') };
    const inWindow = await readKpiFacts(pool, schema, { window });
    const now = new Date('2026-11-27T12:00:00Z');
    const kpisOf = (facts: readonly (typeof expectedFacts)[number][]) =>
      computeKpis({
        ...window,
        now,
        facts,
        latencyHours: [],
        exactDuplicates: 0,
        messages: 1,
        parkedByReason: {},
      });
    expect(kpisOf(inWindow)).toEqual(kpisOf(expectedFacts));

    const rebuilds = new Rebuilds({ pool, store, schema, batchSize: 200 });
    await rebuilds.request('shipment-kpi-facts', { dryRun: false, requestedBy: 'test' });
    const done = await rebuilds.runNext();
    expect(done).toMatchObject({ status: 'swapped', diff: { changedCount: 0 } });
    expect((await readKpiFacts(pool, schema)).sort(byId)).toEqual([...expectedFacts].sort(byId));
  });

  it('when verify folds the log afresh, then it agrees with a runner that keeps following, and names a row someone changed by hand', async () => {
    const schema = 'rb_verify';
    await appendContract('C-VERIFY', { billingTrigger: 'delivered' });
    await appendDay('RBV', 30, 31);
    const billable = liveRunner(billableShipmentsReadModel, schema);
    await billable.start();
    await caughtUp(billable);
    let appending = true;
    let appended = 0;
    const traffic = (async () => {
      while (appending) await appendDay(`RBW${++appended}`, 3, 40 + appended);
    })();
    // Verify starts once the log is moving under the runner (a day has landed since it caught up)
    // and the days go on landing while it folds: it compares at one consistent point regardless.
    // (A verify is quicker than appending a day, so it cannot be made to overlap a whole one.)
    await until(() => appended >= 2);
    const clean = await verifyReadModel(pool, store, billableShipmentsReadModel, schema);
    appending = false;
    await traffic;
    expect(clean).toMatchObject({ projection: 'billable-shipments', ok: true, mismatchCount: 0 });
    expect(clean.rows).toBeGreaterThan(30);
    expect(clean.eventsFolded).toBeGreaterThan(0);

    await billable.stop();
    const victim = await pool.query<{ key: string }>(
      `SELECT key FROM ${schema}.billable_shipments_rows ORDER BY key LIMIT 1`,
    );
    const key = victim.rows[0]!.key;
    await pool.query(
      `UPDATE ${schema}.billable_shipments_rows SET row = jsonb_set(row::jsonb, '{invoicedAt}', '"2026-01-01T00:00:00Z"')::json WHERE key = $1`,
      [key],
    );
    const tampered = await verifyReadModel(pool, store, billableShipmentsReadModel, schema);
    expect(tampered).toMatchObject({ ok: false, mismatchCount: 1, mismatches: [key] });
  });

  it('when the live copy is of this version but nothing follows it, then the rebuild swaps where it has read up to, instead of waiting for it', async () => {
    const schema = 'rb_stale';
    await appendContract('C-STALE', { billingTrigger: 'delivered' });
    await appendDay('RBT', 10, 61);
    const live = liveRunner(billableShipmentsReadModel, schema);
    await live.start();
    await caughtUp(live);
    await live.stop();
    await appendDay('RBU', 10, 62);
    const log = await fullLog();
    const rebuilds = new Rebuilds({ pool, store, schema, standingStillMs: 300, alignTimeoutMs: 20_000 });
    await rebuilds.request('billable-shipments', { dryRun: false, requestedBy: 'test' });
    const done = await rebuilds.runNext();
    expect(done).toMatchObject({ status: 'swapped' });
    // The ten shipments the stopped live copy never saw show in the diff as new lines.
    expect(done!.diff!.changedCount).toBe(10);
    expect(await readBillableShipments(pool, schema, { limit: 100_000 })).toEqual(
      billableShipments(project(billableShipmentsProjection, log)),
    );
  });

  it('when no live copy runs, then a rebuild still applies the whole log before it swaps, however small the log', async () => {
    const schema = 'rb_nolive';
    await appendContract('C-NOLIVE', { billingTrigger: 'delivered' });
    await appendDay('RBN', 2, 77);
    const log = await fullLog();
    const rebuilds = new Rebuilds({ pool, store, schema });
    await rebuilds.request('billable-shipments', { dryRun: false, requestedBy: 'test' });
    const done = await rebuilds.runNext();
    expect(done).toMatchObject({ status: 'swapped' });
    expect(await readBillableShipments(pool, schema, { limit: 100_000 })).toEqual(
      billableShipments(project(billableShipmentsProjection, log)),
    );
  });

  it('when a rebuild of a projection is already under way, then a second request is refused, and an unknown projection is named', async () => {
    const rebuilds = new Rebuilds({ pool, store, schema: 'rb_refuse' });
    await rebuilds.request('exception-queue', { dryRun: true, requestedBy: 'test' });
    await expect(
      rebuilds.request('exception-queue', { dryRun: false, requestedBy: 'test' }),
    ).rejects.toMatchObject({
      code: 'rebuild_in_progress',
    });
    await expect(
      rebuilds.request('no-such-model', { dryRun: true, requestedBy: 'test' }),
    ).rejects.toMatchObject({
      code: 'unknown_projection',
    });
  });
});
