import { createLogger, loadConfig } from '@waybill/platform';
import { createApiApp } from './api.app';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('api', config.logLevel);
  const app = await createApiApp({ config, logger });
  app.enableShutdownHooks();
  await app.listen(config.port);
  logger.info({ port: config.port }, `Waybill API listening on port ${config.port}; OpenAPI at /docs`);
}

main().catch((error: unknown) => {
  console.error('Waybill API failed to start:', error);
  process.exit(1);
});
