import type { Translator } from '../translation';
import { translateTrackingResponse } from './carrier-tracking.translator';

/** UPS, FedEx and DHL tracking JSON (chosen by `context.carrier`) → canonical messages. */
export const translateCarrierTracking: Translator = translateTrackingResponse;
