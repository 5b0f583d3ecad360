import type { Translator } from '../translation';
import { translateIftsta } from './iftsta.translator';

/** EDIFACT IFTSTA (D96A and later, EANCOM too) → canonical milestones and exceptions. */
export const translateEdifact: Translator = translateIftsta;
