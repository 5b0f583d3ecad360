import type { INestApplicationContext } from '@nestjs/common';
import { loadConfig } from '@waybill/platform';
import { startProcessor } from './processor';

/**
 * SIGTERM/SIGINT drain the ingest consumer (every message in hand is acked or nak'ed) and close
 * connections, then exit 0. A second signal exits at once; JetStream redelivers what was in hand.
 * The handlers are in place before the processor starts: a signal during start-up (the consumer
 * may already be taking messages) drains once it has started, rather than killing it outright.
 */
async function main(): Promise<void> {
  let app: INestApplicationContext | null = null;
  let stopping = false;
  const drain = (started: INestApplicationContext) =>
    started.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('waybill-processor: shutdown failed', error);
        process.exit(1);
      },
    );
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.error(`waybill-processor: ${signal} received, draining`);
    if (app) void drain(app);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  app = await startProcessor(loadConfig());
  // Told to stop while starting: drain now that there is something to drain.
  if (stopping) void drain(app);
}

main().catch((error: unknown) => {
  console.error('waybill-processor failed to start:', error);
  process.exit(1);
});
