/**
 * Configuration from environment variables, exactly as contract v1 §1 names them, plus
 * Waybill-specific tuning knobs (documented in the README's configuration table).
 */
export type EventStoreKind = 'postgres' | 'esdb';
/**
 * What a processor process runs: all of them by default; scale them apart by starting processes
 * with fewer. `translate` turns raw carrier formats into canonical messages and keeps the
 * references index that resolves them.
 */
export const PROCESSOR_ROLES = ['ingest', 'billing', 'read-models', 'translate'] as const;
export type ProcessorRole = (typeof PROCESSOR_ROLES)[number];
export type Role = 'reader' | 'auditor' | 'operator' | 'admin';

export interface WaybillConfig {
  readonly natsUrl: string;
  readonly databaseUrl: string;
  readonly eventStore: EventStoreKind;
  readonly eventStoreUrl: string;
  readonly port: number;
  /** `undefined` when WAYBILL_API_KEYS is unset: the API then generates one admin key. */
  readonly apiKeys: ReadonlyMap<string, Role> | undefined;
  readonly streamPrefix: string;
  readonly subjectPrefix: string;
  /** Durable consumer name of the ingest pipeline. */
  readonly ingestConsumer: string;
  /** Messages the processor holds un-acked at most. */
  readonly ingestMaxInFlight: number;
  /** Shipments whose messages are processed at the same time, at most. */
  readonly ingestConcurrency: number;
  /** How long JetStream waits for an ack before redelivering. */
  readonly ingestAckWaitMs: number;
  /** What this processor process runs (WAYBILL_PROCESSOR_ROLES). */
  readonly processorRoles: ReadonlySet<ProcessorRole>;
  /** How often due billing timers (missing POD, ERP reply) are looked for. */
  readonly deadlinePollMs: number;
  /** How long the ERP may stay silent about an invoice release before it is sent again. */
  readonly erpReplyTimeoutMs: number;
  /** Sends of one release in all; after the last one goes unanswered, finance gets an exception. */
  readonly erpMaxSends: number;
  /** Requests per minute that one API key (or, without a valid key, one IP address) may make to `/v1`. */
  readonly rateLimitPerMinute: number;
  readonly logLevel: string;
}

export class ConfigError extends Error {}

const ROLES: readonly Role[] = ['reader', 'auditor', 'operator', 'admin'];

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new ConfigError(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

export function parseApiKeys(raw: string): Map<string, Role> {
  const keys = new Map<string, Role>();
  for (const pair of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const separator = pair.lastIndexOf(':');
    const key = pair.slice(0, separator);
    const role = pair.slice(separator + 1) as Role;
    if (separator <= 0 || !ROLES.includes(role)) {
      throw new ConfigError(
        `WAYBILL_API_KEYS: "${pair.replace(/.(?=.{4})/g, '*')}" is not key:role with role in ${ROLES.join(', ')}`,
      );
    }
    keys.set(key, role);
  }
  return keys;
}

function parseRoles(raw: string | undefined): ReadonlySet<ProcessorRole> {
  if (raw === undefined || raw.trim() === '') return new Set(PROCESSOR_ROLES);
  const roles = raw
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const unknown = roles.filter((r) => !(PROCESSOR_ROLES as readonly string[]).includes(r));
  if (unknown.length > 0 || roles.length === 0) {
    throw new ConfigError(
      `WAYBILL_PROCESSOR_ROLES: ${JSON.stringify(raw)} is not a list of ${PROCESSOR_ROLES.join(', ')}`,
    );
  }
  return new Set(roles as ProcessorRole[]);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): WaybillConfig {
  const eventStore = (env.EVENT_STORE || 'postgres') as EventStoreKind;
  if (eventStore !== 'postgres' && eventStore !== 'esdb') {
    throw new ConfigError(`EVENT_STORE must be postgres or esdb, got ${JSON.stringify(env.EVENT_STORE)}`);
  }
  const streamPrefix = env.WAYBILL_STREAM_PREFIX || 'WAYBILL';
  const subjectPrefix = env.WAYBILL_SUBJECT_PREFIX || 'waybill';
  if (!/^[A-Za-z0-9_-]+$/.test(streamPrefix))
    throw new ConfigError('WAYBILL_STREAM_PREFIX may hold only letters, digits, _ and -');
  if (!/^[A-Za-z0-9_-]+$/.test(subjectPrefix))
    throw new ConfigError('WAYBILL_SUBJECT_PREFIX must be a single subject token');
  return {
    natsUrl: env.NATS_URL || 'nats://127.0.0.1:4222',
    databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/waybill',
    eventStore,
    eventStoreUrl: env.EVENTSTORE_URL || 'esdb://127.0.0.1:2113?tls=false',
    port: positiveInt(env, 'PORT', 3000),
    apiKeys: env.WAYBILL_API_KEYS ? parseApiKeys(env.WAYBILL_API_KEYS) : undefined,
    streamPrefix,
    subjectPrefix,
    ingestConsumer: env.WAYBILL_INGEST_CONSUMER || 'waybill-processor',
    ingestMaxInFlight: positiveInt(env, 'WAYBILL_INGEST_MAX_IN_FLIGHT', 2048),
    ingestConcurrency: positiveInt(env, 'WAYBILL_INGEST_CONCURRENCY', 256),
    ingestAckWaitMs: positiveInt(env, 'WAYBILL_INGEST_ACK_WAIT_MS', 30_000),
    processorRoles: parseRoles(env.WAYBILL_PROCESSOR_ROLES),
    deadlinePollMs: positiveInt(env, 'WAYBILL_DEADLINE_POLL_MS', 5_000),
    erpReplyTimeoutMs: positiveInt(env, 'WAYBILL_ERP_REPLY_TIMEOUT_MS', 30 * 60_000),
    erpMaxSends: positiveInt(env, 'WAYBILL_ERP_MAX_SENDS', 3),
    rateLimitPerMinute: positiveInt(env, 'WAYBILL_RATE_LIMIT', 600),
    logLevel: env.LOG_LEVEL || 'info',
  };
}
