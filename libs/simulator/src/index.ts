export * from './random';
export * from './shipment-day';
export * from './expected-outcome';
export {
  MalformedCommandError,
  type CommandDelivery,
  type ParsedCommand,
  type Reply,
  type ResponderOptions,
} from './responders/command-responder';
export * from './responders/test-erp';
export * from './responders/test-crm';
export * from './responders/traffic';
