import { isDeepStrictEqual } from 'node:util';
import type { Pool } from 'pg';
import {
  comparePositions,
  formatPosition,
  START,
  type EventStore,
  type Position,
} from '@waybill/event-store';
import { project } from '@waybill/projections';
import { readCheckpoint } from './checkpoints-table';
import { parseJson } from './json-codec';
import { READ_MODELS_SCHEMA } from './projection-runner';
import type { ReadModelDefinition } from './read-model-definitions';
import { identifier, rowsTableName } from './sql';

/** What `verifyReadModel` found. */
export interface Verification {
  readonly projection: string;
  /** The stored checkpoint the rows were compared at; `null` when the read model was never built. */
  readonly checkpoint: string | null;
  readonly eventsFolded: number;
  readonly rows: number;
  /** Keys whose stored row differs from the fold, is missing, or should not exist; the first 50. */
  readonly mismatches: readonly string[];
  readonly mismatchCount: number;
  readonly ok: boolean;
}

/**
 * Folds the log afresh with the read model's projection, up to the stored checkpoint, and
 * compares every row with what is stored. The checkpoint and the rows are read in one snapshot,
 * so a runner that keeps following meanwhile does not make a false alarm. For auditors ("do the
 * read models say what the log says?") and after an incident.
 */
export async function verifyReadModel(
  pool: Pool,
  store: EventStore,
  definition: ReadModelDefinition,
  schema: string = READ_MODELS_SCHEMA,
): Promise<Verification> {
  const name = rowsTableName(definition.projection.name);
  const client = await pool.connect();
  let checkpoint: Position | null = null;
  const stored = new Map<string, unknown>();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
      `${identifier(schema)}.${name}`,
    ]);
    if (exists.rows[0]?.t) {
      checkpoint = (await readCheckpoint(client, schema, name))?.position ?? null;
      const rows = await client.query<{ key: string; row: string }>(
        `SELECT key, row::text AS row FROM ${identifier(schema)}.${name}`,
      );
      for (const row of rows.rows) stored.set(row.key, parseJson(row.row));
    }
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  const upTo = checkpoint ?? START;
  let folded = new Map<string, unknown>();
  let after: Position = START;
  let events = 0;
  while (comparePositions(after, upTo) < 0) {
    const page = await store.readAll({ after, maxCount: 5000, streamPrefixes: definition.streamPrefixes });
    const within = page.filter((event) => comparePositions(event.position, upTo) <= 0);
    folded = project(definition.projection, within, folded);
    events += within.length;
    if (page.length === 0 || within.length < page.length) break;
    after = page.at(-1)!.position;
  }
  const mismatches: string[] = [];
  for (const key of new Set([...stored.keys(), ...folded.keys()])) {
    if (!isDeepStrictEqual(stored.get(key), folded.get(key))) mismatches.push(key);
  }
  mismatches.sort();
  return {
    projection: definition.projection.name,
    checkpoint: checkpoint && comparePositions(checkpoint, START) !== 0 ? formatPosition(checkpoint) : null,
    eventsFolded: events,
    rows: stored.size,
    mismatches: mismatches.slice(0, 50),
    mismatchCount: mismatches.length,
    ok: mismatches.length === 0,
  };
}
