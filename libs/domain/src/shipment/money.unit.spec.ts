import { isAmount, sumAmounts } from './money';

describe('decimal sums', () => {
  it('when 0.10 and 0.20 are added, then the sum is exactly 0.30', () => {
    expect(sumAmounts(['0.10', '0.20'])).toBe('0.30');
  });

  it('when terms have different precision, then the sum keeps the most precise scale', () => {
    expect(sumAmounts(['120.505', '1.5'])).toBe('122.005');
    expect(sumAmounts(['0.000001', '999999999999999.999999'])).toBe('1000000000000000.000000');
  });

  it('when a term is negative, then it is subtracted, down to a negative total', () => {
    expect(sumAmounts(['10.00', '-2.50'])).toBe('7.50');
    expect(sumAmounts(['1.25', '-3'])).toBe('-1.75');
    expect(sumAmounts(['-0.000001'])).toBe('-0.000001');
  });

  it('when there are no terms, then the sum is 0', () => {
    expect(sumAmounts([])).toBe('0');
  });

  it('when a term is not a decimal string of at most 6 places, then the sum is unknown', () => {
    expect(sumAmounts(['1.00', '1e3'])).toBeNull();
    expect(sumAmounts(['0.1234567'])).toBeNull();
    expect(sumAmounts(['12,50'])).toBeNull();
    expect(isAmount('120.50')).toBe(true);
    expect(isAmount('.5')).toBe(false);
  });
});
