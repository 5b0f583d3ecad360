/**
 * bench/ingest: sustained events/s from JetStream to committed in the event log, beside a raw
 * baseline measured in the same run on the same machine and the same payloads: JetStream consume
 * plus batched INSERT, with no validation, no ledger, no domain logic.
 *
 *   npm run bench:ingest -- --shipments 4000
 *
 * Writes bench/results/ingest-<timestamp>.json and prints a Markdown table for docs/benchmarks.md.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, type JetStreamManager, type NatsConnection } from 'nats';
import { Pool } from 'pg';
import { startProcessor } from '../../apps/processor/src/processor';
import { streamNames, subjectsFor } from '@waybill/messaging';
import { loadConfig } from '@waybill/platform';
import { shipmentDay, type Publication } from '@waybill/simulator';
import { connectTestNats, createTestDatabase, deleteStreams, testPrefixes } from '@waybill/testing';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SHIPMENTS = arg('shipments', 4000);
const ROUNDS = arg('rounds', 1);

async function publishAll(nats: NatsConnection, subjectPrefix: string, day: readonly Publication[]): Promise<void> {
  const js = nats.jetstream();
  const subjects = subjectsFor(subjectPrefix);
  const window: Promise<unknown>[] = [];
  for (const p of day) {
    window.push(js.publish(subjects.ingest(p.subject), p.payload));
    if (window.length >= 1000) await Promise.all(window.splice(0));
  }
  await Promise.all(window);
}

async function waitIdle(jsm: JetStreamManager, stream: string, durable: string, total: number): Promise<number> {
  for (;;) {
    const info = await jsm.consumers.info(stream, durable);
    if (info.ack_floor.stream_seq >= total && info.num_ack_pending === 0) return performance.now();
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The raw baseline: consume, parse, multi-row INSERT per pulled batch, ack. Nothing else. */
async function baseline(nats: NatsConnection, pool: Pool, day: readonly Publication[]): Promise<{ seconds: number; rows: number }> {
  const { streamPrefix, subjectPrefix } = testPrefixes('baseline');
  const jsm = await nats.jetstreamManager();
  const stream = streamNames(streamPrefix).ingest;
  await jsm.streams.add({ name: stream, subjects: [`${subjectPrefix}.ingest.>`] });
  await jsm.consumers.add(stream, { durable_name: 'raw', ack_policy: AckPolicy.Explicit, max_ack_pending: 1024 });
  await pool.query('CREATE TABLE IF NOT EXISTS raw_events (id bigserial PRIMARY KEY, subject text, data jsonb, recorded_at timestamptz DEFAULT now())');
  await publishAll(nats, subjectPrefix, day);

  const consumer = await nats.jetstream().consumers.get(stream, 'raw');
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
  const done = (async () => {
    for await (const m of messages) {
      batch.push({ subject: m.subject, data: JSON.parse(new TextDecoder().decode(m.data)) as unknown, ack: () => m.ack() });
      received++;
      if (batch.length >= 500 || messages.getPending() === 0) {
        const items = batch;
        batch = [];
        flushing = flushing.then(() => flush(items));
      }
      if (received === day.length) break;
    }
    await flushing;
  })();
  await done;
  const finished = await waitIdle(jsm, stream, 'raw', day.length);
  await messages.close();
  const rows = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM raw_events')).rows[0]!.n);
  await pool.query('DROP TABLE raw_events');
  await deleteStreams(nats, streamPrefix);
  return { seconds: (finished - started) / 1000, rows };
}

async function waybill(nats: NatsConnection, databaseUrl: string, day: readonly Publication[]): Promise<{ seconds: number; events: number }> {
  const { streamPrefix, subjectPrefix } = testPrefixes('waybill');
  const config = loadConfig({ DATABASE_URL: databaseUrl, WAYBILL_STREAM_PREFIX: streamPrefix, WAYBILL_SUBJECT_PREFIX: subjectPrefix, LOG_LEVEL: 'error' });
  // Create stream and consumer, then stop, so that the timed run starts with everything waiting.
  const warm = await startProcessor(config);
  await warm.close();
  await publishAll(nats, subjectPrefix, day);
  const jsm = await nats.jetstreamManager();

  const started = performance.now();
  const app = await startProcessor(config);
  const finished = await waitIdle(jsm, streamNames(streamPrefix).ingest, config.ingestConsumer, day.length);
  await app.close();
  const pool = new Pool({ connectionString: databaseUrl });
  const events = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM waybill_events.events')).rows[0]!.n);
  await pool.end();
  await deleteStreams(nats, streamPrefix);
  return { seconds: (finished - started) / 1000, events };
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
      const rawRate = raw.rows / raw.seconds;
      const wbRate = wb.events / wb.seconds;
      results.push({
        round,
        messages: day.length,
        baseline: { rows: raw.rows, seconds: +raw.seconds.toFixed(3), perSecond: Math.round(rawRate) },
        waybill: { events: wb.events, seconds: +wb.seconds.toFixed(3), perSecond: Math.round(wbRate) },
        ratio: +(wbRate / rawRate).toFixed(3),
      });
      console.log(JSON.stringify(results.at(-1)));
    } finally {
      await pool.end();
      await db.drop();
    }
  }
  await nats.drain();
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  const report = { bench: 'ingest', at: new Date().toISOString(), machine, shipments: SHIPMENTS, results };
  const file = join(__dirname, '..', 'results', `ingest-${report.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2));
  console.log(`\n| round | messages | baseline rows/s | waybill events/s | ratio |\n|---|---|---|---|---|`);
  for (const r of results as { round: number; messages: number; baseline: { perSecond: number }; waybill: { perSecond: number }; ratio: number }[]) {
    console.log(`| ${r.round} | ${r.messages} | ${r.baseline.perSecond} | ${r.waybill.perSecond} | ${r.ratio} |`);
  }
  console.log(`\nwritten ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
