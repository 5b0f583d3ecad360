/**
 * @waybill/event-store: the event-store port, its two adapters, and the helpers every caller of
 * the port needs (errors, positions, deterministic event ids).
 */
import { type Pool } from 'pg';
import { EsdbEventStore } from './esdb/esdb-event-store';
import { type EventStore } from './event-store.port';
import { PostgresEventStore } from './postgres/postgres-event-store';

export * from './event-store.port';
export * from './errors';
export * from './positions';
export * from './event-ids';
export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres/postgres-event-store';
export { EsdbEventStore, type EsdbEventStoreOptions } from './esdb/esdb-event-store';

export interface EventStoreConfig {
  readonly eventStore: 'postgres' | 'esdb';
  /** EventStoreDB connection string; ignored for `postgres`, which uses the pool. */
  readonly eventStoreUrl: string;
}

/**
 * The store the configuration selects. PostgreSQL: tables in schema `waybill_events` of the
 * pool's database, created if missing; the pool stays the caller's to end. EventStoreDB: a new
 * client, disposed by `close()`.
 */
export async function createEventStore(config: EventStoreConfig, pool: Pool): Promise<EventStore> {
  switch (config.eventStore) {
    case 'postgres':
      return PostgresEventStore.create(pool);
    case 'esdb':
      return EsdbEventStore.connect(config.eventStoreUrl);
  }
}
export * from './checkpoints';
