import { identifier, rowsTableName } from './sql';

describe('sql names', () => {
  it('when a projection name has a hyphen, then its table is named with an underscore and the version', () => {
    expect(rowsTableName('billable-shipments', 1)).toBe('billable_shipments_v1');
    expect(rowsTableName('Exception-Queue', 12)).toBe('exception_queue_v12');
  });

  it('when a schema name is not a plain identifier, then it is refused rather than spliced into SQL', () => {
    expect(identifier('read_models')).toBe('read_models');
    expect(() => identifier('x; DROP TABLE y')).toThrow(RangeError);
    expect(() => identifier('"quoted"')).toThrow(RangeError);
    expect(() => identifier('1abc')).toThrow(RangeError);
  });
});
