import { Inject, Injectable } from '@nestjs/common';
import { comparePositions, type EventStore, type Position, START } from '@waybill/event-store';
import {
  READ_MODELS,
  readCheckpoints,
  type ReadModelDefinition,
  type Rebuild,
  Rebuilds,
  rowsTableName,
  type StoredCheckpoint,
} from '@waybill/read-models';
import type { Pool } from 'pg';
import { EVENT_STORE, PG_POOL, READ_MODELS_SCHEMA_NAME } from '../api.tokens';
import type { ActiveRebuildDto, ProjectionDto, ProjectionStatus } from './projections.dto';

/**
 * `GET /v1/projections` and the rebuild routes: the read models' checkpoints as the runners of
 * `apps/processor` store them, their lag behind the log, and the rebuild requests of `Rebuilds`,
 * which a processor with the `read-models` role picks up and runs.
 */
@Injectable()
export class ProjectionsService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS_SCHEMA_NAME) private readonly schema: string,
    private readonly rebuilds: Rebuilds,
  ) {}

  async list(now = new Date()): Promise<ProjectionDto[]> {
    // None before a runner has made the table: every read model is then not started.
    const stored = await readCheckpoints(this.pool, this.schema);
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
    stored: ReadonlyMap<string, StoredCheckpoint>,
    now: Date,
  ): Promise<ProjectionDto> {
    const { name, version } = definition.projection;
    const row = stored.get(rowsTableName(name));
    const position = row?.position;
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
      checkpoint: row?.positionText ?? null,
      lagEvents,
      lagSeconds: first === undefined ? 0 : Math.max(0, (now.getTime() - first.recordedAt.getTime()) / 1000),
      rebuild: active === undefined ? null : toActiveRebuild(active),
    };
  }
}

function statusOf(
  row: StoredCheckpoint | undefined,
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
