export { createApiApp, type CreateApiAppOptions } from './api.app';
export { ApiErrorCode } from './problems/api-error-code';
