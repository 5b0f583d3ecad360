export {
  ProjectionRunner,
  ProjectionRunnerError,
  READ_MODELS_SCHEMA,
  type BatchContext,
  type ProjectionRunnerOptions,
  type ReadModelTable,
  type RunnerStatus,
} from './projection-runner';
export {
  checkpointsTable,
  readCheckpoint,
  readCheckpoints,
  type StoredCheckpoint,
} from './checkpoints-table';
export { activeSpan, kpiFactsTable, readEventLatencyHours, readKpiFacts } from './kpis.table';
export {
  billableShipmentsReadModel,
  eventLatencyReadModel,
  kpiFactsReadModel,
  diffTables,
  exceptionQueueReadModel,
  readModelNamed,
  READ_MODELS,
  type DiffLine,
  type DiffReport,
  type ReadModelDefinition,
} from './read-model-definitions';
export {
  RebuildError,
  Rebuilds,
  type Rebuild,
  type RebuildProgress,
  type RebuildsOptions,
  type RebuildStatus,
} from './rebuilds';
export {
  billableShipmentsTable,
  readBillableShipments,
  type BillableShipmentsQuery,
} from './billable-shipments.table';
export { exceptionQueueTable, readExceptionQueue, type ExceptionQueueQuery } from './exception-queue.table';
export { decodeJson, encodeJson, parseJson, stringifyJson, type JsonValue } from './json-codec';
export { verifyReadModel, type Verification } from './verify';
export { rowsTableName } from './sql';
