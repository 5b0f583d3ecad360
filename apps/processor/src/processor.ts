import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { WaybillConfig } from '@waybill/platform';
import type { Clock } from './billing/clock';
import { ProcessorModule } from './processor.module';
import type { TranslationOptions } from './translation/translation.service';

/**
 * Starts the processor: the ingest pipeline, with no HTTP of its own. `app.close()` drains the
 * consumer so that nothing in hand is lost or doubled; main.ts calls it on SIGTERM/SIGINT.
 */
export async function startProcessor(
  config: WaybillConfig,
  clock?: Clock,
  translation?: TranslationOptions,
): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(
    ProcessorModule.forRoot(config, clock, translation),
    {
      logger: ['error', 'warn'],
    },
  );
  await app.init();
  return app;
}

export { IngestService } from './processor.module';
export { TranslationService, type TranslationOptions } from './translation/translation.service';
export { BillingSagaRunner } from './billing/billing-saga.runner';
export type { Clock } from './billing/clock';
