import { decodeJson, encodeJson, parseJson, stringifyJson } from './json-codec';

const roundTrip = (value: unknown) => parseJson(stringifyJson(value));

describe('json codec', () => {
  it('when a row holds Map, Set, bigint and Date, then it comes back with the same types and values', () => {
    const row = {
      revision: 12n,
      negative: -1n,
      huge: 2n ** 70n,
      at: new Date('2026-11-27T03:00:00.123Z'),
      exceptions: new Map([['E-1', { code: 'delay', seen: new Set(['tms', 'carrier:UPSN']) }]]),
      keys: new Map<unknown, unknown>([
        [1n, 'bigint key'],
        [{ a: 1 }, 'object key'],
      ]),
      nested: [new Set([1, 2, 3]), new Map(), null, 'text', 1.5, true],
    };
    const back = roundTrip(row) as typeof row;
    expect(back).toEqual(row);
    expect(back.revision).toBe(12n);
    expect(back.at).toBeInstanceOf(Date);
    expect(back.exceptions.get('E-1')?.seen).toBeInstanceOf(Set);
    expect([...back.keys.keys()]).toEqual([1n, { a: 1 }]);
  });

  it('when a Map or Set is encoded, then its insertion order is kept', () => {
    const map = new Map([
      ['z', 1],
      ['a', 2],
      ['m', 3],
    ]);
    expect([...(roundTrip(map) as Map<string, number>).keys()]).toEqual(['z', 'a', 'm']);
    expect([...(roundTrip(new Set(['z', 'a'])) as Set<string>)]).toEqual(['z', 'a']);
  });

  it('when a plain object owns a $type key, then it is escaped and never read back as a tag', () => {
    const tricky = { $type: 'Map', value: [['k', 'v']], inner: { $type: 'BigInt', value: '1' } };
    expect(roundTrip(tricky)).toEqual(tricky);
    expect(encodeJson(tricky)).toMatchObject({ $type: 'Object' });
  });

  it('when an object property is undefined, then it is left out; an undefined array element becomes null', () => {
    expect(roundTrip({ a: undefined, b: 1 })).toStrictEqual({ b: 1 });
    expect(roundTrip([undefined])).toStrictEqual([null]);
  });

  it('when a value cannot be represented, then encoding throws instead of storing something else', () => {
    expect(() => encodeJson(Number.NaN)).toThrow(TypeError);
    expect(() => encodeJson({ f: () => 1 })).toThrow(TypeError);
  });

  it('when stored JSON carries an unknown tag, then decoding throws', () => {
    expect(() => decodeJson({ $type: 'Weird', value: 1 })).toThrow(/unknown tag/);
  });

  it('when jsonb reorders the keys of an object, then the decoded row is still equal', () => {
    const encoded = encodeJson({ b: 1n, a: new Set([1]) }) as Record<string, unknown>;
    const reordered = Object.fromEntries(Object.entries(encoded).reverse());
    expect(decodeJson(reordered)).toEqual({ a: new Set([1]), b: 1n });
  });
});

describe('stringifyJson', () => {
  const rows: unknown[] = [
    {
      revision: 12n,
      at: new Date('2026-11-27T03:00:00.123Z'),
      exceptions: new Map([['E-1', { code: 'delay', seen: new Set(['tms']), gone: undefined }]]),
      keys: new Map<unknown, unknown>([
        [1n, 'bigint key'],
        [{ a: 1, $type: 'x' }, new Date(0)],
      ]),
      nested: [new Set([1, 2, 3]), new Map(), null, 'text', 1.5, true, [2n]],
      tricky: { $type: 'Map', value: [['k', 'v']], inner: { $type: 'BigInt', value: '1' } },
      value: { $type: 'Set', value: { $type: 'Object', value: 1 } },
    },
    'text',
    7n,
    null,
    undefined,
    [null, new Date(5)],
  ];

  it.each(rows.map((row, i) => [i, row]))(
    'when row %i is stringified, then it parses back to the row',
    (_i, row) => {
      expect(parseJson(stringifyJson(row))).toEqual(row === undefined ? null : row);
    },
  );

  it('when a row is stringified, then the text is the documented format, tag by tag', () => {
    const row = {
      at: new Date('2026-11-27T03:00:00.000Z'),
      n: 5n,
      m: new Map([['k', new Set([1])]]),
      gone: undefined,
      list: [undefined, 2],
      own: { $type: 'x', value: 1 },
    };
    expect(stringifyJson(row)).toBe(
      '{"at":{"$type":"Date","value":"2026-11-27T03:00:00.000Z"},"n":{"$type":"BigInt","value":"5"},' +
        '"m":{"$type":"Map","value":[["k",{"$type":"Set","value":[1]}]]},"list":[null,2],' +
        '"own":{"$type":"Object","value":{"$type":"x","value":1}}}',
    );
    expect(encodeJson(row)).toEqual(JSON.parse(stringifyJson(row)));
  });

  it('when a value cannot be represented, then stringifying throws as encoding does', () => {
    expect(() => stringifyJson({ n: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => stringifyJson({ f: () => 1 })).toThrow(TypeError);
    expect(() => stringifyJson([Symbol('s')])).toThrow(TypeError);
  });

  it('when a row owns a __proto__ key, then it is written and read back as data, not as a prototype', () => {
    const row = JSON.parse('{"__proto__": {"polluted": true}, "kept": 1}') as Record<string, unknown>;
    const text = stringifyJson(row);
    expect(text).toBe('{"__proto__":{"polluted":true},"kept":1}');
    const back = parseJson(text) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ polluted: true });
    expect(back.kept).toBe(1);
  });
});
