const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** A schema or table name checked to be a plain lower-case identifier, so it can be spliced into SQL. */
export function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new RangeError(`not a plain SQL identifier: ${JSON.stringify(name)}`);
  return name;
}

/** `<name>_rows`, every character of the name outside `[a-z0-9_]` turned into `_`. */
export function rowsTableName(name: string): string {
  return identifier(`${name.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_rows`);
}

/**
 * One keyset page of a query table: `columns` of `table`, rows matching every condition whose
 * value is given (`undefined` leaves it out), ordered by `orderBy`, at most `limit` rows. The
 * conditions name their comparison (`status =`, `id >`); values always travel as parameters.
 */
export function keysetPage(
  table: string,
  columns: string,
  conditions: readonly (readonly [sql: string, value: unknown])[],
  orderBy: string,
  limit: number,
): { text: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  for (const [sql, value] of conditions) {
    if (value === undefined) continue;
    values.push(value);
    where.push(`${sql} $${values.length}`);
  }
  values.push(limit);
  return {
    text: `SELECT ${columns} FROM ${table}
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY ${orderBy}
     LIMIT $${values.length}`,
    values,
  };
}
