/**
 * bench/ingest: sustained events/s from JetStream to committed in the event log, beside a raw
 * baseline measured in the same run on the same machine and the same payloads: JetStream consume
 * plus batched INSERT, with no validation, no ledger, no domain logic. The ratio compares messages
 * handled per second with the baseline's rows (one a message); events/s counts ingest's events
 * only, not the billing saga's decisions, which are appended on a schedule of their own.
 *
 *   npm run bench:ingest -- --shipments 4000
 *
 * Writes bench/results/ingest-<timestamp>.json and prints a Markdown table for docs/benchmarks.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AckPolicy, type JetStreamManager, type NatsConnection } from 'nats';
import { Pool } from 'pg';
import { startProcessor } from '../../apps/processor/src/processor';
import { streamNames, subjectsFor } from '@waybill/messaging';
import { loadConfig } from '@waybill/platform';
import { shipmentDay, type Publication } from '@waybill/simulator';
import { connectTestNats, createTestDatabase, deleteStreams, testPrefixes } from '@waybill/testing';
import { machine } from '../machine';
import { arg, startPhase } from '../phase';
import { startCpuAccounting } from '../process-cpu';

const SHIPMENTS = Number(arg('shipments', '4000'));
const ROUNDS = Number(arg('rounds', '1'));

async function publishAll(
  nats: NatsConnection,
  subjectPrefix: string,
  day: readonly Publication[],
): Promise<void> {
  const js = nats.jetstream();
  const subjects = subjectsFor(subjectPrefix);
  const window: Promise<unknown>[] = [];
  for (const p of day) {
    window.push(js.publish(subjects.ingest(p.subject), p.payload));
    if (window.length >= 1000) await Promise.all(window.splice(0));
  }
  await Promise.all(window);
}

interface Timing {
  /** When the whole input was acked: end of the run. */
  readonly end: number;
  /** When 10% and 90% of the input were acked: the sustained rate is measured between them. */
  readonly at10: number;
  readonly at90: number;
}

/**
 * How often the ack floor is polled. Consumer info is not free for the NATS server (measured: at
 * every 10 ms it cost about 25 µs of the server's CPU per message benchmarked), and on two cores
 * that CPU is taken from the system measured.
 */
const POLL_MS = 100;

/** Polls the consumer's ack floor (every message below it is durable) until everything is acked. */
async function waitIdle(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  total: number,
): Promise<Timing> {
  let at10 = 0;
  let at90 = 0;
  for (;;) {
    const info = await jsm.consumers.info(stream, durable);
    const now = performance.now();
    if (!at10 && info.ack_floor.stream_seq >= total * 0.1) at10 = now;
    if (!at90 && info.ack_floor.stream_seq >= total * 0.9) at90 = now;
    if (info.ack_floor.stream_seq >= total && info.num_ack_pending === 0) return { end: now, at10, at90 };
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The raw baseline: consume, parse, multi-row INSERT per pulled batch, ack. Nothing else. */
async function baseline(
  nats: NatsConnection,
  pool: Pool,
  day: readonly Publication[],
): Promise<{ seconds: number; sustained: number; rows: number; cpuSeconds: Record<string, number> | null }> {
  const { streamPrefix, subjectPrefix } = testPrefixes('baseline');
  const jsm = await nats.jetstreamManager();
  const stream = streamNames(streamPrefix).ingest;
  await jsm.streams.add({ name: stream, subjects: [`${subjectPrefix}.ingest.>`] });
  await jsm.consumers.add(stream, {
    durable_name: 'raw',
    ack_policy: AckPolicy.Explicit,
    max_ack_pending: 1024,
  });
  await pool.query(
    'CREATE TABLE IF NOT EXISTS raw_events (id bigserial PRIMARY KEY, subject text, data jsonb, recorded_at timestamptz DEFAULT now())',
  );
  await publishAll(nats, subjectPrefix, day);

  const consumer = await nats.jetstream().consumers.get(stream, 'raw');
  const cpu = startCpuAccounting();
  const started = performance.now();
  const messages = await consumer.consume({ max_messages: 1000 });
  let batch: { subject: string; data: unknown; ack: () => void }[] = [];
  let flushing: Promise<void> = Promise.resolve();
  const flush = async (items: typeof batch) => {
    if (items.length === 0) return;
    await pool.query('INSERT INTO raw_events (subject, data) SELECT * FROM unnest($1::text[], $2::jsonb[])', [
      items.map((i) => i.subject),
      items.map((i) => JSON.stringify(i.data)),
    ]);
    items.forEach((i) => i.ack());
  };
  let received = 0;
  let acked = 0;
  let at10 = 0;
  let at90 = 0;
  const done = (async () => {
    for await (const m of messages) {
      batch.push({
        subject: m.subject,
        data: JSON.parse(new TextDecoder().decode(m.data)) as unknown,
        ack: () => m.ack(),
      });
      received++;
      if (batch.length >= 500 || messages.getPending() === 0 || received === day.length) {
        const items = batch;
        batch = [];
        flushing = flushing.then(async () => {
          await flush(items);
          acked += items.length;
          // The baseline is too fast for polling to see its 10% and 90% marks; it takes them itself.
          if (!at10 && acked >= day.length * 0.1) at10 = performance.now();
          if (!at90 && acked >= day.length * 0.9) at90 = performance.now();
          // Stop once all is acked; the loop ends when the iterator closes, not by `break`.
          if (acked === day.length) await messages.close();
        });
      }
    }
    await flushing;
  })();
  await done;
  const finished = await waitIdle(jsm, stream, 'raw', day.length);
  const cpuSeconds = cpu();
  const rows = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM raw_events')).rows[0]!.n);
  await pool.query('DROP TABLE raw_events');
  await deleteStreams(nats, streamPrefix);
  return {
    seconds: (finished.end - started) / 1000,
    sustained: (0.8 * rows) / ((at90 - at10) / 1000),
    rows,
    cpuSeconds,
  };
}

async function waybill(
  nats: NatsConnection,
  databaseUrl: string,
  day: readonly Publication[],
): Promise<{
  seconds: number;
  /** Messages handled per second between 10% and 90% acked: the baseline's unit (one row a message). */
  sustainedMessages: number;
  /** Ingest events (those recording a message) per second over the same window. */
  sustained: number;
  events: number;
  ingestEvents: number;
  cpuSeconds: Record<string, number> | null;
}> {
  const { streamPrefix, subjectPrefix } = testPrefixes('waybill');
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    WAYBILL_STREAM_PREFIX: streamPrefix,
    WAYBILL_SUBJECT_PREFIX: subjectPrefix,
    LOG_LEVEL: 'error',
  });
  // Create stream and consumer, then stop, so that the timed run starts with everything waiting.
  const warm = await startProcessor(config);
  await warm.close();
  await publishAll(nats, subjectPrefix, day);
  const jsm = await nats.jetstreamManager();

  const phase = await startPhase('waybill');
  const started = performance.now();
  const app = await startProcessor(config);
  const finished = await waitIdle(jsm, streamNames(streamPrefix).ingest, config.ingestConsumer, day.length);
  const { cpuSeconds } = await phase();
  await app.close();
  const pool = new Pool({ connectionString: databaseUrl });
  // Ingest's events record a message (their metadata names it); the billing saga's decisions,
  // appended on its own schedule, do not, and counting them in a window set by ingest acks
  // inflated the rate (about 12% at 4,000 shipments).
  const counts = (
    await pool.query<{ all: string; ingest: string }>(
      `SELECT count(*) AS all, count(*) FILTER (WHERE metadata ? 'messageId') AS ingest FROM waybill_events.events`,
    )
  ).rows[0]!;
  await pool.end();
  await deleteStreams(nats, streamPrefix);
  const window = (finished.at90 - finished.at10) / 1000;
  return {
    seconds: (finished.end - started) / 1000,
    sustainedMessages: (0.8 * day.length) / window,
    sustained: (0.8 * Number(counts.ingest)) / window,
    events: Number(counts.all),
    ingestEvents: Number(counts.ingest),
    cpuSeconds,
  };
}

/** CPU µs per message for each process: what the two cores spend on one message, end to end. */
function perMessage(cpu: Record<string, number> | null, messages: number): Record<string, number> | null {
  if (!cpu) return null;
  return Object.fromEntries(Object.entries(cpu).map(([name, s]) => [name, Math.round((s * 1e6) / messages)]));
}

async function main(): Promise<void> {
  const day = shipmentDay({ shipments: SHIPMENTS, seed: 42, anomalies: false, idPrefix: 'BENCH' });
  const nats = await connectTestNats();
  const results: Record<string, unknown>[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const db = await createTestDatabase('bench_ingest');
    const pool = new Pool({ connectionString: db.url });
    try {
      const raw = await baseline(nats, pool, day);
      const wb = await waybill(nats, db.url, day);
      results.push({
        round,
        messages: day.length,
        baseline: {
          rows: raw.rows,
          seconds: +raw.seconds.toFixed(3),
          perSecond: Math.round(raw.rows / raw.seconds),
          sustainedPerSecond: Math.round(raw.sustained),
          cpuSeconds: raw.cpuSeconds,
          cpuMicrosecondsPerMessage: perMessage(raw.cpuSeconds, raw.rows),
        },
        waybill: {
          events: wb.events,
          ingestEvents: wb.ingestEvents,
          seconds: +wb.seconds.toFixed(3),
          perSecond: Math.round(wb.ingestEvents / wb.seconds),
          sustainedPerSecond: Math.round(wb.sustained),
          sustainedMessagesPerSecond: Math.round(wb.sustainedMessages),
          cpuSeconds: wb.cpuSeconds,
          cpuMicrosecondsPerMessage: perMessage(wb.cpuSeconds, day.length),
        },
        // Messages against rows (one a message): the same unit on both sides.
        sustainedRatio: +(wb.sustainedMessages / raw.sustained).toFixed(3),
      });
      console.log(JSON.stringify(results.at(-1)));
    } finally {
      await pool.end();
      await db.drop();
    }
  }
  await nats.drain();
  const report = {
    bench: 'ingest',
    at: new Date().toISOString(),
    machine: machine(),
    shipments: SHIPMENTS,
    results,
  };
  const file = join(__dirname, '..', 'results', `ingest-${report.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2));
  type Row = {
    round: number;
    messages: number;
    baseline: { perSecond: number; sustainedPerSecond: number };
    waybill: { perSecond: number; sustainedPerSecond: number; sustainedMessagesPerSecond: number };
    sustainedRatio: number;
  };
  console.log(
    '\n| round | messages | baseline sustained rows/s | Waybill sustained messages/s | ratio | Waybill sustained ingest events/s | baseline end-to-end | Waybill end-to-end ingest events/s (incl. boot) |\n|---|---|---|---|---|---|---|---|',
  );
  for (const r of results as Row[]) {
    console.log(
      `| ${r.round} | ${r.messages} | ${r.baseline.sustainedPerSecond} | ${r.waybill.sustainedMessagesPerSecond} | ${r.sustainedRatio} | ${r.waybill.sustainedPerSecond} | ${r.baseline.perSecond} | ${r.waybill.perSecond} |`,
    );
  }
  console.log(`\nwritten ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
