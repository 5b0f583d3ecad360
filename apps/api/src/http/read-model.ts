import { ApiError, ApiErrorCode } from '../problems/api-error';

/** PostgreSQL's `undefined_table`. */
const UNDEFINED_TABLE = '42P01';

/**
 * Runs a read-model query; when the table is not there yet (no runner of that projection has
 * started on this database), the list is not available rather than broken: a 503, not a 500.
 */
export async function fromReadModel<T>(name: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if ((error as { code?: unknown }).code === UNDEFINED_TABLE) {
      throw new ApiError(ApiErrorCode.Unavailable, `the ${name} read model is not built yet`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** A cursor key of a list keyed by text: any non-empty string of reasonable length. */
export function isTextKey(key: string): boolean {
  return key.length > 0 && key.length <= 512;
}
