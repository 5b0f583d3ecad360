import { ApiError, ApiErrorCode } from '../problems/api-error';

/**
 * Cursors are opaque to clients: base64url of `[scope, key]`, where the key is the last item's
 * sort key. The scope stops a cursor of one list from being used on another.
 */
export function encodeCursor(scope: string, key: string): string {
  return Buffer.from(JSON.stringify([scope, key]), 'utf8').toString('base64url');
}

/** The key a cursor holds; a 400 problem when it is not a cursor of this list or `valid` rejects the key. */
export function decodeCursor(scope: string, cursor: string, valid: (key: string) => boolean): string {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (
    Array.isArray(decoded) &&
    decoded.length === 2 &&
    decoded[0] === scope &&
    typeof decoded[1] === 'string' &&
    valid(decoded[1])
  ) {
    return decoded[1];
  }
  throw new ApiError(ApiErrorCode.InvalidCursor, 'the cursor is not one this list returned');
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

/**
 * A page from `limit + 1` fetched rows: the extra row only tells that there is a next page, so
 * the last page never ends with a cursor to an empty one.
 */
export function toPage<Row, Item>(
  rows: readonly Row[],
  limit: number,
  scope: string,
  keyOf: (row: Row) => string,
  toItem: (row: Row) => Item,
): Page<Item> {
  const pageRows = rows.slice(0, limit);
  const last = pageRows.at(-1);
  return {
    items: pageRows.map(toItem),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(scope, keyOf(last)) : null,
  };
}
