export * from './translation';
export * from './x12';
export { translateEdifact } from './edifact';
export { translateCarrierTracking } from './carrier-apis';
export { translateEpcis } from './epcis';
export { translatorFor, type TranslatorChoice } from './registry';
