/** A value JSON can hold as is. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

// Tagged objects: `{ "$type": <tag>, "value": … }`. A plain object that itself owns a `$type` key is
// escaped as `Object`, so no stored object is ever mistaken for a tag.
const TAG = '$type';

/**
 * Encodes a read-model row as plain JSON: `Map`, `Set`, `bigint` and `Date` become tagged objects
 * that `decodeJson` turns back into the same values. `undefined` object properties are left out,
 * as `JSON.stringify` does; a number JSON cannot hold, a function or a symbol throws.
 * `stringifyJson` is the one implementation; this is its text parsed, for callers that want the
 * tree.
 */
export function encodeJson(value: unknown): JsonValue {
  return JSON.parse(stringifyJson(value)) as JsonValue;
}

/** The inverse of `encodeJson`: plain JSON (e.g. a `jsonb` column as `pg` returns it) back to the row. */
export function decodeJson(json: unknown): unknown {
  if (json === null || typeof json !== 'object') return json;
  if (Array.isArray(json)) return json.map(decodeJson);
  const object = json as { [key: string]: unknown };
  if (Object.hasOwn(object, TAG)) return decodeTagged(object[TAG], object.value);
  return decodeEntries(object);
}

function decodeEntries(object: { [key: string]: unknown }): { [key: string]: unknown } {
  const decoded: { [key: string]: unknown } = {};
  for (const [k, v] of Object.entries(object)) setOwn(decoded, k, decodeJson(v));
  return decoded;
}

function decodeTagged(tag: unknown, value: unknown): unknown {
  switch (tag) {
    case 'BigInt':
      return BigInt(value as string);
    case 'Date':
      return new Date(value as string);
    case 'Map':
      return new Map((value as [unknown, unknown][]).map(([k, v]) => [decodeJson(k), decodeJson(v)]));
    case 'Set':
      return new Set((value as unknown[]).map(decodeJson));
    case 'Object':
      return decodeEntries(value as { [key: string]: unknown });
    default:
      throw new TypeError(`unknown tag ${JSON.stringify(tag)} in stored JSON`);
  }
}

/**
 * A read-model row as JSON text, for a text, json or jsonb column (see `encodeJson` for the
 * format). The row is copied with its `Map`, `Set`, `bigint` and `Date` values tagged, then
 * stringified with no replacer: V8's JSON.stringify is fastest without one. Measured on 20,000
 * stored shipment rows of 2 KB, 15% less time than one pass with a replacer (which calls back into
 * JavaScript for every value), with the same text. Rows are plain data; a boxed primitive
 * (`new Number(1)`) is written as the object it is, and a cycle overflows the stack.
 */
export function stringifyJson(value: unknown): string {
  return JSON.stringify(tagged(value)) ?? 'null';
}

/** The value with every `Map`, `Set`, `bigint`, `Date` and `$type`-owning object as a tag. */
function tagged(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot encode the number ${value}`);
      return value;
    case 'bigint':
      return { [TAG]: 'BigInt', value: value.toString() };
    case 'function':
    case 'symbol':
      throw new TypeError(`cannot encode a ${typeof value}`);
    case 'object':
      break;
  }
  if (value === null) return null;
  if (Array.isArray(value)) {
    const items: unknown[] = new Array(value.length);
    // An undefined element becomes null, as JSON.stringify writes it.
    for (let i = 0; i < value.length; i++) items[i] = tagged(value[i]) ?? null;
    return items;
  }
  if (value instanceof Date) return { [TAG]: 'Date', value: value.toISOString() };
  if (value instanceof Map) return { [TAG]: 'Map', value: tagged([...value]) };
  if (value instanceof Set) return { [TAG]: 'Set', value: tagged([...value]) };
  const object: { [key: string]: unknown } = {};
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const item = tagged((value as { [key: string]: unknown })[key]);
    // Left out, as JSON.stringify leaves out an undefined property. Inline rather than `setOwn`:
    // this runs for every property of every row a rebuild writes.
    if (item === undefined) continue;
    if (key === '__proto__') defineOwn(object, key, item);
    else object[key] = item;
  }
  return Object.hasOwn(value, TAG) ? { [TAG]: 'Object', value: object } : object;
}

/** The inverse of `stringifyJson`. */
export function parseJson(text: string): unknown {
  return decodeJson(JSON.parse(text));
}

/** `object[key] = value`, except that an own `__proto__` key stays data instead of setting the prototype. */
function setOwn(object: { [key: string]: unknown }, key: string, value: unknown): void {
  if (key === '__proto__') defineOwn(object, key, value);
  else object[key] = value;
}

/** An own, enumerable data property, whatever its name. */
function defineOwn(object: { [key: string]: unknown }, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}
