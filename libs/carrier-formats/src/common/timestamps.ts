import { zoneForPlace } from './time-zones';

/** A civil date and time as written at the source, with no zone. */
export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** Fractional seconds as written, digits only (e.g. `250`), kept so nothing is rounded. */
  readonly fraction?: string;
}

/** A timestamp as read from the source: the wall clock and its UTC offset in minutes, if stated. */
export interface SourceTime {
  readonly wall: WallClock;
  readonly offsetMinutes?: number;
}

export interface ResolvedTime {
  /** RFC 3339 with an offset. */
  readonly occurredAt: string;
  /** True when the source gave no zone and the offset came from the location (or UTC). */
  readonly timeZoneGuessed: boolean;
}

export interface PlaceForZone {
  readonly country?: string;
  readonly region?: string;
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

export function isValidWallClock(wall: WallClock): boolean {
  const { year, month, day, hour, minute, second } = wall;
  if (![year, month, day, hour, minute, second].every(Number.isInteger)) {
    return false;
  }
  if (year < 1900 || year > 9999 || month < 1 || month > 12 || day < 1) {
    return false;
  }
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    day <= daysInMonth &&
    hour >= 0 &&
    hour <= 23 &&
    minute >= 0 &&
    minute <= 59 &&
    second >= 0 &&
    second <= 59
  );
}

/** How an offset of zero is written: `Z`, or `+00:00` where a format has always written that. */
export type UtcDesignator = 'Z' | '+00:00';

export function formatOffset(offsetMinutes: number, utc: UtcDesignator = 'Z'): string {
  if (offsetMinutes === 0) {
    return utc;
  }
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `2024-01-16T14:35:00+01:00`: the wall clock exactly as written, with the given offset. */
export function formatRfc3339(wall: WallClock, offsetMinutes: number, utc: UtcDesignator = 'Z'): string {
  const date = `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}`;
  const time = `${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}`;
  const fraction = wall.fraction === undefined || wall.fraction === '' ? '' : `.${wall.fraction}`;
  return `${date}T${time}${fraction}${formatOffset(offsetMinutes, utc)}`;
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** Building an `Intl.DateTimeFormat` costs far more than using one, and every scan asks again. */
function offsetFormat(zone: string): Intl.DateTimeFormat {
  let format = offsetFormats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    offsetFormats.set(zone, format);
  }
  return format;
}

/** The zone's UTC offset, in minutes, at the given instant. */
function offsetAtInstant(zone: string, epochMs: number): number {
  const parts = offsetFormat(zone).formatToParts(new Date(epochMs));
  const get = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((part) => part.type === type)?.value ?? '0');
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return Math.round((asUtc - Math.floor(epochMs / 1000) * 1000) / 60000);
}

const DAY_MS = 86_400_000;

/**
 * The zone's offset for a wall-clock time there. A wall time that is skipped (spring forward) or
 * repeated (autumn) takes the offset from before the change, in every hemisphere; the day either
 * side of the time is assumed to hold at most one change.
 */
export function zoneOffsetForWallClock(zone: string, wall: WallClock): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const before = offsetAtInstant(zone, asUtc - DAY_MS);
  const after = offsetAtInstant(zone, asUtc + DAY_MS);
  const holds = (offset: number): boolean => offsetAtInstant(zone, asUtc - offset * 60000) === offset;
  return before === after || holds(before) || !holds(after) ? before : after;
}

/**
 * Renders a source time: with its own offset when it has one, else in the zone of the place
 * (guessed), else in UTC (guessed).
 */
export function resolveSourceTime(time: SourceTime, place: PlaceForZone = {}): ResolvedTime {
  if (time.offsetMinutes !== undefined) {
    return { occurredAt: formatRfc3339(time.wall, time.offsetMinutes), timeZoneGuessed: false };
  }
  const zone = zoneForPlace(place.country, place.region);
  const offset = zone === undefined ? 0 : zoneOffsetForWallClock(zone, time.wall);
  return { occurredAt: formatRfc3339(time.wall, offset), timeZoneGuessed: true };
}

const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Reads an ISO 8601 / RFC 3339 timestamp (date-only and zone-less forms too); undefined if invalid. */
export function parseIsoTimestamp(text: string): SourceTime | undefined {
  const match = ISO_PATTERN.exec(text.trim());
  if (match === null) {
    return undefined;
  }
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const wall: WallClock = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h ?? '0'),
    minute: Number(mi ?? '0'),
    second: Number(s ?? '0'),
    ...(fraction === undefined ? {} : { fraction }),
  };
  if (!isValidWallClock(wall)) {
    return undefined;
  }
  if (zone === undefined) {
    return { wall };
  }
  const offsetMinutes = parseOffset(zone);
  return offsetMinutes === undefined ? undefined : { wall, offsetMinutes };
}

/** `Z`, `+01`, `+0100`, `+01:00`, `-05:30` → minutes east of UTC; undefined if malformed. */
export function parseOffset(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === 'Z' || trimmed === 'z') {
    return 0;
  }
  const match = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(trimmed);
  if (match === null) {
    return undefined;
  }
  const [, sign, hours, minutes] = match;
  const value = Number(hours) * 60 + Number(minutes ?? '0');
  if (Number(hours) > 18 || Number(minutes ?? '0') > 59) {
    return undefined;
  }
  return sign === '-' ? -value : value;
}

/** The wall clock of an instant as seen at a fixed offset (e.g. EPCIS eventTime in its eventTimeZoneOffset). */
export function wallClockAtOffset(time: SourceTime, targetOffsetMinutes: number): WallClock {
  const { wall } = time;
  const sourceOffset = time.offsetMinutes ?? targetOffsetMinutes;
  const epochMs =
    Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) -
    (sourceOffset - targetOffsetMinutes) * 60000;
  const shifted = new Date(epochMs);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
    ...(wall.fraction === undefined ? {} : { fraction: wall.fraction }),
  };
}

/** `receivedAt` as RFC 3339 in UTC: the fallback when the source has no time at all. */
export function formatInstantUtc(instant: Date): string {
  return instant.toISOString().replace('.000Z', 'Z');
}
