export * from './park-reasons';
export * from './parked-message.store';
