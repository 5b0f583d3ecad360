import {
  EventIdConflictError,
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
} from '@waybill/event-store';
import { isTransient } from './ingest.consumer';

/** What node-postgres throws: an Error with the SQLSTATE in `code`. */
const pgError = (code: string, message = 'pg error') => Object.assign(new Error(message), { code });

describe('isTransient', () => {
  it.each([
    ['08000', 'connection_exception'],
    ['08003', 'connection_does_not_exist'],
    ['08006', 'connection_failure'],
    ['08001', 'sqlclient_unable_to_establish_sqlconnection'],
    ['57P01', 'admin_shutdown'],
    ['57P03', 'cannot_connect_now'],
    ['53300', 'too_many_connections'],
  ])('when PostgreSQL answers SQLSTATE %s (%s), then it is transient', (code) => {
    expect(isTransient(pgError(code, 'the server said no'))).toBe(true);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'])(
    'when the socket fails with %s, then it is transient',
    (code) => {
      expect(isTransient(Object.assign(new Error('socket error'), { code }))).toBe(true);
    },
  );

  it.each([
    ['23505', 'unique_violation'],
    ['22P02', 'invalid_text_representation'],
    ['42P01', 'undefined_table'],
  ])('when PostgreSQL answers SQLSTATE %s (%s), then it is not transient', (code) => {
    expect(isTransient(pgError(code, 'the statement is wrong'))).toBe(false);
  });

  it('when the event store is unavailable, then it is transient', () => {
    expect(isTransient(new EventStoreUnavailableError('store down'))).toBe(true);
  });

  it('when the expected revision was wrong (a concurrent writer), then it is transient: a retry re-reads', () => {
    expect(isTransient(new WrongExpectedRevisionError('shipment-1', '3', '4'))).toBe(true);
  });

  it('when an event id is already stored with different content, then it is not transient', () => {
    expect(isTransient(new EventIdConflictError('shipment-1', 'e-1'))).toBe(false);
  });

  it('when an EventIdConflictError carries a connection error as cause, then it is still not transient', () => {
    const cause = pgError('08006');
    expect(isTransient(new EventIdConflictError('shipment-1', 'e-1', { cause }))).toBe(false);
  });

  it('when the pg client reports "Connection terminated unexpectedly", then it is transient', () => {
    expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('when the message is a query timeout, then it is transient', () => {
    expect(isTransient(new Error('Query read timeout'))).toBe(true);
  });

  it('when a plain TypeError is thrown, then it is not transient', () => {
    expect(isTransient(new TypeError("Cannot read properties of undefined (reading 'milestone')"))).toBe(
      false,
    );
  });

  it('when something that is not an Error is thrown, then it is not transient', () => {
    expect(isTransient(undefined)).toBe(false);
    expect(isTransient(null)).toBe(false);
    expect(isTransient('ECONNREFUSED')).toBe(false);
    expect(isTransient({ code: 42 })).toBe(false);
  });

  // Regression (found in review, fixed): the fallback /connect/i matches any message that merely contains "connect", so a
  // programming error such as a TypeError about a `connect` property is retried forever as an
  // outage instead of being parked as processing_failed after poisonAfterDeliveries.
  it('when a TypeError merely mentions a property named connect, then it is not transient', () => {
    expect(isTransient(new TypeError('this.pool.connect is not a function'))).toBe(false);
    expect(
      isTransient(new TypeError("Cannot read properties of undefined (reading 'connectionString')")),
    ).toBe(false);
  });
});
