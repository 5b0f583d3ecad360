export * from './random';
export * from './shipment-day';
export * from './expected-outcome';
