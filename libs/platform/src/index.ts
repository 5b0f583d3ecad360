export * from './config';
export * from './database';
export * from './logger';
export * from './leader-lock';
export * from './prepared-query';
