/**
 * Waybill with a test ERP, a test CRM and live traffic, all in one process:
 *
 *   npm run demo -- [--duration <s>] [--rate <shipments/min>] [--seed <n>] [--reject-rate <0..1>]
 *
 * Starts the processor and the API (like `npm start`), ensures the command stream, starts TestErp
 * and TestCrm, publishes `shipmentDay` traffic at the given rate (default 20 shipments a minute)
 * and prints a one-line summary every 5 s. Runs until Ctrl-C, or for `--duration` seconds.
 * Configuration comes from the environment like Waybill's own (NATS_URL, DATABASE_URL, PORT,
 * WAYBILL_STREAM_PREFIX, WAYBILL_SUBJECT_PREFIX, …).
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { connect } from 'nats';
import { ensureCommandStream, ensureIngestStream } from '@waybill/messaging';
import { createLogger, loadConfig } from '@waybill/platform';
import { runTraffic, TestCrm, TestErp, type TrafficSummary } from '@waybill/simulator';
import { createApiApp } from '../apps/api/src';
import { startProcessor } from '../apps/processor/src/processor';

const SUMMARY_EVERY_MS = 5_000;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function numberOption(name: string, fallback: number, valid: (n: number) => boolean): number {
  const raw = option(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || !valid(value)) throw new RangeError(`--${name}: invalid value ${raw}`);
  return value;
}

/** A stable fraction in [0, 1) per command, so a re-sent command gets the same decision. */
function fractionOf(commandId: string): number {
  return createHash('sha256').update(commandId).digest().readUInt32BE(0) / 2 ** 32;
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

async function main(): Promise<void> {
  const durationS = option('duration') === undefined ? undefined : numberOption('duration', 0, (n) => n > 0);
  const rate = numberOption('rate', 20, (n) => n > 0);
  const seed = numberOption('seed', Date.now() % 100_000, Number.isInteger);
  const rejectRate = numberOption('reject-rate', 0.1, (n) => n >= 0 && n <= 1);

  const config = loadConfig();
  const logger = createLogger('demo', config.logLevel);
  const { streamPrefix, subjectPrefix } = config;

  const nc = await connect({ servers: config.natsUrl, name: 'waybill-demo' });
  const jsm = await nc.jetstreamManager();
  await ensureIngestStream(jsm, streamPrefix, subjectPrefix);
  await ensureCommandStream(jsm, streamPrefix, subjectPrefix);

  const processor = await startProcessor(config);
  const api = await createApiApp({ config, logger });
  await api.listen(config.port);

  const onError = (error: unknown, context: string) => logger.warn({ err: error }, context);
  const erp = new TestErp({
    nats: nc,
    streamPrefix,
    subjectPrefix,
    onError,
    decide: (command) => (fractionOf(command.commandId) < rejectRate ? 'reject' : 'release'),
    rejectReason: () => 'Customer on credit hold (test ERP)',
  });
  const crm = new TestCrm({ nats: nc, streamPrefix, subjectPrefix, onError, resolveAfterMs: 60_000 });
  await erp.start();
  await crm.start();

  const stopTraffic = new AbortController();
  let published = 0;
  const startedAt = Date.now();
  const summary = (): string => {
    const elapsed = Math.round((Date.now() - startedAt) / 1000);
    const tally = erp.tally;
    const byCategory = Object.entries(crm.countByCategory())
      .map(([category, n]) => `${category} ${n}`)
      .join(', ');
    const resolved = [...crm.cases.values()].filter((c) => c.status === 'resolved').length;
    return (
      `[demo ${elapsed}s] published ${published} · ERP releases ${erp.unique.size} unique / ` +
      `${erp.duplicates} duplicates (${tally.release} invoiced, ${tally.reject} rejected) · ` +
      `CRM cases ${crm.cases.size} (${byCategory || 'none'}; ${resolved} resolved)`
    );
  };
  const ticker = setInterval(() => console.log(summary()), SUMMARY_EVERY_MS);

  console.log(
    `Waybill demo: API on http://127.0.0.1:${config.port} (OpenAPI at /docs), ` +
      `${rate} shipments/min, seed ${seed}, ` +
      (durationS === undefined ? 'until Ctrl-C' : `for ${durationS} s`) +
      `; subjects ${subjectPrefix}.*, streams ${streamPrefix}_*`,
  );

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal} received: stopping traffic, then shutting down (again to force)`);
    stopTraffic.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let traffic: TrafficSummary | undefined;
  try {
    traffic = await runTraffic({
      nats: nc,
      subjectPrefix,
      shipmentsPerMinute: rate,
      seed,
      signal: stopTraffic.signal,
      onPublish: () => published++,
      ...(durationS === undefined ? {} : { durationMs: durationS * 1000 }),
    });
    // Without --duration the demo runs until Ctrl-C, even once the (large) plan is spent.
    if (traffic.endedBy === 'completed' && durationS === undefined) await aborted(stopTraffic.signal);
  } finally {
    clearInterval(ticker);
    console.log(summary());
    if (traffic) {
      console.log(
        `traffic ${traffic.endedBy}: ${traffic.published}/${traffic.planned} messages, ` +
          `${traffic.shipments} shipments, ${traffic.contracts} contracts`,
      );
    }
    await erp.stop();
    await crm.stop();
    await api.close();
    await processor.close();
    await nc.drain();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('demo failed:', error);
    process.exit(1);
  },
);
