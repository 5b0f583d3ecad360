export {
  ProjectionRunner,
  ProjectionRunnerError,
  READ_MODELS_SCHEMA,
  type BatchContext,
  type ProjectionRunnerOptions,
  type ReadModelTable,
} from './projection-runner';
export {
  billableShipmentsTable,
  readBillableShipments,
  type BillableShipmentsQuery,
} from './billable-shipments.table';
export { exceptionQueueTable, readExceptionQueue, type ExceptionQueueQuery } from './exception-queue.table';
export { decodeJson, encodeJson, parseJson, stringifyJson, type JsonValue } from './json-codec';
