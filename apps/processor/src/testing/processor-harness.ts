import type { INestApplicationContext } from '@nestjs/common';
import { headers as natsHeaders, type NatsConnection } from 'nats';
import { Pool } from 'pg';
import { createEventStore, type EventStore } from '@waybill/event-store';
import {
  ensureCommandStream,
  ensureDurableConsumer,
  ensureIngestStream,
  streamNames,
  subjectsFor,
} from '@waybill/messaging';
import { ParkedMessageStore } from '@waybill/parking';
import { loadConfig, type WaybillConfig } from '@waybill/platform';
import type { Publication } from '@waybill/simulator';
import {
  connectTestNats,
  createTestDatabase,
  deleteStreams,
  testPrefixes,
  TEST_NATS_URL,
  waitForConsumerIdle,
} from '@waybill/testing';

/**
 * Everything a processor test needs, on the real servers: its own database, its own JetStream
 * prefixes, a NATS connection to publish with, and readers for the event log and parked messages.
 */
export interface ProcessorHarness {
  readonly config: WaybillConfig;
  readonly nats: NatsConnection;
  readonly pool: Pool;
  readonly eventStore: EventStore;
  readonly parked: ParkedMessageStore;
  /** Publishes in order; returns how many publishes JetStream itself dropped as duplicates (by Nats-Msg-Id). */
  publish(
    day: readonly Publication[],
    options?: { msgIdHeader?: (p: Publication) => boolean },
  ): Promise<number>;
  waitUntilIdle(timeoutMs?: number): Promise<void>;
  /** Waits for the translation consumers (raw carrier formats), then for ingest, which they feed. */
  waitUntilTranslated(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function createProcessorHarness(
  label: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ProcessorHarness> {
  const database = await createTestDatabase(label);
  const prefixes = testPrefixes(label);
  const config = loadConfig({
    NATS_URL: TEST_NATS_URL,
    DATABASE_URL: database.url,
    WAYBILL_STREAM_PREFIX: prefixes.streamPrefix,
    WAYBILL_SUBJECT_PREFIX: prefixes.subjectPrefix,
    WAYBILL_INGEST_ACK_WAIT_MS: '3000',
    LOG_LEVEL: 'error',
    ...env,
  });
  const nats = await connectTestNats();
  const pool = new Pool({ connectionString: database.url, max: 4 });
  const eventStore = await createEventStore(config, pool);
  const parked = await ParkedMessageStore.create(pool);
  const js = nats.jetstream();
  const subjects = subjectsFor(config.subjectPrefix);
  // The processor creates these too; creating them first lets a test publish before it starts.
  const jsm = await nats.jetstreamManager();
  await ensureCommandStream(jsm, config.streamPrefix, config.subjectPrefix);
  const stream = await ensureIngestStream(jsm, config.streamPrefix, config.subjectPrefix);
  await ensureDurableConsumer(jsm, {
    stream,
    durable: config.ingestConsumer,
    filterSubject: subjects.ingestWildcard,
    maxAckPending: config.ingestMaxInFlight,
    ackWaitMs: config.ingestAckWaitMs,
  });

  return {
    config,
    nats,
    pool,
    eventStore,
    parked,
    async publish(day, options = {}) {
      // Publish in order, with a bounded window of outstanding acks: fast, and still ordered.
      const window: Promise<{ duplicate: boolean }>[] = [];
      let dropped = 0;
      const count = (acks: { duplicate: boolean }[]) => acks.forEach((a) => (dropped += a.duplicate ? 1 : 0));
      for (const p of day) {
        const h = natsHeaders();
        if (p.messageId && options.msgIdHeader?.(p)) h.set('Nats-Msg-Id', p.messageId);
        h.set('Waybill-Test', label);
        window.push(js.publish(subjects.ingest(p.subject), p.payload, { headers: h }));
        if (window.length >= 256) count(await Promise.all(window.splice(0)));
      }
      count(await Promise.all(window));
      return dropped;
    },
    async waitUntilIdle(timeoutMs = 90_000) {
      const jsm = await nats.jetstreamManager();
      await waitForConsumerIdle(
        jsm,
        streamNames(config.streamPrefix).ingest,
        config.ingestConsumer,
        timeoutMs,
      );
    },
    async waitUntilTranslated(timeoutMs = 90_000) {
      const jsm = await nats.jetstreamManager();
      const stream = streamNames(config.streamPrefix).ingest;
      const durables: string[] = [];
      for await (const c of jsm.consumers.list(stream)) durables.push(c.name);
      // Translation publishes into ingest: ingest is waited for after it.
      for (const d of [...durables.filter((n) => n.includes('-translate')), config.ingestConsumer])
        await waitForConsumerIdle(jsm, stream, d, timeoutMs);
    },
    async close() {
      await eventStore.close();
      await pool.end();
      await deleteStreams(nats, config.streamPrefix);
      await nats.drain();
      await database.drop();
    },
  };
}

export async function closeQuietly(app: INestApplicationContext | null | undefined): Promise<void> {
  if (app) await app.close();
}
