/**
 * Waybill's own mapping of X12 codes to canonical messages (docs/formats.md, "X12"). Every code
 * here is checked against the standard lists in x12-code-lists.ts by a unit test. A code that
 * is in the standard but not here is rejected as `unknown_code`, never guessed.
 */
import type { ExceptionCode, Milestone, Severity } from '@waybill/domain';
import { CA_PROVINCE_ZONES, US_STATE_ZONES } from '../common/time-zones';

/** What one AT7-01 shipment status code becomes. */
export type X12StatusMapping =
  | { readonly produces: 'milestone'; readonly milestone: Milestone }
  | { readonly produces: 'eta'; readonly estimate: 'pickup' | 'delivery' }
  | { readonly produces: 'exception'; readonly code: ExceptionCode; readonly severity: Severity };

const milestone = (m: Milestone): X12StatusMapping => ({ produces: 'milestone', milestone: m });
const eta = (estimate: 'pickup' | 'delivery'): X12StatusMapping => ({ produces: 'eta', estimate });
const exception = (code: ExceptionCode, severity: Severity): X12StatusMapping => ({
  produces: 'exception',
  code,
  severity,
});

/**
 * AT7-01 (element 1650) → canonical. Deliberately absent (no canonical equivalent, so rejected
 * as `unknown_code` and parked): X3, X8, CP, AM, L1, CL (pick-up side events before departure),
 * CD (departure after delivery; D1 carries the delivery), B6, C1 (estimates of terminal events),
 * BC, OO, XB.
 */
export const X12_STATUS_MAPPING: Readonly<Partial<Record<string, X12StatusMapping>>> = {
  AF: milestone('dispatched'),
  X6: milestone('in_transit'),
  X4: milestone('in_transit'),
  P1: milestone('in_transit'),
  I1: milestone('in_transit'),
  OA: milestone('in_transit'),
  AR: milestone('in_transit'),
  RL: milestone('in_transit'),
  AN: milestone('in_transit'),
  J1: milestone('in_transit'),
  R1: milestone('in_transit'),
  BA: milestone('in_transit'),
  K1: milestone('in_transit'),
  AV: milestone('in_transit'),
  AJ: milestone('out_for_delivery'),
  X1: milestone('arrived'),
  X5: milestone('arrived'),
  S1: milestone('arrived'),
  D1: milestone('delivered'),
  A3: milestone('returned'),
  CA: milestone('cancelled'),
  AA: eta('pickup'),
  AG: eta('delivery'),
  X2: eta('delivery'),
  SD: exception('delay', 'medium'),
  AH: exception('delay', 'medium'),
  AP: exception('delay', 'medium'),
  AI: exception('address', 'low'),
  A7: exception('refused', 'high'),
  A9: exception('damage', 'high'),
  PR: exception('customs_hold', 'medium'),
};

/** What one AT7-02 / AT7-04 reason code (element 1651) adds: an exception, or nothing. */
export type X12ReasonMapping =
  { readonly exception: ExceptionCode; readonly severity: Severity } | { readonly exception: 'none' };

const none: X12ReasonMapping = { exception: 'none' };
const because = (code: ExceptionCode, severity: Severity): X12ReasonMapping => ({
  exception: code,
  severity,
});

/** AT7-02 / AT7-04 (element 1651) → the exception a non-normal reason implies. Covers the whole list. */
export const X12_REASON_MAPPING: Readonly<Partial<Record<string, X12ReasonMapping>>> = {
  NS: none,
  NA: none,
  AZ: none,
  CB: none,
  CC: none,
  A1: because('delay', 'medium'),
  A2: because('address', 'medium'),
  A3: because('other', 'low'),
  A5: because('address', 'medium'),
  A6: because('address', 'low'),
  AA: because('delay', 'medium'),
  AD: because('delay', 'low'),
  AE: because('other', 'medium'),
  AF: because('delay', 'high'),
  AG: because('delay', 'low'),
  AH: because('delay', 'medium'),
  AI: because('delay', 'medium'),
  AJ: because('delay', 'medium'),
  AK: because('damage', 'medium'),
  AL: because('delay', 'low'),
  AM: because('delay', 'low'),
  AN: because('delay', 'low'),
  AO: because('delay', 'medium'),
  AQ: because('delay', 'low'),
  AR: because('customs_hold', 'medium'),
  AS: because('customs_hold', 'high'),
  AT: because('customs_hold', 'medium'),
  AV: because('other', 'medium'),
  AW: because('delay', 'low'),
  AX: because('delay', 'low'),
  AY: because('delay', 'medium'),
  B1: because('delay', 'low'),
  B2: because('delay', 'low'),
  B5: because('delay', 'low'),
  B8: because('delay', 'medium'),
  B9: because('delay', 'low'),
  BB: because('delay', 'low'),
  BC: because('delay', 'medium'),
  BD: because('customs_hold', 'medium'),
  BE: because('delay', 'medium'),
  BF: because('other', 'low'),
  BG: because('other', 'low'),
  BH: because('delay', 'medium'),
  BI: because('delay', 'low'),
  BL: because('delay', 'low'),
  BS: because('refused', 'high'),
  BT: because('other', 'medium'),
  C1: because('delay', 'low'),
  C2: because('delay', 'medium'),
  C3: because('delay', 'low'),
  C4: because('delay', 'low'),
  C5: because('delay', 'medium'),
  C6: because('delay', 'medium'),
  C7: because('delay', 'low'),
  C8: because('delay', 'low'),
  C9: because('delay', 'medium'),
  CA: because('customs_hold', 'medium'),
  D1: because('delay', 'medium'),
  D2: because('delay', 'medium'),
  F2: because('delay', 'medium'),
  P1: because('delay', 'low'),
  P2: because('delay', 'low'),
  P3: because('delay', 'medium'),
  P4: because('delay', 'low'),
  RC: because('other', 'low'),
  T2: because('delay', 'medium'),
  T3: because('delay', 'medium'),
  T4: because('delay', 'medium'),
  T5: because('delay', 'medium'),
  T6: because('delay', 'medium'),
  T7: because('delay', 'medium'),
};

/** AT7-03 (element 1652) → which appointment it is. */
export const X12_APPOINTMENT_MAPPING: Readonly<Partial<Record<string, 'pickup' | 'delivery'>>> = {
  AA: 'pickup',
  AB: 'delivery',
};

/**
 * AT7-07 (element 623) → how to read the wall-clock time. `fixed`: the code names one offset;
 * `zone`: a generic zone (ET, CT …) whose offset depends on the date, read from a representative
 * IANA zone; `local`: no zone given, so it is taken from the location and flagged as guessed.
 */
export type X12TimeCodeMapping =
  | { readonly kind: 'fixed'; readonly offsetMinutes: number }
  | { readonly kind: 'zone'; readonly zone: string }
  | { readonly kind: 'local' };

const fixed = (hours: number, minutes = 0): X12TimeCodeMapping => ({
  kind: 'fixed',
  offsetMinutes: hours * 60 + Math.sign(hours) * minutes,
});
const zone = (name: string): X12TimeCodeMapping => ({ kind: 'zone', zone: name });

export const X12_TIME_CODE_MAPPING: Readonly<Partial<Record<string, X12TimeCodeMapping>>> = {
  // 01–12 are ISO P01–P12 (UTC+1 … UTC+12); 13–24 are ISO M12 … M01 (UTC−12 … UTC−1).
  '01': fixed(1),
  '02': fixed(2),
  '03': fixed(3),
  '04': fixed(4),
  '05': fixed(5),
  '06': fixed(6),
  '07': fixed(7),
  '08': fixed(8),
  '09': fixed(9),
  '10': fixed(10),
  '11': fixed(11),
  '12': fixed(12),
  '13': fixed(-12),
  '14': fixed(-11),
  '15': fixed(-10),
  '16': fixed(-9),
  '17': fixed(-8),
  '18': fixed(-7),
  '19': fixed(-6),
  '20': fixed(-5),
  '21': fixed(-4),
  '22': fixed(-3),
  '23': fixed(-2),
  '24': fixed(-1),
  UT: fixed(0),
  GM: fixed(0),
  AD: fixed(-8),
  AS: fixed(-9),
  AT: zone('America/Anchorage'),
  CD: fixed(-5),
  CS: fixed(-6),
  CT: zone('America/Chicago'),
  ED: fixed(-4),
  ES: fixed(-5),
  ET: zone('America/New_York'),
  HD: fixed(-9),
  HS: fixed(-10),
  HT: zone('Pacific/Honolulu'),
  MD: fixed(-6),
  MS: fixed(-7),
  MT: zone('America/Denver'),
  ND: fixed(-2, 30),
  NS: fixed(-3, 30),
  NT: zone('America/St_Johns'),
  PD: fixed(-7),
  PS: fixed(-8),
  PT: zone('America/Los_Angeles'),
  TD: fixed(-3),
  TS: fixed(-4),
  TT: zone('America/Halifax'),
  LT: { kind: 'local' },
};

/** Which `CarrierReferences` field a reference qualifier (element 128: L11-02, N9-01, B10-05) fills. */
export type X12ReferenceField = 'shipmentId' | 'trackingNumbers' | 'pro' | 'billOfLading' | 'purchaseOrders';

/** Reference qualifiers Waybill reads; any other qualifier is ignored (it names no shipment). */
export const X12_REFERENCE_QUALIFIERS: Readonly<Partial<Record<string, X12ReferenceField>>> = {
  SI: 'shipmentId',
  CN: 'pro',
  BM: 'billOfLading',
  MB: 'billOfLading',
  PO: 'purchaseOrders',
  CO: 'purchaseOrders',
  CR: 'purchaseOrders',
  '2I': 'trackingNumbers',
  '08': 'trackingNumbers',
  AW: 'trackingNumbers',
  WY: 'trackingNumbers',
};

/**
 * MS1-02 state or province → IANA zone, for a local time with no zone: the shared US state and
 * Canadian province tables of `common/time-zones.ts` in one (no code is in both). A state that
 * spans two zones gets the zone of most of its people; the result is always flagged `timeZoneGuessed`.
 */
export const X12_REGION_TIME_ZONES: Readonly<Partial<Record<string, string>>> = {
  ...US_STATE_ZONES,
  ...CA_PROVINCE_ZONES,
};

/** MS1-03 country codes for which MS1-02 is looked up in X12_REGION_TIME_ZONES (empty: assumed US/CA). */
export const X12_REGION_COUNTRIES: ReadonlySet<string> = new Set(['', 'US', 'USA', 'CA', 'CAN']);
