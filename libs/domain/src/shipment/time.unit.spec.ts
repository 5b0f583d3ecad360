import { timeOf } from './time';

describe('timeOf', () => {
  it.each([
    '2026-11-26T07:10:00.000Z',
    '2026-11-26T23:59:59.999Z',
    '1970-01-01T00:00:00.000Z',
    '1969-12-31T23:59:59.999Z',
    '2024-02-29T12:00:00.000Z',
    '2026-02-29T12:00:00.000Z',
    '2026-02-31T12:00:00.000Z',
    '2026-04-31T12:00:00.000Z',
    '2026-11-26T24:00:00.000Z',
    '2026-11-26T24:00:00.001Z',
    '2026-11-26T23:60:00.000Z',
    '2026-11-26T23:59:60.000Z',
    '2026-00-26T07:10:00.000Z',
    '2026-13-26T07:10:00.000Z',
    '2026-11-00T07:10:00.000Z',
    '2026-11-32T07:10:00.000Z',
    '0000-01-01T00:00:00.000Z',
    '0099-06-15T00:00:00.000Z',
    '0999-06-15T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
    '2026-11-26t07:10:00.000z',
    '2026-11-26T07:10:00Z',
    '2026-11-26T07:10:00.000+01:00',
    '2026-11-26T07:10:00.000',
    '2026-11-26 07:10:00.000Z',
    '2026-1a-26T07:10:00.000Z',
    '2026-11-26T07:1 :00.000Z',
    '2026-11-26T07:10:00.0-0Z',
    '+02026-11-26T07:10:00.000Z',
    '２026-11-26T07:10:00.000Z',
    'not a time at all, 24 ch',
    '',
  ])('is Date.parse for %j', (text) => {
    expect(timeOf(text)).toBe(Date.parse(text));
  });

  it('is Date.parse for random texts of the toISOString form', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const field = (width: number) => String(random(10 ** width)).padStart(width, '0');
    for (let i = 0; i < 20000; i++) {
      const text = `${field(4)}-${field(2)}-${field(2)}T${field(2)}:${field(2)}:${field(2)}.${field(3)}Z`;
      expect(timeOf(text)).toBe(Date.parse(text));
      const valid = new Date(random(4_000_000_000_000)).toISOString();
      expect(timeOf(valid)).toBe(Date.parse(valid));
    }
  });
});
