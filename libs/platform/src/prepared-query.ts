import { createHash } from 'node:crypto';
import type { QueryConfig } from 'pg';

const names = new Map<string, string>();

/**
 * A query that node-postgres prepares once per connection and then only binds and executes: the
 * server parses and plans it once instead of on every call. For statements of fixed text run
 * again and again (the event store's appends and reads, the ingest ledger). Named by a hash of the text, so the same
 * text always gets the same name and two texts never share one.
 *
 * Only for tables that are never swapped or dropped under a running process (the event store's,
 * the ingest ledger): read-model tables are moved between schemas by rebuilds.
 */
export function preparedQuery(text: string, values: unknown[]): QueryConfig<unknown[]> {
  let name = names.get(text);
  if (name === undefined) {
    name = `waybill_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return { name, text, values };
}
