import { register } from 'prom-client';
import type { INestApplicationContext } from '@nestjs/common';
import { headers as natsHeaders } from 'nats';
import type { Translation, TranslatorChoice } from '@waybill/carrier-formats';
import { isShipmentEvent, shipmentStreamId } from '@waybill/domain';
import type { RecordedEvent } from '@waybill/event-store';
import { streamNames, subjectsFor } from '@waybill/messaging';
import { ShipmentReferences, type ParkedMessage } from '@waybill/parking';
import { eventually } from '@waybill/testing';
import { startProcessor } from '../processor';
import { createProcessorHarness, type ProcessorHarness } from '../testing/processor-harness';

/**
 * A carrier format of the test's own: the raw bytes are the `Translation` as JSON, so the test
 * states exactly what "the translator" returns and checks only what the processor does with it
 * (resolve, publish, park, replay). The real translators have tests of their own.
 */
const jsonTranslator: TranslatorChoice = {
  translator: (raw) => JSON.parse(new TextDecoder().decode(raw)) as Translation,
  context: {},
};

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('translation: raw carrier formats to shipment events', () => {
  let harness: ProcessorHarness;
  let processor: INestApplicationContext;
  let references: ShipmentReferences;
  /** Runs between a missed lookup and the park of an unmatched message, when a test sets it. */
  let beforePark: (() => Promise<void>) | null = null;

  beforeAll(async () => {
    harness = await createProcessorHarness('translate');
    processor = await startProcessor(harness.config, undefined, {
      translatorFor: (suffix) => (suffix === 'edi.x12' ? jsonTranslator : null),
      beforeParkUnmatched: async () => {
        const hook = beforePark;
        beforePark = null;
        await hook?.();
      },
    });
    references = await ShipmentReferences.create(harness.pool);
  });

  afterAll(async () => {
    await processor?.close();
    await harness?.close();
  });

  const subjects = () => subjectsFor(harness.config.subjectPrefix);
  const publishRaw = async (translation: Record<string, unknown>) => {
    const h = natsHeaders();
    h.set('Waybill-Test', 'translate');
    return harness.nats
      .jetstream()
      .publish(subjects().ingest('edi.x12'), encode(translation), { headers: h });
  };
  const book = (shipmentId: string, refs: Record<string, unknown>, messageId = `book-${shipmentId}`) =>
    harness.nats.jetstream().publish(
      subjects().ingest('shipment.booked'),
      encode({
        messageId,
        shipmentId,
        occurredAt: '2026-11-26T06:00:00Z',
        source: 'tms',
        orderId: `SO-${shipmentId}`,
        customerId: 'C-1',
        carrierId: 'UPSN',
        origin: 'Rotterdam',
        destination: 'Venlo',
        charges: { currency: 'EUR', lines: [{ code: 'FRT', description: 'Linehaul', amount: '250.00' }] },
        references: refs,
      }),
    );
  const milestone = (messageId: string, refs: Record<string, unknown>, m = 'delivered', place = 'LX=1') => ({
    kind: 'shipment.milestone' as const,
    payload: { messageId, occurredAt: '2026-11-26T15:00:00-05:00', source: 'edi:x12:UPSN', milestone: m },
    references: refs,
    place,
  });

  const idle = () => harness.waitUntilTranslated();
  /** The shipment's recorded reports; billing's own decisions (the saga runs too) are left out. */
  const eventsOf = async (shipmentId: string): Promise<RecordedEvent[]> =>
    (await harness.eventStore.readStream(shipmentStreamId(shipmentId)).catch(() => [])).filter(
      isShipmentEvent,
    );
  const allParked = () => harness.parked.list({ limit: 500 });
  const parkedFor = async (messageId: string): Promise<ParkedMessage | undefined> =>
    (await allParked()).find((p) => p.messageId === messageId);

  it('when a carrier message arrives before its booking, then it is parked unmatched_reference and replays itself when the booking arrives', async () => {
    const raw = {
      messages: [milestone('x12-A-1', { trackingNumbers: ['1z 999 aa1'] })],
      rejected: [],
      warnings: [],
    };
    const rawAck = await publishRaw(raw);
    await idle();
    const parked = await parkedFor('x12-A-1');
    expect(parked).toMatchObject({
      reason: 'unmatched_reference',
      status: 'parked',
      place: 'LX=1',
      references: ['trackingNumber:1Z999AA1'],
      subject: subjects().ingest('edi.x12'),
    });
    expect(parked!.raw.equals(Buffer.from(encode(raw)))).toBe(true);
    expect(parked!.headers['Waybill-Test']).toEqual(['translate']);
    expect(parked!.explanation).toMatch(/LX=1: no booking names trackingNumber:1Z999AA1 yet/);
    expect(parked!.translated).toMatchObject({
      kind: 'shipment.milestone',
      payload: { messageId: 'x12-A-1' },
    });
    expect(await eventsOf('SHP-A')).toEqual([]);

    await book('SHP-A', { trackingNumbers: ['1Z999AA1'] });
    await eventually(
      () => parkedFor('x12-A-1'),
      (p) => p?.status === 'replayed',
    );
    await idle();
    const events = await eventsOf('SHP-A');
    expect(events.map((e) => [e.type, e.metadata.messageId])).toEqual([
      ['ShipmentBooked', 'book-SHP-A'],
      ['ShipmentMilestoneRecorded', 'x12-A-1'],
    ]);
    // When Waybill received the raw file (its JetStream time), not when the replay was published.
    const jsm = await harness.nats.jetstreamManager();
    const stored = await jsm.streams.getMessage(streamNames(harness.config.streamPrefix).ingest, {
      seq: rawAck.seq,
    });
    expect(events[1]!.data).toMatchObject({
      milestone: 'delivered',
      occurredAt: '2026-11-26T15:00:00-05:00',
      source: 'edi:x12:UPSN',
      receivedAt: stored.time.toISOString(),
    });
    expect((await parkedFor('x12-A-1'))!.statusReason).toMatch(
      /trackingNumber:1Z999AA1 names shipment SHP-A/,
    );
  });

  it('when the same raw file is sent again, then nothing is added: no event, no parked row', async () => {
    const raw = {
      messages: [
        milestone('x12-B-1', { pro: 'PRO-B' }, 'dispatched'),
        milestone('x12-B-2', { pro: 'PRO-B' }, 'in_transit', 'LX=2'),
      ],
      rejected: [
        {
          reason: 'unknown_code',
          place: 'LX=3/AT7[1]',
          code: 'AT7-01=ZZ',
          explanation: 'unknown status code ZZ',
        },
      ],
      warnings: [],
    };
    await book('SHP-B', { pro: 'PRO-B' });
    await idle();
    await eventually(
      () => references.resolve({ pro: 'PRO-B' }),
      (r) => r.matched,
    );
    await publishRaw(raw);
    await idle();
    const before = { events: await eventsOf('SHP-B'), parked: await allParked() };
    expect(before.events.map((e) => e.type)).toEqual([
      'ShipmentBooked',
      'ShipmentMilestoneRecorded',
      'ShipmentMilestoneRecorded',
    ]);
    await publishRaw(raw);
    await publishRaw(raw);
    await idle();
    expect((await eventsOf('SHP-B')).map((e) => e.id)).toEqual(before.events.map((e) => e.id));
    expect((await allParked()).map((p) => p.id)).toEqual(before.parked.map((p) => p.id));
  });

  /** The translation counters of /metrics (this process's registry: the processor runs in it). */
  const translationCounts = async () => {
    const value = async (name: string, labels: Record<string, string>) => {
      const metric = register.getSingleMetric(name);
      const values = metric ? (await metric.get()).values : [];
      const found = values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
      return found?.value ?? 0;
    };
    return {
      published: await value('waybill_translation_parts_total', { format: 'edi.x12', outcome: 'published' }),
      unknownCode: await value('waybill_translation_parts_total', {
        format: 'edi.x12',
        outcome: 'unknown_code',
      }),
      warnings: await value('waybill_translation_warnings_total', { format: 'edi.x12' }),
    };
  };

  it('when a file has an unknown code, then that part is parked with its place and code and the rest goes through', async () => {
    await book('SHP-C', { billOfLading: 'BOL-C' });
    await idle();
    await eventually(
      () => references.resolve({ billOfLading: 'BOL-C' }),
      (r) => r.matched,
    );
    const raw = {
      messages: [
        milestone('x12-C-1', { billOfLading: 'bol-c' }, 'dispatched', 'ISA13=000000905/ST02=0001/LX=1'),
        milestone('x12-C-3', { billOfLading: 'BOL-C' }, 'delivered', 'ISA13=000000905/ST02=0001/LX=3'),
      ],
      rejected: [
        {
          reason: 'unknown_code',
          place: 'ISA13=000000905/ST02=0001/LX=2/AT7[1]',
          code: 'AT7-01=ZZ',
          explanation: 'AT7-01 "ZZ" is not a shipment status code',
        },
      ],
      warnings: ['SE01 says 12 segments, there are 11'],
    };
    const before = await translationCounts();
    await publishRaw(raw);
    await idle();
    expect(await translationCounts()).toEqual({
      published: before.published + 2,
      unknownCode: before.unknownCode + 1,
      warnings: before.warnings + 1,
    });
    expect((await eventsOf('SHP-C')).map((e) => [e.type, e.metadata.messageId])).toEqual([
      ['ShipmentBooked', 'book-SHP-C'],
      ['ShipmentMilestoneRecorded', 'x12-C-1'],
      ['ShipmentMilestoneRecorded', 'x12-C-3'],
    ]);
    const parked = (await allParked()).filter((p) => p.place === 'ISA13=000000905/ST02=0001/LX=2/AT7[1]');
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ reason: 'unknown_code', code: 'AT7-01=ZZ', status: 'parked' });
    expect(parked[0]!.explanation).toBe(
      'ISA13=000000905/ST02=0001/LX=2/AT7[1] (AT7-01=ZZ): AT7-01 "ZZ" is not a shipment status code',
    );
    expect(parked[0]!.raw.equals(Buffer.from(encode(raw)))).toBe(true);
  });

  it('when the booking is indexed between the missed lookup and the park, then the consumer replays the message itself', async () => {
    // The indexer runs and scans parked rows before this message is parked: only the consumer's
    // second lookup, after its park commits, can still find the booking.
    beforePark = async () => {
      await book('SHP-D', { trackingNumbers: ['TRK-D'] });
      await eventually(
        () => references.resolve({ trackingNumbers: ['TRK-D'] }),
        (r) => r.matched,
      );
    };
    await publishRaw({
      messages: [milestone('x12-D-1', { trackingNumbers: ['TRK-D'] })],
      rejected: [],
      warnings: [],
    });
    await idle();
    expect(beforePark).toBeNull();
    const parked = await parkedFor('x12-D-1');
    expect(parked).toMatchObject({ reason: 'unmatched_reference', status: 'replayed' });
    expect(parked!.statusReason).toMatch(/booking indexed while parking/);
    await idle();
    expect((await eventsOf('SHP-D')).map((e) => [e.type, e.metadata.messageId])).toEqual([
      ['ShipmentBooked', 'book-SHP-D'],
      ['ShipmentMilestoneRecorded', 'x12-D-1'],
    ]);
  });

  it('when a canonical ETA, appointment and carrier invoice are published directly, then they are recorded (additions to contract v1)', async () => {
    await book('SHP-E', {});
    const js = harness.nats.jetstream();
    const common = { shipmentId: 'SHP-E', occurredAt: '2026-11-26T09:00:00Z', source: 'carrier:UPSN' };
    await js.publish(
      subjects().ingest('shipment.eta'),
      encode({ ...common, messageId: 'eta-E', estimate: 'delivery', estimatedAt: '2026-11-27T12:00:00Z' }),
    );
    await js.publish(
      subjects().ingest('shipment.appointment'),
      encode({
        ...common,
        messageId: 'apt-E',
        appointment: 'delivery',
        code: 'AB',
        appointmentAt: '2026-11-27T10:00:00Z',
      }),
    );
    await js.publish(
      subjects().ingest('shipment.carrier-invoice'),
      encode({
        ...common,
        messageId: 'inv-E',
        invoiceNumber: 'INV-E',
        carrierId: 'UPSN',
        currency: 'EUR',
        lines: [{ code: '400', description: 'Freight', amount: '262.5' }],
        total: '262.5',
      }),
    );
    await idle();
    expect((await eventsOf('SHP-E')).map((e) => e.type)).toEqual([
      'ShipmentBooked',
      'ShipmentEtaUpdated',
      'ShipmentAppointmentRecorded',
      'ShipmentCarrierInvoiced',
      'ShipmentCarrierChargesMismatched',
    ]);
  });
});
