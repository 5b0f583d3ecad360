export { project, type EventLike, type EventMeta, type Projection, type StoredEvent } from './projection';
export {
  shipmentSummaryProjection,
  type ShipmentSummary,
  type ShipmentSummaryRow,
} from './shipment-summary.projection';
