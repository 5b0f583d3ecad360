import { formatRfc3339, zoneOffsetForWallClock, type WallClock } from '../common/timestamps';
import {
  X12_REGION_COUNTRIES,
  X12_REGION_TIME_ZONES,
  X12_TIME_CODE_MAPPING,
  type X12TimeCodeMapping,
} from './x12-mapping';

/** CCYYMMDD, or YYMMDD with years 00–69 → 20xx and 70–99 → 19xx. */
export function parseX12Date(text: string): { year: number; month: number; day: number } | undefined {
  const m = /^(\d{2})?(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (m === null) return undefined;
  const yy = Number(m[2]);
  const year = m[1] === undefined ? (yy <= 69 ? 2000 + yy : 1900 + yy) : Number(m[1]) * 100 + yy;
  const month = Number(m[3]);
  const day = Number(m[4]);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    return undefined;
  }
  return { year, month, day };
}

/** HHMM, HHMMSS, HHMMSSD or HHMMSSDD (24-hour clock). */
export function parseX12Time(
  text: string,
): { hour: number; minute: number; second: number; fraction: string } | undefined {
  const m = /^(\d{2})(\d{2})(?:(\d{2})(\d{1,2})?)?$/.exec(text);
  if (m === null) return undefined;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  const second = m[3] === undefined ? 0 : Number(m[3]);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return { hour, minute, second, fraction: m[4] ?? '' };
}

/** X12 output has always written UTC as `+00:00` (docs/formats.md); the other formats write `Z`. */
export function formatX12Rfc3339(wall: WallClock, offsetMinutes: number): string {
  return formatRfc3339(wall, offsetMinutes, '+00:00');
}

export interface X12Location {
  readonly city?: string;
  readonly region?: string;
  readonly country?: string;
}

/** The IANA zone of a location's state or province, when Waybill knows it. */
export function locationTimeZone(location: X12Location | undefined): string | undefined {
  if (location?.region === undefined) return undefined;
  if (!X12_REGION_COUNTRIES.has(location.country ?? '')) return undefined;
  return X12_REGION_TIME_ZONES[location.region];
}

export type ResolvedTime =
  | {
      readonly ok: true;
      readonly at: string;
      readonly timeZoneGuessed: boolean;
      /** The AT7-07 code as sent, when there was one. */
      readonly sourceTimeCode?: string;
      readonly dateOnly: boolean;
    }
  | { readonly ok: false; readonly element: 'date' | 'time' | 'timeCode'; readonly value: string };

/**
 * An X12 date, time and time code as RFC 3339. A local time (LT or no code) takes the location's
 * zone, else UTC, and is then flagged as guessed. A date without a time is read as 00:00.
 */
export function resolveX12Time(
  date: string,
  time: string,
  timeCode: string,
  location: X12Location | undefined,
): ResolvedTime {
  const d = parseX12Date(date);
  if (d === undefined) return { ok: false, element: 'date', value: date };
  const t = time === '' ? { hour: 0, minute: 0, second: 0, fraction: '' } : parseX12Time(time);
  if (t === undefined) return { ok: false, element: 'time', value: time };
  const mapping: X12TimeCodeMapping | undefined =
    timeCode === '' ? { kind: 'local' } : X12_TIME_CODE_MAPPING[timeCode];
  if (mapping === undefined) return { ok: false, element: 'timeCode', value: timeCode };
  const wall: WallClock = { ...d, ...t };
  const code = timeCode === '' ? {} : { sourceTimeCode: timeCode };
  const dateOnly = time === '';
  switch (mapping.kind) {
    case 'fixed':
      return {
        ok: true,
        at: formatX12Rfc3339(wall, mapping.offsetMinutes),
        timeZoneGuessed: false,
        dateOnly,
        ...code,
      };
    case 'zone':
      return {
        ok: true,
        at: formatX12Rfc3339(wall, zoneOffsetForWallClock(mapping.zone, wall)),
        timeZoneGuessed: false,
        dateOnly,
        ...code,
      };
    case 'local': {
      const zone = locationTimeZone(location);
      const offset = zone === undefined ? 0 : zoneOffsetForWallClock(zone, wall);
      return { ok: true, at: formatX12Rfc3339(wall, offset), timeZoneGuessed: true, dateOnly, ...code };
    }
  }
}
