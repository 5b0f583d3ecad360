import type { BillingTrigger } from '../contract/billing-policy';
import type { ShipmentBillingEvent } from '../shipment/shipment.events';
import type { Charges } from '../shipment/shipment.types';
import type { BillableFact, HoldReason, ServiceCaseCategory } from './billing.types';

export interface InvoiceRelease {
  readonly commandId: string;
  readonly attempt: number;
  readonly contractId: string;
  readonly policyVersion: number;
  readonly trigger: BillingTrigger;
  readonly because: readonly BillableFact[];
  readonly charges: Charges;
  readonly requestedAt: string;
  /** `requested` until the ERP answers. */
  readonly status: 'requested' | 'invoiced' | 'rejected';
  /** How many times the command was sent: 1, plus one per re-send after a reply timeout. */
  readonly sends: number;
  readonly lastSentAt: string;
  /** The ERP did not answer after the last allowed send; finance owns the follow-up. */
  readonly overdue: boolean;
  readonly invoiceNumber?: string;
  readonly rejectionReason?: string;
  /**
   * For a rejected release: whether the `invoice_rejected` case about it was resolved. Until then
   * the shipment is held with `invoice_rejected` and no new release is requested.
   */
  readonly rejectionResolved: boolean;
}

export interface ServiceCase {
  readonly commandId: string;
  readonly category: ServiceCaseCategory;
  readonly reasons: readonly string[];
  /** The exceptions a `delivery_exception` case is about; empty for other categories. */
  readonly exceptionIds: readonly string[];
  /** How many temperature excursions the shipment had when the case was requested. */
  readonly excursions: number;
  readonly requestedAt: string;
  /** `requested` until the CRM confirms it opened the case; a requested case counts as open. */
  readonly status: 'requested' | 'open' | 'resolved';
  readonly caseId?: string;
  readonly resolution?: string;
}

/** The billing decision recorded last. */
export type LastBillingDecision =
  | {
      readonly kind: 'held';
      readonly reasons: readonly HoldReason[];
      readonly contractId?: string;
      readonly policyVersion?: number;
      readonly decidedAt: string;
    }
  | {
      readonly kind: 'release_requested';
      readonly commandId: string;
      readonly contractId: string;
      readonly policyVersion: number;
      readonly requestedAt: string;
    };

export interface ShipmentBilling {
  /** Every release requested, first one first. */
  readonly releases: readonly InvoiceRelease[];
  /** Every case requested, first one first. */
  readonly cases: readonly ServiceCase[];
  readonly lastDecision: LastBillingDecision | null;
  /** Resolutions of cases whose `crm.case-opened` has not arrived yet, by caseId. */
  readonly earlyResolutions: ReadonlyMap<string, string>;
  /** ERP or CRM replies naming a command this shipment never requested: kept, not applied. */
  readonly unmatchedReplies: number;
}

export const initialShipmentBilling: ShipmentBilling = Object.freeze({
  releases: [],
  cases: [],
  lastDecision: null,
  earlyResolutions: new Map<string, string>(),
  unmatchedReplies: 0,
});

/** What of the rest of the shipment a billing event needs when it is folded. */
export interface BillingFoldContext {
  readonly temperatureExcursions: number;
}

/** Folds one billing event into the shipment's billing. Pure. */
export function evolveBilling(
  billing: ShipmentBilling,
  event: ShipmentBillingEvent,
  context: BillingFoldContext,
): ShipmentBilling {
  switch (event.type) {
    case 'ShipmentInvoiceReleaseRequested': {
      const { commandId, attempt, contractId, policyVersion, trigger, because, charges, requestedAt } =
        event.data;
      const release: InvoiceRelease = {
        commandId,
        attempt,
        contractId,
        policyVersion,
        trigger,
        because,
        charges,
        requestedAt,
        status: 'requested',
        sends: 1,
        lastSentAt: requestedAt,
        overdue: false,
        rejectionResolved: false,
      };
      return {
        ...billing,
        releases: [...billing.releases, release],
        lastDecision: { kind: 'release_requested', commandId, contractId, policyVersion, requestedAt },
      };
    }
    case 'ShipmentBillingHeld': {
      const { reasons, contractId, policyVersion, decidedAt } = event.data;
      return {
        ...billing,
        lastDecision: {
          kind: 'held',
          reasons,
          decidedAt,
          ...(contractId === undefined ? {} : { contractId }),
          ...(policyVersion === undefined ? {} : { policyVersion }),
        },
      };
    }
    case 'ShipmentServiceCaseRequested': {
      const { commandId, category, reasons, exceptionIds, requestedAt } = event.data;
      const serviceCase: ServiceCase = {
        commandId,
        category,
        reasons,
        exceptionIds: exceptionIds ?? [],
        excursions: context.temperatureExcursions,
        requestedAt,
        status: 'requested',
      };
      return { ...billing, cases: [...billing.cases, serviceCase] };
    }
    case 'ShipmentInvoiceReleaseResent': {
      const { commandId, send, resentAt } = event.data;
      return updateRelease(billing, commandId, (r) => ({ ...r, sends: send, lastSentAt: resentAt }));
    }
    case 'ShipmentErpReplyOverdue': {
      const { commandId } = event.data;
      return updateRelease(billing, commandId, (r) => ({ ...r, overdue: true }));
    }
    case 'ShipmentInvoiced': {
      const { commandId, invoiceNumber } = event.data;
      return updateRelease(billing, commandId, (r) => ({ ...r, status: 'invoiced', invoiceNumber }));
    }
    case 'ShipmentInvoiceRejected': {
      const { commandId, reason } = event.data;
      return updateRelease(billing, commandId, (r) => ({
        ...r,
        status: 'rejected',
        rejectionReason: reason,
        rejectionResolved: false,
      }));
    }
    case 'ShipmentServiceCaseOpened': {
      const { commandId, caseId } = event.data;
      const index = billing.cases.findIndex((c) => c.commandId === commandId);
      const known = billing.cases[index];
      if (!known) return { ...billing, unmatchedReplies: billing.unmatchedReplies + 1 };
      const early = billing.earlyResolutions.get(caseId);
      if (early === undefined) {
        const status = known.status === 'resolved' ? 'resolved' : 'open';
        return { ...billing, cases: replaceAt(billing.cases, index, { ...known, caseId, status }) };
      }
      const earlyResolutions = new Map(billing.earlyResolutions);
      earlyResolutions.delete(caseId);
      return resolveCase({ ...billing, earlyResolutions }, index, { ...known, caseId }, early);
    }
    case 'ShipmentServiceCaseResolved': {
      const { caseId, resolution } = event.data;
      const index = billing.cases.findIndex((c) => c.caseId === caseId);
      const known = billing.cases[index];
      // The CRM's messages may arrive out of order: keep the resolution until the case is opened.
      if (!known) {
        return { ...billing, earlyResolutions: new Map(billing.earlyResolutions).set(caseId, resolution) };
      }
      return resolveCase(billing, index, known, resolution);
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

function updateRelease(
  billing: ShipmentBilling,
  commandId: string,
  change: (release: InvoiceRelease) => InvoiceRelease,
): ShipmentBilling {
  const index = billing.releases.findIndex((r) => r.commandId === commandId);
  const known = billing.releases[index];
  if (!known) return { ...billing, unmatchedReplies: billing.unmatchedReplies + 1 };
  return { ...billing, releases: replaceAt(billing.releases, index, change(known)) };
}

// Resolving the `invoice_rejected` case is what clears a rejection: finance has fixed what the ERP
// refused, and the shipment may be released again.
function resolveCase(
  billing: ShipmentBilling,
  index: number,
  known: ServiceCase,
  resolution: string,
): ShipmentBilling {
  const cases = replaceAt(billing.cases, index, { ...known, status: 'resolved', resolution });
  if (known.category !== 'invoice_rejected') return { ...billing, cases };
  const releases = billing.releases.map((r) =>
    r.status === 'rejected' && !r.rejectionResolved ? { ...r, rejectionResolved: true } : r,
  );
  return { ...billing, cases, releases };
}

function replaceAt<T>(items: readonly T[], index: number, item: T): T[] {
  return items.map((x, i) => (i === index ? item : x));
}

/** The release still standing: requested and unanswered, or invoiced. At most one exists. */
export function outstandingRelease(billing: ShipmentBilling): InvoiceRelease | undefined {
  return billing.releases.find((r) => r.status !== 'rejected');
}

/** Whether a case of this category is requested or open (contract v1 §3: at most one). */
export function openCase(billing: ShipmentBilling, category: ServiceCaseCategory): ServiceCase | undefined {
  return billing.cases.find((c) => c.category === category && c.status !== 'resolved');
}
