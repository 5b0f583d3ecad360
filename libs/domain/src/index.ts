export * from './shipment';
export * from './contract';
export * from './billing';
