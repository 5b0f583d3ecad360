const DECIMAL = /^(-?)(\d+)(?:\.(\d{1,6}))?$/;
const SCALE = 6;
const UNIT = 10n ** BigInt(SCALE);

/** Whether `value` is a decimal string as contract v1 carries money: `-?digits(.1–6 digits)?`. */
export function isDecimal(value: string): boolean {
  return DECIMAL.test(value);
}

/**
 * The exact sum of decimal strings such as `"120.50"`, as a decimal string with as many decimals
 * as the most precise term (`'0.10' + '0.20'` is `'0.30'`, `'120.505' + '1.5'` is `'122.005'`).
 * Computed on integers scaled by 10⁶, never on floats. `null` when a term is not a decimal
 * (`isDecimal`), so that one bad line shows as an unknown amount rather than a wrong one.
 */
export function sumDecimals(terms: readonly string[]): string | null {
  let total = 0n;
  let places = 0;
  for (const term of terms) {
    const match = DECIMAL.exec(term);
    if (!match) return null;
    const [, sign = '', whole = '0', fraction = ''] = match;
    const scaled = BigInt(whole) * UNIT + BigInt(fraction.padEnd(SCALE, '0'));
    total += sign === '-' ? -scaled : scaled;
    places = Math.max(places, fraction.length);
  }
  return format(total, places);
}

function format(scaled: bigint, places: number): string {
  const negative = scaled < 0n;
  const magnitude = negative ? -scaled : scaled;
  const whole = (magnitude / UNIT).toString();
  const fraction = (magnitude % UNIT).toString().padStart(SCALE, '0').slice(0, places);
  return `${negative ? '-' : ''}${whole}${places > 0 ? `.${fraction}` : ''}`;
}
