import { type Pool } from 'pg';

/** Quoted, schema-qualified table names; the schema name is validated before it gets here. */
export interface Tables {
  readonly schema: string;
  readonly events: string;
  readonly streams: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function tablesFor(schema: string): Tables {
  // Identifiers cannot be bound as parameters, so the name is restricted instead of escaped.
  if (!SCHEMA_NAME.test(schema))
    throw new TypeError(`schema must match ${SCHEMA_NAME.source}, got ${JSON.stringify(schema)}`);
  return { schema, events: `"${schema}".events`, streams: `"${schema}".streams` };
}

function migrationSql(t: Tables): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS "${t.schema}"`,
    // revision -1 means "no stream yet": appends create the row before they know whether they will
    // write, because the row is also the lock that serialises writers of one stream. fillfactor
    // leaves room on each page so that the per-append revision update stays a HOT update.
    `CREATE TABLE IF NOT EXISTS ${t.streams} (
       stream_id text PRIMARY KEY,
       revision bigint NOT NULL
     ) WITH (fillfactor = 70)`,
    // recorded_at is kept to the millisecond because that is what a JavaScript Date holds: a
    // caller who passes an event's recordedAt back as recordedUpTo must get that event back.
    `CREATE TABLE IF NOT EXISTS ${t.events} (
       sequence bigserial PRIMARY KEY,
       transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
       stream_id text NOT NULL,
       revision bigint NOT NULL,
       event_id uuid NOT NULL UNIQUE,
       type text NOT NULL,
       data jsonb NOT NULL,
       metadata jsonb NOT NULL,
       recorded_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
       UNIQUE (stream_id, revision)
     )`,
    `CREATE INDEX IF NOT EXISTS events_global_order ON ${t.events} (transaction_id, sequence)`,
  ];
}

/**
 * Creates the schema and tables if missing. Safe to run from several processes at once: the
 * advisory lock makes them take turns, and `IF NOT EXISTS` makes every turn after the first a no-op
 * (without the lock, two concurrent `CREATE SCHEMA IF NOT EXISTS` can still collide).
 */
export async function migrate(pool: Pool, t: Tables): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `waybill-event-store:${t.schema}`,
    ]);
    for (const statement of migrationSql(t)) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
