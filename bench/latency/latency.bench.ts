/**
 * bench/latency: from publishing the message that makes a shipment billable (its delivery) to
 * receiving its `invoice.release` on NATS, under a steady background load of ingest traffic.
 *
 * Beside it, in the same run and under the same load, a raw baseline: the round trip a message
 * makes through NATS alone. Each baseline probe is published to a JetStream stream of its own,
 * pulled by a durable consumer in this process (as ingest pulls), republished at once on a core
 * subject and timestamped there. A Waybill probe and a baseline probe go out at each tick.
 * A probe that never comes back counts as slower than every other: percentiles are taken over
 * all probes, and one that falls on a lost probe is reported as null.
 *
 *   npm run bench:latency -- --rate 1000 --probes 200 [--read-models]
 *
 * Ingest and billing run in this process (so the publisher and the load compete with them for one
 * event loop: a conservative set-up); with --read-models, the read models run in a child process,
 * as `npm start` runs them (64 MB young generation, lower CPU priority). Writes bench/results/latency-<timestamp>.json and prints a
 * Markdown table for docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { AckPolicy, DiscardPolicy, RetentionPolicy, StorageType } from 'nats';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setPriority } from 'node:os';
import { startProcessor } from '../../apps/processor/src/processor';
import { READ_MODELS_NICENESS } from '../../apps/read-models-priority';
import { streamNames, subjectsFor } from '@waybill/messaging';
import { loadConfig } from '@waybill/platform';
import { shipmentDay } from '@waybill/simulator';
import {
  connectTestNats,
  createTestDatabase,
  deleteStreams,
  testPrefixes,
  waitForConsumerIdle,
} from '@waybill/testing';
import { machine } from '../machine';
import { arg } from '../phase';

const RATE = Number(arg('rate', '1000'));
const PROBES = Number(arg('probes', '200'));
const PROBE_INTERVAL_MS = Number(arg('interval', '100'));
const WITH_READ_MODELS = process.argv.includes('--read-models');

/** Round trips in ms of every probe, a lost one as `null`, summarised with the lost ones slowest. */
function summary(latencies: readonly (number | null)[]) {
  const sorted = [...latencies].sort((a, b) => (a === null ? 1 : b === null ? -1 : a - b));
  const at = (p: number) => {
    const value = sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
    return value === null || value === undefined ? null : +value.toFixed(1);
  };
  return {
    probes: latencies.length,
    received: latencies.filter((l) => l !== null).length,
    p50Ms: at(50),
    p95Ms: at(95),
    p99Ms: at(99),
    maxMs: at(100),
  };
}

async function main(): Promise<void> {
  const db = await createTestDatabase('bench_latency');
  const { streamPrefix, subjectPrefix } = testPrefixes('latency');
  const env = {
    ...process.env,
    DATABASE_URL: db.url,
    WAYBILL_STREAM_PREFIX: streamPrefix,
    WAYBILL_SUBJECT_PREFIX: subjectPrefix,
    LOG_LEVEL: 'error',
  };
  // Ingest and billing here; with --read-models, read models in a process of their own, as
  // `npm start` runs them.
  const config = loadConfig({ ...env, WAYBILL_PROCESSOR_ROLES: 'ingest,billing' });
  const app = await startProcessor(config);
  const root = join(__dirname, '..', '..');
  const readModels = !WITH_READ_MODELS
    ? null
    : spawn(
        process.execPath,
        [
          '--max-semi-space-size=64',
          '-r',
          'ts-node/register/transpile-only',
          '-r',
          'tsconfig-paths/register',
          'apps/processor/src/main.ts',
        ],
        {
          cwd: root,
          env: {
            ...env,
            TS_NODE_PROJECT: join(root, 'tsconfig.json'),
            WAYBILL_PROCESSOR_ROLES: 'read-models',
          },
          stdio: ['ignore', 'inherit', 'inherit'],
        },
      );
  // As `npm start` runs them: a 64 MB young generation and a lower CPU priority (apps/start.ts).
  if (readModels?.pid !== undefined) setPriority(readModels.pid, READ_MODELS_NICENESS);
  const nats = await connectTestNats();
  const js = nats.jetstream();
  const subjects = subjectsFor(subjectPrefix);
  const encode = (body: unknown) => new TextEncoder().encode(JSON.stringify(body));

  // The baseline's path: JetStream in (a stream of its own, as ingest has), a pull consumer,
  // core NATS out.
  const jsm = await nats.jetstreamManager();
  const echoStream = `${streamPrefix}_BENCH_ECHO`;
  const echoSubject = `${subjectPrefix}.bench.echo`;
  await jsm.streams.add({
    name: echoStream,
    subjects: [echoSubject],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
  });
  await jsm.consumers.add(echoStream, { durable_name: 'echo', ack_policy: AckPolicy.Explicit });
  const echoMessages = await (await js.consumers.get(echoStream, 'echo')).consume({ max_messages: 64 });
  void (async () => {
    for await (const m of echoMessages) {
      nats.publish(`${subjectPrefix}.bench.echoed`, m.data);
      m.ack();
    }
  })();
  const echoed = new Map<string, number>();
  const echoSub = nats.subscribe(`${subjectPrefix}.bench.echoed`);
  void (async () => {
    for await (const m of echoSub) {
      const id = new TextDecoder().decode(m.data);
      if (!echoed.has(id)) echoed.set(id, performance.now());
    }
  })();

  const received = new Map<string, number>();
  const sub = nats.subscribe(`${subjectPrefix}.erp.invoice.release`);
  void (async () => {
    for await (const m of sub) {
      const { shipmentId } = JSON.parse(new TextDecoder().decode(m.data)) as { shipmentId: string };
      if (!received.has(shipmentId)) received.set(shipmentId, performance.now());
    }
  })();

  await js.publish(
    subjects.ingest('contract'),
    encode({
      messageId: 'lat-contract',
      occurredAt: '2026-11-25T00:00:00Z',
      source: 'bench',
      customerId: 'C-LAT',
      contractId: 'K-LAT',
      policy: { billingTrigger: 'delivered' },
    }),
  );
  const probeIds = Array.from({ length: PROBES }, (_, i) => `LAT-${i}`);
  for (const shipmentId of probeIds) {
    await js.publish(
      subjects.ingest('shipment.booked'),
      encode({
        messageId: `book-${shipmentId}`,
        shipmentId,
        occurredAt: '2026-11-26T06:00:00Z',
        source: 'tms',
        orderId: `SO-${shipmentId}`,
        customerId: 'C-LAT',
        carrierId: 'UPSN',
        origin: 'Rotterdam',
        destination: 'Venlo',
        charges: { currency: 'EUR', lines: [{ code: 'FRT', description: 'Linehaul', amount: '100.00' }] },
      }),
    );
  }
  // The bookings are in (their holds follow in the billing saga) before the load starts.
  await waitForConsumerIdle(jsm, streamNames(streamPrefix).ingest, config.ingestConsumer);

  // Background: a realistic day, paced at RATE messages per second, for as long as the probes run.
  const background = shipmentDay({
    shipments: Math.ceil((RATE * (PROBES * PROBE_INTERVAL_MS + 5000)) / 1000 / 7),
    seed: 5,
    anomalies: false,
    idPrefix: 'BG',
  });
  let stop = false;
  let sentBackground = 0;
  const load = (async () => {
    const started = performance.now();
    while (!stop && sentBackground < background.length) {
      const due = Math.floor(((performance.now() - started) / 1000) * RATE);
      const window: Promise<unknown>[] = [];
      while (sentBackground < Math.min(due, background.length)) {
        const p = background[sentBackground++]!;
        window.push(js.publish(subjects.ingest(p.subject), p.payload));
      }
      await Promise.all(window);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  // A warm-up: two seconds of load before the first probe, not a wait for some state.
  await new Promise((r) => setTimeout(r, 2000));

  const sentAt = new Map<string, number>();
  const echoSentAt = new Map<string, number>();
  const loadStarted = performance.now();
  const bgAtStart = sentBackground;
  for (const shipmentId of probeIds) {
    sentAt.set(shipmentId, performance.now());
    await js.publish(
      subjects.ingest('shipment.milestone'),
      encode({
        messageId: `dlv-${shipmentId}`,
        shipmentId,
        occurredAt: '2026-11-26T15:00:00Z',
        source: 'carrier:UPSN',
        milestone: 'delivered',
      }),
    );
    echoSentAt.set(shipmentId, performance.now());
    await js.publish(echoSubject, new TextEncoder().encode(shipmentId));
    await new Promise((r) => setTimeout(r, PROBE_INTERVAL_MS));
  }
  const measuredRate = ((sentBackground - bgAtStart) * 1000) / (performance.now() - loadStarted);
  const deadline = Date.now() + 30_000;
  while ((received.size < PROBES || echoed.size < PROBES) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  stop = true;
  await load;

  const roundTrips = (arrived: Map<string, number>, sent: Map<string, number>) =>
    probeIds.map((id) => (arrived.has(id) ? arrived.get(id)! - sent.get(id)! : null));
  const waybill = summary(roundTrips(received, sentAt));
  const baseline = summary(roundTrips(echoed, echoSentAt));
  const result = {
    bench: 'latency',
    at: new Date().toISOString(),
    machine: machine(),
    readModels: WITH_READ_MODELS ? 'separate process' : 'not running',
    backgroundTargetPerSecond: RATE,
    backgroundMeasuredPerSecond: Math.round(measuredRate),
    ...waybill,
    baseline,
  };
  console.log(JSON.stringify(result));
  const ms = (value: number | null) => (value === null ? 'lost' : String(value));
  console.log(
    `\n| background msgs/s (target / measured) | probes received (Waybill / baseline) | p50 ms | p95 ms | p99 ms | max ms | baseline p50 / p99 / max ms |\n|---|---|---|---|---|---|---|`,
  );
  console.log(
    `| ${RATE} / ${result.backgroundMeasuredPerSecond} | ${waybill.received}/${PROBES} / ${baseline.received}/${PROBES} | ${ms(waybill.p50Ms)} | ${ms(waybill.p95Ms)} | ${ms(waybill.p99Ms)} | ${ms(waybill.maxMs)} | ${ms(baseline.p50Ms)} / ${ms(baseline.p99Ms)} / ${ms(baseline.maxMs)} |`,
  );
  const file = join(__dirname, '..', 'results', `latency-${result.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(`\nwritten ${file}`);

  sub.unsubscribe();
  echoSub.unsubscribe();
  echoMessages.stop();
  if (readModels) {
    const readModelsExited = new Promise((r) => readModels.once('exit', r));
    readModels.kill('SIGTERM');
    await readModelsExited;
  }
  await app.close();
  await deleteStreams(nats, streamPrefix);
  await nats.drain();
  await db.drop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
