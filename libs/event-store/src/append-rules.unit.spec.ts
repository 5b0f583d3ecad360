import {
  canonicalJson,
  decideAppend,
  type ExistingEvent,
  NO_STREAM_REVISION,
  validateAppend,
} from './append-rules';
import { EventIdConflictError, WrongExpectedRevisionError } from './errors';
import { type NewEvent } from './event-store.port';

const METADATA = { correlationId: 'c', causationId: 'c', occurredAt: '2025-03-01T10:00:00Z', source: 'test' };
const ID_A = '0b6ad2f4-3c1e-5f7a-9d2b-1e4c6a8b0d2f';
const ID_B = '1c7be305-4d2f-5a8b-8e3c-2f5d7b9c1e30';

const event = (id: string, data: unknown = { n: 1 }, type = 'Tested'): NewEvent => ({
  id,
  type,
  data,
  metadata: METADATA,
});

function stored(streamId: string, e: NewEvent, ref = 'stored'): ExistingEvent<string> {
  return { streamId, type: e.type, canonicalData: () => canonicalJson(e.data), ref };
}

describe('decideAppend', () => {
  it('when no event is stored yet and the revision matches, then every event is to be written', () => {
    const decision = decideAppend(
      's',
      [event(ID_A), event(ID_B)],
      'no_stream',
      NO_STREAM_REVISION,
      () => undefined,
    );
    expect(decision).toEqual({ kind: 'write', toWrite: [event(ID_A), event(ID_B)], existing: [] });
  });

  it('when every event is already stored in the stream, then it is a no-op whatever the expected revision', () => {
    const decision = decideAppend('s', [event(ID_A)], 'no_stream', 7n, (id) =>
      id === ID_A ? stored('s', event(ID_A)) : undefined,
    );
    expect(decision).toEqual({ kind: 'noop', existing: ['stored'] });
  });

  it('when some events are new, then the expected revision is checked', () => {
    const lookup = (id: string): ExistingEvent<string> | undefined =>
      id === ID_A ? stored('s', event(ID_A)) : undefined;
    const decision = decideAppend('s', [event(ID_A), event(ID_B)], 3n, 7n, lookup);
    expect(decision.kind).toBe('reject');
    expect(decision.kind === 'reject' && decision.error).toBeInstanceOf(WrongExpectedRevisionError);
    expect(decideAppend('s', [event(ID_A), event(ID_B)], 7n, 7n, lookup)).toEqual({
      kind: 'write',
      toWrite: [event(ID_B)],
      existing: ['stored'],
    });
  });

  it('when an id is stored with other data, another type or in another stream, then it is a conflict', () => {
    for (const existing of [
      stored('s', event(ID_A, { n: 2 })),
      stored('s', event(ID_A, { n: 1 }, 'Other')),
      stored('t', event(ID_A)),
    ]) {
      const decision = decideAppend('s', [event(ID_A)], 'any', 0n, () => existing);
      expect(decision.kind === 'reject' && decision.error).toBeInstanceOf(EventIdConflictError);
    }
  });

  it('when one append repeats an id with other data, then it is a conflict; with the same data, then it is written once', () => {
    const conflicting = decideAppend(
      's',
      [event(ID_A, { n: 1 }), event(ID_A, { n: 2 })],
      'any',
      0n,
      () => undefined,
    );
    expect(conflicting.kind === 'reject' && conflicting.error).toBeInstanceOf(EventIdConflictError);
    const repeated = decideAppend('s', [event(ID_A), event(ID_A)], 'any', 0n, () => undefined);
    expect(repeated).toEqual({ kind: 'write', toWrite: [event(ID_A)], existing: [] });
  });
});

describe('validateAppend', () => {
  it('when ids are upper case, then they are lower-cased as both stores return them', () => {
    expect(validateAppend('s', [event(ID_A.toUpperCase())], 'any')[0]!.id).toBe(ID_A);
  });

  it('when input is malformed, then it is refused before reaching a store', () => {
    expect(() => validateAppend('', [event(ID_A)], 'any')).toThrow(TypeError);
    expect(() => validateAppend('$system', [event(ID_A)], 'any')).toThrow(TypeError);
    expect(() => validateAppend('s', [event('nope')], 'any')).toThrow(TypeError);
    expect(() => validateAppend('s', [{ ...event(ID_A), data: undefined }], 'any')).toThrow(TypeError);
    expect(() => validateAppend('s', [event(ID_A)], -1n)).toThrow(RangeError);
  });
});

describe('canonicalJson', () => {
  it('when keys differ only in order, then the canonical forms are equal; when values differ, then not', () => {
    expect(canonicalJson({ a: 1, b: { c: [1, { d: 2, e: 3 }] } })).toBe(
      canonicalJson({ b: { c: [1, { e: 3, d: 2 }] }, a: 1 }),
    );
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: 2 }));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
});
