import { Inject, Injectable } from '@nestjs/common';
import { comparePositions, type EventStore, parsePosition, type Position, START } from '@waybill/event-store';
import {
  READ_MODELS,
  type ReadModelDefinition,
  type Rebuild,
  Rebuilds,
  rowsTableName,
} from '@waybill/read-models';
import type { Pool } from 'pg';
import { EVENT_STORE, PG_POOL, READ_MODELS_SCHEMA_NAME } from '../api.tokens';
import type { ActiveRebuildDto, ProjectionDto, ProjectionStatus } from './projections.dto';

interface CheckpointColumns {
  name: string;
  position: string;
  version: number;
}

/** PostgreSQL's `undefined_table`. */
const UNDEFINED_TABLE = '42P01';

/**
 * `GET /v1/projections` and the rebuild routes: the read models' checkpoints as the runners of
 * `apps/processor` store them, their lag behind the log, and the rebuild requests of `Rebuilds`,
 * which a processor with the `read-models` role picks up and runs.
 */
@Injectable()
export class ProjectionsService {
  private readonly checkpoints: string;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS_SCHEMA_NAME) schema: string,
    private readonly rebuilds: Rebuilds,
  ) {
    this.checkpoints = `"${schema.replaceAll('"', '""')}".projection_checkpoints`;
  }

  async list(now = new Date()): Promise<ProjectionDto[]> {
    const stored = await this.readCheckpoints();
    return Promise.all(READ_MODELS.map((definition) => this.describe(definition, stored, now)));
  }

  async requestRebuild(name: string, dryRun: boolean, requestedBy: string): Promise<Rebuild> {
    return this.rebuilds.request(name, { dryRun, requestedBy });
  }

  async rebuild(name: string, rebuildId: string): Promise<Rebuild> {
    return this.rebuilds.get(name, rebuildId);
  }

  private async describe(
    definition: ReadModelDefinition,
    stored: ReadonlyMap<string, CheckpointColumns>,
    now: Date,
  ): Promise<ProjectionDto> {
    const { name, version } = definition.projection;
    const row = stored.get(rowsTableName(name));
    const position = row === undefined ? undefined : parsePosition(row.position);
    // The runner writes its row at the start position first; the log begins after it.
    const after = position === undefined || comparePositions(position, START) === 0 ? undefined : position;
    const streamPrefixes = definition.streamPrefixes;
    const [active, lagEvents, next] = await Promise.all([
      this.rebuilds.active(name),
      this.store.countEventsAfter
        ? this.store.countEventsAfter(after ?? START, { streamPrefixes })
        : Promise.resolve(null),
      this.store.readAll({ ...(after === undefined ? {} : { after }), maxCount: 1, streamPrefixes }),
    ]);
    const first = next[0];
    return {
      name,
      status: statusOf(row, position, version, active),
      checkpoint: row?.position ?? null,
      lagEvents,
      lagSeconds: first === undefined ? 0 : Math.max(0, (now.getTime() - first.recordedAt.getTime()) / 1000),
      rebuild: active === undefined ? null : toActiveRebuild(active),
    };
  }

  private async readCheckpoints(): Promise<Map<string, CheckpointColumns>> {
    try {
      const result = await this.pool.query<CheckpointColumns>(
        `SELECT name, position, version FROM ${this.checkpoints}`,
      );
      return new Map(result.rows.map((row) => [row.name, row]));
    } catch (error) {
      // No runner has ever started on this database: every read model is not started.
      if ((error as { code?: unknown }).code === UNDEFINED_TABLE) return new Map();
      throw error;
    }
  }
}

function statusOf(
  row: CheckpointColumns | undefined,
  position: Position | undefined,
  version: number,
  active: Rebuild | undefined,
): ProjectionStatus {
  if (active !== undefined) return 'rebuilding';
  if (row === undefined || position === undefined) return 'not_started';
  // Rows of another version are served as they are until a rebuild swaps; an empty read model
  // simply starts at this version (as `ProjectionRunner` decides).
  if (row.version !== version && comparePositions(position, START) !== 0) return 'outdated';
  return 'live';
}

function toActiveRebuild(rebuild: Rebuild): ActiveRebuildDto {
  return {
    rebuildId: rebuild.rebuildId,
    status: rebuild.status,
    progress: rebuild.progress?.progress ?? null,
    eventsPerSecond: rebuild.progress?.eventsPerSecond ?? 0,
    etaSeconds: rebuild.progress?.etaSeconds ?? null,
  };
}
