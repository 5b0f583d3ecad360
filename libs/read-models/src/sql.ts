const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** A schema or table name checked to be a plain lower-case identifier, so it can be spliced into SQL. */
export function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new RangeError(`not a plain SQL identifier: ${JSON.stringify(name)}`);
  return name;
}

/** `<name>_v<version>` with every character outside `[a-z0-9_]` turned into `_`. */
export function rowsTableName(name: string, version: number): string {
  return identifier(`${name.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_v${version}`);
}
