import { Inject, Injectable } from '@nestjs/common';
import type { ParkedStatus } from '@waybill/parking';
import { type ExceptionQueueItem, parkedMessageRow, type ParkedMessageInput } from '@waybill/projections';
import { readExceptionQueue } from '@waybill/read-models';
import type { Pool } from 'pg';
import { PARKED_SCHEMA, PG_POOL, READ_MODELS_SCHEMA_NAME } from '../api.tokens';
import { decodeCursor, type Page, toPage } from '../http/cursor';
import { fromReadModel, isTextKey } from '../http/read-model';
import type { ExceptionsQueryDto } from './exceptions.dto';

const EXCEPTIONS_CURSOR = 'exceptions';

interface ParkedColumns {
  id: string;
  subject: string;
  reason: string;
  explanation: string;
  message_id: string | null;
  shipment_id: string | null;
  received_at: Date;
  status: ParkedStatus;
  status_changed_at: Date | null;
}

/**
 * `GET /v1/exceptions`: the exception-queue read model (holds and exceptions, from the log) and
 * the parked messages (not in the log), merged in one keyset order by item id.
 *
 * Each source is asked for its first `limit + 1` items after the cursor in that order, so the
 * first `limit + 1` of the merge are the first of the union: the cursor is simply the last id.
 */
@Injectable()
export class ExceptionsService {
  private readonly parkedTable: string;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(READ_MODELS_SCHEMA_NAME) private readonly schema: string,
    @Inject(PARKED_SCHEMA) parkedSchema: string,
  ) {
    this.parkedTable = `"${parkedSchema.replaceAll('"', '""')}".parked_messages`;
  }

  async list(query: ExceptionsQueryDto): Promise<Page<ExceptionQueueItem>> {
    const afterId =
      query.cursor === undefined ? undefined : decodeCursor(EXCEPTIONS_CURSOR, query.cursor, isTextKey);
    const [logged, parked] = await Promise.all([
      query.kind === 'parked' ? [] : this.readLogged(query, afterId),
      query.kind !== undefined && query.kind !== 'parked' ? [] : this.readParked(query, afterId),
    ]);
    const merged = [...logged, ...parked].sort((a, b) => compareCodePoints(a.id, b.id));
    return toPage(
      merged,
      query.limit,
      EXCEPTIONS_CURSOR,
      (item) => item.id,
      (item) => item,
    );
  }

  private readLogged(query: ExceptionsQueryDto, afterId: string | undefined): Promise<ExceptionQueueItem[]> {
    return fromReadModel('exception-queue', () =>
      readExceptionQueue(this.pool, this.schema, {
        limit: query.limit + 1,
        ...(query.status === undefined ? {} : { status: query.status }),
        ...(query.owner === undefined ? {} : { owner: query.owner }),
        ...(query.kind === undefined ? {} : { kind: query.kind }),
        ...(query.shipmentId === undefined ? {} : { shipmentId: query.shipmentId }),
        ...(afterId === undefined ? {} : { afterId }),
      }),
    );
  }

  /**
   * Parked messages in the order of their item id `parked:<id>`, which is text order, not the
   * numeric order of `ParkedMessageStore.list` (`parked:10` < `parked:9`), and filtered by
   * shipment, which that method cannot do: hence SQL of its own on the store's table, without the
   * raw bytes and headers the queue does not show.
   */
  private async readParked(
    query: ExceptionsQueryDto,
    afterId: string | undefined,
  ): Promise<ExceptionQueueItem[]> {
    // Every parked message is operations'.
    if (query.owner !== undefined && query.owner !== 'operations') return [];
    const itemId = `('parked:' || id::text) COLLATE "C"`;
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status === 'open') where.push(`status = 'parked'`);
    if (query.status === 'resolved') where.push(`status <> 'parked'`);
    if (query.shipmentId !== undefined) where.push(`shipment_id = $${params.push(query.shipmentId)}`);
    if (afterId !== undefined) where.push(`${itemId} > $${params.push(afterId)}`);
    const result = await this.pool.query<ParkedColumns>(
      `SELECT id::text AS id, subject, reason, explanation, message_id, shipment_id, received_at, status,
         status_changed_at
       FROM ${this.parkedTable}
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${itemId}
       LIMIT $${params.push(query.limit + 1)}`,
      params,
    );
    return result.rows.map((row) => parkedMessageRow(toParkedInput(row)));
  }
}

function toParkedInput(row: ParkedColumns): ParkedMessageInput {
  return {
    id: row.id,
    subject: row.subject,
    reason: row.reason,
    explanation: row.explanation,
    messageId: row.message_id,
    shipmentId: row.shipment_id,
    receivedAt: row.received_at,
    status: row.status,
    statusChangedAt: row.status_changed_at,
  };
}

/** The order of PostgreSQL's `C` collation, which the read-model keys use: UTF-8 bytes, i.e. code points. */
export function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
