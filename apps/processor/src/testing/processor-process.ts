import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { JetStreamManager } from 'nats';
import { streamNames } from '@waybill/messaging';
import type { ProcessorHarness } from './processor-harness';

const ROOT = join(__dirname, '..', '..', '..', '..');

/** Runs the real processor as its own OS process, so that a kill is a real crash. */
export function spawnProcessor(harness: ProcessorHarness, env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/processor/src/main.ts'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
        NATS_URL: harness.config.natsUrl,
        DATABASE_URL: harness.config.databaseUrl,
        WAYBILL_STREAM_PREFIX: harness.config.streamPrefix,
        WAYBILL_SUBJECT_PREFIX: harness.config.subjectPrefix,
        WAYBILL_INGEST_ACK_WAIT_MS: '3000',
        LOG_LEVEL: 'error',
        ...env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

async function readAckFloor(jsm: JetStreamManager, harness: ProcessorHarness): Promise<number> {
  const info = await jsm.consumers.info(
    streamNames(harness.config.streamPrefix).ingest,
    harness.config.ingestConsumer,
  );
  return info.ack_floor.stream_seq;
}

/**
 * The ingest consumer's ack floor now: every message up to this stream sequence is handled. A
 * failure to read it is thrown, never taken for a floor of 0.
 */
export async function ackFloor(harness: ProcessorHarness): Promise<number> {
  return readAckFloor(await harness.nats.jetstreamManager(), harness);
}

/** Waits until the ingest consumer's ack floor (every message below it is handled) reaches `atLeast`. */
export async function waitForAckFloor(
  harness: ProcessorHarness,
  atLeast: number,
  timeoutMs = 60_000,
): Promise<number> {
  const jsm = await harness.nats.jetstreamManager();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const floor = await readAckFloor(jsm, harness).catch(() => 0);
    if (floor >= atLeast) return floor;
    if (Date.now() > deadline) throw new Error(`ack floor stuck at ${floor}, waiting for ${atLeast}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
