export { project, type EventLike, type EventMeta, type Projection, type StoredEvent } from './projection';
export {
  shipmentSummaryProjection,
  type ShipmentSummary,
  type ShipmentSummaryRow,
} from './shipment-summary.projection';
export {
  billableShipment,
  billableShipmentKey,
  billableShipments,
  billableShipmentsProjection,
  customerContractKey,
  type BillableShipment,
  type BillableShipmentEntry,
  type BillableShipmentsEvent,
  type BillableShipmentsRow,
  type CustomerContractEntry,
  type RecordedHold,
} from './billable-shipments.projection';
export {
  billingHoldItemId,
  erpReplyOverdueItemId,
  exceptionQueueItems,
  exceptionQueueProjection,
  parkedMessageRow,
  shipmentExceptionItemId,
  type BillingHoldItem,
  type CaseMention,
  type ErpReplyOverdueItem,
  type ExceptionQueueItem,
  type ExceptionQueueRow,
  type ParkedMessageInput,
  type ParkedMessageItem,
  type ParkedMessageStatus,
  type ShipmentExceptionItem,
} from './exception-queue.projection';
export { isDecimal, sumDecimals } from './decimal';
