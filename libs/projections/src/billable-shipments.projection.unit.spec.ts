import {
  contractStreamId,
  fold,
  shipmentStreamId,
  withPolicyDefaults,
  type BillingPolicyInput,
  type ContractEvent,
  type ShipmentStreamEvent,
} from '@waybill/domain';
// Test-only builders of the domain; not part of its public API.
import { context, contract, eventsOf, reply, say, T } from '../../domain/src/billing/billing.fixtures';
import { given } from '../../domain/src/billing/billing.saga-spec';
import { cmd, report } from '../../domain/src/shipment/shipment.fixtures';
import {
  billableShipment,
  billableShipments,
  billableShipmentsProjection,
  billableShipmentKey,
  customerContractKey,
  type BillableShipment,
  type BillableShipmentEntry,
} from './billable-shipments.projection';
import { project, type StoredEvent } from './projection';

const RECORDED = Date.parse('2026-11-21T08:00:00Z');
const at = (second: number) => new Date(RECORDED + second * 1000);

/** Records events as the log would: a revision per stream, one second apart across the log. */
function logger() {
  const revisions = new Map<string, bigint>();
  let second = 0;
  return (streamId: string, events: readonly (ShipmentStreamEvent | ContractEvent)[]): StoredEvent[] =>
    events.map((event) => {
      const revision = revisions.get(streamId) ?? 0n;
      revisions.set(streamId, revision + 1n);
      return { ...event, streamId, revision, recordedAt: at(second++) };
    });
}

const contractRecorded = (
  policy: BillingPolicyInput,
  version = 1,
  contractId = 'K-ACME-2026',
  customerId = 'C-ACME',
): ContractEvent => ({
  type: 'ContractPolicyRecorded',
  data: {
    ...report('2026-11-01T09:00:00Z', 'admin-api'),
    customerId,
    contractId,
    version,
    policy: withPolicyDefaults(policy),
  },
});

const booked = eventsOf(say.book());
const delivered = eventsOf(say.book(), say.milestone('delivered', T('15:00')));

function linesOf(events: Iterable<StoredEvent>): Map<string, BillableShipment> {
  return new Map(
    billableShipments(project(billableShipmentsProjection, events)).map((l) => [l.shipmentId, l]),
  );
}

describe('billable shipments projection', () => {
  it('when a shipment has many messages, then its row keeps none of their ids, and the rest of its state is the fold of its events', () => {
    const log = logger();
    const stored = log(shipmentStreamId('SHP-1'), delivered);
    const row = project(billableShipmentsProjection, stored).get(billableShipmentKey('SHP-1'));
    expect(row?.kind).toBe('shipment');
    const entry = row as BillableShipmentEntry;
    expect(entry.state.messageIds.size).toBe(0);
    const full = fold(delivered);
    expect(full.messageIds.size).toBe(delivered.length);
    expect(entry.state).toEqual({ ...full, messageIds: new Set() });
  });

  it('when a shipment is booked and its customer has no contract, then it is on hold for no_contract with its booking and amount', () => {
    const log = logger();
    expect(linesOf(log(shipmentStreamId('SHP-1'), booked)).get('SHP-1')).toEqual<BillableShipment>({
      shipmentId: 'SHP-1',
      customerId: 'C-ACME',
      carrierId: 'UPSN',
      orderId: 'SO-1001',
      status: 'on_hold',
      reasons: ['no_contract', 'awaiting_delivery'],
      contractId: null,
      policyVersion: null,
      amount: '420.00',
      currency: 'EUR',
      deliveredAt: null,
      holdSince: at(0).toISOString(),
      releaseRequestedAt: null,
      invoicedAt: null,
      invoiceNumber: null,
      lastEventAt: at(0),
      revision: 0n,
    });
  });

  it('when the contract arrives after the delivery, then the shipment flips from on_hold (no_contract) to billable', () => {
    const log = logger();
    const shipment = log(shipmentStreamId('SHP-1'), delivered);
    expect(linesOf(shipment).get('SHP-1')).toMatchObject({
      status: 'on_hold',
      reasons: ['no_contract'],
      deliveredAt: T('15:00'),
    });
    const withContract = [
      ...shipment,
      ...log(contractStreamId('C-ACME'), [contractRecorded({ billingTrigger: 'delivered' })]),
    ];
    expect(linesOf(withContract).get('SHP-1')).toMatchObject({
      status: 'billable',
      reasons: [],
      contractId: 'K-ACME-2026',
      policyVersion: 1,
      holdSince: null,
      lastEventAt: at(2),
      revision: 1n,
    });
  });

  it('when the contract was recorded before the shipment, then the shipment is judged under it from its first event', () => {
    const log = logger();
    const events = [
      ...log(contractStreamId('C-ACME'), [contractRecorded({ billingTrigger: 'pod' })]),
      ...log(shipmentStreamId('SHP-1'), delivered),
    ];
    expect(linesOf(events).get('SHP-1')).toMatchObject({ status: 'awaiting_pod', reasons: ['awaiting_pod'] });
  });

  it('when the contract changes, then the status of every existing shipment of that customer changes, and only theirs', () => {
    const log = logger();
    const events = [
      ...log(contractStreamId('C-ACME'), [contractRecorded({ billingTrigger: 'delivered' })]),
      ...log(shipmentStreamId('SHP-1'), delivered),
      ...log(
        shipmentStreamId('SHP-2'),
        eventsOf(cmd.book(T('07:00')), cmd.milestone('delivered', T('16:00'))),
      ),
      ...log(
        shipmentStreamId('SHP-3'),
        eventsOf(cmd.book(T('07:00'), { customerId: 'C-BETA' }), cmd.milestone('delivered', T('16:00'))),
      ),
    ];
    const before = linesOf(events);
    expect([...before.values()].map((l) => [l.shipmentId, l.status])).toEqual([
      ['SHP-1', 'billable'],
      ['SHP-2', 'billable'],
      ['SHP-3', 'on_hold'],
    ]);
    const changed = [
      ...events,
      ...log(contractStreamId('C-ACME'), [contractRecorded({ billingTrigger: 'pod' }, 2)]),
    ];
    const after = linesOf(changed);
    expect([...after.values()].map((l) => [l.shipmentId, l.status, l.policyVersion])).toEqual([
      ['SHP-1', 'awaiting_pod', 2],
      ['SHP-2', 'awaiting_pod', 2],
      ['SHP-3', 'on_hold', null],
    ]);
  });

  it('when the release is requested and then invoiced, then the shipment is release_requested and then invoiced with its number', () => {
    const released = given(delivered)
      .under(contract())
      .whenBillingDecided(context(T('15:01'))).history;
    const log = logger();
    const contractEvents = log(contractStreamId('C-ACME'), [
      contractRecorded({ billingTrigger: 'delivered' }),
    ]);
    const requested = [...contractEvents, ...log(shipmentStreamId('SHP-1'), released)];
    expect(linesOf(requested).get('SHP-1')).toMatchObject({
      status: 'release_requested',
      releaseRequestedAt: T('15:01'),
      invoicedAt: null,
      invoiceNumber: null,
    });
    const invoiced = [
      ...requested,
      ...log(shipmentStreamId('SHP-1'), [reply.invoiced('invoice.release:SHP-1:1')]),
    ];
    expect(linesOf(invoiced).get('SHP-1')).toMatchObject({
      status: 'invoiced',
      reasons: [],
      invoiceNumber: 'INV-9001',
      invoicedAt: T('09:00', 20),
      releaseRequestedAt: T('15:01'),
      contractId: 'K-ACME-2026',
      policyVersion: 1,
      amount: '420.00',
    });
  });

  it('when the ERP rejects the release, then the shipment is rejected', () => {
    const released = given(delivered)
      .under(contract())
      .whenBillingDecided(context(T('15:01'))).history;
    const log = logger();
    const events = [
      ...log(contractStreamId('C-ACME'), [contractRecorded({ billingTrigger: 'delivered' })]),
      ...log(shipmentStreamId('SHP-1'), [...released, reply.rejected('invoice.release:SHP-1:1')]),
    ];
    expect(linesOf(events).get('SHP-1')).toMatchObject({
      status: 'rejected',
      reasons: ['invoice_rejected'],
      releaseRequestedAt: null,
    });
  });

  it('when charge lines carry cents and fractions, then the amount is their exact decimal sum', () => {
    const charges = {
      currency: 'USD',
      lines: [
        { code: 'FRT', description: 'Linehaul', amount: '0.10' },
        { code: 'FSC', description: 'Fuel surcharge', amount: '0.20' },
      ],
    };
    const log = logger();
    expect(
      linesOf(log(shipmentStreamId('SHP-1'), eventsOf(cmd.book(T('07:00'), { charges })))).get('SHP-1'),
    ).toMatchObject({
      amount: '0.30',
      currency: 'USD',
    });
    const precise = {
      currency: 'EUR',
      lines: [
        { code: 'FRT', description: 'Linehaul', amount: '120.505' },
        { code: 'ADJ', description: 'Rounding', amount: '0.000001' },
        { code: 'DSC', description: 'Discount', amount: '-20.5' },
      ],
    };
    expect(
      linesOf(log(shipmentStreamId('SHP-2'), eventsOf(cmd.book(T('07:00'), { charges: precise })))).get(
        'SHP-2',
      )?.amount,
    ).toBe('100.005001');
  });

  it('when the delivery arrives before the booking, then the shipment is on hold as not booked until the booking arrives', () => {
    const log = logger();
    const contractEvents = log(contractStreamId('C-ACME'), [
      contractRecorded({ billingTrigger: 'delivered' }),
    ]);
    const shipment = log(
      shipmentStreamId('SHP-1'),
      eventsOf(say.milestone('delivered', T('15:00')), say.book()),
    );
    expect(linesOf([...contractEvents, shipment[0]!]).get('SHP-1')).toMatchObject({
      status: 'on_hold',
      reasons: ['not_booked', 'no_contract'],
      customerId: null,
      amount: null,
      currency: null,
    });
    expect(linesOf([...contractEvents, ...shipment]).get('SHP-1')).toMatchObject({
      status: 'billable',
      customerId: 'C-ACME',
      deliveredAt: T('15:00'),
    });
  });

  it('when the saga recorded the hold, then holdSince is its decision time, kept while a new version holds for the same reasons', () => {
    const withException = eventsOf(say.book(), say.exception('E-1'), say.milestone('delivered', T('15:00')));
    const held = given(withException)
      .under(contract())
      .whenBillingDecided(context(T('15:01'))).history;
    const log = logger();
    const events = [
      ...log(contractStreamId('C-ACME'), [contractRecorded({ billingTrigger: 'delivered' })]),
      ...log(shipmentStreamId('SHP-1'), held),
    ];
    expect(linesOf(events).get('SHP-1')).toMatchObject({
      status: 'on_hold',
      reasons: ['open_exceptions'],
      holdSince: T('15:01'),
    });
    const v2 = contract({ billingTrigger: 'delivered', podGraceHours: 24 }, 2);
    const again = given(held)
      .under(v2)
      .whenBillingDecided(context(T('18:00'))).events;
    const later = [
      ...events,
      ...log(contractStreamId('C-ACME'), [
        contractRecorded({ billingTrigger: 'delivered', podGraceHours: 24 }, 2),
      ]),
      ...log(shipmentStreamId('SHP-1'), again),
    ];
    expect(again.map((e) => e.type)).toEqual(['ShipmentBillingHeld']);
    expect(linesOf(later).get('SHP-1')).toMatchObject({ policyVersion: 2, holdSince: T('15:01') });
  });

  it('when events are delivered again or projected in batches, then the rows equal those of one pass', () => {
    const log = logger();
    const events = [
      ...log(shipmentStreamId('SHP-1'), delivered),
      ...log(contractStreamId('C-ACME'), [contractRecorded({ billingTrigger: 'delivered' })]),
    ];
    const once = project(billableShipmentsProjection, events);
    const first = project(billableShipmentsProjection, events.slice(0, 1));
    const batched = project(billableShipmentsProjection, events.slice(1), first);
    const again = project(billableShipmentsProjection, [...events].reverse(), once);
    expect(billableShipments(batched)).toEqual(billableShipments(once));
    expect(again.get(billableShipmentKey('SHP-1'))).toBe(once.get(billableShipmentKey('SHP-1')));
    expect(again.get(customerContractKey('C-ACME'))).toBe(once.get(customerContractKey('C-ACME')));
  });

  it('when the log holds other streams or event types, then they change no row', () => {
    const log = logger();
    const [bookedEvent] = log(shipmentStreamId('SHP-1'), booked);
    const rows = project(billableShipmentsProjection, [
      bookedEvent!,
      { ...bookedEvent!, streamId: 'contract-C-ACME', revision: 0n },
      { ...bookedEvent!, streamId: 'parcel-P1', revision: 0n },
      { type: 'ShipmentArchived', data: {}, streamId: 'shipment-SHP-1', revision: 1n, recordedAt: at(9) },
    ]);
    expect([...rows.keys()]).toEqual([billableShipmentKey('SHP-1')]);
    expect(rows.get(billableShipmentKey('SHP-1'))).toMatchObject({ revision: 0n });
  });

  it('when a shipment row is judged without any contract row, then it is held for no_contract', () => {
    const entry = billableShipmentsProjection.init(billableShipmentKey('SHP-9')) as BillableShipmentEntry;
    expect(entry).toMatchObject({ kind: 'shipment', shipmentId: 'SHP-9', revision: -1n });
    expect(billableShipment(entry, undefined)).toMatchObject({
      shipmentId: 'SHP-9',
      status: 'on_hold',
      reasons: ['not_booked', 'no_contract', 'awaiting_delivery'],
      holdSince: null,
      lastEventAt: null,
    });
  });
});
