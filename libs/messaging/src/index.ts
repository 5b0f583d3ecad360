export * from './subjects';
export * from './jetstream-setup';
export * from './canonical-publish';
export * from './customer-id';
