export * from './park-reasons';
export * from './parked-message.store';
export * from './shipment-references';
export * from './unmatched-replay';
export * from './ingest-counts';
