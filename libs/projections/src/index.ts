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
  carrierChargesMismatchItemId,
  erpReplyOverdueItemId,
  exceptionQueueItems,
  exceptionQueueProjection,
  parkedMessageRow,
  shipmentExceptionItemId,
  type BillingHoldItem,
  type CarrierChargesMismatch,
  type CarrierChargesMismatchItem,
  type CaseMention,
  type ErpReplyOverdueItem,
  type ExceptionQueueItem,
  type ExceptionQueueRow,
  type ParkedMessageInput,
  type ParkedMessageItem,
  type ParkedMessageStatus,
  type ShipmentExceptionItem,
} from './exception-queue.projection';
export {
  histogramCount,
  histogramPercentiles,
  latencyBucket,
  mergeHistograms,
  percentilesOf,
  withLatency,
  type LatencyHistogram,
  type Percentiles,
} from './percentiles';
export {
  eventLatencyProjection,
  hourOf,
  hourOverlaps,
  messageReportOf,
  reportLatencyMs,
  type EventLatencyRow,
  type MessageReport,
} from './event-latency.projection';
export {
  kpiFactsOf,
  shipmentKpiFactsProjection,
  type KpiCase,
  type KpiException,
  type ShipmentKpiFacts,
  type ShipmentKpiFactsRow,
} from './kpi-facts.projection';
export {
  DELIVERY_AGE_BUCKETS,
  computeKpis,
  deliveredNotBillable,
  deliveryAgeBucket,
  isWithin,
  type DeliveredNotBillable,
  type DeliveryAgeBucket,
  type KpiInput,
  type Kpis,
} from './kpis';
export { CARRIER_CASE_CATEGORIES, computeCarrierScorecard, type CarrierScorecard } from './carrier-scorecard';
