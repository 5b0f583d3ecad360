import { ApiErrorCode } from './api-error-code';

/** A failure the API reports as a problem; `extensions` become extra members of the problem body. */
export class ApiError extends Error {
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(
    readonly code: ApiErrorCode,
    /** Human-readable and specific to this occurrence: becomes the problem's `detail`. */
    readonly detail: string,
    options: { cause?: unknown; extensions?: Record<string, unknown> } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'ApiError';
    this.extensions = options.extensions ?? {};
  }
}

export { ApiErrorCode };
