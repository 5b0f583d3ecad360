import { headers as natsHeaders, type JetStreamManager, type NatsConnection } from 'nats';
import { ensureCommandStream, ensureIngestStream, streamNames } from '@waybill/messaging';
import { connectTestNats, deleteStreams, testPrefixes, until, waitForConsumerIdle } from '@waybill/testing';
import { DEMO_CONTRACTS, invoiceNumberFor, runTraffic, TestCrm, TestErp } from '@waybill/simulator';

interface Stored {
  readonly subject: string;
  readonly msgId: string | undefined;
  readonly body: Record<string, unknown>;
}

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function readStream(jsm: JetStreamManager, stream: string): Promise<Stored[]> {
  const info = await jsm.streams.info(stream);
  const out: Stored[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq });
    out.push({
      subject: m.subject,
      msgId: m.header?.get('Nats-Msg-Id') || undefined,
      body: m.json<Record<string, unknown>>(),
    });
  }
  return out;
}

describe('test ERP and CRM responders and traffic (real NATS)', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let streamPrefix: string;
  let subjectPrefix: string;
  let streams: ReturnType<typeof streamNames>;
  const stoppers: (() => Promise<void>)[] = [];

  const sendCommand = async (
    subject: 'erp.invoice.release' | 'crm.case.open',
    payload: Record<string, unknown> & { commandId: string },
    msgId = payload.commandId,
  ) => {
    const h = natsHeaders();
    h.set('Waybill-Correlation-Id', `corr-${payload.commandId}`);
    h.set('Waybill-Causation-Id', `cause-${payload.commandId}`);
    return nc.jetstream().publish(`${subjectPrefix}.${subject}`, JSON.stringify(payload), {
      msgID: msgId,
      headers: h,
    });
  };
  const release = (commandId: string, shipmentId = 'SHP-1') => ({
    commandId,
    shipmentId,
    orderId: 'SO-1',
    customerId: 'C-ACME',
    contractId: 'K-ACME-1',
    policyVersion: 1,
    charges: { currency: 'EUR', lines: [{ code: 'FRT', description: 'Linehaul', amount: '100.00' }] },
    reason: 'delivered',
    requestedAt: '2026-11-26T12:00:00Z',
  });
  const caseOpen = (commandId: string, category = 'missing_pod', shipmentId = 'SHP-2') => ({
    commandId,
    shipmentId,
    customerId: 'C-UMBRELLA',
    category,
    reasons: ['pod_missing'],
    context: {},
    correlationId: `payload-corr-${commandId}`,
    requestedAt: '2026-11-26T12:00:00Z',
  });
  const started = async <T extends { start(): Promise<void>; stop(): Promise<void> }>(r: T): Promise<T> => {
    await r.start();
    stoppers.push(() => r.stop());
    return r;
  };

  beforeAll(async () => {
    nc = await connectTestNats();
    jsm = await nc.jetstreamManager();
  });

  beforeEach(async () => {
    ({ streamPrefix, subjectPrefix } = testPrefixes('responders'));
    streams = streamNames(streamPrefix);
    await ensureCommandStream(jsm, streamPrefix, subjectPrefix);
    await ensureIngestStream(jsm, streamPrefix, subjectPrefix);
  });

  afterEach(async () => {
    for (const stop of stoppers.splice(0)) await stop();
    await deleteStreams(nc, streamPrefix);
  });

  afterAll(async () => {
    await nc.close();
  });

  describe('TestErp', () => {
    it('when a release is sent twice under one Nats-Msg-Id and re-sent under another, then one unique, one duplicate and one reply', async () => {
      const erp = await started(new TestErp({ nats: nc, streamPrefix, subjectPrefix }));

      const first = await sendCommand('erp.invoice.release', release('cmd-1'));
      const again = await sendCommand('erp.invoice.release', release('cmd-1'));
      const resent = await sendCommand('erp.invoice.release', release('cmd-1'), 'cmd-1-after-window');
      expect([first.duplicate, again.duplicate, resent.duplicate]).toEqual([false, true, false]);

      await eventually(() => erp.received.length === 2);
      await waitForConsumerIdle(jsm, streams.commands, 'test-erp');
      expect(erp.unique.size).toBe(1);
      expect(erp.duplicates).toBe(1);
      expect(erp.received.map((d) => d.headers.msgId)).toEqual(['cmd-1', 'cmd-1-after-window']);
      expect(erp.received[0]!.headers.causationId).toBe('cause-cmd-1');

      const ingest = await readStream(jsm, streams.ingest);
      expect(ingest).toHaveLength(1);
      const reply = ingest[0]!;
      expect(reply.subject).toBe(`${subjectPrefix}.ingest.erp.invoice-released`);
      expect(reply.msgId).toBe('erp-cmd-1');
      expect(reply.body).toEqual({
        messageId: 'erp-cmd-1',
        shipmentId: 'SHP-1',
        occurredAt: expect.stringMatching(RFC3339_UTC) as string,
        source: 'erp:test',
        correlationId: 'corr-cmd-1',
        commandId: 'cmd-1',
        invoiceNumber: invoiceNumberFor('cmd-1'),
      });
      expect(erp.tally).toEqual({ release: 1, reject: 0, ignore: 0 });
    });

    it('when decide says reject, then erp.invoice-rejected carries the reason', async () => {
      const erp = await started(
        new TestErp({
          nats: nc,
          streamPrefix,
          subjectPrefix,
          decide: (c) => (c.shipmentId === 'SHP-REJ' ? 'reject' : 'release'),
          rejectReason: (c) => `credit hold for ${c.customerId}`,
        }),
      );

      await sendCommand('erp.invoice.release', release('cmd-rej', 'SHP-REJ'));
      await sendCommand('erp.invoice.release', release('cmd-ok', 'SHP-OK'));
      await eventually(() => erp.unique.size === 2);
      await waitForConsumerIdle(jsm, streams.commands, 'test-erp');

      const ingest = await readStream(jsm, streams.ingest);
      expect(ingest.map((m) => [m.subject.slice(subjectPrefix.length + 1), m.body.shipmentId])).toEqual([
        ['ingest.erp.invoice-rejected', 'SHP-REJ'],
        ['ingest.erp.invoice-released', 'SHP-OK'],
      ]);
      expect(ingest[0]!.body).toMatchObject({
        messageId: 'erp-cmd-rej',
        commandId: 'cmd-rej',
        reason: 'credit hold for C-ACME',
      });
      expect(ingest[0]!.body).not.toHaveProperty('invoiceNumber');
      expect(erp.tally).toEqual({ release: 1, reject: 1, ignore: 0 });
    });

    it('when decide says ignore, then the command is acked and nothing is published', async () => {
      const erp = await started(
        new TestErp({ nats: nc, streamPrefix, subjectPrefix, decide: () => 'ignore' }),
      );

      await sendCommand('erp.invoice.release', release('cmd-silent'));
      await eventually(() => erp.unique.size === 1);
      await waitForConsumerIdle(jsm, streams.commands, 'test-erp');

      expect(await readStream(jsm, streams.ingest)).toEqual([]);
      expect(erp.repliesTo('cmd-silent')).toEqual([]);
      expect(erp.tally).toEqual({ release: 0, reject: 0, ignore: 1 });
    });

    it('when a command is not JSON or has no commandId, then it is terminated and counted as malformed', async () => {
      const errors: string[] = [];
      const erp = await started(
        new TestErp({
          nats: nc,
          streamPrefix,
          subjectPrefix,
          onError: (_e, context) => errors.push(context),
        }),
      );

      await nc.jetstream().publish(`${subjectPrefix}.erp.invoice.release`, 'not json');
      await nc
        .jetstream()
        .publish(`${subjectPrefix}.erp.invoice.release`, JSON.stringify({ shipmentId: 'S' }));
      await eventually(() => erp.malformed === 2);
      await waitForConsumerIdle(jsm, streams.commands, 'test-erp');

      expect(erp.received).toHaveLength(0);
      expect(errors).toHaveLength(2);
      expect(await readStream(jsm, streams.ingest)).toEqual([]);
    });

    it('when the ERP restarts on its durable consumer, then commands sent while it was down are answered', async () => {
      const before = new TestErp({ nats: nc, streamPrefix, subjectPrefix, durable: 'erp-restart' });
      await before.start();
      await sendCommand('erp.invoice.release', release('cmd-a', 'SHP-A'));
      await eventually(() => before.unique.size === 1);
      await waitForConsumerIdle(jsm, streams.commands, 'erp-restart');
      await before.stop();

      await sendCommand('erp.invoice.release', release('cmd-b', 'SHP-B'));
      const after = await started(
        new TestErp({ nats: nc, streamPrefix, subjectPrefix, durable: 'erp-restart' }),
      );
      await eventually(() => after.unique.size === 1);

      expect([...after.unique.keys()]).toEqual(['cmd-b']);
      expect(before.received).toHaveLength(1);
    });
  });

  describe('TestCrm', () => {
    it('when a case is requested twice, then one case is opened and resolved on demand', async () => {
      const crm = await started(new TestCrm({ nats: nc, streamPrefix, subjectPrefix }));

      await sendCommand('crm.case.open', caseOpen('case-cmd-1'));
      await sendCommand('crm.case.open', caseOpen('case-cmd-1'), 'case-cmd-1-resent');
      await eventually(() => crm.received.length === 2);
      await waitForConsumerIdle(jsm, streams.commands, 'test-crm');

      expect(crm.unique.size).toBe(1);
      expect(crm.duplicates).toBe(1);
      expect(crm.countByCategory()).toEqual({ missing_pod: 1 });
      const opened = crm.caseFor('case-cmd-1');
      expect(opened).toMatchObject({ caseId: 'CASE-1', status: 'open', shipmentId: 'SHP-2' });

      await crm.resolve('CASE-1', 'POD found in the driver app');
      await crm.resolve('CASE-1', 'a second resolution is ignored');

      const ingest = await readStream(jsm, streams.ingest);
      expect(ingest.map((m) => m.msgId)).toEqual(['crm-case-cmd-1', 'crm-resolved-case-cmd-1']);
      expect(ingest[0]!.subject).toBe(`${subjectPrefix}.ingest.crm.case-opened`);
      expect(ingest[0]!.body).toEqual({
        messageId: 'crm-case-cmd-1',
        shipmentId: 'SHP-2',
        occurredAt: expect.stringMatching(RFC3339_UTC) as string,
        source: 'crm:test',
        correlationId: 'payload-corr-case-cmd-1',
        commandId: 'case-cmd-1',
        caseId: 'CASE-1',
      });
      expect(ingest[1]!.subject).toBe(`${subjectPrefix}.ingest.crm.case-resolved`);
      expect(ingest[1]!.body).toEqual({
        messageId: 'crm-resolved-case-cmd-1',
        shipmentId: 'SHP-2',
        occurredAt: expect.stringMatching(RFC3339_UTC) as string,
        source: 'crm:test',
        correlationId: 'payload-corr-case-cmd-1',
        caseId: 'CASE-1',
        resolution: 'POD found in the driver app',
      });
      expect(crm.cases.get('CASE-1')).toMatchObject({
        status: 'resolved',
        resolution: 'POD found in the driver app',
      });
    });

    it('when resolveAfterMs is set, then each case is resolved by itself after the delay', async () => {
      const crm = await started(
        new TestCrm({ nats: nc, streamPrefix, subjectPrefix, resolveAfterMs: 300, resolution: 'Auto' }),
      );

      const sentAt = Date.now();
      await sendCommand('crm.case.open', caseOpen('c-1', 'billing_hold', 'SHP-10'));
      await sendCommand('crm.case.open', caseOpen('c-2', 'delivery_exception', 'SHP-11'));
      await eventually(
        () => [...crm.cases.values()].every((c) => c.status === 'resolved') && crm.cases.size === 2,
      );
      expect(Date.now() - sentAt).toBeGreaterThanOrEqual(300);

      const resolved = (await readStream(jsm, streams.ingest)).filter((m) =>
        m.subject.endsWith('.crm.case-resolved'),
      );
      expect(resolved.map((m) => [m.body.caseId, m.body.shipmentId, m.body.resolution])).toEqual([
        ['CASE-1', 'SHP-10', 'Auto'],
        ['CASE-2', 'SHP-11', 'Auto'],
      ]);
      expect(crm.countByCategory()).toEqual({ billing_hold: 1, delivery_exception: 1 });
    });

    it('when resolving a case it never opened, then it throws', async () => {
      const crm = new TestCrm({ nats: nc, streamPrefix, subjectPrefix });
      await expect(crm.resolve('CASE-404', 'x')).rejects.toThrow('no case CASE-404');
    });
  });

  describe('runTraffic', () => {
    it('when run for 3 s at 100 messages/s, then every planned message is published, spread over the run', async () => {
      const subjects: string[] = [];
      const summary = await runTraffic({
        nats: nc,
        subjectPrefix,
        messagesPerSecond: 100,
        durationMs: 3_000,
        seed: 3,
        onPublish: (subject) => subjects.push(subject),
      });

      expect(summary.endedBy).toBe('completed');
      expect(summary.contracts).toBe(DEMO_CONTRACTS.length);
      expect(summary.shipments).toBeGreaterThan(5);
      expect(summary.published).toBe(summary.planned);
      expect(summary.published).toBeGreaterThan(100);
      // Paced to the duration: not hanging past it (a loose bound, the host is shared), and spread
      // over the run rather than published in one burst.
      expect(summary.elapsedMs).toBeLessThan(2 * 3_000);
      expect(summary.elapsedMs).toBeGreaterThan(1_500);
      expect(subjects.slice(0, 4)).toEqual(['contract', 'contract', 'contract', 'contract']);

      const stored = await readStream(jsm, streams.ingest);
      expect(stored).toHaveLength(summary.published);
      expect(stored.slice(0, 4).map((m) => m.body.customerId)).toEqual(
        DEMO_CONTRACTS.map((c) => c.customerId),
      );
      const shipmentIds = new Set(stored.map((m) => m.body.shipmentId).filter((id) => id !== undefined));
      expect(shipmentIds.size).toBe(summary.shipments);
      for (const m of stored) {
        expect(m.body.occurredAt).toEqual(expect.stringMatching(RFC3339_UTC));
        expect(Math.abs(Date.parse(String(m.body.occurredAt)) - Date.now())).toBeLessThan(60_000);
      }
    });

    it('when run at 5 shipments a minute for 30 s, then the plan holds the shipments that finish in time', async () => {
      const controller = new AbortController();
      let published = 0;
      const run = runTraffic({
        nats: nc,
        subjectPrefix,
        shipmentsPerMinute: 5,
        durationMs: 30_000,
        signal: controller.signal,
        onPublish: () => published++,
      });
      // Stop it early, once the contracts and the first shipment's first message are out.
      await until(() => published >= DEMO_CONTRACTS.length + 1, 10_000);
      const abortedAt = Date.now();
      controller.abort();
      const summary = await run;
      const stoppedWithinMs = Date.now() - abortedAt;

      // 12 s between shipments and a lifetime capped at the 30 s: one shipment fits.
      expect(summary.shipments).toBe(1);
      expect(summary.endedBy).toBe('aborted');
      expect(summary.published).toBeGreaterThanOrEqual(DEMO_CONTRACTS.length + 1);
      expect(summary.published).toBeLessThan(summary.planned);
      // It stops when told, not at the end of its 30 s.
      expect(stoppedWithinMs).toBeLessThan(5_000);
    });

    it('when both rates are given, then it refuses', async () => {
      await expect(
        runTraffic({ nats: nc, subjectPrefix, shipmentsPerMinute: 1, messagesPerSecond: 1 }),
      ).rejects.toThrow(RangeError);
    });
  });
});
