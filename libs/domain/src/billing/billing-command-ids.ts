import { SERVICE_CASE_CATEGORIES, type ServiceCaseCategory } from './billing.types';

/**
 * Command ids are deterministic and readable (contract v1 §3): a replay, retry or restart builds
 * the same id, and the ERP and CRM de-duplicate on it. Their format is stored data.
 */
export function invoiceReleaseCommandId(shipmentId: string, attempt: number): string {
  return `invoice.release:${shipmentId}:${attempt}`;
}

export function caseOpenCommandId(shipmentId: string, category: ServiceCaseCategory, n: number): string {
  return `case.open:${shipmentId}:${category}:${n}`;
}

const RELEASE = /^invoice\.release:(.+):(\d+)$/;
const CASE = new RegExp(`^case\\.open:(.+):(${SERVICE_CASE_CATEGORIES.join('|')}):(\\d+)$`);

/**
 * The shipment a command id belongs to, or `null` for an id Waybill did not build: how an ERP or
 * CRM reply is routed to its shipment's stream. Parsed from the end, because a shipmentId may
 * itself contain `:`.
 */
export function shipmentIdOfCommandId(commandId: string): string | null {
  return RELEASE.exec(commandId)?.[1] ?? CASE.exec(commandId)?.[1] ?? null;
}
