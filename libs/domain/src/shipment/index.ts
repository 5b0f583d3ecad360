export * from './shipment.types';
export * from './shipment.commands';
export * from './shipment.events';
export * from './shipment.state';
export * from './shipment.decide';
export * from './shipment.view';
export * from './shipment-stream';
export * from './money';
