import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { ShipmentEvent } from '@waybill/domain';
import { eventIdFor, type NewEvent, PostgresEventStore } from '@waybill/event-store';
import { ParkedMessageStore } from '@waybill/parking';
import { createLogger, loadConfig, openPool, type Role, type WaybillConfig } from '@waybill/platform';
import type { Pool } from 'pg';
import { createApiApp, type CreateApiAppOptions } from '../api.app';

export const TEST_DATABASE_URL =
  process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/waybill_test';
export const TEST_NATS_URL = process.env.NATS_URL || 'nats://127.0.0.1:4222';

/**
 * A real API on real PostgreSQL and NATS, isolated from every other test file by a random suffix:
 * its own schemas (event store and parked messages), stream prefix and subject prefix.
 */
export interface ApiHarness {
  readonly app: INestApplication;
  readonly server: Server;
  readonly config: WaybillConfig;
  readonly pool: Pool;
  readonly eventStore: PostgresEventStore;
  readonly parked: ParkedMessageStore;
  readonly parkedSchema: string;
  /** Where the API reads the read models; a test runs the projection runners on it. */
  readonly readModelsSchema: string;
  readonly keys: Readonly<Record<Role, string>>;
  /** Another API on the same database and event store, for configurations a test varies. */
  startAnother(env: NodeJS.ProcessEnv, options?: Partial<CreateApiAppOptions>): Promise<INestApplication>;
  close(): Promise<void>;
}

export async function startApiHarness(): Promise<ApiHarness> {
  const suffix = randomBytes(4).toString('hex');
  const keys: Record<Role, string> = {
    reader: `reader-${randomBytes(12).toString('hex')}`,
    auditor: `auditor-${randomBytes(12).toString('hex')}`,
    operator: `operator-${randomBytes(12).toString('hex')}`,
    admin: `admin-${randomBytes(12).toString('hex')}`,
  };
  const baseEnv: NodeJS.ProcessEnv = {
    DATABASE_URL: TEST_DATABASE_URL,
    NATS_URL: TEST_NATS_URL,
    WAYBILL_STREAM_PREFIX: `TEST_API_${suffix}`,
    WAYBILL_SUBJECT_PREFIX: `test-api-${suffix}`,
    WAYBILL_API_KEYS: Object.entries(keys)
      .map(([role, key]) => `${key}:${role}`)
      .join(','),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Suites walk pages by the hundred with one key; the rate-limit test sets its own limit.
    WAYBILL_RATE_LIMIT: '1000000',
  };
  const config = loadConfig(baseEnv);
  const parkedSchema = `api_test_${suffix}`;
  const eventSchema = `api_test_${suffix}_events`;
  const readModelsSchema = `api_test_${suffix}_read_models`;
  const logger = createLogger('api-test', config.logLevel);

  const pool = await openPool(config.databaseUrl);
  const eventStore = await PostgresEventStore.create(pool, { schema: eventSchema });
  const parked = await ParkedMessageStore.create(pool, parkedSchema);
  const others: INestApplication[] = [];
  const app = await createApiApp({ config, logger, pool, eventStore, parkedSchema, readModelsSchema });

  return {
    app,
    server: app.getHttpServer() as Server,
    config,
    pool,
    eventStore,
    parked,
    parkedSchema,
    readModelsSchema,
    keys,
    async startAnother(env, options = {}) {
      const another = await createApiApp({
        config: loadConfig({ ...baseEnv, ...env }),
        logger,
        pool,
        eventStore,
        parkedSchema,
        readModelsSchema,
        ...options,
      });
      others.push(another);
      return another;
    },
    async close() {
      for (const other of others) await other.close();
      await app.close();
      await eventStore.close();
      await pool.query(`DROP SCHEMA IF EXISTS "${parkedSchema}" CASCADE`);
      await pool.query(`DROP SCHEMA IF EXISTS "${eventSchema}" CASCADE`);
      await pool.query(`DROP SCHEMA IF EXISTS "${readModelsSchema}" CASCADE`);
      await pool.end();
    },
  };
}

/** A message-derived shipment event as the processor would append it. */
export function recorded(event: ShipmentEvent, correlationId = `corr-${event.data.messageId}`): NewEvent {
  return {
    id: eventIdFor(event.data.messageId, 0),
    type: event.type,
    data: event.data,
    metadata: {
      messageId: event.data.messageId,
      correlationId,
      causationId: event.data.messageId,
      occurredAt: event.data.occurredAt,
      source: event.data.source,
    },
  };
}

export function booked(messageId: string, occurredAt: string, customerId = 'C-1'): ShipmentEvent {
  return {
    type: 'ShipmentBooked',
    data: {
      messageId,
      source: 'tms',
      occurredAt,
      receivedAt: occurredAt,
      orderId: 'SO-1',
      customerId,
      carrierId: 'UPSN',
      origin: { city: 'Rotterdam', country: 'NL', postalCode: '3011' },
      destination: 'Lyon, FR',
      promisedDeliveryBy: '2025-03-05T17:00:00Z',
      charges: {
        currency: 'EUR',
        lines: [
          { code: 'FRT', description: 'Linehaul', amount: '1200.00' },
          { code: 'FSC', description: 'Fuel surcharge', amount: '84.50' },
        ],
      },
      references: { trackingNumbers: ['1Z999AA10123456784'], pro: 'PRO-77' },
    },
  };
}

export function milestone(
  messageId: string,
  occurredAt: string,
  name: 'dispatched' | 'in_transit' | 'out_for_delivery' | 'arrived' | 'delivered',
  source = 'carrier:UPSN',
): ShipmentEvent {
  return {
    type: 'ShipmentMilestoneRecorded',
    data: { messageId, source, occurredAt, receivedAt: occurredAt, milestone: name, outOfOrder: false },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
