import type { ShipmentStreamEvent } from '../shipment/shipment.events';
import { fold } from '../shipment/shipment.state';
import { decideBilling } from './billing-saga';
import { context, contract, eventsOf, reply, say, T } from './billing.fixtures';
import { decideErpFollowUp, erpReplyDeadline, type ErpFollowUpPolicy } from './erp-follow-up';

const policy: ErpFollowUpPolicy = { replyTimeoutMs: 30 * 60_000, maxSends: 3 };
const COMMAND = 'invoice.release:SHP-1:1';

/** A delivered shipment whose release was requested at 18:00. */
function requested(): ShipmentStreamEvent[] {
  const events: ShipmentStreamEvent[] = eventsOf(say.book(), say.milestone('delivered', T('15:00')));
  events.push(...decideBilling(fold(events), contract(), context(T('18:00'))));
  expect(events.at(-1)).toMatchObject({
    type: 'ShipmentInvoiceReleaseRequested',
    data: { commandId: COMMAND },
  });
  return events;
}

describe('ERP reply deadline', () => {
  it('when a release is requested, then the reply is due one timeout after the send', () => {
    expect(erpReplyDeadline(fold(requested()), policy)).toBe(new Date(T('18:30')).toISOString());
  });

  it('when the deadline has not come, then nothing is decided', () => {
    expect(decideErpFollowUp(fold(requested()), policy, context(T('18:29')))).toEqual([]);
  });

  it('when the ERP stays silent past the timeout, then the same command is sent again, and the next deadline counts from that send', () => {
    const events = requested();
    const resent = decideErpFollowUp(fold(events), policy, context(T('18:31'), 'timer-1'));
    expect(resent).toEqual([
      {
        type: 'ShipmentInvoiceReleaseResent',
        data: { commandId: COMMAND, send: 2, resentAt: T('18:31'), causationEventId: 'timer-1' },
      },
    ]);
    expect(erpReplyDeadline(fold([...events, ...resent]), policy)).toBe(new Date(T('19:01')).toISOString());
  });

  it('when the last allowed send goes unanswered, then an exception owned by finance is raised, once', () => {
    const events = requested();
    events.push(...decideErpFollowUp(fold(events), policy, context(T('18:31'))));
    events.push(...decideErpFollowUp(fold(events), policy, context(T('19:02'))));
    const overdue = decideErpFollowUp(fold(events), policy, context(T('19:33')));
    expect(overdue).toEqual([
      {
        type: 'ShipmentErpReplyOverdue',
        data: {
          commandId: COMMAND,
          sends: 3,
          owner: 'finance',
          raisedAt: T('19:33'),
          causationEventId: 'evt-1',
        },
      },
    ]);
    const after = fold([...events, ...overdue]);
    expect(erpReplyDeadline(after, policy)).toBeNull();
    expect(decideErpFollowUp(after, policy, context(T('23:00')))).toEqual([]);
    // Overdue is not rejected: no second release is requested behind finance's back.
    expect(decideBilling(after, contract(), context(T('23:00')))).toEqual([]);
  });

  it('when the ERP answers, then no deadline remains', () => {
    const events = [...requested(), reply.invoiced(COMMAND)];
    expect(erpReplyDeadline(fold(events), policy)).toBeNull();
    expect(decideErpFollowUp(fold(events), policy, context(T('23:00')))).toEqual([]);
  });
});
