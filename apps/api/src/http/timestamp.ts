import { Transform } from 'class-transformer';
import { IsDate } from 'class-validator';
import { applyDecorators } from '@nestjs/common';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * An RFC 3339 timestamp with offset as a Date, or null. Stricter than `Date.parse`, which accepts
 * 30 February (rolling it into March) and timestamps without an offset (read as local time).
 */
export function parseTimestamp(text: string): Date | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = [1, 2, 3, 4, 5, 6, 9, 10].map(
    (i) => Number(m[i] ?? 0),
  ) as [number, number, number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return null;
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return null;
  const date = new Date(text.toUpperCase().replace(' ', 'T'));
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A query or body field holding an RFC 3339 timestamp with offset, converted to a Date. */
export function IsTimestamp(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? (parseTimestamp(value) ?? value) : value,
    ),
    IsDate({ message: '$property must be an RFC 3339 timestamp with offset, e.g. 2025-03-01T12:00:00Z' }),
  );
}
