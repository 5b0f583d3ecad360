/**
 * Writes a batch of appends inside a transaction the caller opened: the SQL half of group commit.
 *
 * Failing appends are decided before anything is inserted (pre-check under row locks) rather
 * than attempted and rolled back to a SAVEPOINT: a savepoint costs two extra round trips per
 * append, while the pre-check costs two statements per batch, and a batch of 500 appends then
 * needs five round trips in total (BEGIN, lock, id lookup, insert, COMMIT).
 */
import { type ClientBase } from 'pg';
import { canonicalJson, decideAppend, type ExistingEvent, NO_STREAM_REVISION } from '../append-rules';
import { type EventIdConflictError, type WrongExpectedRevisionError } from '../errors';
import {
  type AppendResult,
  type ExpectedRevision,
  type NewEvent,
  type Position,
  START,
} from '../event-store.port';
import { comparePositions } from '../positions';
import { type Tables } from './postgres-event-store.schema';
import { preparedQuery } from '@waybill/platform';

export interface AppendRequest {
  readonly streamId: string;
  /** Already validated (`validateAppend`). */
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedRevision;
}

export type AppendOutcome =
  | { readonly ok: true; readonly result: AppendResult }
  | { readonly ok: false; readonly error: WrongExpectedRevisionError | EventIdConflictError };

/** Where an event of an append sits: already stored, or inserted by this batch (known after the insert). */
type EventRef = { readonly position: Position } | { readonly plannedId: string };

interface Planned {
  readonly requestIndex: number;
  readonly nextRevision: bigint;
  readonly appended: number;
  readonly refs: readonly EventRef[];
}

interface InsertRow {
  readonly n: number;
  readonly stream_id: string;
  readonly revision: string;
  readonly event_id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
}

const toPosition = (commit: string, prepare: string): Position => ({
  commit: BigInt(commit),
  prepare: BigInt(prepare),
});

/**
 * Applies `requests` in order; the outcome at index i belongs to request i. Appends to the same
 * stream see each other's effects, exactly as if they had been made one after another.
 * Throws only on database errors, in which case the caller must roll back.
 */
export async function writeAppends(
  client: ClientBase,
  t: Tables,
  requests: readonly AppendRequest[],
): Promise<AppendOutcome[]> {
  const streamIds = [...new Set(requests.map((r) => r.streamId))];
  // Creating the missing stream rows and locking the existing ones in one statement, in a fixed
  // (C collation) order so that two processes writing overlapping streams cannot deadlock.
  const locked = await client.query<{ stream_id: string; revision: string }>(
    preparedQuery(
      `INSERT INTO ${t.streams} AS s (stream_id, revision)
       SELECT id, -1 FROM unnest($1::text[]) AS id ORDER BY id COLLATE "C"
       ON CONFLICT (stream_id) DO UPDATE SET revision = s.revision
       RETURNING stream_id, revision::text AS revision`,
      [streamIds],
    ),
  );
  const revisions = new Map(locked.rows.map((row) => [row.stream_id, BigInt(row.revision)]));

  // After the locks, so that events committed by a writer we waited for are visible here.
  const eventIds = [...new Set(requests.flatMap((r) => r.events.map((e) => e.id)))];
  const stored = new Map<string, ExistingEvent<EventRef>>();
  if (eventIds.length > 0) {
    const found = await client.query<{
      stream_id: string;
      event_id: string;
      type: string;
      data: string;
      commit: string;
      prepare: string;
    }>(
      preparedQuery(
        `SELECT stream_id, event_id::text AS event_id, type, data::text AS data,
                transaction_id::text AS commit, sequence::text AS prepare
         FROM ${t.events} WHERE event_id = ANY($1::uuid[])`,
        [eventIds],
      ),
    );
    for (const row of found.rows) {
      stored.set(row.event_id, {
        streamId: row.stream_id,
        type: row.type,
        canonicalData: () => canonicalJson(JSON.parse(row.data)),
        ref: { position: toPosition(row.commit, row.prepare) },
      });
    }
  }

  // Empty appends report the position of the stream's last event; rare, so looked up only then.
  const lastRef = new Map<string, EventRef>();
  const emptyAppendStreams = requests.filter((r) => r.events.length === 0).map((r) => r.streamId);
  if (emptyAppendStreams.length > 0) {
    const tails = await client.query<{ stream_id: string; commit: string; prepare: string }>(
      `SELECT DISTINCT ON (stream_id) stream_id, transaction_id::text AS commit, sequence::text AS prepare
       FROM ${t.events} WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, revision DESC`,
      [emptyAppendStreams],
    );
    for (const row of tails.rows)
      lastRef.set(row.stream_id, { position: toPosition(row.commit, row.prepare) });
  }

  const planned = new Map<string, ExistingEvent<EventRef>>();
  const lookup = (eventId: string): ExistingEvent<EventRef> | undefined =>
    stored.get(eventId) ?? planned.get(eventId);
  const rows: InsertRow[] = [];
  const outcomes: (AppendOutcome | Planned)[] = [];

  requests.forEach((request, requestIndex) => {
    const { streamId } = request;
    const current = revisions.get(streamId) ?? NO_STREAM_REVISION;
    const decision = decideAppend(streamId, request.events, request.expected, current, lookup);
    switch (decision.kind) {
      case 'reject':
        outcomes.push({ ok: false, error: decision.error });
        return;
      case 'noop':
        outcomes.push({ requestIndex, nextRevision: current, appended: 0, refs: decision.existing });
        return;
      case 'write': {
        let revision = current;
        const refs: EventRef[] = [...decision.existing];
        for (const event of decision.toWrite) {
          revision += 1n;
          rows.push({
            n: rows.length,
            stream_id: streamId,
            revision: revision.toString(),
            event_id: event.id,
            type: event.type,
            data: event.data,
            metadata: event.metadata,
          });
          let canonical: string | undefined;
          const ref = { plannedId: event.id };
          planned.set(event.id, {
            streamId,
            type: event.type,
            canonicalData: () => (canonical ??= canonicalJson(event.data)),
            ref,
          });
          refs.push(ref);
        }
        revisions.set(streamId, revision);
        const tail = refs.length > 0 ? refs[refs.length - 1] : lastRef.get(streamId);
        if (refs.length > 0) lastRef.set(streamId, refs[refs.length - 1]!);
        outcomes.push({
          requestIndex,
          nextRevision: revision,
          appended: decision.toWrite.length,
          refs: refs.length > 0 ? refs : tail ? [tail] : [],
        });
        return;
      }
    }
  });

  const written = new Map<string, Position>();
  if (rows.length > 0) {
    const bumps = [...new Set(rows.map((r) => r.stream_id))].map((streamId) => ({
      stream_id: streamId,
      revision: revisions.get(streamId)!.toString(),
    }));
    // One statement for all rows of the batch. ORDER BY n makes the sequence follow call order,
    // which is what keeps each stream's events in revision order in the global order.
    const inserted = await client.query<{ event_id: string; commit: string; prepare: string }>(
      preparedQuery(
        `WITH input AS (
         SELECT * FROM json_to_recordset($1::json)
           AS r(n int, stream_id text, revision bigint, event_id uuid, type text, data jsonb, metadata jsonb)
       ), inserted AS (
         INSERT INTO ${t.events} (stream_id, revision, event_id, type, data, metadata)
         SELECT stream_id, revision, event_id, type, data, metadata FROM input ORDER BY n
         RETURNING event_id, transaction_id, sequence
       ), bumped AS (
         UPDATE ${t.streams} AS s SET revision = b.revision
         FROM json_to_recordset($2::json) AS b(stream_id text, revision bigint)
         WHERE s.stream_id = b.stream_id
       )
       SELECT event_id::text AS event_id, transaction_id::text AS commit, sequence::text AS prepare FROM inserted`,
        [JSON.stringify(rows), JSON.stringify(bumps)],
      ),
    );
    for (const row of inserted.rows) written.set(row.event_id, toPosition(row.commit, row.prepare));
  }

  const positionOf = (ref: EventRef): Position =>
    'position' in ref ? ref.position : written.get(ref.plannedId)!;
  return outcomes.map((outcome) => {
    if (!('requestIndex' in outcome)) return outcome;
    const position = outcome.refs
      .map(positionOf)
      .reduce((max, p) => (comparePositions(p, max) > 0 ? p : max), START);
    return { ok: true, result: { nextRevision: outcome.nextRevision, appended: outcome.appended, position } };
  });
}
