/** Injection tokens for what has no class of its own to inject by (interfaces, pg's Pool, config). */
export const WAYBILL_CONFIG = Symbol('WAYBILL_CONFIG');
export const PG_POOL = Symbol('PG_POOL');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const API_LOGGER = Symbol('API_LOGGER');
/** Schema of the read-model query tables (`billable_shipments`, `exception_queue`). */
export const READ_MODELS_SCHEMA_NAME = Symbol('READ_MODELS_SCHEMA_NAME');
/** Schema of the parked-message table. */
export const PARKED_SCHEMA = Symbol('PARKED_SCHEMA');
