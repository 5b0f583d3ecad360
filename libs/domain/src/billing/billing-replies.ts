import type { ShipmentBillingReplyEvent, ShipmentEvent } from '../shipment/shipment.events';
import type { ShipmentState } from '../shipment/shipment.state';
import type { Report } from '../shipment/shipment.types';

/**
 * The ERP's and CRM's replies (contract v1 §2: `erp.invoice-released`, `erp.invoice-rejected`,
 * `crm.case-opened`, `crm.case-resolved`) after validation at the edge, addressed to the shipment
 * the command belonged to (`shipmentIdOfCommandId`, or the message's `shipmentId`).
 */
export type BillingReplyCommand =
  | {
      readonly type: 'RecordInvoiceReleased';
      readonly data: Report & { readonly commandId: string; readonly invoiceNumber: string };
    }
  | {
      readonly type: 'RecordInvoiceRejected';
      readonly data: Report & { readonly commandId: string; readonly reason: string };
    }
  | {
      readonly type: 'RecordServiceCaseOpened';
      readonly data: Report & { readonly commandId: string; readonly caseId: string };
    }
  | {
      readonly type: 'RecordServiceCaseResolved';
      readonly data: Report & { readonly caseId: string; readonly resolution: string };
    };

export type BillingReplyCommandType = BillingReplyCommand['type'];

/**
 * Decides which events record a reply. Like `decide`: a message already recorded is a no-op
 * (`[]`); a reply that only repeats what is known, under a new messageId, is a
 * `ShipmentReportCorroborated`; anything else is recorded, even a reply to a command the shipment
 * never requested (folded as `unmatchedReplies`), so that nothing the ERP or CRM said is lost.
 */
export function decideBillingReply(
  command: BillingReplyCommand,
  state: ShipmentState,
): (ShipmentBillingReplyEvent | ShipmentEvent)[] {
  if (state.messageIds.has(command.data.messageId)) return [];
  const { releases, cases, earlyResolutions } = state.billing;
  switch (command.type) {
    case 'RecordInvoiceReleased': {
      const { data } = command;
      const known = releases.find((r) => r.commandId === data.commandId);
      if (known?.status === 'invoiced' && known.invoiceNumber === data.invoiceNumber) {
        return [corroborate(data, 'invoice_released', data.commandId)];
      }
      return [{ type: 'ShipmentInvoiced', data }];
    }
    case 'RecordInvoiceRejected': {
      const { data } = command;
      const known = releases.find((r) => r.commandId === data.commandId);
      if (known?.status === 'rejected') return [corroborate(data, 'invoice_rejected', data.commandId)];
      return [{ type: 'ShipmentInvoiceRejected', data }];
    }
    case 'RecordServiceCaseOpened': {
      const { data } = command;
      const known = cases.find((c) => c.commandId === data.commandId);
      if (known?.caseId === data.caseId) return [corroborate(data, 'case_opened', data.commandId)];
      return [{ type: 'ShipmentServiceCaseOpened', data }];
    }
    case 'RecordServiceCaseResolved': {
      const { data } = command;
      const known = cases.find((c) => c.caseId === data.caseId);
      if (known?.status === 'resolved' || earlyResolutions.has(data.caseId)) {
        return [corroborate(data, 'case_resolved', data.caseId)];
      }
      return [{ type: 'ShipmentServiceCaseResolved', data }];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

function corroborate(
  { messageId, source, occurredAt, receivedAt }: Report,
  fact: 'invoice_released' | 'invoice_rejected' | 'case_opened' | 'case_resolved',
  key: string,
): ShipmentEvent {
  return {
    type: 'ShipmentReportCorroborated',
    data: { messageId, source, occurredAt, receivedAt, fact, key },
  };
}
