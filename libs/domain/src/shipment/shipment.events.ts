import type { HoldReason, BillableFact, ServiceCaseCategory } from '../billing/billing.types';
import type { BillingTrigger } from '../contract/billing-policy';
import type { ShipmentCommand } from './shipment.commands';
import type { Booking, Charges, Milestone, Report } from './shipment.types';

type DataOf<T extends ShipmentCommand['type']> = Extract<ShipmentCommand, { type: T }>['data'];

/** Why a report was recorded but not applied to the shipment's state. */
export type MilestoneRejection =
  /** The movement happened after the shipment was returned or cancelled. */
  | 'after_terminal'
  /** A delivered (or returned) shipment cannot be cancelled. */
  | 'cancel_after_delivery';

/** What a corroborating report confirms. */
export type CorroboratedFact =
  | 'booking'
  | 'milestone'
  | 'exception'
  | 'exception_cleared'
  | 'pod'
  | 'invoice_released'
  | 'invoice_rejected'
  | 'case_opened'
  | 'case_resolved'
  /** The same carrier invoice (number and content) sent again. */
  | 'carrier_invoice';

/**
 * Freight audit of a carrier invoice against the booking's charges. `unaudited` while the
 * shipment has no booking: the audit happens when the booking arrives (and again when a revised
 * booking changes it), recorded by `ShipmentCarrierInvoiceAudited`.
 */
export type CarrierInvoiceAudit =
  | { readonly result: 'unaudited'; readonly reason: 'not_booked' | 'unreadable_amount' }
  | {
      readonly result: 'matched' | 'mismatched';
      /** `amount`: same currency, different totals; `currency`: the currencies differ. */
      readonly mismatch?: 'amount' | 'currency';
      readonly invoicedTotal: string;
      readonly invoicedCurrency: string;
      /** The sum of the booking's charge lines. */
      readonly bookedTotal: string;
      readonly bookedCurrency: string;
      /** Invoiced minus booked, when the currencies are the same. */
      readonly difference?: string;
    };

/**
 * The shipment's events: what `decide` records of the upstream reports about its movement. The
 * `type` strings are stored in the event log and are a contract: never rename one, never derive it
 * from a class name. Billing shares the stream with its own events (`ShipmentBillingEvent`);
 * `ShipmentStreamEvent` is both, and is what `evolve` folds.
 */
export type ShipmentEvent =
  | { readonly type: 'ShipmentBooked'; readonly data: Report & Booking }
  | { readonly type: 'ShipmentBookingRevised'; readonly data: Report & Booking }
  | {
      readonly type: 'ShipmentMilestoneRecorded';
      readonly data: DataOf<'RecordMilestone'> & {
        /** An earlier-occurring report arriving after a later one (normal for carriers). */
        readonly outOfOrder: boolean;
      };
    }
  | {
      readonly type: 'ShipmentMilestoneRejected';
      readonly data: DataOf<'RecordMilestone'> & { readonly reason: MilestoneRejection };
    }
  | {
      readonly type: 'ShipmentReportCorroborated';
      readonly data: Report & {
        readonly fact: CorroboratedFact;
        /**
         * The milestone, exceptionId or podId confirmed; the orderId for a booking; the commandId
         * for an ERP reply or an opened case; the caseId for a resolved case.
         */
        readonly key: string;
        /** For an `in_transit` milestone, the hub it confirms. */
        readonly location?: string;
      };
    }
  | { readonly type: 'ShipmentExceptionRaised'; readonly data: DataOf<'RaiseException'> }
  | { readonly type: 'ShipmentExceptionCleared'; readonly data: DataOf<'ClearException'> }
  | { readonly type: 'ShipmentPodReceived'; readonly data: DataOf<'RecordPod'> }
  | {
      readonly type: 'ShipmentTemperatureRecorded';
      readonly data: DataOf<'RecordTemperature'> & { readonly excursion: boolean };
    }
  /** An estimate of pick-up or delivery; it never changes the status. */
  | { readonly type: 'ShipmentEtaUpdated'; readonly data: DataOf<'RecordEta'> }
  | { readonly type: 'ShipmentAppointmentRecorded'; readonly data: DataOf<'RecordAppointment'> }
  /** A carrier's freight invoice, with its audit against the booking as known then. */
  | {
      readonly type: 'ShipmentCarrierInvoiced';
      readonly data: DataOf<'RecordCarrierInvoice'> & { readonly audit: CarrierInvoiceAudit };
    }
  /**
   * The audit of an invoice recorded earlier changed because a booking arrived or was revised;
   * `data` holds the booking message's `Report`.
   */
  | {
      readonly type: 'ShipmentCarrierInvoiceAudited';
      readonly data: Report & { readonly invoiceNumber: string; readonly audit: CarrierInvoiceAudit };
    }
  /**
   * The carrier invoices another total (or currency) than the booking's charges: an exception for
   * finance. It does not hold the customer's billing, which follows the booking's charges.
   */
  | {
      readonly type: 'ShipmentCarrierChargesMismatched';
      readonly data: Report & {
        readonly invoiceNumber: string;
        readonly carrierId: string;
        readonly mismatch: 'amount' | 'currency';
        readonly invoicedTotal: string;
        readonly invoicedCurrency: string;
        readonly bookedTotal: string;
        readonly bookedCurrency: string;
        readonly difference?: string;
        readonly owner: 'finance';
      };
    };

export type ShipmentEventType = ShipmentEvent['type'];

/**
 * The ERP's and CRM's replies to Waybill's commands, recorded from their ingest messages by
 * `decideBillingReply`. Each `data` holds the message's `Report`.
 */
export type ShipmentBillingReplyEvent =
  | {
      /** `erp.invoice-released`: the ERP invoiced the release `commandId`. */
      readonly type: 'ShipmentInvoiced';
      readonly data: Report & { readonly commandId: string; readonly invoiceNumber: string };
    }
  | {
      /** `erp.invoice-rejected`: the ERP refused the release `commandId`. */
      readonly type: 'ShipmentInvoiceRejected';
      readonly data: Report & { readonly commandId: string; readonly reason: string };
    }
  | {
      /** `crm.case-opened`: the CRM opened the case requested as `commandId`, under its `caseId`. */
      readonly type: 'ShipmentServiceCaseOpened';
      readonly data: Report & { readonly commandId: string; readonly caseId: string };
    }
  | {
      /** `crm.case-resolved`: the CRM resolved the case `caseId`. */
      readonly type: 'ShipmentServiceCaseResolved';
      readonly data: Report & { readonly caseId: string; readonly resolution: string };
    };

/** The stored event that made Waybill decide: its id in the log, or a timer's id for a deadline. */
interface Decided {
  readonly causationEventId: string;
}

/**
 * Billing decisions and case requests that Waybill takes itself (`decideBilling`,
 * `decideDeadline`). They record no message, so they carry no `Report`; the event log names their
 * cause in `causationId`. The processor sends the command an event requests with the event's
 * `commandId` as `Nats-Msg-Id`, so a replay re-sends the same command, never a new one.
 */
export type ShipmentDecisionEvent =
  | {
      /** Billable: ask the ERP to invoice (`waybill.erp.invoice.release`). */
      readonly type: 'ShipmentInvoiceReleaseRequested';
      readonly data: Decided & {
        /** `invoice.release:<shipmentId>:<attempt>`. */
        readonly commandId: string;
        /** 1, then one more after each release the ERP rejected. */
        readonly attempt: number;
        readonly orderId: string;
        readonly customerId: string;
        readonly contractId: string;
        readonly policyVersion: number;
        readonly trigger: BillingTrigger;
        /** What made it billable. */
        readonly because: readonly BillableFact[];
        /** The booking's charges when the release was decided: the command is rebuilt from this. */
        readonly charges: Charges;
        readonly requestedAt: string;
      };
    }
  | {
      /** Not billable, for these reasons; recorded only when they differ from the last decision. */
      readonly type: 'ShipmentBillingHeld';
      readonly data: Decided & {
        readonly reasons: readonly HoldReason[];
        /** Absent while the shipment has no contract. */
        readonly contractId?: string;
        readonly policyVersion?: number;
        readonly decidedAt: string;
      };
    }
  | {
      /**
       * The ERP has not answered a release within the reply timeout: send the same command again
       * (same commandId; the ERP de-duplicates on it). `send` counts sends, the first being 1.
       */
      readonly type: 'ShipmentInvoiceReleaseResent';
      readonly data: Decided & {
        readonly commandId: string;
        readonly send: number;
        readonly resentAt: string;
      };
    }
  | {
      /**
       * The ERP has not answered after the last allowed send: an exception for finance to chase.
       * No further sends.
       */
      readonly type: 'ShipmentErpReplyOverdue';
      readonly data: Decided & {
        readonly commandId: string;
        readonly sends: number;
        readonly owner: 'finance';
        readonly raisedAt: string;
      };
    }
  | {
      /** Ask the CRM to open a case (`waybill.crm.case.open`). */
      readonly type: 'ShipmentServiceCaseRequested';
      readonly data: Decided & {
        /** `case.open:<shipmentId>:<category>:<n>`, n counting the cases of that category. */
        readonly commandId: string;
        readonly category: ServiceCaseCategory;
        /** Hold reasons, or exception codes for a `delivery_exception` case. */
        readonly reasons: readonly string[];
        /** For a `delivery_exception` case: the exceptions it is about. */
        readonly exceptionIds?: readonly string[];
        /** Absent while the shipment is not booked. */
        readonly customerId?: string;
        /** The contract the case was decided under; absent when the customer has none (or in events written before it was recorded). */
        readonly contractId?: string;
        readonly policyVersion?: number;
        readonly requestedAt: string;
      };
    };

export type ShipmentDecisionEventType = ShipmentDecisionEvent['type'];

/** Billing's events on a shipment's stream: Waybill's decisions and the replies to them. */
export type ShipmentBillingEvent = ShipmentDecisionEvent | ShipmentBillingReplyEvent;
export type ShipmentBillingEventType = ShipmentBillingEvent['type'];

/** Every event a shipment's stream holds: what `evolve` folds. */
export type ShipmentStreamEvent = ShipmentEvent | ShipmentBillingEvent;
export type ShipmentStreamEventType = ShipmentStreamEvent['type'];

export const SHIPMENT_EVENT_TYPES: readonly ShipmentEventType[] = [
  'ShipmentBooked',
  'ShipmentBookingRevised',
  'ShipmentMilestoneRecorded',
  'ShipmentMilestoneRejected',
  'ShipmentReportCorroborated',
  'ShipmentExceptionRaised',
  'ShipmentExceptionCleared',
  'ShipmentPodReceived',
  'ShipmentTemperatureRecorded',
  'ShipmentEtaUpdated',
  'ShipmentAppointmentRecorded',
  'ShipmentCarrierInvoiced',
  'ShipmentCarrierInvoiceAudited',
  'ShipmentCarrierChargesMismatched',
];

export const SHIPMENT_DECISION_EVENT_TYPES: readonly ShipmentDecisionEventType[] = [
  'ShipmentInvoiceReleaseRequested',
  'ShipmentBillingHeld',
  'ShipmentServiceCaseRequested',
  'ShipmentInvoiceReleaseResent',
  'ShipmentErpReplyOverdue',
];

export const SHIPMENT_BILLING_EVENT_TYPES: readonly ShipmentBillingEventType[] = [
  ...SHIPMENT_DECISION_EVENT_TYPES,
  'ShipmentInvoiced',
  'ShipmentInvoiceRejected',
  'ShipmentServiceCaseOpened',
  'ShipmentServiceCaseResolved',
];

/** Whether the event is one of `ShipmentEvent`: the shipment's movement, without billing. */
export function isShipmentEvent(event: { type: string }): event is ShipmentEvent {
  return (SHIPMENT_EVENT_TYPES as readonly string[]).includes(event.type);
}

export function isShipmentDecisionEvent(event: { type: string }): event is ShipmentDecisionEvent {
  return (SHIPMENT_DECISION_EVENT_TYPES as readonly string[]).includes(event.type);
}

export function isShipmentBillingEvent(event: { type: string }): event is ShipmentBillingEvent {
  return (SHIPMENT_BILLING_EVENT_TYPES as readonly string[]).includes(event.type);
}

/**
 * Whether the event belongs on a shipment's stream, billing included: the filter to use before
 * folding a stream whose billing matters (`isShipmentEvent` leaves billing out).
 */
export function isShipmentStreamEvent(event: { type: string }): event is ShipmentStreamEvent {
  return isShipmentEvent(event) || isShipmentBillingEvent(event);
}

export type { Milestone };
