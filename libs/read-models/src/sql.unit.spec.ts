import { identifier, rowsTableName } from './sql';

describe('sql names', () => {
  it('when a projection name has a hyphen, then its table is named with underscores and a _rows suffix', () => {
    expect(rowsTableName('billable-shipments')).toBe('billable_shipments_rows');
    expect(rowsTableName('Exception-Queue')).toBe('exception_queue_rows');
  });

  it('when a schema name is not a plain identifier, then it is refused rather than spliced into SQL', () => {
    expect(identifier('read_models')).toBe('read_models');
    expect(() => identifier('x; DROP TABLE y')).toThrow(RangeError);
    expect(() => identifier('"quoted"')).toThrow(RangeError);
    expect(() => identifier('1abc')).toThrow(RangeError);
  });
});
