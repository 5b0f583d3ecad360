import type { INestApplicationContext } from '@nestjs/common';
import type { JetStreamManager, JsMsg } from 'nats';
import {
  fold,
  isShipmentStreamEvent,
  shipmentStreamId,
  shipmentView,
  type ShipmentStreamEvent,
} from '@waybill/domain';
import { CheckpointStore, comparePositions } from '@waybill/event-store';
import { streamNames, subjectsFor } from '@waybill/messaging';
import { readBillableShipments, readExceptionQueue, READ_MODELS_SCHEMA } from '@waybill/read-models';
import { invoiceNumberFor, TestCrm, TestErp } from '@waybill/simulator';
import { eventually, until, waitForConsumerIdle } from '@waybill/testing';
import { startProcessor } from '../processor';
import { BillingSagaRunner } from './billing-saga.runner';
import type { Clock } from './clock';
import { DISPATCHER_CHECKPOINT } from './command-dispatcher';
import { requestsCommand } from './outgoing-commands';
import { createProcessorHarness, type ProcessorHarness } from '../testing/processor-harness';

/** A clock the test moves by hand. */
class TestClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return this.current;
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
}

interface SentCommand {
  subject: string;
  msgId: string;
  correlationId: string;
  causationId: string;
  payload: Record<string, unknown>;
}

const encode = (body: unknown) => new TextEncoder().encode(JSON.stringify(body));
let seq = 0;
const id = (label: string) => `${label}-${++seq}`;

/**
 * Billing end to end over the real NATS and PostgreSQL: contracts and shipment messages in, the
 * saga decides from the log, the dispatcher publishes commands to the ERP and CRM subjects, the
 * replies close the loop. The test ERP and CRM of libs/simulator answer the commands (the ERP
 * rejects S-REJ's release and ignores S-SIL's); the assertions read the command stream itself.
 */
describe('billing: from shipment events to ERP and CRM commands', () => {
  let harness: ProcessorHarness;
  let processor: INestApplicationContext;
  let erp: TestErp;
  let crm: TestCrm;
  let checkpoints: CheckpointStore;
  let jsm: JetStreamManager;
  const clock = new TestClock(new Date('2026-11-26T00:00:00Z'));

  const publish = async (subject: string, body: Record<string, unknown>) => {
    await harness.nats
      .jetstream()
      .publish(subjectsFor(harness.config.subjectPrefix).ingest(subject), encode(body));
  };
  const contract = (customerId: string, policy: Record<string, unknown>) =>
    publish('contract', {
      messageId: id('contract'),
      occurredAt: '2026-11-25T08:00:00Z',
      source: 'crm:test',
      customerId,
      contractId: `K-${customerId}`,
      policy,
    });
  const book = (shipmentId: string, customerId: string) =>
    publish('shipment.booked', {
      messageId: id('book'),
      shipmentId,
      occurredAt: '2026-11-26T06:00:00Z',
      source: 'tms',
      orderId: `SO-${shipmentId}`,
      customerId,
      carrierId: 'UPSN',
      origin: 'Rotterdam',
      destination: 'Venlo',
      charges: { currency: 'EUR', lines: [{ code: 'FRT', description: 'Linehaul', amount: '250.00' }] },
    });
  const milestone = (shipmentId: string, m: string, occurredAt = '2026-11-26T15:00:00Z') =>
    publish('shipment.milestone', {
      messageId: id(m),
      shipmentId,
      occurredAt,
      source: 'carrier:UPSN',
      milestone: m,
    });
  const pod = (shipmentId: string, signatureCaptured: boolean) =>
    publish('shipment.pod', {
      messageId: id('pod'),
      shipmentId,
      occurredAt: '2026-11-26T15:30:00Z',
      source: 'pod:docuflow',
      podId: id(`P-${shipmentId}`),
      signatureCaptured,
      ...(signatureCaptured ? { signedBy: 'J. Doe' } : {}),
    });

  /** Every command published so far, read from the start of the command stream. */
  const commands = async (): Promise<SentCommand[]> => {
    const js = harness.nats.jetstream();
    const consumer = await js.consumers.get(streamNames(harness.config.streamPrefix).commands);
    const info = await consumer.info();
    const total = info.num_pending;
    const sent: SentCommand[] = [];
    if (total === 0) return sent;
    const batch = await consumer.fetch({ max_messages: total, expires: 2000 });
    for await (const m of batch as AsyncIterable<JsMsg>) {
      sent.push({
        subject: m.subject.slice(harness.config.subjectPrefix.length + 1),
        msgId: m.headers?.get('Nats-Msg-Id') ?? '',
        correlationId: m.headers?.get('Waybill-Correlation-Id') ?? '',
        causationId: m.headers?.get('Waybill-Causation-Id') ?? '',
        payload: JSON.parse(new TextDecoder().decode(m.data)) as Record<string, unknown>,
      });
      if (sent.length === total) break;
    }
    return sent;
  };

  const commandsFor = (shipmentId: string) =>
    commands().then((all) => all.filter((c) => c.payload.shipmentId === shipmentId));
  const billingOf = async (shipmentId: string) => {
    const stream = await harness.eventStore.readStream(shipmentStreamId(shipmentId));
    const state = fold(
      stream
        .map((e) => ({ type: e.type, data: e.data }) as ShipmentStreamEvent)
        .filter((e) => isShipmentStreamEvent(e)),
    );
    return { stream, view: shipmentView(shipmentId, stream.length - 1, state) };
  };
  /** A shipment's case requests of one category, as the log (the outbox) holds them now. */
  const caseRequests = async (shipmentId: string, category: string) =>
    (await harness.eventStore.readStream(shipmentStreamId(shipmentId))).filter(
      (e) =>
        e.type === 'ShipmentServiceCaseRequested' && (e.data as { category: string }).category === category,
    );
  /**
   * Waits until the dispatcher has handled the shipment's stream as it stands now. Its checkpoint
   * passes an event only after JetStream acknowledged the commands the event requested, so from
   * then on the command stream holds everything this log asked for, and a count of it is final.
   */
  const dispatchedFor = async (shipmentId: string) => {
    const last = (await harness.eventStore.readStream(shipmentStreamId(shipmentId))).at(-1)!;
    await until(async () => {
      const at = await checkpoints.load(DISPATCHER_CHECKPOINT);
      return at !== undefined && comparePositions(at, last.position) >= 0;
    });
  };

  beforeAll(async () => {
    harness = await createProcessorHarness('billing', {
      WAYBILL_DEADLINE_POLL_MS: '100000',
      WAYBILL_ERP_REPLY_TIMEOUT_MS: '60000',
      WAYBILL_ERP_MAX_SENDS: '2',
    });
    // A one-second de-duplication window, so that the deliberate re-send below is not dropped.
    jsm = await harness.nats.jetstreamManager();
    const commandStream = streamNames(harness.config.streamPrefix).commands;
    const { config } = await jsm.streams.info(commandStream);
    await jsm.streams.update(commandStream, { ...config, duplicate_window: 1_000_000_000 });
    const responder = {
      nats: harness.nats,
      streamPrefix: harness.config.streamPrefix,
      subjectPrefix: harness.config.subjectPrefix,
      now: () => new Date('2026-11-26T16:00:00Z'),
    };
    erp = new TestErp({
      ...responder,
      decide: (c) => (c.shipmentId === 'S-REJ' ? 'reject' : c.shipmentId === 'S-SIL' ? 'ignore' : 'release'),
      rejectReason: () => 'customer credit block',
    });
    crm = new TestCrm(responder);
    await erp.start();
    await crm.start();
    processor = await startProcessor(harness.config, clock);
    checkpoints = await CheckpointStore.create(harness.pool);
  });

  afterAll(async () => {
    await erp?.stop();
    await crm?.stop();
    await processor?.close();
    await harness?.close();
  });

  it("when a delivered-trigger customer's shipment is delivered, then one invoice.release goes to the ERP, and its reply invoices the shipment", async () => {
    await contract('C-DEL', { billingTrigger: 'delivered' });
    await book('S-DEL', 'C-DEL');
    await milestone('S-DEL', 'delivered');

    const [release] = await eventually(
      () => commandsFor('S-DEL'),
      (c) => c.length >= 1,
    );
    expect(release).toMatchObject({
      subject: 'erp.invoice.release',
      msgId: 'invoice.release:S-DEL:1',
      payload: {
        commandId: 'invoice.release:S-DEL:1',
        shipmentId: 'S-DEL',
        orderId: 'SO-S-DEL',
        customerId: 'C-DEL',
        contractId: 'K-C-DEL',
        policyVersion: 1,
        charges: { currency: 'EUR', lines: [{ code: 'FRT', description: 'Linehaul', amount: '250.00' }] },
      },
    });
    expect(release!.payload.correlationId).toBe(release!.correlationId);
    expect(release!.causationId).toMatch(/^[0-9a-f-]{36}$/);

    // The test ERP invoices it; its reply comes back through ingest.
    const { view } = await eventually(
      () => billingOf('S-DEL'),
      (b) => b.view.billing.status === 'invoiced',
    );
    expect(view.billing).toMatchObject({
      status: 'invoiced',
      invoiceNumber: invoiceNumberFor('invoice.release:S-DEL:1'),
    });
    expect(erp.unique.has('invoice.release:S-DEL:1')).toBe(true);
  });

  it('when the contract arrives after delivery, then the held shipment is released', async () => {
    await book('S-LATE', 'C-LATE');
    await milestone('S-LATE', 'delivered');
    const held = await eventually(
      () => billingOf('S-LATE'),
      (b) => b.stream.some((e) => e.type === 'ShipmentBillingHeld'),
    );
    expect(held.stream.find((e) => e.type === 'ShipmentBillingHeld')!.data).toMatchObject({
      reasons: ['no_contract'],
    });
    // Held with nothing to wait for: service is asked to sort out the missing contract.
    const hold = await eventually(
      () => commandsFor('S-LATE'),
      (c) => c.length >= 1,
    );
    expect(hold.map((c) => [c.subject, c.payload.category, c.payload.reasons])).toEqual([
      ['crm.case.open', 'billing_hold', ['no_contract']],
    ]);

    await contract('C-LATE', { billingTrigger: 'delivered' });
    const releases = await eventually(
      () => commandsFor('S-LATE').then((c) => c.filter((x) => x.subject === 'erp.invoice.release')),
      (c) => c.length >= 1,
    );
    expect(releases.map((r) => r.msgId)).toEqual(['invoice.release:S-LATE:1']);
  });

  it('when the policy needs a signed POD, then an unsigned POD holds the invoice and a signed one releases it', async () => {
    await contract('C-POD', { billingTrigger: 'pod', requireSignedPod: true });
    await book('S-POD', 'C-POD');
    await milestone('S-POD', 'delivered');
    await pod('S-POD', false);
    const held = await eventually(
      () => billingOf('S-POD'),
      (b) =>
        b.stream.some(
          (e) =>
            e.type === 'ShipmentBillingHeld' &&
            (e.data as { reasons: string[] }).reasons.includes('pod_unsigned'),
        ),
    );
    expect(held.stream.filter((e) => e.type === 'ShipmentInvoiceReleaseRequested')).toEqual([]);

    await pod('S-POD', true);
    const releases = await eventually(
      () => commandsFor('S-POD').then((c) => c.filter((x) => x.subject === 'erp.invoice.release')),
      (c) => c.length >= 1,
    );
    expect(releases.map((r) => r.msgId)).toEqual(['invoice.release:S-POD:1']);
  });

  it('when the ERP rejects the invoice, then an invoice_rejected case goes to the CRM', async () => {
    await contract('C-REJ', { billingTrigger: 'delivered' });
    await book('S-REJ', 'C-REJ');
    await milestone('S-REJ', 'delivered');
    await eventually(
      () => commandsFor('S-REJ'),
      (c) => c.length >= 1,
    );
    // The test ERP rejects this one.
    const cases = await eventually(
      () => commandsFor('S-REJ').then((c) => c.filter((x) => x.subject === 'crm.case.open')),
      (c) => c.length >= 1,
    );
    expect(cases[0]).toMatchObject({
      msgId: 'case.open:S-REJ:invoice_rejected:1',
      payload: { category: 'invoice_rejected', customerId: 'C-REJ', shipmentId: 'S-REJ' },
    });
    expect((cases[0]!.payload.context as { status: string }).status).toBe('delivered');
    const { view } = await billingOf('S-REJ');
    expect(view.billing.status).toBe('rejected');
  });

  it('when no POD arrives within podGraceHours after delivery, then the deadline opens a missing_pod case, once', async () => {
    await contract('C-MISS', { billingTrigger: 'pod', podGraceHours: 2 });
    await book('S-MISS', 'C-MISS');
    await milestone('S-MISS', 'delivered', '2026-11-26T10:00:00Z');
    await eventually(
      () => billingOf('S-MISS'),
      (b) => b.stream.some((e) => e.type === 'ShipmentBillingHeld'),
    );
    const saga = processor.get(BillingSagaRunner);

    // fireDueDeadlines resolves once what the timers decided is appended: the log can be read at once.
    clock.set('2026-11-26T11:59:00Z');
    await saga.fireDueDeadlines();
    expect(await caseRequests('S-MISS', 'missing_pod')).toEqual([]);
    await dispatchedFor('S-MISS');
    expect((await commandsFor('S-MISS')).filter((c) => c.subject === 'crm.case.open')).toEqual([]);

    clock.set('2026-11-26T12:01:00Z');
    expect(await saga.fireDueDeadlines()).toBeGreaterThanOrEqual(1);
    expect(await caseRequests('S-MISS', 'missing_pod')).toHaveLength(1);
    await dispatchedFor('S-MISS');
    const cases = (await commandsFor('S-MISS')).filter((c) => c.subject === 'crm.case.open');
    expect(cases.map((c) => c.payload.category)).toEqual(['missing_pod']);
    // A timer has no message of its own: the case carries the shipment's correlation id on, the
    // one its last event before the timer had (contract §2: carried on every command that follows).
    const stream = await harness.eventStore.readStream(shipmentStreamId('S-MISS'));
    const caseAt = stream.findIndex((e) => e.type === 'ShipmentServiceCaseRequested');
    const chain = stream[caseAt - 1]!.metadata.correlationId;
    expect(chain).not.toMatch(/^timer:/);
    expect(stream[caseAt]!.metadata.correlationId).toBe(chain);
    expect(cases[0]!.correlationId).toBe(chain);
    expect(cases[0]!.payload.correlationId).toBe(chain);

    clock.set('2026-11-27T12:00:00Z');
    await saga.fireDueDeadlines();
    expect(await caseRequests('S-MISS', 'missing_pod')).toHaveLength(1);
    await dispatchedFor('S-MISS');
    expect((await commandsFor('S-MISS')).filter((c) => c.subject === 'crm.case.open')).toHaveLength(1);
  });

  it('when the policy requires temperature compliance and cleared exceptions, then an excursion and an open exception hold the invoice and open their cases', async () => {
    await contract('C-COLD', {
      billingTrigger: 'delivered',
      requireTemperatureCompliance: true,
      requireExceptionsCleared: true,
    });
    await book('S-COLD', 'C-COLD');
    await publish('shipment.exception', {
      messageId: id('exc'),
      shipmentId: 'S-COLD',
      occurredAt: '2026-11-26T11:00:00Z',
      source: 'carrier:UPSN',
      exceptionId: 'E-COLD',
      code: 'damage',
      severity: 'high',
    });
    await publish('shipment.temperature', {
      messageId: id('temp'),
      shipmentId: 'S-COLD',
      occurredAt: '2026-11-26T12:00:00Z',
      source: 'sensor:reefer-1',
      minCelsius: 3,
      maxCelsius: 11,
      allowedMinCelsius: 2,
      allowedMaxCelsius: 8,
    });
    await milestone('S-COLD', 'delivered');
    const held = await eventually(
      () => billingOf('S-COLD'),
      (b) =>
        b.stream.some(
          (e) =>
            e.type === 'ShipmentBillingHeld' &&
            (e.data as { reasons: string[] }).reasons.includes('temperature_excursion') &&
            (e.data as { reasons: string[] }).reasons.includes('open_exceptions'),
        ),
    );
    expect(held.view.billing.status).toBe('on_hold');
    const cases = await eventually(
      () => commandsFor('S-COLD').then((c) => c.filter((x) => x.subject === 'crm.case.open')),
      (c) => c.length >= 3,
    );
    // Each problem gets its case, and the hold itself one more for service to follow up.
    expect(cases.map((c) => c.payload.category).sort()).toEqual([
      'billing_hold',
      'delivery_exception',
      'temperature_excursion',
    ]);
    expect(cases.find((c) => c.payload.category === 'billing_hold')!.payload.reasons).toEqual(
      expect.arrayContaining(['temperature_excursion', 'open_exceptions']),
    );
    expect((await commandsFor('S-COLD')).filter((c) => c.subject === 'erp.invoice.release')).toEqual([]);
  });

  it('when all is done, then every commandId was published once and no shipment has two releases', async () => {
    const all = await commands();
    const ids = all.map((c) => c.msgId);
    expect(new Set(ids).size).toBe(ids.length);
    const releases = all.filter((c) => c.subject === 'erp.invoice.release').map((c) => c.payload.shipmentId);
    expect(new Set(releases).size).toBe(releases.length);
    expect(releases.sort()).toEqual(['S-DEL', 'S-LATE', 'S-POD', 'S-REJ']);
    // The test ERP and CRM saw each command once, and nothing the stream does not hold. Counted once
    // their consumers are idle: every command in the stream delivered and acked, none still to come.
    const releaseIds = all
      .filter((c) => c.subject === 'erp.invoice.release')
      .map((c) => c.msgId)
      .sort();
    const caseCount = all.filter((c) => c.subject === 'crm.case.open').length;
    await until(() => erp.unique.size >= releaseIds.length && crm.unique.size >= caseCount);
    const commandStream = streamNames(harness.config.streamPrefix).commands;
    await waitForConsumerIdle(jsm, commandStream, 'test-erp');
    await waitForConsumerIdle(jsm, commandStream, 'test-crm');
    expect([...erp.unique.keys()].sort()).toEqual(releaseIds);
    expect(erp.duplicates).toBe(0);
    expect(crm.unique.size).toBe(caseCount);
    expect(crm.duplicates).toBe(0);
  });

  it('when billing has run, then the read models the API serves show it: billable shipments and the exception queue', async () => {
    const lines = await eventually(
      () => readBillableShipments(harness.pool, READ_MODELS_SCHEMA, { customerId: 'C-DEL', limit: 10 }),
      (l) => l.some((x) => x.shipmentId === 'S-DEL' && x.status === 'invoiced'),
    );
    expect(lines.find((x) => x.shipmentId === 'S-DEL')).toMatchObject({
      status: 'invoiced',
      invoiceNumber: invoiceNumberFor('invoice.release:S-DEL:1'),
      amount: '250.00',
      currency: 'EUR',
    });
    const queue = await eventually(
      () => readExceptionQueue(harness.pool, READ_MODELS_SCHEMA, { shipmentId: 'S-COLD', limit: 50 }),
      (q) => q.length >= 2,
    );
    expect(queue.map((item) => [item.kind, item.owner, item.status])).toEqual(
      expect.arrayContaining([
        ['exception', 'operations', 'open'],
        ['hold', 'operations', 'open'],
      ]),
    );
  });

  it('when the ERP stays silent, then the same release is sent again, and after the last send finance gets an exception', async () => {
    await contract('C-SIL', { billingTrigger: 'delivered' });
    await book('S-SIL', 'C-SIL');
    await milestone('S-SIL', 'delivered');
    const [first] = await eventually(
      () => commandsFor('S-SIL'),
      (c) => c.length >= 1,
    );
    const requestedAt = Date.parse(first!.payload.requestedAt as string);
    const saga = processor.get(BillingSagaRunner);

    await new Promise((r) => setTimeout(r, 1_100)); // past the de-duplication window
    clock.set(new Date(requestedAt + 61_000).toISOString());
    await saga.fireDueDeadlines();
    const both = await eventually(
      () => commandsFor('S-SIL'),
      (c) => c.length >= 2,
    );
    expect(both.map((c) => c.msgId)).toEqual(['invoice.release:S-SIL:1', 'invoice.release:S-SIL:1']);
    expect(both[1]!.payload).toEqual(both[0]!.payload);
    expect(both[1]!.causationId).not.toBe(both[0]!.causationId);

    clock.set(new Date(requestedAt + 10 * 60_000).toISOString());
    await saga.fireDueDeadlines();
    const { stream } = await eventually(
      () => billingOf('S-SIL'),
      (b) => b.stream.some((e) => e.type === 'ShipmentErpReplyOverdue'),
    );
    expect(stream.find((e) => e.type === 'ShipmentErpReplyOverdue')!.data).toMatchObject({
      commandId: 'invoice.release:S-SIL:1',
      sends: 2,
      owner: 'finance',
    });
    // The last send raised the exception and sent nothing more: one request and one re-send in the
    // log, and so two commands on the wire once the dispatcher has handled the stream.
    expect(stream.filter((e) => requestsCommand(e)).map((e) => e.type)).toEqual([
      'ShipmentInvoiceReleaseRequested',
      'ShipmentInvoiceReleaseResent',
    ]);
    await dispatchedFor('S-SIL');
    expect(await commandsFor('S-SIL')).toHaveLength(2);
    // The test ERP got the re-send as a duplicate of the same commandId. Its consumer idle means
    // every command in the stream was delivered and acked: no delivery is still to come.
    await eventually(
      () => erp.received.filter((d) => d.command.shipmentId === 'S-SIL').length,
      (n) => n >= 2,
    );
    await waitForConsumerIdle(jsm, streamNames(harness.config.streamPrefix).commands, 'test-erp');
    expect(erp.received.filter((d) => d.command.shipmentId === 'S-SIL')).toHaveLength(2);
    expect(erp.duplicates).toBe(1);
  });
});
