/** Injection tokens of the processor's infrastructure (values that are not classes). */
export const CONFIG = Symbol('WAYBILL_CONFIG');
export const PG_POOL = Symbol('PG_POOL');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const NATS = Symbol('NATS');
export const LOGGER = Symbol('LOGGER');
