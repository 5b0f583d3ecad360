import { Pool } from 'pg';
import { createTestDatabase } from '@waybill/testing';
import { IngestCounts } from './ingest-counts';

describe('ingest counts', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase('ingest_counts');
    pool = new Pool({ connectionString: database.url });
  });

  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  it('when messages are counted in two hours and by two writers, then totals add them up per outcome for the hours asked', async () => {
    const a = await IngestCounts.create(pool, { flushEveryMs: 10 });
    const b = await IngestCounts.create(pool, { flushEveryMs: 10 });
    for (let i = 0; i < 5; i++) a.add('appended', new Date('2026-11-26T10:15:00Z'));
    a.add('duplicate', new Date('2026-11-26T10:59:59Z'));
    b.add('duplicate', new Date('2026-11-26T10:00:00Z'));
    b.add('parked', new Date('2026-11-26T11:30:00Z'));
    b.add('appended', new Date('2026-11-26T12:00:00Z'));
    await a.stop();
    await b.stop();
    expect(await a.totals(new Date('2026-11-26T10:30:00Z'), new Date('2026-11-26T11:45:00Z'))).toEqual({
      appended: 5,
      duplicate: 2,
      parked: 1,
    });
    expect(await a.totals(new Date('2026-11-26T12:00:00Z'), new Date('2026-11-26T13:00:00Z'))).toEqual({
      appended: 1,
      duplicate: 0,
      parked: 0,
    });
  });

  it('when the database refuses a write, then the counts are kept and written by the next flush', async () => {
    const errors: unknown[] = [];
    const counts = await IngestCounts.create(pool, {
      schema: 'counts_retry',
      onError: (e) => errors.push(e),
      flushEveryMs: 60_000,
    });
    counts.add('parked', new Date('2026-11-26T09:10:00Z'));
    await pool.query('ALTER TABLE counts_retry.ingest_counts RENAME TO ingest_counts_away');
    await counts.flush();
    expect(errors).toHaveLength(1);
    await pool.query('ALTER TABLE counts_retry.ingest_counts_away RENAME TO ingest_counts');
    await counts.stop();
    expect(await counts.totals(new Date('2026-11-26T09:00:00Z'), new Date('2026-11-26T10:00:00Z'))).toEqual({
      appended: 0,
      duplicate: 0,
      parked: 1,
    });
  });
});
