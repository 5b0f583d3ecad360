export { translateCarrierTracking } from './carrier-tracking.translator';
