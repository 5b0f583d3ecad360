import type { ExceptionCode } from '../shipment/shipment.types';
import type { HoldReason, ServiceCaseCategory } from './billing.types';

/**
 * Who deals with an exception: operations (the delivery), finance (billing and the ERP) or
 * service (the customer's cases). Every exception Waybill shows has exactly one owner.
 */
export type ExceptionOwner = 'operations' | 'finance' | 'service';

/** Exceptions reported about the shipment's movement belong to operations. */
export function ownerOfShipmentException(_code: ExceptionCode): ExceptionOwner {
  return 'operations';
}

const HOLD_OWNERS: Record<HoldReason, ExceptionOwner> = {
  not_booked: 'operations',
  awaiting_delivery: 'operations',
  awaiting_pod: 'operations',
  pod_unsigned: 'operations',
  temperature_excursion: 'operations',
  open_exceptions: 'operations',
  cancelled: 'operations',
  no_contract: 'finance',
  invoice_rejected: 'finance',
};

/** A billing hold belongs to whoever can lift it. */
export function ownerOfHold(reason: HoldReason): ExceptionOwner {
  return HOLD_OWNERS[reason];
}

/** Cases opened in the CRM are the customer's: service owns them. */
export function ownerOfCase(_category: ServiceCaseCategory): ExceptionOwner {
  return 'service';
}

/** An ERP that does not answer is finance's to chase. */
export const ERP_REPLY_OVERDUE_OWNER: ExceptionOwner = 'finance';

/** A carrier invoicing other charges than booked is finance's to settle with the carrier. */
export const CARRIER_CHARGES_MISMATCH_OWNER: ExceptionOwner = 'finance';
