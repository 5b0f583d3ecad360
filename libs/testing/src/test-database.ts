import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ensureDatabase } from '@waybill/platform';

const BASE = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A fresh, empty database per test file: tests never see each other's rows. With `keep`, the
 * database is named after `label` alone, made only if missing, and `drop` leaves it: a bench
 * reuses what an earlier run wrote into it (drop it by hand when done).
 */
export async function createTestDatabase(
  label: string,
  options: { readonly keep?: boolean } = {},
): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = `waybill_t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}`;
  const name = options.keep ? base : `${base}_${randomBytes(4).toString('hex')}`;
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  await ensureDatabase(url.toString());
  return {
    url: url.toString(),
    drop: async () => {
      if (options.keep) return;
      const admin = new URL(BASE);
      admin.pathname = '/postgres';
      const client = new Client({ connectionString: admin.toString() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
