import type { INestApplicationContext } from '@nestjs/common';
import { shipmentStreamId, type ShipmentEvent } from '@waybill/domain';
import { deterministicId } from '@waybill/event-store';
import { IngestCounts } from '@waybill/parking';
import { expectedOutcome, RECEIVED_AT_PLACEHOLDER, shipmentDay, type Publication } from '@waybill/simulator';
import { startProcessor } from '../processor';
import { createProcessorHarness, type ProcessorHarness } from '../testing/processor-harness';

/**
 * A realistic day for 200 shipments through real NATS JetStream and PostgreSQL: bookings,
 * milestones out of order, duplicates, conflicting duplicates and malformed messages. Every
 * stream must hold exactly the events the pure domain says, every bad message must be parked
 * with its reason, and nothing may be lost.
 */
describe('ingest: a realistic day for 200 shipments', () => {
  let harness: ProcessorHarness;
  let processor: INestApplicationContext | null = null;
  let droppedByJetStream = 0;
  const day: Publication[] = shipmentDay({ shipments: 200, seed: 7 });
  const expected = expectedOutcome(day);

  beforeAll(async () => {
    harness = await createProcessorHarness('ingestday');
    processor = await startProcessor(harness.config);
    // Some publishers set Nats-Msg-Id: JetStream itself drops their exact re-sends. The others'
    // re-sends reach Waybill and must be recognised as duplicates. (A conflicting re-send never
    // carries the header here, or JetStream would drop it before Waybill could park it.)
    droppedByJetStream = await harness.publish(day, {
      msgIdHeader: (p) => (p.intent === 'valid' || p.intent === 'duplicate') && p.messageId!.length % 2 === 0,
    });
    await harness.waitUntilIdle();
  });

  afterAll(async () => {
    await processor?.close();
    await harness?.close();
  });

  it('when the day is ingested, then the mix is realistic (the test exercises every path)', () => {
    const intents = new Map<string, number>();
    for (const p of day) intents.set(p.intent, (intents.get(p.intent) ?? 0) + 1);
    expect(intents.get('valid')).toBeGreaterThan(1400);
    expect(intents.get('duplicate')).toBeGreaterThan(10);
    // Both duplicate paths are exercised: dropped by JetStream, and recognised by Waybill.
    expect(droppedByJetStream).toBeGreaterThan(0);
    expect(droppedByJetStream).toBeLessThan(intents.get('duplicate')!);
    expect(intents.get('conflicting_duplicate')).toBeGreaterThan(2);
    expect(intents.get('invalid_json')).toBe(3);
    expect(intents.get('invalid_message')).toBe(6);
    expect(intents.get('unknown_subject')).toBe(2);
    const types = new Set([...expected.streams.values()].flat().map((e) => e.type));
    expect([...types].sort()).toEqual([
      'ShipmentBooked',
      'ShipmentExceptionCleared',
      'ShipmentExceptionRaised',
      'ShipmentMilestoneRecorded',
      'ShipmentMilestoneRejected',
      'ShipmentPodReceived',
      'ShipmentReportCorroborated',
      'ShipmentTemperatureRecorded',
    ]);
  });

  it('when the day is ingested, then the hourly ingest counts add up to every message that reached Waybill, duplicates apart', async () => {
    const intents = new Map<string, number>();
    for (const p of day) intents.set(p.intent, (intents.get(p.intent) ?? 0) + 1);
    const counts = await IngestCounts.create(harness.pool);
    const reached = day.length - droppedByJetStream;
    const all = () => counts.totals(new Date('2000-01-01T00:00:00Z'), new Date('2100-01-01T00:00:00Z'));
    // The processor writes its counts once a second.
    const deadline = Date.now() + 15_000;
    let totals = await all();
    while (totals.appended + totals.duplicate + totals.parked < reached && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      totals = await all();
    }
    expect(totals.appended + totals.duplicate + totals.parked).toBe(reached);
    expect(totals.duplicate).toBe(intents.get('duplicate')! - droppedByJetStream);
    const parked = await harness.pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM waybill.parked_messages`,
    );
    expect(totals.parked).toBe(Number(parked.rows[0]!.n));
  });

  it('when the day is ingested, then every stream holds exactly the expected events, in order', async () => {
    expect(expected.streams.size).toBe(200);
    for (const [shipmentId, events] of expected.streams) {
      const stream = await harness.eventStore.readStream(shipmentStreamId(shipmentId));
      expect(stream.map((e) => e.revision)).toEqual(stream.map((_, i) => BigInt(i)));
      // The billing saga adds its decisions to the same stream; here only what ingest recorded counts.
      const recorded = stream.filter((e) => e.metadata.messageId !== undefined);
      const actual: ShipmentEvent[] = recorded.map((e) => {
        const data = e.data as ShipmentEvent['data'];
        expect(Date.parse(data.receivedAt)).not.toBeNaN();
        return { type: e.type, data: { ...data, receivedAt: RECEIVED_AT_PLACEHOLDER } } as ShipmentEvent;
      });
      expect({ shipmentId, events: actual }).toStrictEqual({ shipmentId, events });
      recorded.forEach((e) => {
        const messageId = (e.data as { messageId: string }).messageId;
        expect(e.metadata).toEqual({
          messageId,
          causationId: messageId,
          correlationId: deterministicId(`correlation:${messageId}`),
          occurredAt: (e.data as { occurredAt: string }).occurredAt,
          source: (e.data as { source: string }).source,
        });
      });
    }
  });

  it('when the day is ingested, then no event exists outside the expected streams', async () => {
    const all = (await harness.eventStore.readAll({ maxCount: 100_000 })).filter(
      (e) => e.metadata.messageId !== undefined,
    );
    const expectedCount = [...expected.streams.values()].reduce((n, s) => n + s.length, 0);
    expect(all).toHaveLength(expectedCount);
    expect(new Set(all.map((e) => e.id)).size).toBe(expectedCount);
  });

  it('when bad messages arrive, then each is parked once with its reason and raw bytes', async () => {
    const parked = await harness.parked.list({ limit: 500 });
    const summary = (p: { subject: string; reason: string; messageId?: string | null }) =>
      `${p.subject.split('.ingest.')[1] ?? p.subject}|${p.reason}|${p.messageId ?? ''}`;
    expect(parked.map(summary).sort()).toEqual(expected.parked.map(summary).sort());
    for (const p of parked) {
      expect(p.explanation.length).toBeGreaterThan(10);
      expect(p.status).toBe('parked');
      expect(p.headers['Waybill-Test']).toEqual(['ingestday']);
      const original = day.find(
        (d) => d.subject === p.subject.split('.ingest.')[1] && Buffer.from(d.payload).equals(p.raw),
      );
      expect(original).toBeDefined();
    }
  });

  it('when a malformed message is parked, then the explanation says what is wrong', async () => {
    const parked = await harness.parked.list({ reason: 'invalid_message', limit: 50 });
    const byId = new Map(parked.map((p) => [p.messageId, p.explanation]));
    expect(byId.get('bad-enum-1')).toMatch(/milestone must be one of/);
    expect(byId.get('no-offset-1')).toMatch(/occurredAt must carry an offset/);
    expect(byId.get('no-ship-1')).toMatch(/shipmentId/);
    expect(byId.get('bad-money-1')).toMatch(/currency/);
    expect(byId.get('bad-money-1')).toMatch(/amount must be a decimal string/);
  });
});
