/**
 * Publishes a simulated day of shipment traffic to a running Waybill:
 *
 *   npm run simulate -- --shipments 20 [--anomalies] [--seed 7]
 *
 * Uses NATS_URL and WAYBILL_SUBJECT_PREFIX like Waybill itself; the stream must exist (Waybill
 * creates it at start).
 */
import { connect } from 'nats';
import { subjectsFor } from '@waybill/messaging';
import { loadConfig } from '@waybill/platform';
import { shipmentDay } from '@waybill/simulator';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

async function main(): Promise<void> {
  const config = loadConfig();
  const day = shipmentDay({
    shipments: arg('shipments', 20),
    seed: arg('seed', Date.now() % 100_000),
    anomalies: process.argv.includes('--anomalies'),
    date: new Date().toISOString().slice(0, 10),
  });
  const nc = await connect({ servers: config.natsUrl, name: 'waybill-simulator' });
  const js = nc.jetstream();
  const subjects = subjectsFor(config.subjectPrefix);
  for (const p of day) await js.publish(subjects.ingest(p.subject), p.payload);
  await nc.drain();
  const ids = [...new Set(day.map((p) => p.shipmentId).filter(Boolean))];
  console.log(
    `published ${day.length} messages for ${ids.length} shipments, e.g. ${ids.slice(0, 3).join(', ')}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
