import { v5 as uuidv5 } from 'uuid';

/** Fixed namespace so that the same input yields the same id on every machine, forever. */
export const WAYBILL_ID_NAMESPACE = '6f1d5c8e-3b0a-4c7e-9a52-0d7b2e4f8a31';

/** Deterministic (name-based, RFC 9562 version 5) id for any Waybill-derived identifier. */
export function deterministicId(name: string): string {
  return uuidv5(name, WAYBILL_ID_NAMESPACE);
}

/**
 * The id of the `index`-th event recorded for ingest message `messageId`. Deterministic, so a
 * redelivered message produces the same ids and the append is a no-op.
 */
export function eventIdFor(messageId: string, index: number): string {
  return deterministicId(`message:${messageId}#${index}`);
}
