/**
 * The API's error codes: the one enum that every failure the API reports is reduced to, and the
 * one table that gives each its HTTP status and its stable problem `type` (STYLE §7).
 */
export enum ApiErrorCode {
  InvalidRequest = 'invalid_request',
  InvalidCursor = 'invalid_cursor',
  Unauthorized = 'unauthorized',
  Forbidden = 'forbidden',
  NotFound = 'not_found',
  MethodNotAllowed = 'method_not_allowed',
  Conflict = 'conflict',
  PayloadTooLarge = 'payload_too_large',
  UnsupportedMediaType = 'unsupported_media_type',
  TooManyRequests = 'too_many_requests',
  Unavailable = 'unavailable',
  Internal = 'internal',
}

export interface ProblemKind {
  readonly status: number;
  readonly title: string;
  /** Last segment of the problem `type` URI; part of the contract, never rename one. */
  readonly slug: string;
}

export const PROBLEM_TYPE_BASE = 'https://waybill.dev/problems/';

export const PROBLEM_KINDS: Readonly<Record<ApiErrorCode, ProblemKind>> = {
  [ApiErrorCode.InvalidRequest]: { status: 400, title: 'Invalid request', slug: 'invalid-request' },
  [ApiErrorCode.InvalidCursor]: { status: 400, title: 'Invalid cursor', slug: 'invalid-cursor' },
  [ApiErrorCode.Unauthorized]: { status: 401, title: 'Unauthorized', slug: 'unauthorized' },
  [ApiErrorCode.Forbidden]: { status: 403, title: 'Forbidden', slug: 'forbidden' },
  [ApiErrorCode.NotFound]: { status: 404, title: 'Not found', slug: 'not-found' },
  [ApiErrorCode.MethodNotAllowed]: { status: 405, title: 'Method not allowed', slug: 'method-not-allowed' },
  [ApiErrorCode.Conflict]: { status: 409, title: 'Conflict', slug: 'conflict' },
  [ApiErrorCode.PayloadTooLarge]: { status: 413, title: 'Payload too large', slug: 'payload-too-large' },
  [ApiErrorCode.UnsupportedMediaType]: {
    status: 415,
    title: 'Unsupported media type',
    slug: 'unsupported-media-type',
  },
  [ApiErrorCode.TooManyRequests]: { status: 429, title: 'Too many requests', slug: 'too-many-requests' },
  [ApiErrorCode.Unavailable]: { status: 503, title: 'Service unavailable', slug: 'unavailable' },
  [ApiErrorCode.Internal]: { status: 500, title: 'Internal error', slug: 'internal-error' },
};

export function problemType(code: ApiErrorCode): string {
  return PROBLEM_TYPE_BASE + PROBLEM_KINDS[code].slug;
}

/** The code a bare HTTP status stands for, when a framework reports nothing more specific. */
export function codeForStatus(status: number): ApiErrorCode {
  switch (status) {
    case 400:
      return ApiErrorCode.InvalidRequest;
    case 401:
      return ApiErrorCode.Unauthorized;
    case 403:
      return ApiErrorCode.Forbidden;
    case 404:
      return ApiErrorCode.NotFound;
    case 405:
      return ApiErrorCode.MethodNotAllowed;
    case 409:
      return ApiErrorCode.Conflict;
    case 413:
      return ApiErrorCode.PayloadTooLarge;
    case 415:
      return ApiErrorCode.UnsupportedMediaType;
    case 429:
      return ApiErrorCode.TooManyRequests;
    case 502:
    case 503:
    case 504:
      return ApiErrorCode.Unavailable;
    default:
      return status >= 400 && status < 500 ? ApiErrorCode.InvalidRequest : ApiErrorCode.Internal;
  }
}
