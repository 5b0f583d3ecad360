/** Reason codes of contract v1 §2 ("What happens to a message that cannot be used"). */
export const PARK_REASONS = [
  'invalid_json',
  'invalid_message',
  'unknown_subject',
  'too_large',
  'conflicting_duplicate',
  'unmatched_reference',
  'unknown_code',
  'processing_failed',
] as const;
export type ParkReason = (typeof PARK_REASONS)[number];

export const PARKED_STATUSES = ['parked', 'replayed', 'discarded'] as const;
export type ParkedStatus = (typeof PARKED_STATUSES)[number];
