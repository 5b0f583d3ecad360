/**
 * `npm start`: the processor and the API in one process, for a laptop, a demo or a small site.
 * Each can also run alone (`npm run start:processor`, `npm run start:api`), and in production
 * they usually do, scaled on their own.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, type ProcessorRole } from '@waybill/platform';
import { createApiApp } from './api/src';
import { startProcessor } from './processor/src/processor';
import { READ_MODELS_NICENESS } from './read-models-priority';

let stopping = false;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('waybill', config.logLevel);
  // Read models fold whole shipments and would compete with ingest and billing for one event loop
  // (see docs/benchmarks.md): they get a process, and so a core, of their own. Also when they are
  // the only role here, since that process needs the flag below and this one was started without.
  const inProcess = new Set<ProcessorRole>(config.processorRoles);
  let readModels: ChildProcess | null = null;
  if (inProcess.has('read-models')) {
    inProcess.delete('read-models');
    // A larger young generation: folding keeps many short-lived objects alive across a page of
    // events, and with V8's default they were copied out of it and collected again, a third of a
    // rebuild's time (docs/benchmarks.md).
    readModels = spawn(
      process.execPath,
      ['--max-semi-space-size=64', join(__dirname, 'processor', 'src', 'main.js')],
      {
        env: { ...process.env, WAYBILL_PROCESSOR_ROLES: 'read-models' },
        stdio: 'inherit',
      },
    );
    // Below ingest and billing: see READ_MODELS_NICENESS.
    if (readModels.pid !== undefined) {
      try {
        setPriority(readModels.pid, READ_MODELS_NICENESS);
      } catch (error) {
        logger.warn({ err: error }, 'could not lower the read-models process priority');
      }
    }
    readModels.once('exit', (code, signal) => {
      if (stopping) return;
      logger.error(
        { code, signal },
        'the read-models process ended; stopping Waybill so that a supervisor restarts it',
      );
      process.kill(process.pid, 'SIGTERM');
    });
  }
  // In place before anything starts: a signal during start-up stops what has started so far once
  // start-up is over, instead of killing a processor that may already be taking messages.
  let processor: INestApplicationContext | null = null;
  let api: INestApplication | null = null;
  let started = false;
  let stopSignal: NodeJS.Signals | null = null;
  const shutDown = (signal: NodeJS.Signals) => {
    logger.info(`${signal} received: closing the API, then draining the processor`);
    const readModelsExited = new Promise<void>((resolve) => {
      if (!readModels || readModels.exitCode !== null || readModels.signalCode !== null) return resolve();
      readModels.once('exit', () => resolve());
      readModels.kill('SIGTERM');
    });
    Promise.resolve(api?.close())
      .then(() => processor?.close())
      .then(() => readModelsExited)
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    if (started) shutDown(signal);
    else stopSignal = signal;
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  // Nothing left for a processor here when the read models were the only role.
  processor = inProcess.size > 0 ? await startProcessor({ ...config, processorRoles: inProcess }) : null;
  api = await createApiApp({ config, logger });
  await api.listen(config.port);
  started = true;
  logger.info(
    { port: config.port, eventStore: config.eventStore, nats: config.natsUrl },
    `Waybill is running: API on http://127.0.0.1:${config.port} (OpenAPI at /docs), processor roles ${[...config.processorRoles].join(', ')}${readModels ? ' (read-models in a child process)' : ''}, ingest on ${config.subjectPrefix}.ingest.>`,
  );
  if (stopSignal) shutDown(stopSignal);
}

main().catch((error: unknown) => {
  console.error('Waybill failed to start:', error);
  process.exit(1);
});
