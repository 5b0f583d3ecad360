export * from './billing.types';
export * from './billing.state';
export * from './billing-decision';
export * from './billing-command-ids';
export * from './billing-saga';
export * from './billing-replies';
export * from './erp-follow-up';
export * from './owners';
