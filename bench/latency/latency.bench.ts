/**
 * bench/latency: from publishing the message that makes a shipment billable (its delivery) to
 * receiving its `invoice.release` on NATS, under a steady background load of ingest traffic.
 *
 *   npm run bench:latency -- --rate 1000 --probes 200 [--read-models]
 *
 * Ingest and billing run in this process (so the publisher and the load compete with them for one
 * event loop: a conservative set-up); the read models run in a child process, as `npm start` does. Writes bench/results/latency-<timestamp>.json and prints a
 * Markdown table for docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcessor } from '../../apps/processor/src/processor';
import { subjectsFor } from '@waybill/messaging';
import { loadConfig } from '@waybill/platform';
import { shipmentDay } from '@waybill/simulator';
import { connectTestNats, createTestDatabase, deleteStreams, testPrefixes } from '@waybill/testing';
import { machine } from '../machine';
import { arg } from '../phase';

const RATE = Number(arg('rate', '1000'));
const PROBES = Number(arg('probes', '200'));
const PROBE_INTERVAL_MS = Number(arg('interval', '100'));
const WITH_READ_MODELS = process.argv.includes('--read-models');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
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
  const nats = await connectTestNats();
  const js = nats.jetstream();
  const subjects = subjectsFor(subjectPrefix);
  const encode = (body: unknown) => new TextEncoder().encode(JSON.stringify(body));

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
  await new Promise((r) => setTimeout(r, 2000)); // bookings and their holds settle

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
  await new Promise((r) => setTimeout(r, 2000)); // load reaches steady state

  const sentAt = new Map<string, number>();
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
    await new Promise((r) => setTimeout(r, PROBE_INTERVAL_MS));
  }
  const measuredRate = ((sentBackground - bgAtStart) * 1000) / (performance.now() - loadStarted);
  const deadline = Date.now() + 30_000;
  while (received.size < PROBES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  stop = true;
  await load;

  const latencies = probeIds
    .filter((id) => received.has(id))
    .map((id) => received.get(id)! - sentAt.get(id)!)
    .sort((a, b) => a - b);
  const result = {
    bench: 'latency',
    at: new Date().toISOString(),
    machine: machine(),
    readModels: WITH_READ_MODELS ? 'separate process' : 'not running',
    backgroundTargetPerSecond: RATE,
    backgroundMeasuredPerSecond: Math.round(measuredRate),
    probes: PROBES,
    received: latencies.length,
    p50Ms: +percentile(latencies, 50).toFixed(1),
    p95Ms: +percentile(latencies, 95).toFixed(1),
    p99Ms: +percentile(latencies, 99).toFixed(1),
    maxMs: +latencies.at(-1)!.toFixed(1),
  };
  console.log(JSON.stringify(result));
  console.log(
    `\n| background msgs/s (target / measured) | probes received | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|`,
  );
  console.log(
    `| ${RATE} / ${result.backgroundMeasuredPerSecond} | ${result.received}/${PROBES} | ${result.p50Ms} | ${result.p95Ms} | ${result.p99Ms} | ${result.maxMs} |`,
  );
  const file = join(__dirname, '..', 'results', `latency-${result.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(`\nwritten ${file}`);

  sub.unsubscribe();
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
