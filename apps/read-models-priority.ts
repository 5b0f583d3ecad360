/**
 * The niceness `npm start` gives its read-models child process. Read models are eventually
 * consistent and fold every event again; ingest and billing are what a customer waits on. On two
 * cores, the child at the default priority took the CPU from the billing path: bench/latency with
 * read models running measured p99 241–412 ms at the default priority and 147–250 ms at 10, in the
 * same hour (docs/benchmarks.md).
 */
export const READ_MODELS_NICENESS = 10;
