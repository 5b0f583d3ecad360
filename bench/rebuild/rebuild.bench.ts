/**
 * bench/rebuild: events/s rebuilding the billable-shipments read model from position 0 (a full
 * zero-downtime rebuild: shadow copy, diff, swap), beside a raw baseline measured in the same
 * run on the same log: reading the same events from the event store, page by page, with no
 * projection and no writes, once before and once after the rebuild. Before and after the rebuild
 * it also measures a single-thread floor: the same read, every event folded in memory and each
 * final row encoded once, nothing written; the faster of the two counts. No rebuild that folds on
 * one thread can beat it, so its ratio to the read is the most such a rebuild could reach on this
 * machine. Every measured phase starts on a collected heap.
 *
 *   npm run bench:rebuild -- --events 1000000 [--projection billable-shipments]
 *   npm run bench:rebuild -- --events 300000 --keep-log dev   (log kept in waybill_t_bench_dev: drop it after)
 *   BENCH_PROFILE=/tmp/rebuild.cpuprofile npm run bench:rebuild -- …   (profiles the rebuild only)
 *
 * The log is written straight into the event store's table (setup, not measured). Writes
 * bench/results/rebuild-<timestamp>.json and prints a Markdown row for docs/benchmarks.md.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Pool } from 'pg';
import { contractStreamId, shipmentStreamId, withPolicyDefaults } from '@waybill/domain';
import { PostgresEventStore, START, type Position } from '@waybill/event-store';
import { readModelNamed, Rebuilds, stringifyJson, type ReadModelDefinition } from '@waybill/read-models';
import { expectedOutcome, shipmentDay } from '@waybill/simulator';
import { createTestDatabase } from '@waybill/testing';
import { machine } from '../machine';
import { arg, startPhase } from '../phase';
import { startCpuAccounting } from '../process-cpu';

const EVENTS = Number(arg('events', '1000000'));
const PROJECTION = arg('projection', 'billable-shipments');
/** Keep the log in this database between runs (written only when empty): for iterating on the runner. */
const KEEP_LOG = arg('keep-log', '');
const SCHEMA = 'waybill_events';

interface Row {
  stream_id: string;
  revision: number;
  event_id: string;
  type: string;
  data: unknown;
  metadata: unknown;
}

/** Writes about `target` events of realistic shipment days, after their customers' contracts. */
async function writeLog(pool: Pool, target: number): Promise<number> {
  // Contracts come first, as in a real log: a customer signs before it ships.
  const customers = new Set<string>();
  const customersOf = (chunk: number) => {
    const found = new Set<string>();
    const day = shipmentDay({ shipments: 2000, seed: 1000 + chunk, anomalies: true, idPrefix: `RB${chunk}` });
    for (const events of expectedOutcome(day).streams.values())
      for (const event of events) {
        const data = event.data as unknown as Record<string, unknown>;
        if (typeof data.customerId === 'string') found.add(data.customerId);
      }
    return found;
  };
  let written = await writeContracts(pool, customersOf(0), customers);
  let chunk = 0;
  while (written < target) {
    const day = shipmentDay({ shipments: 2000, seed: 1000 + chunk, anomalies: true, idPrefix: `RB${chunk}` });
    chunk++;
    const rows: Row[] = [];
    const seen = new Set<string>();
    const revisions = new Map<string, number>();
    // In the order a processor appends them: the day's shipments interleaved, as in a real log. Written
    // stream by stream instead (sessions 2 to 4), each row was final within a page or two, and the
    // rebuild ran about a quarter faster than on a log in time order (docs/benchmarks.md, session 5).
    for (const { shipmentId, event } of expectedOutcome(day).log) {
      const data = event.data as unknown as Record<string, unknown>;
      if (typeof data.customerId === 'string') seen.add(data.customerId);
      const occurredAt = typeof data.occurredAt === 'string' ? data.occurredAt : '2026-11-26T06:00:00.000Z';
      const revision = revisions.get(shipmentId) ?? 0;
      revisions.set(shipmentId, revision + 1);
      rows.push({
        stream_id: shipmentStreamId(shipmentId),
        revision,
        event_id: randomUUID(),
        type: event.type,
        data: data.receivedAt === '<receivedAt>' ? { ...data, receivedAt: occurredAt } : data,
        metadata: { correlationId: shipmentId, causationId: shipmentId, occurredAt, source: 'bench' },
      });
    }
    written += await writeContracts(pool, seen, customers);
    for (let i = 0; i < rows.length; i += 5000) await insert(pool, rows.slice(i, i + 5000));
    written += rows.length;
    process.stderr.write(`\rlog: ${written} events`);
  }
  process.stderr.write('\n');
  return written;
}

/** One contract for each customer not yet given one; half bill on delivery, half on POD. */
async function writeContracts(pool: Pool, found: ReadonlySet<string>, done: Set<string>): Promise<number> {
  const rows: Row[] = [];
  for (const customerId of found) {
    if (done.has(customerId)) continue;
    done.add(customerId);
    rows.push({
      stream_id: contractStreamId(customerId),
      revision: 0,
      event_id: randomUUID(),
      type: 'ContractPolicyRecorded',
      data: {
        messageId: `bench-contract-${customerId}`,
        source: 'bench',
        occurredAt: '2026-11-26T00:00:00.000Z',
        receivedAt: '2026-11-26T00:00:00.000Z',
        customerId,
        contractId: `K-${customerId}`,
        version: 1,
        policy: withPolicyDefaults({ billingTrigger: done.size % 2 === 0 ? 'delivered' : 'pod' }),
      },
      metadata: {
        correlationId: customerId,
        causationId: customerId,
        occurredAt: '2026-11-26T00:00:00.000Z',
        source: 'bench',
      },
    });
  }
  if (rows.length > 0) await insert(pool, rows);
  return rows.length;
}

async function insert(pool: Pool, rows: readonly Row[]): Promise<void> {
  await pool.query(
    `INSERT INTO ${SCHEMA}.events (stream_id, revision, event_id, type, data, metadata)
     SELECT * FROM jsonb_to_recordset($1::jsonb)
       AS x(stream_id text, revision bigint, event_id uuid, type text, data jsonb, metadata jsonb)`,
    [JSON.stringify(rows)],
  );
}

/**
 * A full garbage collection, so that a measured phase does not pay for the garbage of the one
 * before (the floor leaves every row of the log behind). `gc` is exposed at run time, since
 * NODE_OPTIONS may not carry --expose-gc.
 */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** The raw baseline: every event of the rebuilt streams read from the log, page by page. */
async function readBaseline(
  store: PostgresEventStore,
  prefixes: readonly string[],
): Promise<{ events: number; seconds: number; cpuSeconds: Record<string, number> | null }> {
  const cpu = startCpuAccounting();
  const started = process.hrtime.bigint();
  let after: Position = START;
  let events = 0;
  for (;;) {
    const page = await store.readAll({ after, maxCount: 2000, streamPrefixes: prefixes });
    if (page.length === 0) break;
    events += page.length;
    after = page.at(-1)!.position;
  }
  return { events, seconds: Number(process.hrtime.bigint() - started) / 1e9, cpuSeconds: cpu() };
}

/**
 * The single-thread floor: the log read as a rebuild reads it (a subscription, pages read ahead
 * while the last is folded), every event folded by the projection into rows kept in memory (no
 * bound, no lookups), and each final row encoded once as a rebuild stores it. It leaves out the
 * rest of a rebuild: the query table's lines, every SQL write and commit, the diff and the swap.
 * What one thread must do at the least, measured, not a design.
 */
async function foldFloor(
  store: PostgresEventStore,
  definition: ReadModelDefinition,
  expected: number,
): Promise<{ events: number; rows: number; seconds: number; cpuSeconds: Record<string, number> | null }> {
  const { projection } = definition;
  const cpu = startCpuAccounting();
  const started = process.hrtime.bigint();
  const rows = new Map<string, unknown>();
  let events = 0;
  let caughtUp!: () => void;
  const done = new Promise<void>((resolve) => (caughtUp = resolve));
  const subscription = store.subscribeToAll(
    (page) => {
      for (const event of page) {
        if (!projection.handles(event)) continue;
        const key = projection.keyOf(event, event.streamId);
        if (key === null) continue;
        rows.set(key, projection.apply(rows.get(key) ?? projection.init(key), event, event));
      }
      events += page.length;
      if (events >= expected) caughtUp();
      return Promise.resolve();
    },
    { batchSize: 2000, streamPrefixes: definition.streamPrefixes },
  );
  await Promise.race([done, subscription.done]);
  await subscription.stop();
  let bytes = 0;
  for (const row of rows.values()) bytes += stringifyJson(row).length;
  if (bytes === 0) throw new Error('the floor encoded nothing');
  return {
    events,
    rows: rows.size,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    cpuSeconds: cpu(),
  };
}

async function main(): Promise<void> {
  const definition = readModelNamed(PROJECTION);
  if (!definition) throw new Error(`no read model named ${PROJECTION}`);
  const db = await createTestDatabase(KEEP_LOG ? `bench_${KEEP_LOG}` : 'bench_rebuild', {
    keep: KEEP_LOG !== '',
  });
  const pool = new Pool({ connectionString: db.url, max: 10 });
  try {
    const store = await PostgresEventStore.create(pool, { schema: SCHEMA });
    const kept = Number(
      (await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${SCHEMA}.events`)).rows[0]!.n,
    );
    const total = kept > 0 ? kept : await writeLog(pool, EVENTS);
    await pool.query(`ANALYZE ${SCHEMA}.events`);
    // Warm the table into the cache alike for both measurements.
    await readBaseline(store, definition.streamPrefixes);
    collectGarbage();
    const before = await readBaseline(store, definition.streamPrefixes);
    // The floor is measured on both sides of the rebuild, and the faster counts: the most a
    // one-thread rebuild could reach. Each phase starts on a collected heap, so that none pays
    // for what another left behind.
    collectGarbage();
    const floorBefore = await foldFloor(store, definition, before.events);
    collectGarbage();
    const rebuilds = new Rebuilds({ pool, store });
    const memoryBefore = process.memoryUsage().rss;
    let peakRss = memoryBefore;
    const requested = await rebuilds.request(PROJECTION, { dryRun: false, requestedBy: 'bench' });
    const phase = await startPhase('rebuild');
    const done = await rebuilds.runClaimed(requested.rebuildId, (rebuild) => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (rebuild.progress)
        process.stderr.write(
          `\rrebuild: ${rebuild.progress.eventsApplied} events, ${rebuild.progress.eventsPerSecond}/s, eta ${rebuild.progress.etaSeconds ?? '?'} s   `,
        );
    });
    const { seconds, eventLoopUtilisation, cpuSeconds } = await phase();
    if (done.status !== 'swapped') throw new Error(`rebuild ended ${done.status}: ${done.error}`);
    const applied = done.progress?.eventsApplied ?? 0;
    if (applied !== before.events)
      throw new Error(`the rebuild applied ${applied} events, the log has ${before.events}`);
    collectGarbage();
    const floorAfter = await foldFloor(store, definition, before.events);
    for (const floor of [floorBefore, floorAfter])
      if (floor.events !== before.events)
        throw new Error(`the floor read ${floor.events} events, the baseline ${before.events}`);
    const floor = floorBefore.seconds <= floorAfter.seconds ? floorBefore : floorAfter;
    // The read rate of this machine swings by half from one minute to the next: read before and
    // after the rebuild, and compare with the mean of the two.
    collectGarbage();
    const after = await readBaseline(store, definition.streamPrefixes);
    const rate = (r: { events: number; seconds: number }) => Math.round(r.events / r.seconds);
    const baselineRate = (rate(before) + rate(after)) / 2;
    const result = {
      bench: 'rebuild',
      at: new Date().toISOString(),
      machine: machine(),
      projection: PROJECTION,
      logEvents: total,
      baseline: {
        events: before.events,
        beforeRebuild: {
          seconds: +before.seconds.toFixed(3),
          perSecond: rate(before),
          cpuSeconds: before.cpuSeconds,
        },
        afterRebuild: {
          seconds: +after.seconds.toFixed(3),
          perSecond: rate(after),
          cpuSeconds: after.cpuSeconds,
        },
        perSecond: Math.round(baselineRate),
      },
      singleThreadFloor: {
        seconds: +floor.seconds.toFixed(3),
        secondsBeforeAndAfterRebuild: [+floorBefore.seconds.toFixed(3), +floorAfter.seconds.toFixed(3)],
        perSecond: rate(floor),
        rows: floor.rows,
        cpuSeconds: floor.cpuSeconds,
        ratio: +(rate(floor) / baselineRate).toFixed(3),
      },
      rebuild: {
        events: applied,
        seconds: +seconds.toFixed(3),
        perSecond: Math.round(applied / seconds),
        peakRssMiB: Math.round(peakRss / 2 ** 20),
        eventLoopUtilisation,
        cpuSeconds,
        rows: done.diff ? Object.values(done.diff.countsAfter).reduce((a, b) => a + b, 0) : null,
      },
      ratio: +(applied / seconds / baselineRate).toFixed(3),
    };
    const file = join(__dirname, '..', 'results', `rebuild-${result.at.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(result, null, 2));
    console.log(JSON.stringify(result));
    console.log(
      '\n| projection | events | baseline read events/s (mean of before and after) | single-thread floor events/s (ratio) | rebuild events/s (incl. diff and swap) | ratio | peak RSS MiB |\n|---|---|---|---|---|---|---|',
    );
    console.log(
      `| ${PROJECTION} | ${applied} | ${result.baseline.perSecond} | ${result.singleThreadFloor.perSecond} (${result.singleThreadFloor.ratio}) | ${result.rebuild.perSecond} | ${result.ratio} | ${result.rebuild.peakRssMiB} |`,
    );
    console.log(`\nwritten ${file}`);
  } finally {
    await pool.end();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
