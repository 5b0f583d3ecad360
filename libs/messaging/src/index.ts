export * from './subjects';
export * from './jetstream-setup';
