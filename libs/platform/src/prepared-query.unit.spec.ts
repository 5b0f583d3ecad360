import { preparedQuery } from './prepared-query';

describe('preparedQuery', () => {
  it('when the same text is prepared twice, then it has the same name; another text has another name', () => {
    const a = preparedQuery('SELECT $1::int', [1]);
    const again = preparedQuery('SELECT $1::int', [2]);
    const other = preparedQuery('SELECT $1::text', ['x']);
    expect(again.name).toBe(a.name);
    expect(other.name).not.toBe(a.name);
    expect(a.name).toMatch(/^waybill_[0-9a-f]{20}$/);
    // PostgreSQL truncates identifiers at 63 bytes: two names must never meet there.
    expect(a.name!.length).toBeLessThan(64);
  });

  it('when prepared, then the text and the values are passed as given', () => {
    expect(preparedQuery('SELECT $1::int, $2::text', [7, 'x'])).toMatchObject({
      text: 'SELECT $1::int, $2::text',
      values: [7, 'x'],
    });
  });
});
