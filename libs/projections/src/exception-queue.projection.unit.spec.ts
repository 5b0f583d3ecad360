import { shipmentStreamId, type ShipmentCommand, type ShipmentStreamEvent } from '@waybill/domain';
// Test-only builders of the domain; not part of its public API.
import { cmd, report } from '../../domain/src/shipment/shipment.fixtures';
import { context, contract, eventsOf, reply, say, T } from '../../domain/src/billing/billing.fixtures';
import { given } from '../../domain/src/billing/billing.saga-spec';
import {
  exceptionQueueItems,
  exceptionQueueProjection,
  parkedMessageRow,
  type ExceptionQueueItem,
} from './exception-queue.projection';
import { project, type StoredEvent } from './projection';

const RECORDED = Date.parse('2026-11-21T08:00:00Z');
const at = (second: number) => new Date(RECORDED + second * 1000);

function streamOf(shipmentId: string, events: readonly ShipmentStreamEvent[]): StoredEvent[] {
  return events.map((event, i) => ({
    ...event,
    streamId: shipmentStreamId(shipmentId),
    revision: BigInt(i),
    recordedAt: at(i),
  }));
}

function queueOf(
  events: readonly ShipmentStreamEvent[],
  shipmentId = 'SHP-1',
): Map<string, ExceptionQueueItem> {
  const rows = project(exceptionQueueProjection, streamOf(shipmentId, events));
  return new Map(exceptionQueueItems(rows).map((item) => [item.id, item]));
}

const invoice = (total: string, currency = 'EUR', occurredAt = T('17:00')): ShipmentCommand => ({
  type: 'RecordCarrierInvoice',
  data: {
    ...report(occurredAt, 'carrier:ABCD'),
    invoiceNumber: 'INV-88001',
    carrierId: 'ABCD',
    currency,
    lines: [{ code: '400', description: 'Line haul', amount: total }],
    total,
  },
});
const rebook = (amount: string, occurredAt: string) =>
  cmd.book(occurredAt, {
    charges: { currency: 'EUR', lines: [{ code: 'FRT', description: 'Linehaul', amount }] },
  });

const delivered = eventsOf(say.book(), say.milestone('delivered', T('15:00')));
const overdue = (commandId: string, raisedAt: string): ShipmentStreamEvent => ({
  type: 'ShipmentErpReplyOverdue',
  data: { commandId, sends: 3, owner: 'finance', raisedAt, causationEventId: 'timer-1' },
});

describe('exception queue projection', () => {
  it('when an exception is raised, then it is an open exception of operations, and resolved once cleared', () => {
    const raised = eventsOf(say.book(), say.exception('E-1', 'medium', 'damage', T('11:00')));
    expect(queueOf(raised).get('exception:SHP-1:E-1')).toEqual<ExceptionQueueItem>({
      id: 'exception:SHP-1:E-1',
      kind: 'exception',
      shipmentId: 'SHP-1',
      code: 'damage',
      owner: 'operations',
      status: 'open',
      openedAt: T('11:00'),
      resolvedAt: null,
      detail: { exceptionId: 'E-1', severity: 'medium', description: null, resolution: null, cases: [] },
    });
    const cleared = eventsOf(
      say.book(),
      say.exception('E-1', 'medium', 'damage', T('11:00')),
      say.cleared('E-1', T('13:00')),
    );
    expect(queueOf(cleared).get('exception:SHP-1:E-1')).toMatchObject({
      status: 'resolved',
      openedAt: T('11:00'),
      resolvedAt: T('13:00'),
      detail: { resolution: 'Handled with the consignee' },
    });
  });

  it('when the clearing arrives before the raising, then the exception is resolved, opened when first seen until its raising tells when', () => {
    const events = eventsOf(
      say.book(),
      say.cleared('E-1', T('13:00')),
      say.exception('E-1', 'low', 'delay', T('11:00')),
    );
    expect(queueOf(events.slice(0, 2)).get('exception:SHP-1:E-1')).toMatchObject({
      code: 'unknown',
      owner: 'operations',
      status: 'resolved',
      openedAt: at(1).toISOString(),
    });
    expect(queueOf(events).get('exception:SHP-1:E-1')).toMatchObject({
      code: 'delay',
      status: 'resolved',
      openedAt: T('11:00'),
      resolvedAt: T('13:00'),
    });
  });

  it('when the saga holds a delivered shipment for an open exception, then the hold is open for operations and resolves when the release is requested', () => {
    const withException = eventsOf(say.book(), say.exception('E-1'), say.milestone('delivered', T('15:00')));
    const held = given(withException)
      .under(contract())
      .whenBillingDecided(context(T('15:01'))).history;
    expect(queueOf(held).get('hold:SHP-1:open_exceptions')).toEqual<ExceptionQueueItem>({
      id: 'hold:SHP-1:open_exceptions',
      kind: 'hold',
      shipmentId: 'SHP-1',
      code: 'open_exceptions',
      owner: 'operations',
      status: 'open',
      openedAt: T('15:01'),
      resolvedAt: null,
      detail: {
        contractId: 'K-ACME-2026',
        policyVersion: 1,
        cases: [
          {
            commandId: 'case.open:SHP-1:billing_hold:1',
            category: 'billing_hold',
            status: 'requested',
            caseId: null,
          },
        ],
      },
    });
    const cleared = [...held, ...eventsOf(say.cleared('E-1', T('16:00')))];
    const released = given(cleared)
      .under(contract())
      .whenBillingDecided(context(T('16:01'))).history;
    expect(queueOf(released).get('hold:SHP-1:open_exceptions')).toMatchObject({
      status: 'resolved',
      openedAt: T('15:01'),
      resolvedAt: T('16:01'),
    });
  });

  it('when the hold reasons change, then a reason no longer held resolves and a new one opens with its own owner', () => {
    const withException = eventsOf(say.book(), say.exception('E-1'), say.milestone('delivered', T('15:00')));
    const noContract = given(withException)
      .under(null)
      .whenBillingDecided(context(T('15:01'))).history;
    const items = queueOf(noContract);
    expect(items.get('hold:SHP-1:no_contract')).toMatchObject({ owner: 'finance', status: 'open' });
    expect(items.has('hold:SHP-1:open_exceptions')).toBe(false);
    const underContract = given(noContract)
      .under(contract())
      .whenBillingDecided(context(T('17:00'))).history;
    const after = queueOf(underContract);
    expect(after.get('hold:SHP-1:no_contract')).toMatchObject({ status: 'resolved', resolvedAt: T('17:00') });
    expect(after.get('hold:SHP-1:open_exceptions')).toMatchObject({
      owner: 'operations',
      status: 'open',
      openedAt: T('17:00'),
    });
  });

  it('when the saga only waits for the delivery, then the queue has nothing for it', () => {
    const waiting = given(eventsOf(say.book()))
      .under(contract())
      .whenBillingDecided(context(T('08:00'))).history;
    expect(waiting.map((e) => e.type)).toContain('ShipmentBillingHeld');
    expect([...queueOf(waiting).keys()]).toEqual([]);
  });

  it('when the ERP rejects a release, then an invoice_rejected hold is open for finance with its case mentioned', () => {
    const released = given(delivered)
      .under(contract())
      .whenBillingDecided(context(T('15:01'))).history;
    const rejected = [...released, reply.rejected('invoice.release:SHP-1:1')];
    const decided = given(rejected)
      .under(contract())
      .whenBillingDecided(context(T('09:05', 20))).history;
    expect(queueOf(decided).get('hold:SHP-1:invoice_rejected')).toMatchObject({
      owner: 'finance',
      status: 'open',
      detail: { cases: [{ category: 'invoice_rejected', status: 'requested' }] },
    });
  });

  it('when the ERP reply is overdue, then it is an open exception for finance, resolved when the ERP invoices', () => {
    const released = given(delivered)
      .under(contract())
      .whenBillingDecided(context(T('15:01'))).history;
    const late = [...released, overdue('invoice.release:SHP-1:1', T('18:00'))];
    expect(queueOf(late).get('erp-reply-overdue:invoice.release:SHP-1:1')).toEqual<ExceptionQueueItem>({
      id: 'erp-reply-overdue:invoice.release:SHP-1:1',
      kind: 'exception',
      shipmentId: 'SHP-1',
      code: 'erp_reply_overdue',
      owner: 'finance',
      status: 'open',
      openedAt: T('18:00'),
      resolvedAt: null,
      detail: { commandId: 'invoice.release:SHP-1:1', sends: 3, reply: null },
    });
    const answered = [...late, reply.invoiced('invoice.release:SHP-1:1')];
    expect(queueOf(answered).get('erp-reply-overdue:invoice.release:SHP-1:1')).toMatchObject({
      status: 'resolved',
      resolvedAt: T('09:00', 20),
      detail: { reply: 'invoiced' },
    });
  });

  it('when a carrier invoices other charges than booked, then it is an open exception for finance, resolved once a revised booking matches the invoice', () => {
    const id = 'carrier-charges-mismatch:SHP-1:INV-88001';
    // Booked 420.00 EUR (the fixture's booking); the carrier invoices 450.00.
    const mismatched = eventsOf(say.book(), invoice('450.00'));
    expect(mismatched.map((e) => e.type)).toEqual([
      'ShipmentBooked',
      'ShipmentCarrierInvoiced',
      'ShipmentCarrierChargesMismatched',
    ]);
    expect(queueOf(mismatched).get(id)).toEqual<ExceptionQueueItem>({
      id,
      kind: 'exception',
      shipmentId: 'SHP-1',
      code: 'carrier_charges_mismatch',
      owner: 'finance',
      status: 'open',
      openedAt: T('17:00'),
      resolvedAt: null,
      detail: {
        invoiceNumber: 'INV-88001',
        carrierId: 'ABCD',
        mismatch: 'amount',
        invoicedTotal: '450.00',
        invoicedCurrency: 'EUR',
        bookedTotal: '420.00',
        bookedCurrency: 'EUR',
        difference: '30.00',
      },
    });

    // A revision that still differs keeps the item open, with the latest figures.
    const stillOff = eventsOf(say.book(), invoice('450.00'), rebook('440.00', T('18:00')));
    expect(stillOff.map((e) => e.type).slice(3)).toEqual([
      'ShipmentBookingRevised',
      'ShipmentCarrierInvoiceAudited',
      'ShipmentCarrierChargesMismatched',
    ]);
    expect(queueOf(stillOff).get(id)).toMatchObject({
      status: 'open',
      openedAt: T('17:00'),
      resolvedAt: null,
      detail: { bookedTotal: '440.00', difference: '10.00' },
    });

    const settled = eventsOf(
      say.book(),
      invoice('450.00'),
      rebook('440.00', T('18:00')),
      rebook('450.00', T('19:00')),
    );
    expect(settled.at(-1)).toMatchObject({
      type: 'ShipmentCarrierInvoiceAudited',
      data: { invoiceNumber: 'INV-88001', audit: { result: 'matched' } },
    });
    expect(queueOf(settled).get(id)).toMatchObject({
      status: 'resolved',
      openedAt: T('17:00'),
      resolvedAt: T('19:00'),
      detail: { bookedTotal: '440.00' },
    });
  });

  it('when an invoice is in another currency than the booking, then the item says so and has no difference; a matching invoice is no item', () => {
    const item = queueOf(eventsOf(say.book(), invoice('420.00', 'USD'))).get(
      'carrier-charges-mismatch:SHP-1:INV-88001',
    );
    expect(item).toMatchObject({
      status: 'open',
      detail: { mismatch: 'currency', invoicedCurrency: 'USD', bookedCurrency: 'EUR', difference: null },
    });
    expect([...queueOf(eventsOf(say.book(), invoice('420.00'))).keys()]).toEqual([]);
  });

  it('when a high-severity exception gets a delivery case, then the exception mentions the case and the case is no item', () => {
    const events = eventsOf(say.book(), say.exception('E-1', 'high', 'damage'));
    const decided = given(events)
      .under(contract())
      .whenBillingDecided(context(T('11:05'))).history;
    const opened = [...decided, reply.caseOpened('case.open:SHP-1:delivery_exception:1', 'CASE-7')];
    const items = queueOf(opened);
    expect(items.get('exception:SHP-1:E-1')?.detail).toMatchObject({
      cases: [
        {
          commandId: 'case.open:SHP-1:delivery_exception:1',
          category: 'delivery_exception',
          status: 'open',
          caseId: 'CASE-7',
        },
      ],
    });
    expect([...items.keys()]).toEqual(['exception:SHP-1:E-1', 'hold:SHP-1:open_exceptions']);
  });

  it('when events are delivered again or in batches, then the items equal those of one pass', () => {
    const withException = eventsOf(say.book(), say.exception('E-1'), say.milestone('delivered', T('15:00')));
    const stored = streamOf(
      'SHP-1',
      given(withException).under(contract()).whenBillingDecided(context()).history,
    );
    const once = project(exceptionQueueProjection, stored);
    const batched = project(
      exceptionQueueProjection,
      stored.slice(2),
      project(exceptionQueueProjection, stored.slice(0, 2)),
    );
    const again = project(exceptionQueueProjection, stored.slice(1), once);
    expect(exceptionQueueItems(batched)).toEqual(exceptionQueueItems(once));
    expect(again.get('SHP-1')).toBe(once.get('SHP-1'));
    expect(exceptionQueueItems(once)).toHaveLength(2);
  });

  it('when a message is parked, then it is an open item of operations; once replayed or discarded, resolved', () => {
    const parked = {
      id: '42',
      subject: 'waybill.ingest.tms.milestone',
      reason: 'invalid_message',
      explanation: 'occurredAt is not a timestamp',
      messageId: 'msg-9',
      shipmentId: 'SHP-1',
      receivedAt: new Date('2026-11-21T08:00:00Z'),
      status: 'parked' as const,
    };
    expect(parkedMessageRow(parked)).toEqual<ExceptionQueueItem>({
      id: 'parked:42',
      kind: 'parked',
      shipmentId: 'SHP-1',
      code: 'invalid_message',
      owner: 'operations',
      status: 'open',
      openedAt: '2026-11-21T08:00:00.000Z',
      resolvedAt: null,
      detail: {
        parkedId: '42',
        subject: 'waybill.ingest.tms.milestone',
        explanation: 'occurredAt is not a timestamp',
        messageId: 'msg-9',
        parkedStatus: 'parked',
      },
    });
    const replayed = parkedMessageRow({
      ...parked,
      status: 'replayed',
      statusChangedAt: new Date('2026-11-21T09:00:00Z'),
    });
    expect(replayed).toMatchObject({ status: 'resolved', resolvedAt: '2026-11-21T09:00:00.000Z' });
    expect(parkedMessageRow({ ...parked, shipmentId: null, status: 'discarded' })).toMatchObject({
      shipmentId: null,
      status: 'resolved',
      resolvedAt: null,
    });
  });
});
