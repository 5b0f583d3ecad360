import { withPolicyDefaults, type BillingPolicyInput } from '../contract/billing-policy';
import type { CurrentContract } from '../contract/contract.state';
import type { ShipmentCommand } from '../shipment/shipment.commands';
import { decide } from '../shipment/shipment.decide';
import type {
  ShipmentBillingReplyEvent,
  ShipmentEvent,
  ShipmentStreamEvent,
} from '../shipment/shipment.events';
import { cmd, report } from '../shipment/shipment.fixtures';
import { fold } from '../shipment/shipment.state';
import type { ExceptionCode, Severity } from '../shipment/shipment.types';
import type { BillingSagaContext } from './billing-saga';

/** Builders for billing tests: realistic values, with only what a test cares about spelled out. */
export const SHIPMENT = 'SHP-1';
export const T = (hhmm: string, day = 19) => `2026-11-${day}T${hhmm}:00Z`;

export function contract(
  policy: BillingPolicyInput = { billingTrigger: 'delivered' },
  version = 1,
  contractId = 'K-ACME-2026',
): CurrentContract {
  return { contractId, version, policy: withPolicyDefaults(policy) };
}

export function context(now = T('18:00'), causationEventId = 'evt-1'): BillingSagaContext {
  return { shipmentId: SHIPMENT, now, causationEventId };
}

export const say = {
  book: (occurredAt = T('07:00')) => cmd.book(occurredAt),
  milestone: cmd.milestone,
  pod: (podId: string, signatureCaptured: boolean, occurredAt = T('16:00')): ShipmentCommand => ({
    type: 'RecordPod',
    data: {
      ...report(occurredAt, 'pod:docuflow'),
      podId,
      signatureCaptured,
      ...(signatureCaptured ? { signedBy: 'J. Doe' } : {}),
    },
  }),
  exception: (
    exceptionId: string,
    severity: Severity = 'medium',
    code: ExceptionCode = 'delay',
    occurredAt = T('11:00'),
  ): ShipmentCommand => ({
    type: 'RaiseException',
    data: { ...report(occurredAt, 'carrier:UPSN'), exceptionId, code, severity },
  }),
  cleared: (exceptionId: string, occurredAt = T('13:00')): ShipmentCommand => ({
    type: 'ClearException',
    data: { ...report(occurredAt), exceptionId, resolution: 'Handled with the consignee' },
  }),
  temperature: (excursion: boolean, occurredAt = T('12:00')): ShipmentCommand => ({
    type: 'RecordTemperature',
    data: {
      ...report(occurredAt, 'sensor:reefer-9'),
      minCelsius: 3,
      maxCelsius: excursion ? 9.5 : 7,
      allowedMinCelsius: 2,
      allowedMaxCelsius: 8,
    },
  }),
};

/** The events the shipment's decider records for these reports, in this order. */
export function eventsOf(...commands: ShipmentCommand[]): ShipmentEvent[] {
  const events: ShipmentEvent[] = [];
  for (const command of commands) events.push(...decide(command, fold(events)));
  return events;
}

export const reply = {
  invoiced: (commandId: string, invoiceNumber = 'INV-9001'): ShipmentBillingReplyEvent => ({
    type: 'ShipmentInvoiced',
    data: { ...report(T('09:00', 20), 'erp:sap'), commandId, invoiceNumber },
  }),
  rejected: (commandId: string, reason = 'Unknown charge code FRT'): ShipmentBillingReplyEvent => ({
    type: 'ShipmentInvoiceRejected',
    data: { ...report(T('09:00', 20), 'erp:sap'), commandId, reason },
  }),
  caseOpened: (commandId: string, caseId: string): ShipmentBillingReplyEvent => ({
    type: 'ShipmentServiceCaseOpened',
    data: { ...report(T('10:00', 20), 'crm:salesforce'), commandId, caseId },
  }),
  caseResolved: (caseId: string, resolution = 'Fixed'): ShipmentBillingReplyEvent => ({
    type: 'ShipmentServiceCaseResolved',
    data: { ...report(T('11:00', 20), 'crm:salesforce'), caseId, resolution },
  }),
};

export type History = readonly ShipmentStreamEvent[];
