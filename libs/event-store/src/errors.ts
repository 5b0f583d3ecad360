/** Errors of the event-store port. Both adapters throw these, with the driver's error as `cause`. */
export type EventStoreErrorCode = 'wrong_expected_revision' | 'event_id_conflict' | 'unavailable';

export class EventStoreError extends Error {
  constructor(
    readonly code: EventStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class WrongExpectedRevisionError extends EventStoreError {
  constructor(
    readonly streamId: string,
    readonly expected: string,
    readonly actual: string,
    options?: { cause?: unknown },
  ) {
    super(
      'wrong_expected_revision',
      `stream ${streamId}: expected revision ${expected}, found ${actual}`,
      options,
    );
  }
}

export class EventIdConflictError extends EventStoreError {
  constructor(
    readonly streamId: string,
    readonly eventId: string,
    options?: { cause?: unknown },
  ) {
    super(
      'event_id_conflict',
      `event ${eventId} is already stored in ${streamId} with different content`,
      options,
    );
  }
}

/**
 * The store could not be reached, or the connection broke mid-operation. An append that fails
 * this way may or may not have been committed; retrying it is safe because appends are idempotent.
 */
export class EventStoreUnavailableError extends EventStoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unavailable', message, options);
  }
}
