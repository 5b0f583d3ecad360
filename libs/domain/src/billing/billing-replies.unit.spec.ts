import type { ShipmentStreamEvent } from '../shipment/shipment.events';
import { report } from '../shipment/shipment.fixtures';
import { fold } from '../shipment/shipment.state';
import { caseOpenCommandId, invoiceReleaseCommandId, shipmentIdOfCommandId } from './billing-command-ids';
import { decideBillingReply, type BillingReplyCommand } from './billing-replies';
import { context, contract, eventsOf, reply, say, T } from './billing.fixtures';
import { given } from './billing.saga-spec';

const released = () =>
  given(eventsOf(say.book(), say.milestone('delivered', T('15:00'))))
    .under(contract())
    .whenBillingDecided().history;

const answer = (command: BillingReplyCommand, history: readonly ShipmentStreamEvent[]) =>
  decideBillingReply(command, fold(history));

describe('billing replies', () => {
  it('when the ERP invoices a release, then it is recorded; the same message again records nothing', () => {
    const history = released();
    const invoiced: BillingReplyCommand = {
      type: 'RecordInvoiceReleased',
      data: {
        ...report(T('09:00', 20), 'erp:sap'),
        commandId: 'invoice.release:SHP-1:1',
        invoiceNumber: 'INV-1',
      },
    };
    const events = answer(invoiced, history);
    expect(events).toEqual([{ type: 'ShipmentInvoiced', data: invoiced.data }]);
    expect(answer(invoiced, [...history, ...events])).toEqual([]);
  });

  it('when the ERP repeats the invoice under a new messageId, then it corroborates', () => {
    const history = [...released(), reply.invoiced('invoice.release:SHP-1:1', 'INV-1')];
    const again: BillingReplyCommand = {
      type: 'RecordInvoiceReleased',
      data: {
        ...report(T('10:00', 20), 'erp:sap'),
        commandId: 'invoice.release:SHP-1:1',
        invoiceNumber: 'INV-1',
      },
    };
    expect(answer(again, history)).toEqual([
      {
        type: 'ShipmentReportCorroborated',
        data: {
          ...report(T('10:00', 20), 'erp:sap', again.data.messageId),
          fact: 'invoice_released',
          key: 'invoice.release:SHP-1:1',
        },
      },
    ]);
  });

  it('when a reply names a command the shipment never requested, then it is recorded but changes no release', () => {
    const history = released();
    const stray: BillingReplyCommand = {
      type: 'RecordInvoiceRejected',
      data: { ...report(T('09:00', 20), 'erp:sap'), commandId: 'invoice.release:SHP-1:7', reason: 'n/a' },
    };
    const events = answer(stray, history);
    expect(events).toEqual([{ type: 'ShipmentInvoiceRejected', data: stray.data }]);
    const state = fold([...history, ...events]);
    expect(state.billing.unmatchedReplies).toBe(1);
    expect(state.billing.releases.map((r) => r.status)).toEqual(['requested']);
  });

  it('when the CRM resolves a case before it reports it opened, then the case is resolved once both are known', () => {
    const history = given(eventsOf(say.book(), say.temperature(true)))
      .under(contract())
      .whenBillingDecided(context()).history;
    const commandId = 'case.open:SHP-1:temperature_excursion:1';
    const state = fold([
      ...history,
      reply.caseResolved('CASE-1', 'Inspected'),
      reply.caseOpened(commandId, 'CASE-1'),
    ]);
    expect(state.billing.cases).toMatchObject([
      { commandId, caseId: 'CASE-1', status: 'resolved', resolution: 'Inspected' },
    ]);
    const resolvedAgain: BillingReplyCommand = {
      type: 'RecordServiceCaseResolved',
      data: { ...report(T('12:00', 20), 'crm:salesforce'), caseId: 'CASE-1', resolution: 'Inspected' },
    };
    expect(decideBillingReply(resolvedAgain, state)).toMatchObject([
      { type: 'ShipmentReportCorroborated', data: { fact: 'case_resolved', key: 'CASE-1' } },
    ]);
  });
});

describe('command ids', () => {
  it('when built, then they are readable and deterministic', () => {
    expect(invoiceReleaseCommandId('SHP-1', 2)).toBe('invoice.release:SHP-1:2');
    expect(caseOpenCommandId('SHP-1', 'missing_pod', 1)).toBe('case.open:SHP-1:missing_pod:1');
  });

  it.each([
    ['invoice.release:SHP-1:2', 'SHP-1'],
    ['case.open:SHP-1:billing_hold:3', 'SHP-1'],
    ['invoice.release:UPS:1Z99:4', 'UPS:1Z99'],
    ['case.open:a:b:invoice_rejected:1', 'a:b'],
    ['case.open:SHP-1:unknown:1', null],
    ['something-else', null],
  ])('when %s is parsed, then its shipment is %p', (commandId, shipmentId) => {
    expect(shipmentIdOfCommandId(commandId)).toBe(shipmentId);
  });
});
