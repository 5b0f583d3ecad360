/** Narrowing helpers for untrusted JSON: each returns undefined rather than throwing. */

export type JsonRecord = Readonly<Record<string, unknown>>;

export function asRecord(value: unknown): JsonRecord | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as JsonRecord)
    : undefined;
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A trimmed, non-empty string; numbers are accepted as their decimal text. */
export function asText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return String(value);
  }
  if (typeof value !== 'string') {
    return undefined;
  }
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return value;
  }
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return undefined;
}

export type ParsedJson =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

/** Decodes UTF-8 (a byte order mark is dropped) and parses JSON. */
export function parseJsonBytes(raw: Uint8Array): ParsedJson {
  const text = decodeUtf8(raw);
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error: unknown) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

export function decodeUtf8(raw: Uint8Array): string {
  return new TextDecoder('utf-8', { ignoreBOM: false }).decode(raw);
}

/** A place in a JSON document: `a.b[2].c`. */
export function jsonPlace(base: string, ...steps: readonly (string | number)[]): string {
  return steps.reduce<string>(
    (place, step) =>
      typeof step === 'number' ? `${place}[${step}]` : place === '' ? step : `${place}.${step}`,
    base,
  );
}
