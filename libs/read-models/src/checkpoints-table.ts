import type { Pool, PoolClient } from 'pg';
import { formatPosition, parsePosition, START, type Position } from '@waybill/event-store';
import { identifier } from './sql';

/**
 * `<schema>.projection_checkpoints`: where each read model of a schema stands in the log, one row
 * per read model (`name` = its rows table's name), written in the same transaction as its rows.
 * `version` is the projection version the rows were built by; `epoch` goes up at every rebuild
 * swap, so that a runner holding rows of the old tables notices.
 */
export function checkpointsTable(schema: string): string {
  return `${identifier(schema)}.projection_checkpoints`;
}

/** Idempotent DDL of the checkpoints table. */
export function checkpointsTableDdl(schema: string): string {
  return `CREATE TABLE IF NOT EXISTS ${checkpointsTable(schema)} (
     name       text PRIMARY KEY,
     position   text NOT NULL,
     version    integer NOT NULL,
     epoch      integer NOT NULL DEFAULT 0,
     updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
   )`;
}

/**
 * The statement that gives a read model its checkpoint row at the start of the log, unless it has
 * one. A plain statement (for `migrateSchema`): the name is an identifier, the version an integer.
 */
export function insertStartCheckpoint(schema: string, name: string, version: number): string {
  if (!Number.isInteger(version)) throw new RangeError(`not a projection version: ${version}`);
  return `INSERT INTO ${checkpointsTable(schema)} (name, position, version)
     VALUES ('${identifier(name)}', '${formatPosition(START)}', ${version})
     ON CONFLICT (name) DO NOTHING`;
}

/** A read model's checkpoint row. */
export interface StoredCheckpoint {
  readonly name: string;
  readonly position: Position;
  /** `position` as stored (`commit/prepare`). */
  readonly positionText: string;
  readonly version: number;
  readonly epoch: number;
}

interface CheckpointColumns {
  name: string;
  position: string;
  version: number;
  epoch: number;
}

function fromColumns(row: CheckpointColumns): StoredCheckpoint {
  return {
    name: row.name,
    position: parsePosition(row.position),
    positionText: row.position,
    version: row.version,
    epoch: row.epoch,
  };
}

/**
 * One read model's checkpoint row; `null` when it has none, or when no runner has made the table
 * yet (looked up first rather than caught, since an error would end the caller's transaction).
 * `forUpdate` locks the row for the caller's transaction.
 */
export async function readCheckpoint(
  client: Pool | PoolClient,
  schema: string,
  name: string,
  options: { readonly forUpdate?: boolean } = {},
): Promise<StoredCheckpoint | null> {
  if (!(await checkpointsTableExists(client, schema))) return null;
  const result = await client.query<CheckpointColumns>(
    `SELECT name, position, version, epoch FROM ${checkpointsTable(schema)} WHERE name = $1
     ${options.forUpdate ? 'FOR UPDATE' : ''}`,
    [name],
  );
  const row = result.rows[0];
  return row ? fromColumns(row) : null;
}

/** Every checkpoint row of the schema, by name; none when no runner has made the table yet. */
export async function readCheckpoints(
  client: Pool | PoolClient,
  schema: string,
): Promise<Map<string, StoredCheckpoint>> {
  if (!(await checkpointsTableExists(client, schema))) return new Map();
  const result = await client.query<CheckpointColumns>(
    `SELECT name, position, version, epoch FROM ${checkpointsTable(schema)}`,
  );
  return new Map(result.rows.map((row) => [row.name, fromColumns(row)]));
}

async function checkpointsTableExists(client: Pool | PoolClient, schema: string): Promise<boolean> {
  const result = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
    checkpointsTable(schema),
  ]);
  return result.rows[0]?.t !== null && result.rows[0]?.t !== undefined;
}
