import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';

/**
 * The customer id rule, one for every place that takes one: bookings, `contract` messages and
 * `/v1/contracts/{customerId}`. Contract v1 §2 sets none, so it is any text a booking may name,
 * 1–128 characters, without control characters (PostgreSQL refuses U+0000 in text, and none
 * belongs in an id). A narrower rule for contracts alone left booked customers that no contract
 * could ever be recorded for, their shipments on hold as `no_contract` for good.
 */
export const CUSTOMER_ID_MAX_LENGTH = 128;

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;

/** class-validator decorators for a customer id field, each failure naming `customerId`. */
export function IsCustomerId(): PropertyDecorator {
  const decorators = [
    IsString({ message: 'customerId must be a string' }),
    IsNotEmpty({ message: 'customerId must not be empty' }),
    MaxLength(CUSTOMER_ID_MAX_LENGTH, {
      message: `customerId must be at most ${CUSTOMER_ID_MAX_LENGTH} characters`,
    }),
    Matches(NO_CONTROL_CHARACTERS, { message: 'customerId must not contain control characters' }),
  ];
  return (target, property) => {
    for (const decorate of decorators) decorate(target, property);
  };
}
