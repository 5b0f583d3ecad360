import { parseX12Date, parseX12Time, resolveX12Time } from './x12-time';

describe('X12 dates and times', () => {
  it('when a date has 6 digits, then years 00–69 are 20xx and 70–99 are 19xx', () => {
    expect([parseX12Date('240312'), parseX12Date('691231'), parseX12Date('700101')]).toStrictEqual([
      { year: 2024, month: 3, day: 12 },
      { year: 2069, month: 12, day: 31 },
      { year: 1970, month: 1, day: 1 },
    ]);
  });

  it('when a date or time does not exist, then it is not read', () => {
    expect([
      parseX12Date('20230229'),
      parseX12Date('2024031'),
      parseX12Time('2400'),
      parseX12Time('1260'),
    ]).toStrictEqual([undefined, undefined, undefined, undefined]);
  });

  it('when a time has seconds and decimal seconds, then they are kept', () => {
    expect([parseX12Time('0815'), parseX12Time('081530'), parseX12Time('0815305')]).toStrictEqual([
      { hour: 8, minute: 15, second: 0, fraction: '' },
      { hour: 8, minute: 15, second: 30, fraction: '' },
      { hour: 8, minute: 15, second: 30, fraction: '5' },
    ]);
  });
});

describe('X12 time codes', () => {
  const at = (code: string, date = '20240115', region?: string): unknown => {
    const r = resolveX12Time(
      date,
      '1200',
      code,
      region === undefined ? undefined : { region, country: 'US' },
    );
    return r.ok ? [r.at, r.timeZoneGuessed] : r;
  };

  it('when the code names a fixed offset, then that offset is used whatever the date', () => {
    expect([at('ED'), at('CS', '20240715'), at('ND'), at('GM'), at('01'), at('13'), at('24')]).toStrictEqual([
      ['2024-01-15T12:00:00-04:00', false],
      ['2024-07-15T12:00:00-06:00', false],
      ['2024-01-15T12:00:00-02:30', false],
      ['2024-01-15T12:00:00+00:00', false],
      ['2024-01-15T12:00:00+01:00', false],
      ['2024-01-15T12:00:00-12:00', false],
      ['2024-01-15T12:00:00-01:00', false],
    ]);
  });

  it('when the code names a generic zone, then daylight saving follows the date', () => {
    expect([
      at('ET', '20240115'),
      at('ET', '20240715'),
      at('PT', '20241103'),
      at('NT', '20240715'),
    ]).toStrictEqual([
      ['2024-01-15T12:00:00-05:00', false],
      ['2024-07-15T12:00:00-04:00', false],
      ['2024-11-03T12:00:00-08:00', false],
      ['2024-07-15T12:00:00-02:30', false],
    ]);
  });

  it('when the time is local, then the location zone is used and flagged as guessed', () => {
    expect([at('LT', '20240715', 'AZ'), at('', '20240715', 'CA'), at('LT', '20240715', 'QC')]).toStrictEqual([
      ['2024-07-15T12:00:00-07:00', true],
      ['2024-07-15T12:00:00-07:00', true],
      ['2024-07-15T12:00:00-04:00', true],
    ]);
  });

  it('when the time is local and the location is unknown or abroad, then UTC is used and flagged as guessed', () => {
    const abroad = resolveX12Time('20240715', '1200', 'LT', { region: 'NL', country: 'NL' });
    expect([at('LT'), abroad.ok ? [abroad.at, abroad.timeZoneGuessed] : abroad]).toStrictEqual([
      ['2024-01-15T12:00:00+00:00', true],
      ['2024-07-15T12:00:00+00:00', true],
    ]);
  });

  it('when a local time falls in the spring-forward gap or the autumn repeat, then the offset before the change is used', () => {
    const gap = resolveX12Time('20240310', '0230', 'ET', undefined);
    const repeat = resolveX12Time('20241103', '0130', 'ET', undefined);
    expect([gap.ok && gap.at, repeat.ok && repeat.at]).toStrictEqual([
      '2024-03-10T02:30:00-05:00',
      '2024-11-03T01:30:00-04:00',
    ]);
  });

  it('when the code is not a time code, then the failure names it', () => {
    expect(resolveX12Time('20240115', '1200', 'XX', undefined)).toStrictEqual({
      ok: false,
      element: 'timeCode',
      value: 'XX',
    });
  });
});
