const DECIMAL = /^(-?)(\d+)(?:\.(\d{1,6}))?$/;
const SCALE = 6;
const UNIT = 10n ** BigInt(SCALE);

/** Whether `value` is a decimal string as contract v1 carries money: `-?digits(.1–6 digits)?`. */
export function isAmount(value: string): boolean {
  return DECIMAL.test(value);
}

/** A decimal string read as an integer of millionths, or null when it is not one. Never a float. */
function scaled(value: string): { value: bigint; places: number } | null {
  const match = DECIMAL.exec(value);
  if (!match) return null;
  const [, sign = '', whole = '0', fraction = ''] = match;
  const magnitude = BigInt(whole) * UNIT + BigInt(fraction.padEnd(SCALE, '0'));
  return { value: sign === '-' ? -magnitude : magnitude, places: fraction.length };
}

function format(value: bigint, places: number): string {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const whole = (magnitude / UNIT).toString();
  const fraction = (magnitude % UNIT).toString().padStart(SCALE, '0').slice(0, places);
  return `${negative ? '-' : ''}${whole}${places > 0 ? `.${fraction}` : ''}`;
}

/**
 * The exact sum of decimal strings, with as many decimals as the most precise term (`'0.10' +
 * '0.20'` is `'0.30'`, `'120.505' + '1.5'` is `'122.005'`). Computed on integers scaled by 10⁶,
 * never on floats. `null` when a term is not a decimal (`isAmount`), so that one bad line shows as
 * an unknown amount rather than a wrong one.
 */
export function sumAmounts(terms: readonly string[]): string | null {
  let total = 0n;
  let places = 0;
  for (const term of terms) {
    const s = scaled(term);
    if (!s) return null;
    total += s.value;
    places = Math.max(places, s.places);
  }
  return format(total, places);
}

/** `a − b` exactly, or null when either is not a decimal. `'100.5' − '100.50'` is `'0.00'`. */
export function subtractAmounts(a: string, b: string): string | null {
  const x = scaled(a);
  const y = scaled(b);
  if (!x || !y) return null;
  return format(x.value - y.value, Math.max(x.places, y.places));
}

/** Whether two decimal strings are the same amount (`'100.5'` equals `'100.50'`). */
export function sameAmount(a: string, b: string): boolean {
  const x = scaled(a);
  const y = scaled(b);
  return x !== null && y !== null && x.value === y.value;
}
