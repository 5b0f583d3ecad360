import { isValidWallClock, parseOffset, type SourceTime, type WallClock } from '../common/timestamps';

export type EdifactTime =
  | { readonly ok: true; readonly time: SourceTime; readonly zoneText?: string }
  | { readonly ok: false; readonly explanation: string };

const digitsToWall = (digits: string, withSeconds: boolean, dateOnly: boolean): WallClock => ({
  year: Number(digits.slice(0, 4)),
  month: Number(digits.slice(4, 6)),
  day: Number(digits.slice(6, 8)),
  hour: dateOnly ? 0 : Number(digits.slice(8, 10)),
  minute: dateOnly ? 0 : Number(digits.slice(10, 12)),
  second: withSeconds ? Number(digits.slice(12, 14)) : 0,
});

/** `UTC`, `GMT`, `Z`, `+01`, `-0500`, `+01:00` → minutes; other names (`CET` …) are not guessed at. */
function zoneOffset(zone: string): number | undefined {
  const upper = zone.trim().toUpperCase();
  if (upper === 'UTC' || upper === 'GMT' || upper === 'UT' || upper === 'Z') {
    return 0;
  }
  return parseOffset(upper);
}

/** Formats from 2379 that IFTSTA senders use: 102, 203, 204, 303, 304 (201 too, read as 20YY). */
export function parseEdifactDateTime(value: string, format: string | undefined): EdifactTime {
  const fmt = format ?? inferFormat(value) ?? '';
  let wall: WallClock;
  let zone: string | undefined;
  switch (fmt) {
    case '102':
      if (!/^\d{8}$/.test(value)) return mismatch(value, fmt);
      wall = digitsToWall(value, false, true);
      break;
    case '201':
      if (!/^\d{10}$/.test(value)) return mismatch(value, fmt);
      wall = digitsToWall(`20${value}`, false, false);
      break;
    case '203':
      if (!/^\d{12}$/.test(value)) return mismatch(value, fmt);
      wall = digitsToWall(value, false, false);
      break;
    case '204':
      if (!/^\d{14}$/.test(value)) return mismatch(value, fmt);
      wall = digitsToWall(value, true, false);
      break;
    case '303':
      if (!/^\d{12}./.test(value)) return mismatch(value, fmt);
      wall = digitsToWall(value, false, false);
      zone = value.slice(12);
      break;
    case '304':
      if (!/^\d{14}./.test(value)) return mismatch(value, fmt);
      wall = digitsToWall(value, true, false);
      zone = value.slice(14);
      break;
    default:
      return {
        ok: false,
        explanation: `date/time format ${fmt === '' ? '(none)' : fmt} is not supported (102, 201, 203, 204, 303, 304 are)`,
      };
  }
  if (!isValidWallClock(wall)) {
    return { ok: false, explanation: `"${value}" is not a valid date/time in format ${fmt}` };
  }
  if (zone === undefined) {
    return { ok: true, time: { wall } };
  }
  const offsetMinutes = zoneOffset(zone);
  return offsetMinutes === undefined
    ? { ok: true, time: { wall }, zoneText: zone }
    : { ok: true, time: { wall, offsetMinutes } };
}

function inferFormat(value: string): string | undefined {
  switch (value.length) {
    case 8:
      return '102';
    case 12:
      return '203';
    case 14:
      return '204';
    default:
      return undefined;
  }
}

function mismatch(value: string, format: string): EdifactTime {
  return { ok: false, explanation: `"${value}" does not match date/time format ${format}` };
}

/** UNB-04: YYMMDD (syntax 3) or CCYYMMDD (syntax 4), and HHMM. */
export function parseUnbDateTime(date: string | undefined, time: string | undefined): SourceTime | undefined {
  if (date === undefined) {
    return undefined;
  }
  const fullDate = /^\d{6}$/.test(date) ? `20${date}` : date;
  const hhmm = time !== undefined && /^\d{4}$/.test(time) ? time : '0000';
  if (!/^\d{8}$/.test(fullDate)) {
    return undefined;
  }
  const wall = digitsToWall(`${fullDate}${hhmm}`, false, false);
  return isValidWallClock(wall) ? { wall } : undefined;
}
