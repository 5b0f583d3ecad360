import { EXCEPTION_CODES } from '../shipment/shipment.types';
import { HOLD_REASONS, SERVICE_CASE_CATEGORIES } from './billing.types';
import { ownerOfCase, ownerOfHold, ownerOfShipmentException } from './owners';

describe('exception owners', () => {
  it('when any shipment exception is raised, then operations owns it', () => {
    expect(new Set(EXCEPTION_CODES.map(ownerOfShipmentException))).toEqual(new Set(['operations']));
  });

  it('when billing is held, then finance owns contract and ERP reasons and operations owns the delivery ones', () => {
    const owners = Object.fromEntries(HOLD_REASONS.map((r) => [r, ownerOfHold(r)]));
    expect(owners).toMatchObject({
      no_contract: 'finance',
      invoice_rejected: 'finance',
      awaiting_pod: 'operations',
    });
    expect(Object.values(owners).every((o) => o === 'finance' || o === 'operations')).toBe(true);
    expect(Object.keys(owners)).toHaveLength(HOLD_REASONS.length);
  });

  it('when a case goes to the CRM, then service owns it', () => {
    expect(new Set(SERVICE_CASE_CATEGORIES.map(ownerOfCase))).toEqual(new Set(['service']));
  });
});
