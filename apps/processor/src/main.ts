import { loadConfig } from '@waybill/platform';
import { startProcessor } from './processor';

/**
 * SIGTERM/SIGINT drain the ingest consumer (every message in hand is acked or nak'ed) and close
 * connections, then exit 0. A second signal exits at once; JetStream redelivers what was in hand.
 */
async function main(): Promise<void> {
  const app = await startProcessor(loadConfig());
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.error(`waybill-processor: ${signal} received, draining`);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('waybill-processor: shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error('waybill-processor failed to start:', error);
  process.exit(1);
});
