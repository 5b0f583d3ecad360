import type { Translator } from '../translation';
import { translateEpcisDocument } from './epcis.translator';

/** GS1 EPCIS 2.0 JSON / JSON-LD (a document or one event) → milestones and temperature reports. */
export const translateEpcis: Translator = translateEpcisDocument;
