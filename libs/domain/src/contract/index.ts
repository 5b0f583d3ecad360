export * from './billing-policy';
export * from './contract.commands';
export * from './contract.events';
export * from './contract.state';
export * from './contract.decide';
export * from './contract-stream';
