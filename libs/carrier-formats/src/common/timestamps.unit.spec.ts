import { boundedMessageId } from './message-id';
import { parseIsoTimestamp, resolveSourceTime, zoneOffsetForWallClock } from './timestamps';

const wall = (iso: string) => parseIsoTimestamp(iso)!.wall;

describe('timestamps', () => {
  it('when a zone-less local time falls in summer or winter, then the location zone gives the offset of that date', () => {
    expect(resolveSourceTime({ wall: wall('2024-07-01T12:00:00') }, { country: 'NL' })).toStrictEqual({
      occurredAt: '2024-07-01T12:00:00+02:00',
      timeZoneGuessed: true,
    });
    expect(
      resolveSourceTime({ wall: wall('2024-01-01T12:00:00') }, { country: 'US', region: 'CA' }),
    ).toStrictEqual({
      occurredAt: '2024-01-01T12:00:00-08:00',
      timeZoneGuessed: true,
    });
  });

  it('when the country spans several zones and no region is known, then UTC is used and flagged as guessed', () => {
    expect(resolveSourceTime({ wall: wall('2024-01-01T12:00:00') }, { country: 'US' })).toStrictEqual({
      occurredAt: '2024-01-01T12:00:00Z',
      timeZoneGuessed: true,
    });
  });

  it('when a wall time falls just after a DST change, then the offset after the change is used', () => {
    expect(zoneOffsetForWallClock('Europe/Berlin', wall('2024-03-31T03:30:00'))).toBe(120);
    expect(zoneOffsetForWallClock('Europe/Berlin', wall('2024-03-31T01:30:00'))).toBe(60);
    expect(zoneOffsetForWallClock('America/New_York', wall('2024-11-03T03:00:00'))).toBe(-300);
  });

  it('when a wall time is skipped or repeated by a DST change, then it takes the offset before the change, in both hemispheres of the rule', () => {
    // Skipped hours (clocks go forward): the offset before is the winter one.
    expect(zoneOffsetForWallClock('America/New_York', wall('2024-03-10T02:30:00'))).toBe(-300);
    expect(zoneOffsetForWallClock('Europe/Berlin', wall('2024-03-31T02:30:00'))).toBe(60);
    // Repeated hours (clocks go back): the offset before is the summer one.
    expect(zoneOffsetForWallClock('America/New_York', wall('2024-11-03T01:30:00'))).toBe(-240);
    expect(zoneOffsetForWallClock('Europe/Berlin', wall('2024-10-27T02:30:00'))).toBe(120);
  });

  it('when a timestamp has its own offset, then it is kept as written', () => {
    expect(
      resolveSourceTime(parseIsoTimestamp('2024-01-16T10:12:00.5-0600')!, { country: 'NL' }),
    ).toStrictEqual({
      occurredAt: '2024-01-16T10:12:00.5-06:00',
      timeZoneGuessed: false,
    });
  });

  it('when a timestamp is not a real date, then it is not parsed', () => {
    expect(parseIsoTimestamp('2024-02-30T10:00:00Z')).toBeUndefined();
    expect(parseIsoTimestamp('16/01/2024')).toBeUndefined();
  });

  it('when a readable id is longer than 128 characters, then it becomes a prefixed hash', () => {
    expect(boundedMessageId('epcis', 'x'.repeat(128))).toBe('x'.repeat(128));
    expect(boundedMessageId('epcis', 'x'.repeat(129))).toMatch(/^epcis:sha256:[0-9a-f]{64}$/);
  });
});
