import { maxSeverity } from './canonical';

describe('maxSeverity', () => {
  it('when severities are given in any order, then the highest one comes out', () => {
    expect(maxSeverity('medium', 'low')).toBe('medium');
    expect(maxSeverity('low', 'high', 'medium')).toBe('high');
    expect(maxSeverity('medium', 'medium')).toBe('medium');
  });

  it('when there is no severity, then it is low', () => {
    expect(maxSeverity()).toBe('low');
  });
});
