/**
 * `npm start`: the processor and the API in one process, for a laptop, a demo or a small site.
 * Each can also run alone (`npm run start:processor`, `npm run start:api`), and in production
 * they usually do, scaled on their own.
 */
import 'reflect-metadata';
import { createLogger, loadConfig } from '@waybill/platform';
import { createApiApp } from './api/src';
import { startProcessor } from './processor/src/processor';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('waybill', config.logLevel);
  const processor = await startProcessor(config);
  const api = await createApiApp({ config, logger });
  await api.listen(config.port);
  logger.info(
    { port: config.port, eventStore: config.eventStore, nats: config.natsUrl },
    `Waybill is running: API on http://127.0.0.1:${config.port} (OpenAPI at /docs), processor consuming ${config.subjectPrefix}.ingest.>`,
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info(`${signal} received: closing the API, then draining the processor`);
    api
      .close()
      .then(() => processor.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error('Waybill failed to start:', error);
  process.exit(1);
});
