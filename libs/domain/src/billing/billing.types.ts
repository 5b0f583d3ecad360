/**
 * Why a shipment is not billable, in the stable order every decision lists them.
 * `cancelled` is an addition to contract v1: a cancelled shipment is never billed.
 */
export const HOLD_REASONS = [
  'cancelled',
  'not_booked',
  'no_contract',
  'awaiting_delivery',
  'awaiting_pod',
  'pod_unsigned',
  'temperature_excursion',
  'open_exceptions',
  'invoice_rejected',
] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

/** Hold reasons that only mean "not yet": nothing is wrong, the trigger has not happened. */
export const WAITING_REASONS: readonly HoldReason[] = ['awaiting_delivery', 'awaiting_pod'];

/** What made a shipment billable, in a stable order; recorded on the release as `because`. */
export const BILLABLE_FACTS = [
  'delivered',
  'pod_received',
  'pod_signed',
  'temperature_compliant',
  'exceptions_cleared',
] as const;
export type BillableFact = (typeof BILLABLE_FACTS)[number];

/** Categories of `waybill.crm.case.open` (contract v1 §3). */
export const SERVICE_CASE_CATEGORIES = [
  'billing_hold',
  'delivery_exception',
  'missing_pod',
  'temperature_excursion',
  'invoice_rejected',
] as const;
export type ServiceCaseCategory = (typeof SERVICE_CASE_CATEGORIES)[number];

/** Billing statuses of contract v1 §4 (`GET /v1/billing/shipments`, `billing.status`). */
export const BILLING_STATUSES = [
  'awaiting_delivery',
  'awaiting_pod',
  'on_hold',
  'billable',
  'release_requested',
  'invoiced',
  'rejected',
] as const;
export type BillingStatus = (typeof BILLING_STATUSES)[number];
