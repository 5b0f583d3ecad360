import type { ShipmentStreamEvent } from '../shipment/shipment.events';
import { fold } from '../shipment/shipment.state';
import { billingView, shipmentView } from '../shipment/shipment.view';
import { contract, eventsOf, reply, say, T } from './billing.fixtures';
import { given } from './billing.saga-spec';

const decided = (history: readonly ShipmentStreamEvent[], policy = contract()) =>
  given(history).under(policy).whenBillingDecided().history;

describe('billing in the shipment view', () => {
  it('when booked and held awaiting delivery, then the status is awaiting_delivery', () => {
    expect(billingView(fold(decided(eventsOf(say.book()))))).toEqual({
      status: 'awaiting_delivery',
      reasons: ['awaiting_delivery'],
      invoiceNumber: null,
      contractId: 'K-ACME-2026',
      policyVersion: 1,
    });
  });

  it('when delivered and held awaiting the POD, then the status is awaiting_pod', () => {
    const history = decided(
      eventsOf(say.book(), say.milestone('delivered', T('15:00'))),
      contract({ billingTrigger: 'pod' }),
    );
    expect(billingView(fold(history))).toMatchObject({ status: 'awaiting_pod', reasons: ['awaiting_pod'] });
  });

  it('when held for a reason besides waiting, then the status is on_hold with every reason', () => {
    const history = decided(
      eventsOf(say.book(), say.exception('E-1'), say.milestone('delivered', T('15:00'))),
    );
    expect(billingView(fold(history))).toMatchObject({ status: 'on_hold', reasons: ['open_exceptions'] });
  });

  it('when the contract is given and the shipment qualifies before the saga ran, then the status is billable', () => {
    const state = fold(eventsOf(say.book(), say.milestone('delivered', T('15:00'))));
    expect(billingView(state, contract())).toEqual({
      status: 'billable',
      reasons: [],
      invoiceNumber: null,
      contractId: 'K-ACME-2026',
      policyVersion: 1,
    });
    expect(shipmentView('SHP-1', 1, state, contract()).billing.status).toBe('billable');
  });

  it('when the contract is given, then a recorded hold that is out of date gives way to the rules now', () => {
    const history = decided(
      eventsOf(say.book(), say.milestone('delivered', T('15:00'))),
      contract({ billingTrigger: 'pod' }),
    );
    const withPod = [...history, ...eventsOf(say.pod('P-1', true))];
    expect(billingView(fold(withPod)).status).toBe('awaiting_pod');
    expect(billingView(fold(withPod), contract({ billingTrigger: 'pod' })).status).toBe('billable');
  });

  it('when the ERP rejected the release and no decision followed yet, then the status is rejected', () => {
    const history = decided(eventsOf(say.book(), say.milestone('delivered', T('15:00'))));
    const rejected = [...history, reply.rejected('invoice.release:SHP-1:1')];
    expect(billingView(fold(rejected))).toMatchObject({ status: 'rejected', reasons: ['invoice_rejected'] });
  });

  it('when a release stands, then it decides the status even with a contract given', () => {
    const history = decided(eventsOf(say.book(), say.milestone('delivered', T('15:00'))));
    expect(billingView(fold(history), null).status).toBe('release_requested');
  });

  it('when no billing decision is recorded and no contract given, then the provisional billing stands', () => {
    expect(billingView(fold(eventsOf(say.book(), say.milestone('delivered', T('15:00')))))).toEqual({
      status: 'on_hold',
      reasons: ['no_contract'],
      invoiceNumber: null,
    });
  });
});
