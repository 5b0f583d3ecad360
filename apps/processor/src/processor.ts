import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { WaybillConfig } from '@waybill/platform';
import { ProcessorModule } from './processor.module';

/**
 * Starts the processor: the ingest pipeline, with no HTTP of its own. `app.close()` drains the
 * consumer so that nothing in hand is lost or doubled; main.ts calls it on SIGTERM/SIGINT.
 */
export async function startProcessor(config: WaybillConfig): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(ProcessorModule.forRoot(config), {
    logger: ['error', 'warn'],
  });
  await app.init();
  return app;
}

export { IngestService } from './processor.module';
