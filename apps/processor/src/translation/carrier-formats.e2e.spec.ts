import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { headers as natsHeaders } from 'nats';
import { translatorFor } from '@waybill/carrier-formats';
import { isShipmentEvent, shipmentStreamId } from '@waybill/domain';
import type { RecordedEvent } from '@waybill/event-store';
import { subjectsFor } from '@waybill/messaging';
import { ShipmentReferences } from '@waybill/parking';
import { eventually } from '@waybill/testing';
import { startProcessor } from '../processor';
import { createProcessorHarness, type ProcessorHarness } from '../testing/processor-harness';

/**
 * The real translators of libs/carrier-formats (no injected translator) on the real fixture
 * files, through NATS and PostgreSQL: bookings first, then each raw file on its subject, then
 * the shipments' events and the parked parts, checked exactly.
 */
const FIXTURES = join(__dirname, '../../../../libs/carrier-formats/fixtures');
const fixture = (path: string): Buffer => readFileSync(join(FIXTURES, path));
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** The messageIds the pure translator gives a fixture, in its order (hashes for carrier APIs). */
const messageIdsOf = (suffix: string, path: string): string[] => {
  const choice = translatorFor(suffix)!;
  return choice
    .translator(fixture(path), { ...choice.context, receivedAt: new Date('2024-01-01T00:00:00Z') })
    .messages.map((m) => m.payload['messageId'] as string);
};

/** What a test checks of an event: its type, messageId and the data fields that matter. */
const FIELDS = [
  'milestone',
  'occurredAt',
  'outOfOrder',
  'location',
  'code',
  'severity',
  'description',
  'signedBy',
  'signatureCaptured',
  'documentRef',
  'estimate',
  'estimatedAt',
  'appointment',
  'appointmentAt',
  'minCelsius',
  'maxCelsius',
  'excursion',
  'invoiceNumber',
  'total',
  'currency',
  'mismatch',
  'invoicedTotal',
  'bookedTotal',
  'difference',
  'owner',
] as const;
const summary = (e: RecordedEvent) => {
  const data = e.data as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const f of FIELDS) if (data[f] !== undefined) picked[f] = data[f];
  return { type: e.type, messageId: e.metadata.messageId, ...picked };
};

describe('carrier formats: real fixture files through the translation consumer', () => {
  let harness: ProcessorHarness;
  let processor: INestApplicationContext;
  let references: ShipmentReferences;

  beforeEach(async () => {
    harness = await createProcessorHarness('carrierfmt');
    processor = await startProcessor(harness.config);
    references = await ShipmentReferences.create(harness.pool);
  });

  afterEach(async () => {
    await processor?.close();
    await harness?.close();
  });

  const subjects = () => subjectsFor(harness.config.subjectPrefix);
  const publishRaw = async (suffix: string, path: string, msgId?: string) => {
    const h = natsHeaders();
    h.set('Waybill-Test', 'carrier-formats');
    if (msgId) h.set('Nats-Msg-Id', msgId);
    return harness.nats.jetstream().publish(subjects().ingest(suffix), fixture(path), { headers: h });
  };
  const book = async (
    shipmentId: string,
    refs: Record<string, unknown>,
    charges: { currency: string; amounts: string[] } = { currency: 'EUR', amounts: ['250.00'] },
  ) => {
    await harness.nats.jetstream().publish(
      subjects().ingest('shipment.booked'),
      encode({
        messageId: `book-${shipmentId}`,
        shipmentId,
        occurredAt: '2024-01-01T06:00:00Z',
        source: 'tms',
        orderId: `SO-${shipmentId}`,
        customerId: 'C-1',
        carrierId: 'CARRIER',
        origin: 'Rotterdam',
        destination: 'Venlo',
        charges: {
          currency: charges.currency,
          lines: charges.amounts.map((amount, i) => ({ code: `L${i + 1}`, description: 'Freight', amount })),
        },
        references: refs,
      }),
    );
  };
  /** Books each shipment and waits until the references indexer can resolve it. */
  const bookAll = async (bookings: Record<string, Record<string, unknown>>) => {
    for (const [id, refs] of Object.entries(bookings)) await book(id, refs);
    await idle();
    for (const refs of Object.values(bookings))
      await eventually(
        () => references.resolve(refs),
        (r) => r.matched,
      );
  };

  const idle = () => harness.waitUntilTranslated();
  const eventsOf = async (shipmentId: string): Promise<RecordedEvent[]> =>
    (await harness.eventStore.readStream(shipmentStreamId(shipmentId)).catch(() => [])).filter(
      isShipmentEvent,
    );
  const summariesOf = async (shipmentId: string) => (await eventsOf(shipmentId)).map(summary);
  const booked = (shipmentId: string) => ({
    type: 'ShipmentBooked',
    messageId: `book-${shipmentId}`,
    occurredAt: '2024-01-01T06:00:00Z',
  });
  /** Parked parts, without the unmatched ones (none is expected: every fixture is booked). */
  const parkedParts = async () =>
    (await harness.parked.list({ limit: 500 }))
      .map((p) => ({ reason: p.reason, place: p.place, code: p.code, subject: p.subject, status: p.status }))
      .sort((a, b) => (`${a.place}` < `${b.place}` ? -1 : 1));

  it('X12 214 and 210: milestones, appointment, ETA and exceptions; the invoice is audited against the booking; a re-sent file adds nothing', async () => {
    await book('WB-SHP-001', { pro: 'PRO1001' }, { currency: 'USD', amounts: ['3000.00', '100.00'] });
    await book('SHP-X12-2', { trackingNumbers: ['1Z999AA10123456784'] });
    await book('SHP-X12-3', { billOfLading: 'BOL5003' });
    await idle();
    for (const refs of [{ shipmentId: 'WB-SHP-001' }, { pro: 'PRO1001' }, { billOfLading: 'BOL5003' }])
      await eventually(
        () => references.resolve(refs),
        (r) => r.matched,
      );

    const first = await publishRaw('edi.x12', 'x12/214-multi-shipment.edi', 'x12-905');
    await idle();
    // Two raw files may be translated concurrently; the invoice is sent once the 214 is recorded.
    await publishRaw('edi.x12', 'x12/210-freight-invoice.edi', 'x12-950');
    await idle();

    const ids = messageIdsOf('edi.x12', 'x12/214-multi-shipment.edi');
    expect(ids).toHaveLength(10);
    expect(await summariesOf('WB-SHP-001')).toEqual([
      booked('WB-SHP-001'),
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: 'x12:ABCD:000000905:1:0001:1:1',
        milestone: 'dispatched',
        occurredAt: '2024-03-11T08:15:00-04:00',
        outOfOrder: false,
        location: 'CHICAGO, IL, US',
      },
      {
        type: 'ShipmentAppointmentRecorded',
        messageId: 'x12:ABCD:000000905:1:0001:2:1',
        appointment: 'pickup',
        code: 'AA',
        occurredAt: '2024-03-11T07:00:00-05:00',
        appointmentAt: '2024-03-11T07:00:00-05:00',
      },
      {
        type: 'ShipmentEtaUpdated',
        messageId: 'x12:ABCD:000000905:1:0001:2:2',
        estimate: 'delivery',
        occurredAt: '2024-03-13T14:00:00-04:00',
        estimatedAt: '2024-03-13T14:00:00-04:00',
      },
      {
        type: 'ShipmentExceptionRaised',
        messageId: 'x12:ABCD:000000905:1:0001:3:1',
        code: 'delay',
        severity: 'medium',
        description: 'Shipment Delayed: Weather or Natural Disaster Related',
        occurredAt: '2024-03-12T09:30:00-05:00',
      },
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: 'x12:ABCD:000000905:1:0001:4:1',
        milestone: 'arrived',
        occurredAt: '2024-03-13T13:52:00-04:00',
        outOfOrder: false,
        location: 'NEW YORK, NY, US',
      },
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: 'x12:ABCD:000000905:1:0001:4:2',
        milestone: 'delivered',
        occurredAt: '2024-03-13T16:10:00-04:00',
        outOfOrder: false,
        location: 'NEW YORK, NY, US',
      },
      {
        type: 'ShipmentExceptionRaised',
        messageId: 'x12:ABCD:000000905:1:0001:4:2:exception',
        code: 'damage',
        severity: 'medium',
        description: 'Completed Unloading at Delivery Location: Damaged, Rewrapped in Hub',
        occurredAt: '2024-03-13T16:10:00-04:00',
      },
      {
        type: 'ShipmentCarrierInvoiced',
        messageId: 'x12:ABCD:000000950:50:0001',
        invoiceNumber: 'INV-88001',
        currency: 'USD',
        total: '3172.15',
        occurredAt: '2024-03-15T00:00:00+00:00',
      },
      {
        type: 'ShipmentCarrierChargesMismatched',
        messageId: 'x12:ABCD:000000950:50:0001',
        invoiceNumber: 'INV-88001',
        mismatch: 'amount',
        invoicedTotal: '3172.15',
        bookedTotal: '3100.00',
        difference: '72.15',
        owner: 'finance',
        occurredAt: '2024-03-15T00:00:00+00:00',
      },
    ]);
    // AT7-07 LT: a local time, read in the MS1 location's zone, and flagged as guessed on the event.
    const arrived = (await eventsOf('WB-SHP-001')).find(
      (e) => e.metadata.messageId === 'x12:ABCD:000000905:1:0001:4:1',
    );
    expect(arrived?.data).toMatchObject({ timeZoneGuessed: true, sourceTimeCode: 'LT' });
    const invoiced = (await eventsOf('WB-SHP-001')).find((e) => e.type === 'ShipmentCarrierInvoiced')!;
    expect(invoiced.data).toMatchObject({
      carrierId: 'ABCD',
      lines: [
        { code: '400', description: 'LINE HAUL', amount: '2510.00' },
        { code: '405', description: 'Fuel Surcharge', amount: '539.65' },
        { code: 'LFT', amount: '75.00' },
        { code: 'DSC', description: 'VOLUME DISCOUNT', amount: '-25.00' },
        { code: 'unspecified', amount: '72.50' },
      ],
      audit: { result: 'mismatched', mismatch: 'amount', bookedCurrency: 'USD', invoicedCurrency: 'USD' },
    });

    expect(await summariesOf('SHP-X12-2')).toEqual([
      booked('SHP-X12-2'),
      {
        type: 'ShipmentEtaUpdated',
        messageId: 'x12:ABCD:000000905:1:0002:1:1',
        estimate: 'delivery',
        occurredAt: '2024-03-14T10:00:00+00:00',
        estimatedAt: '2024-03-14T10:00:00+00:00',
      },
      {
        type: 'ShipmentExceptionRaised',
        messageId: 'x12:ABCD:000000905:1:0002:2:1',
        code: 'address',
        severity: 'medium',
        description: 'Attempted Delivery: Incorrect Address',
        occurredAt: '2024-03-14T11:30:00-07:00',
      },
    ]);
    expect(await summariesOf('SHP-X12-3')).toEqual([
      booked('SHP-X12-3'),
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: 'x12:ABCD:000000905:2:0001:1:1',
        milestone: 'cancelled',
        occurredAt: '2024-03-15T09:00:00-04:00',
        outOfOrder: false,
        location: 'TORONTO, ON, CA',
      },
    ]);
    const all = [
      ...(await eventsOf('WB-SHP-001')),
      ...(await eventsOf('SHP-X12-2')),
      ...(await eventsOf('SHP-X12-3')),
    ].map((e) => e.metadata.messageId);
    for (const id of ids) expect(all).toContain(id);
    expect(await parkedParts()).toEqual([]);

    // The same file again, under another Nats-Msg-Id: JetStream stores it, the processor adds nothing.
    const before = {
      events: [
        ...(await eventsOf('WB-SHP-001')),
        ...(await eventsOf('SHP-X12-2')),
        ...(await eventsOf('SHP-X12-3')),
      ].map((e) => e.id),
    };
    const again = await publishRaw('edi.x12', 'x12/214-multi-shipment.edi', 'x12-905-resent');
    expect(again.duplicate).toBe(false);
    expect(again.seq).toBeGreaterThan(first.seq);
    await idle();
    expect(
      [
        ...(await eventsOf('WB-SHP-001')),
        ...(await eventsOf('SHP-X12-2')),
        ...(await eventsOf('SHP-X12-3')),
      ].map((e) => e.id),
    ).toEqual(before.events);
    expect(await parkedParts()).toEqual([]);
  });

  it('X12 214 before its bookings: every part waits parked, the exception of a reason code beside its status included, and replays by itself when the bookings come', async () => {
    await publishRaw('edi.x12', 'x12/214-multi-shipment.edi', 'x12-905-early');
    await idle();
    const ids = messageIdsOf('edi.x12', 'x12/214-multi-shipment.edi');
    // A status with a reason code gives two messages at one place (the status and its exception).
    expect(ids.filter((id) => id.endsWith(':exception')).length).toBeGreaterThan(0);
    const unmatched = (await harness.parked.list({ limit: 500 })).filter(
      (p) => p.reason === 'unmatched_reference',
    );
    expect(unmatched.map((p) => p.messageId).sort()).toEqual([...ids].sort());

    await book('WB-SHP-001', { pro: 'PRO1001' }, { currency: 'USD', amounts: ['3000.00', '100.00'] });
    await book('SHP-X12-2', { trackingNumbers: ['1Z999AA10123456784'] });
    await book('SHP-X12-3', { billOfLading: 'BOL5003' });
    await eventually(
      async () => (await harness.parked.list({ limit: 500 })).filter((p) => p.status === 'parked').length,
      (n) => n === 0,
    );
    await idle();
    const recorded = [
      ...(await eventsOf('WB-SHP-001')),
      ...(await eventsOf('SHP-X12-2')),
      ...(await eventsOf('SHP-X12-3')),
    ].flatMap((e) => (e.metadata.messageId?.startsWith('x12:') ? [e.metadata.messageId] : []));
    expect(new Set(recorded)).toEqual(new Set(ids));
  });

  it('X12 with unknown codes and tolerated defects: the known statuses go through, each unknown code is parked with its place and code', async () => {
    await bookAll({ 'SHP-X12-U': { pro: 'PRO1001' }, 'SHP-X12-D': { billOfLading: 'BOL2001' } });
    await publishRaw('edi.x12', 'x12/214-unknown-codes.edi');
    await publishRaw('edi.x12', 'x12/214-defects.edi');
    await idle();

    expect(await summariesOf('SHP-X12-U')).toEqual([
      booked('SHP-X12-U'),
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: 'x12:ABCD:000000910:10:0001:4:1',
        milestone: 'delivered',
        occurredAt: '2024-03-13T16:10:00-04:00',
        outOfOrder: false,
        location: 'NEW YORK, NY, US',
      },
    ]);
    expect(await summariesOf('SHP-X12-D')).toEqual([
      booked('SHP-X12-D'),
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: 'x12:WXYZ:000000777:7:0001:1:1',
        milestone: 'in_transit',
        occurredAt: '2024-03-12T06:00:00-05:00',
        outOfOrder: false,
        location: 'DALLAS, TX, US',
      },
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: 'x12:WXYZ:000000777:7:0001:2:1',
        milestone: 'delivered',
        occurredAt: '2024-03-12T15:45:00-05:00',
        outOfOrder: false,
        location: 'HOUSTON, TX, US',
      },
    ]);
    const subject = subjects().ingest('edi.x12');
    expect(await parkedParts()).toEqual([
      {
        reason: 'unknown_code',
        place: 'ISA13=000000910/GS06=10/ST02=0001/LX=1/AT7[1]',
        code: 'AT7-01=ZZ',
        subject,
        status: 'parked',
      },
      {
        reason: 'unknown_code',
        place: 'ISA13=000000910/GS06=10/ST02=0001/LX=2/AT7[1]',
        code: 'AT7-01=CD',
        subject,
        status: 'parked',
      },
      {
        reason: 'unknown_code',
        place: 'ISA13=000000910/GS06=10/ST02=0001/LX=3/AT7[1]',
        code: 'AT7-02=Q9',
        subject,
        status: 'parked',
      },
      {
        reason: 'invalid_message',
        place: 'ISA13=000000910/GS06=10/ST02=0001/XYZ#8',
        code: 'segment=XYZ',
        subject,
        status: 'parked',
      },
    ]);
  });

  it('EDIFACT IFTSTA (custom UNA and EANCOM): milestones and a reason exception; unknown 9011/9013 codes are parked', async () => {
    await bookAll({
      'SHP-EDI-1': { billOfLading: 'BOL-778899' },
      'SHP-EDI-2': { purchaseOrders: ['PO-4455'] },
      'SHP-EDI-3': { trackingNumbers: ['354123450000000014'] },
    });
    await publishRaw('edi.edifact', 'edifact/iftsta-d96a-una-custom.edi');
    await publishRaw('edi.edifact', 'edifact/iftsta-eancom-d01b.edi');
    await idle();

    expect(await summariesOf('SHP-EDI-1')).toEqual([
      booked('SHP-EDI-1'),
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: 'edifact:CARRIERX:ICR123:1:1:1',
        milestone: 'in_transit',
        occurredAt: '2024-01-16T08:30:00+01:00',
        outOfOrder: false,
        location: 'Hamburg (DEHAM)',
      },
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: 'edifact:CARRIERX:ICR123:1:1:2',
        milestone: 'delivered',
        occurredAt: '2024-01-16T14:30:00+01:00',
        outOfOrder: false,
        location: 'Rotterdam (NLRTM)',
      },
    ]);
    expect(await summariesOf('SHP-EDI-2')).toEqual([
      booked('SHP-EDI-2'),
      {
        type: 'ShipmentExceptionRaised',
        messageId: 'edifact:CARRIERX:ICR123:1:2:1:exception',
        code: 'address',
        severity: 'medium',
        description: '23 Delivery not completed; reason 30 Incorrect address',
        occurredAt: '2024-01-16T12:00:00Z',
      },
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: 'edifact:CARRIERX:ICR123:1:2:3',
        milestone: 'delivered',
        occurredAt: '2024-01-16T00:00:00Z',
        outOfOrder: false,
        location: 'London (GBLON)',
      },
    ]);
    expect(await summariesOf('SHP-EDI-3')).toEqual([
      booked('SHP-EDI-3'),
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: 'edifact:5412345000013:EAN00042:ME000001:1:1',
        milestone: 'dispatched',
        occurredAt: '2024-01-17T07:00:00+01:00',
        outOfOrder: false,
        location: 'Antwerp (BEANR)',
      },
    ]);
    const subject = subjects().ingest('edi.edifact');
    expect(await parkedParts()).toEqual([
      {
        reason: 'unknown_code',
        place: 'UNB=ICR123/UNH=1/CNI[2]/STS[2]',
        code: 'STS-02=999',
        subject,
        status: 'parked',
      },
      {
        reason: 'unknown_code',
        place: 'UNB=ICR123/UNH=1/CNI[2]/STS[3]',
        code: 'STS-03=77',
        subject,
        status: 'parked',
      },
    ]);
  });

  it('UPS tracking JSON: milestones, POD with signer, address exception and ETA; an unknown status type is parked', async () => {
    await bookAll({
      'SHP-UPS-1': { trackingNumbers: ['1Z999AA10123456784'] },
      'SHP-UPS-2': { trackingNumbers: ['1Z999AA10123456795'] },
    });
    await publishRaw('carrier.ups', 'carrier-apis/ups-track-v1.json');
    await idle();

    const ids = messageIdsOf('carrier.ups', 'carrier-apis/ups-track-v1.json');
    expect(ids).toHaveLength(8);
    expect(ids.every((id) => /^ups:[0-9a-f]{64}(:pod)?$/.test(id))).toBe(true);
    expect(await summariesOf('SHP-UPS-1')).toEqual([
      booked('SHP-UPS-1'),
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: ids[0],
        milestone: 'delivered',
        occurredAt: '2024-01-16T14:35:00-05:00',
        outOfOrder: false,
        location: 'Atlanta, GA, US',
      },
      {
        type: 'ShipmentPodReceived',
        messageId: `${ids[0]}:pod`,
        signedBy: 'JANSEN',
        signatureCaptured: true,
        occurredAt: '2024-01-16T14:35:00-05:00',
      },
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: ids[2],
        milestone: 'out_for_delivery',
        occurredAt: '2024-01-16T08:12:00-05:00',
        outOfOrder: true,
        location: 'Atlanta, GA, US',
      },
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: ids[3],
        milestone: 'in_transit',
        occurredAt: '2024-01-15T23:15:00-05:00',
        outOfOrder: true,
        location: 'Louisville, KY, US',
      },
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: ids[4],
        milestone: 'dispatched',
        occurredAt: '2024-01-15T17:00:00-06:00',
        outOfOrder: true,
        location: 'Chicago, IL, US',
      },
    ]);
    expect(await summariesOf('SHP-UPS-2')).toEqual([
      booked('SHP-UPS-2'),
      {
        type: 'ShipmentExceptionRaised',
        messageId: ids[5],
        code: 'address',
        severity: 'medium',
        description: 'The address is incomplete. UPS will attempt to obtain the correct address.',
        occurredAt: '2024-01-17T09:30:00-07:00',
      },
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: ids[6],
        milestone: 'in_transit',
        occurredAt: '2024-01-16T22:10:00-06:00',
        outOfOrder: false,
        location: 'Hodgkins, IL, US',
      },
      {
        type: 'ShipmentEtaUpdated',
        messageId: ids[7],
        estimate: 'delivery',
        occurredAt: '2024-01-17T09:30:00-07:00',
        estimatedAt: '2024-01-18T20:00:00-07:00',
      },
    ]);
    expect(await parkedParts()).toEqual([
      {
        reason: 'unknown_code',
        place: 'trackResponse.shipment[1].package[0].activity[2]',
        code: 'status.type=ZZ',
        subject: subjects().ingest('carrier.ups'),
        status: 'parked',
      },
    ]);
  });

  it('FedEx tracking JSON: milestones, POD with signer, delay exception and ETA; an error result is parked invalid_message', async () => {
    await bookAll({
      'SHP-FDX-1': { billOfLading: 'BOL-FX-1' },
      'SHP-FDX-2': { trackingNumbers: ['794843185282'] },
    });
    await publishRaw('carrier.fedex', 'carrier-apis/fedex-track.json');
    await idle();

    const ids = messageIdsOf('carrier.fedex', 'carrier-apis/fedex-track.json');
    expect(ids).toHaveLength(7);
    expect(await summariesOf('SHP-FDX-1')).toEqual([
      booked('SHP-FDX-1'),
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: ids[0],
        milestone: 'delivered',
        occurredAt: '2024-01-16T10:12:00-06:00',
        outOfOrder: false,
        location: 'AUSTIN, TX, US',
      },
      {
        type: 'ShipmentPodReceived',
        messageId: `${ids[0]}:pod`,
        signedBy: 'M.GARCIA',
        signatureCaptured: true,
        occurredAt: '2024-01-16T10:12:00-06:00',
      },
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: ids[2],
        milestone: 'out_for_delivery',
        occurredAt: '2024-01-16T07:30:00-06:00',
        outOfOrder: true,
        location: 'AUSTIN, TX, US',
      },
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: ids[3],
        milestone: 'dispatched',
        occurredAt: '2024-01-15T16:45:00-05:00',
        outOfOrder: true,
        location: 'NEWARK, NJ, US',
      },
    ]);
    expect(await summariesOf('SHP-FDX-2')).toEqual([
      booked('SHP-FDX-2'),
      {
        type: 'ShipmentExceptionRaised',
        messageId: ids[4],
        code: 'delay',
        severity: 'low',
        description: 'Delivery exception, 08 Customer not available or business closed',
        occurredAt: '2024-01-17T14:05:00-08:00',
      },
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: ids[5],
        milestone: 'in_transit',
        occurredAt: '2024-01-16T22:40:00-08:00',
        outOfOrder: false,
        location: 'KENT, WA, US',
      },
      {
        type: 'ShipmentEtaUpdated',
        messageId: ids[6],
        estimate: 'delivery',
        occurredAt: '2024-01-17T14:05:00-08:00',
        estimatedAt: '2024-01-19T00:00:00-08:00',
      },
    ]);
    expect(await parkedParts()).toEqual([
      {
        reason: 'invalid_message',
        place: 'output.completeTrackResults[2].trackResults[0]',
        code: 'TRACKING.TRACKINGNUMBER.NOTFOUND',
        subject: subjects().ingest('carrier.fedex'),
        status: 'parked',
      },
    ]);
  });

  it('DHL unified tracking JSON: milestones, POD with signer and document, customs exception and ETA; an unknown statusCode is parked', async () => {
    await bookAll({
      'SHP-DHL-1': { purchaseOrders: ['PO-7781'] },
      'SHP-DHL-2': { trackingNumbers: ['9876543210'] },
    });
    await publishRaw('carrier.dhl', 'carrier-apis/dhl-unified.json');
    await idle();

    const ids = messageIdsOf('carrier.dhl', 'carrier-apis/dhl-unified.json');
    expect(ids).toHaveLength(7);
    expect(await summariesOf('SHP-DHL-1')).toEqual([
      booked('SHP-DHL-1'),
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: ids[0],
        milestone: 'delivered',
        occurredAt: '2024-01-16T11:02:00+01:00',
        outOfOrder: false,
        location: 'AMSTERDAM - NETHERLANDS, NL',
      },
      {
        type: 'ShipmentPodReceived',
        messageId: `${ids[0]}:pod`,
        signedBy: 'Anna de Vries',
        signatureCaptured: true,
        documentRef: 'https://example.invalid/pod/doc/1234567890',
        occurredAt: '2024-01-16T11:02:00+01:00',
      },
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: ids[2],
        milestone: 'out_for_delivery',
        occurredAt: '2024-01-16T07:45:00+01:00',
        outOfOrder: true,
        location: 'AMSTERDAM - NETHERLANDS, NL',
      },
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: ids[3],
        milestone: 'dispatched',
        occurredAt: '2024-01-15T18:20:00+01:00',
        outOfOrder: true,
        location: 'LEIPZIG - GERMANY, DE',
      },
    ]);
    expect(await summariesOf('SHP-DHL-2')).toEqual([
      booked('SHP-DHL-2'),
      {
        type: 'ShipmentExceptionRaised',
        messageId: ids[4],
        code: 'customs_hold',
        severity: 'medium',
        description: 'Clearance delay - import',
        occurredAt: '2024-01-17T09:15:00Z',
      },
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: ids[5],
        milestone: 'in_transit',
        occurredAt: '2024-01-16T20:00:00Z',
        outOfOrder: false,
        location: 'EAST MIDLANDS - UK, GB',
      },
      {
        type: 'ShipmentEtaUpdated',
        messageId: ids[6],
        estimate: 'delivery',
        occurredAt: '2024-01-17T09:15:00Z',
        estimatedAt: '2024-01-19T18:00:00Z',
      },
    ]);
    expect(await parkedParts()).toEqual([
      {
        reason: 'unknown_code',
        place: 'shipments[1].events[3]',
        code: 'statusCode=on-hold',
        subject: subjects().ingest('carrier.dhl'),
        status: 'parked',
      },
    ]);
  });

  it('EPCIS 2.0 (document and single event): milestones and a temperature reading; an unknown bizStep is parked, readings without a range are invalid_message', async () => {
    await bookAll({
      'SHP-EPC-1': { trackingNumbers: ['040123450000001235'] },
      'SHP-EPC-2': { purchaseOrders: ['PO-1234'] },
    });
    await publishRaw('epcis', 'epcis/epcis-document.jsonld');
    await publishRaw('epcis', 'epcis/epcis-single-event.json');
    await idle();

    const [single] = messageIdsOf('epcis', 'epcis/epcis-single-event.json');
    expect(single).toMatch(/^epcis:sha256:[0-9a-f]{64}$/);
    expect(await summariesOf('SHP-EPC-1')).toEqual([
      booked('SHP-EPC-1'),
      {
        type: 'ShipmentMilestoneRecorded',
        messageId:
          'ni:///sha-256;a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00?ver=CBV2.0',
        milestone: 'dispatched',
        occurredAt: '2024-01-15T08:00:00.000+01:00',
        outOfOrder: false,
        location: 'urn:epc:id:sgln:4012345.00001.0',
      },
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: 'urn:uuid:5b4f3c1e-3f0a-4c8e-9a51-2f6f7d1c0a01',
        milestone: 'in_transit',
        occurredAt: '2024-01-15T09:30:00+01:00',
        outOfOrder: false,
        location: 'urn:epc:id:sgln:4012345.00002.0',
      },
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: 'urn:uuid:5b4f3c1e-3f0a-4c8e-9a51-2f6f7d1c0a02',
        milestone: 'arrived',
        occurredAt: '2024-01-16T01:45:00-05:00',
        outOfOrder: false,
        location: 'urn:epc:id:sgln:0614141.00777.0',
      },
      {
        type: 'ShipmentTemperatureRecorded',
        messageId: 'urn:uuid:5b4f3c1e-3f0a-4c8e-9a51-2f6f7d1c0a02:temperature',
        minCelsius: 2,
        maxCelsius: 5,
        excursion: false,
        occurredAt: '2024-01-16T01:45:00-05:00',
      },
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: 'urn:uuid:5b4f3c1e-3f0a-4c8e-9a51-2f6f7d1c0a03',
        milestone: 'delivered',
        occurredAt: '2024-01-16T14:10:00-05:00',
        outOfOrder: false,
        location: 'urn:epc:id:sgln:0614141.00777.0',
      },
    ]);
    expect(await summariesOf('SHP-EPC-2')).toEqual([
      booked('SHP-EPC-2'),
      {
        type: 'ShipmentMilestoneRecorded',
        messageId: single,
        milestone: 'delivered',
        occurredAt: '2024-01-17T08:15:00.250+02:00',
        outOfOrder: false,
        location: 'urn:epc:id:sgln:4098765.00010.0',
      },
    ]);
    const subject = subjects().ingest('epcis');
    expect(await parkedParts()).toEqual([
      {
        reason: 'unknown_code',
        place: 'epcisBody.eventList[4]',
        code: 'bizStep=storing',
        subject,
        status: 'parked',
      },
      {
        reason: 'invalid_message',
        place: 'event.sensorElementList',
        code: 'allowedMinCelsius/allowedMaxCelsius',
        subject,
        status: 'parked',
      },
    ]);
  });
});
