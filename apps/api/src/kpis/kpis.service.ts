import { Inject, Injectable } from '@nestjs/common';
import { IngestCounts, ParkedMessageStore } from '@waybill/parking';
import {
  type CarrierScorecard,
  computeCarrierScorecard,
  computeKpis,
  hourOverlaps,
  type Kpis,
} from '@waybill/projections';
import { readEventLatencyHours, readKpiFacts } from '@waybill/read-models';
import type { Pool } from 'pg';
import { PARKED_SCHEMA, PG_POOL, READ_MODELS_SCHEMA_NAME } from '../api.tokens';
import { fromReadModel } from '../http/read-model';
import { ApiError, ApiErrorCode } from '../problems/api-error';
import type { KpiWindowQueryDto } from './kpis.dto';

const DAY_MS = 24 * 3_600_000;

export interface KpiWindow {
  readonly from: Date;
  readonly to: Date;
}

/** [from, to) of the query: `to` defaults to now, `from` to 24 h before `to`; a 400 unless from < to. */
export function kpiWindow(query: KpiWindowQueryDto, now: Date): KpiWindow {
  const to = query.to ?? now;
  const from = query.from ?? new Date(to.getTime() - DAY_MS);
  if (from.getTime() >= to.getTime()) {
    throw new ApiError(ApiErrorCode.InvalidRequest, 'from must be earlier than to', {
      extensions: { errors: [{ field: 'from', messages: ['from must be earlier than to'] }] },
    });
  }
  return { from, to };
}

/**
 * `GET /v1/kpis` and `GET /v1/carriers/scorecard`, computed at query time by the pure functions
 * of `@waybill/projections` over the KPI read models (`kpi_facts`, the event-latency hours) and the
 * parked messages.
 */
@Injectable()
export class KpisService {
  private ingestCounts: IngestCounts | undefined;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(READ_MODELS_SCHEMA_NAME) private readonly schema: string,
    @Inject(PARKED_SCHEMA) private readonly parkedSchema: string,
    private readonly parked: ParkedMessageStore,
  ) {}

  async kpis({ from, to }: KpiWindow, now: Date): Promise<Kpis> {
    const [facts, latencyHours, parkedByReason, counted] = await Promise.all([
      fromReadModel('kpi-facts', () => readKpiFacts(this.pool, this.schema, { window: { from, to } })),
      fromReadModel('event-latency', () => readEventLatencyHours(this.pool, this.schema, from, to)),
      this.parked.countReceivedByReason(from, to),
      this.countIngest(from, to),
    ]);
    // Without the ingest side's counts, the exact duplicates it dropped are unknown (0), and the
    // messages are the ones recorded plus the ones parked.
    const { exactDuplicates, messages } = counted ?? {
      exactDuplicates: 0,
      messages:
        latencyHours
          .filter((row) => hourOverlaps(row.hour, from, to))
          .reduce((sum, row) => sum + row.reports, 0) +
        Object.values(parkedByReason).reduce((sum, n) => sum + n, 0),
    };
    return computeKpis({ from, to, now, facts, latencyHours, exactDuplicates, messages, parkedByReason });
  }

  /**
   * The ingest side's counts of messages by outcome (`IngestCounts` of `@waybill/parking`, in the
   * parked messages' schema), over the hours overlapping the window; `undefined` when no processor
   * keeps them on this database. The API does not create the table: an empty one would read as
   * "no messages".
   */
  private async countIngest(
    from: Date,
    to: Date,
  ): Promise<{ exactDuplicates: number; messages: number } | undefined> {
    if (this.ingestCounts === undefined) {
      const table = `"${this.parkedSchema.replaceAll('"', '""')}".ingest_counts`;
      const exists = await this.pool.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
        table,
      ]);
      if (exists.rows[0]?.t === null || exists.rows[0]?.t === undefined) return undefined;
      this.ingestCounts = await IngestCounts.create(this.pool, { schema: this.parkedSchema });
    }
    const totals = await this.ingestCounts.totals(from, to);
    return {
      exactDuplicates: totals.duplicate,
      messages: totals.appended + totals.duplicate + totals.parked,
    };
  }

  async carrierScorecard({ from, to }: KpiWindow): Promise<CarrierScorecard[]> {
    const facts = await fromReadModel('kpi-facts', () =>
      readKpiFacts(this.pool, this.schema, { window: { from, to } }),
    );
    return computeCarrierScorecard({ from, to, facts });
  }
}
