import {
  X12_APPOINTMENT_STATUS_CODES,
  X12_SHIPMENT_STATUS_CODES,
  X12_STATUS_REASON_CODES,
  X12_TIME_CODES,
} from './x12-code-lists';
import {
  X12_APPOINTMENT_MAPPING,
  X12_REASON_MAPPING,
  X12_STATUS_MAPPING,
  X12_TIME_CODE_MAPPING,
} from './x12-mapping';

const notIn = (mapped: object, standard: Readonly<Record<string, string>>): string[] =>
  Object.keys(mapped).filter((code) => standard[code] === undefined);
const unmapped = (standard: Readonly<Record<string, string>>, mapped: object): string[] =>
  Object.keys(standard).filter((code) => !(code in mapped));

describe('X12 mapping tables against the standard code lists', () => {
  it('when a status, reason, appointment or time code is mapped, then it exists in the standard list', () => {
    expect([
      notIn(X12_STATUS_MAPPING, X12_SHIPMENT_STATUS_CODES),
      notIn(X12_REASON_MAPPING, X12_STATUS_REASON_CODES),
      notIn(X12_APPOINTMENT_MAPPING, X12_APPOINTMENT_STATUS_CODES),
      notIn(X12_TIME_CODE_MAPPING, X12_TIME_CODES),
    ]).toStrictEqual([[], [], [], []]);
  });

  it('when the standard lists are compared with the tables, then only the documented status codes are left unmapped', () => {
    expect([
      unmapped(X12_SHIPMENT_STATUS_CODES, X12_STATUS_MAPPING).sort(),
      unmapped(X12_STATUS_REASON_CODES, X12_REASON_MAPPING),
      unmapped(X12_APPOINTMENT_STATUS_CODES, X12_APPOINTMENT_MAPPING),
      unmapped(X12_TIME_CODES, X12_TIME_CODE_MAPPING),
    ]).toStrictEqual([['AM', 'B6', 'BC', 'C1', 'CD', 'CL', 'CP', 'L1', 'OO', 'X3', 'X8', 'XB'], [], [], []]);
  });

  it('when a code is an estimate, then it never maps to a milestone', () => {
    const estimates = Object.entries(X12_SHIPMENT_STATUS_CODES)
      .filter(([, description]) => /^Estimated/.test(description))
      .map(([code]) => [code, X12_STATUS_MAPPING[code]?.produces ?? 'unmapped']);
    expect(estimates).toStrictEqual([
      ['AA', 'eta'],
      ['AG', 'eta'],
      ['B6', 'unmapped'],
      ['C1', 'unmapped'],
      ['X2', 'eta'],
    ]);
  });
});
