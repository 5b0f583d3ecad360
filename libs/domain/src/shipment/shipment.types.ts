/** Vocabulary of a shipment, as contract v1 §2 names it. */

export const MILESTONES = [
  'dispatched',
  'in_transit',
  'out_for_delivery',
  'arrived',
  'delivered',
  'returned',
  'cancelled',
] as const;
export type Milestone = (typeof MILESTONES)[number];

export const TERMINAL_MILESTONES: readonly Milestone[] = ['returned', 'cancelled'];

export const EXCEPTION_CODES = [
  'delay',
  'damage',
  'shortage',
  'refused',
  'address',
  'temperature_excursion',
  'customs_hold',
  'lost',
  'other',
] as const;
export type ExceptionCode = (typeof EXCEPTION_CODES)[number];

export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What an estimate or an appointment is about (additions to contract v1). */
export const ESTIMATES = ['pickup', 'delivery'] as const;
export type Estimate = (typeof ESTIMATES)[number];
export const APPOINTMENTS = ESTIMATES;
export type AppointmentKind = Estimate;

/**
 * How a carrier's time was read, kept with the event so that a guessed offset stays visible:
 * carrier formats often give a local time with a time-zone code, or none at all.
 */
export interface SourceTime {
  /** The translator had no zone for the source's local time and assumed one. */
  readonly timeZoneGuessed?: boolean;
  /** The source's own time-zone code (e.g. X12 `LT`, `CT`), as sent. */
  readonly sourceTimeCode?: string;
}

export interface Address {
  readonly city?: string;
  readonly region?: string;
  readonly country?: string;
  readonly postalCode?: string;
}
export type Place = string | Address;

export interface ChargeLine {
  readonly code: string;
  readonly description: string;
  /** Decimal string, e.g. "120.50": money is never a float. */
  readonly amount: string;
}
export interface Charges {
  readonly currency: string;
  readonly lines: readonly ChargeLine[];
}

export interface References {
  readonly trackingNumbers?: readonly string[];
  readonly pro?: string;
  readonly billOfLading?: string;
  readonly purchaseOrders?: readonly string[];
}

/**
 * Who said what, when. Every message-derived event carries it: `occurredAt` is the source's
 * time, `receivedAt` is when Waybill received the message; both are kept so that late and
 * out-of-order reports stay explainable.
 */
export interface Report extends SourceTime {
  readonly messageId: string;
  readonly source: string;
  readonly occurredAt: string;
  readonly receivedAt: string;
}

export interface Booking {
  readonly orderId: string;
  readonly customerId: string;
  readonly carrierId: string;
  readonly origin: Place;
  readonly destination: Place;
  readonly promisedDeliveryBy?: string;
  readonly charges: Charges;
  readonly references?: References;
}
