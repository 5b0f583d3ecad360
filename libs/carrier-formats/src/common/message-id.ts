import { createHash } from 'node:crypto';

/** Contract v1 §2: a messageId is 1–128 characters. */
export const MAX_MESSAGE_ID_LENGTH = 128;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * `readable` when it fits in 128 characters, else `<prefix>:sha256:<hex>` of it, so that the same
 * source key always yields the same id and a long key never breaks the limit.
 */
export function boundedMessageId(prefix: string, readable: string): string {
  return readable.length <= MAX_MESSAGE_ID_LENGTH ? readable : `${prefix}:sha256:${sha256Hex(readable)}`;
}

/** `<prefix>:<sha256 hex>` of the parts, joined by a separator that cannot occur in them. */
export function hashedMessageId(prefix: string, parts: readonly string[]): string {
  return `${prefix}:${sha256Hex(parts.join('\u001f'))}`;
}

/** JSON with object keys sorted at every level: the same content always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
