import { Client, Pool, type PoolClient, type PoolConfig } from 'pg';

/**
 * Creates the database named in `url` when it is missing (contract v1 §1: "the database is
 * created if missing"), by connecting to the server's `postgres` database first.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, '')) || 'postgres';
  const probe = new Client({ connectionString: url });
  try {
    await probe.connect();
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw error; // 3D000: invalid_catalog_name
  } finally {
    await probe.end().catch(() => undefined);
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } catch (error) {
    if ((error as { code?: string }).code !== '42P04') throw error; // created meanwhile by another process
  } finally {
    await client.end();
  }
}

/** A pool on a database that exists. */
export async function openPool(url: string, options: PoolConfig = {}): Promise<Pool> {
  await ensureDatabase(url);
  // A bounded wait for a connection: an exhausted pool must fail (and be retried), not hang forever.
  const pool = new Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
    ...options,
  });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Runs idempotent DDL (`CREATE … IF NOT EXISTS`) for one schema in one transaction, serialised
 * across processes by an advisory lock on the schema's name: two processes starting at once must
 * not race on `CREATE SCHEMA` or `CREATE TABLE`.
 */
export async function migrateSchema(
  pool: Pool,
  schema: string,
  statements: readonly string[],
): Promise<void> {
  await withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`migrate:schema:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    for (const statement of statements) await client.query(statement);
  });
}

/**
 * Runs `work` in one transaction on one client of the pool: committed when it resolves, rolled
 * back when it throws (and the error passed on), the client given back either way. A client whose
 * ROLLBACK failed is broken (its connection is gone or unusable): it is given back as such, so
 * that the pool closes it instead of lending it out again.
 */
export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
