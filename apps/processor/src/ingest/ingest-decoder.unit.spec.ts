import { deterministicId } from '@waybill/event-store';
import { MAX_PAYLOAD_BYTES, subjectsFor } from '@waybill/messaging';
import {
  decodeIngestMessage,
  type Decoded,
  type DecodedShipmentMessage,
  type Unusable,
} from './ingest-decoder';

const subjects = subjectsFor('waybill');
const RECEIVED_AT = new Date('2025-03-01T10:05:00.123Z');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

const decode = (suffix: string, payload: unknown, receivedAt = RECEIVED_AT): Decoded =>
  decodeIngestMessage(subjects, `waybill.ingest.${suffix}`, bytes(payload), receivedAt);

function parked(decoded: Decoded): Unusable {
  if (decoded.kind !== 'park') throw new Error(`expected a parked message, got ${JSON.stringify(decoded)}`);
  return decoded;
}

function accepted(decoded: Decoded): DecodedShipmentMessage {
  if (decoded.kind !== 'shipment')
    throw new Error(`expected a shipment message, got ${JSON.stringify(decoded)}`);
  return decoded;
}

const envelope = {
  messageId: 'msg-1',
  shipmentId: 'SHP-1',
  occurredAt: '2025-03-01T10:00:00+01:00',
  source: 'tms',
};

/** What every command carries from the envelope, with receivedAt from the given date. */
const report = {
  messageId: 'msg-1',
  source: 'tms',
  occurredAt: '2025-03-01T10:00:00+01:00',
  receivedAt: '2025-03-01T10:05:00.123Z',
};

const charges = {
  currency: 'EUR',
  lines: [
    { code: 'FRT', description: 'Freight', amount: '120.50' },
    { code: 'FSC', description: 'Fuel surcharge', amount: '-3' },
  ],
};

const booked = {
  ...envelope,
  orderId: 'SO-1',
  customerId: 'C-1',
  carrierId: 'UPSN',
  origin: 'Warehouse 7, Hamburg',
  destination: { city: 'Paris', region: 'IDF', country: 'FR', postalCode: '75001' },
  charges,
};

const validBySubject: Record<string, Record<string, unknown>> = {
  'shipment.booked': booked,
  'shipment.milestone': { ...envelope, milestone: 'delivered' },
  'shipment.exception': { ...envelope, exceptionId: 'E-1', code: 'delay', severity: 'high' },
  'shipment.exception-cleared': { ...envelope, exceptionId: 'E-1', resolution: 'rebooked' },
  'shipment.pod': { ...envelope, podId: 'P-1', signatureCaptured: true },
  'shipment.temperature': {
    ...envelope,
    minCelsius: 2,
    maxCelsius: 7.5,
    allowedMinCelsius: 2,
    allowedMaxCelsius: 8,
  },
};

describe('decodeIngestMessage: too_large', () => {
  it('when the payload is one byte over 1 MiB, then it is parked as too_large without reading it', () => {
    const raw = new Uint8Array(MAX_PAYLOAD_BYTES + 1).fill(0x20);
    const decoded = parked(decodeIngestMessage(subjects, 'waybill.ingest.shipment.booked', raw, RECEIVED_AT));
    expect(decoded).toEqual({
      kind: 'park',
      reason: 'too_large',
      explanation: `payload is ${MAX_PAYLOAD_BYTES + 1} bytes; the limit is ${MAX_PAYLOAD_BYTES} (1 MiB)`,
    });
  });

  it('when a too-large payload is on an unknown subject, then size is what it is parked for', () => {
    const raw = new Uint8Array(MAX_PAYLOAD_BYTES + 10);
    expect(parked(decodeIngestMessage(subjects, 'waybill.ingest.nope', raw, RECEIVED_AT)).reason).toBe(
      'too_large',
    );
  });

  it('when the payload is exactly 1 MiB, then it is not too large', () => {
    const message = { ...validBySubject['shipment.milestone'] };
    const json = JSON.stringify(message);
    const padded = json.slice(0, -1) + ' '.repeat(MAX_PAYLOAD_BYTES - json.length) + '}';
    const raw = new TextEncoder().encode(padded);
    expect(raw.byteLength).toBe(MAX_PAYLOAD_BYTES);
    expect(decodeIngestMessage(subjects, 'waybill.ingest.shipment.milestone', raw, RECEIVED_AT).kind).toBe(
      'shipment',
    );
  });
});

describe('decodeIngestMessage: unknown_subject', () => {
  it.each([
    'waybill.ingest.shipment.delivered',
    'waybill.ingest.shipment.booked.v2',
    'waybill.ingest.',
    'waybill.ingest.carrier.',
    'waybill.erp.invoice.release',
    'other.ingest.shipment.booked',
  ])('when the subject is %s, then it is parked as unknown_subject', (subject) => {
    const decoded = parked(decodeIngestMessage(subjects, subject, bytes({ foo: 1 }), RECEIVED_AT));
    expect(decoded.reason).toBe('unknown_subject');
    expect(decoded.explanation).toBe(`subject "${subject}" is not an ingest subject of contract v1`);
  });

  it('when the payload on an unknown subject is readable, then its ids are kept with the parked message', () => {
    const decoded = decode('shipment.teleported', { ...envelope, correlationId: 'corr-9', extra: true });
    expect(decoded).toEqual({
      kind: 'park',
      reason: 'unknown_subject',
      explanation: 'subject "waybill.ingest.shipment.teleported" is not an ingest subject of contract v1',
      messageId: 'msg-1',
      shipmentId: 'SHP-1',
      correlationId: 'corr-9',
    });
  });

  it('when the payload on an unknown subject is not JSON, then it is still parked as unknown_subject, without ids', () => {
    const decoded = decode('shipment.teleported', '{"messageId": "msg-1",');
    expect(decoded).toEqual({
      kind: 'park',
      reason: 'unknown_subject',
      explanation: 'subject "waybill.ingest.shipment.teleported" is not an ingest subject of contract v1',
    });
  });

  it('when ids in a readable payload are not non-empty strings, then they are not kept', () => {
    const decoded = parked(decode('nope', { messageId: 42, shipmentId: '', correlationId: 'x'.repeat(257) }));
    expect(decoded.reason).toBe('unknown_subject');
    expect(decoded).not.toHaveProperty('messageId');
    expect(decoded).not.toHaveProperty('shipmentId');
    expect(decoded).not.toHaveProperty('correlationId');
  });

  it('when the subject prefix is a tenant prefix, then the default prefix is unknown to it', () => {
    const tenant = subjectsFor('t1');
    const raw = bytes(validBySubject['shipment.milestone']);
    expect(
      parked(decodeIngestMessage(tenant, 'waybill.ingest.shipment.milestone', raw, RECEIVED_AT)).reason,
    ).toBe('unknown_subject');
    expect(decodeIngestMessage(tenant, 't1.ingest.shipment.milestone', raw, RECEIVED_AT).kind).toBe(
      'shipment',
    );
  });
});

describe('decodeIngestMessage: invalid_json', () => {
  it.each([
    ['truncated JSON', '{"messageId": "msg-1",'],
    ['plain text', 'delivered!'],
    ['an empty payload', ''],
    ['single quotes', "{'messageId': 'msg-1'}"],
  ])('when the payload is %s, then it is parked as invalid_json', (_what, text) => {
    const decoded = parked(decode('shipment.milestone', text));
    expect(decoded.reason).toBe('invalid_json');
    expect(decoded.explanation).toMatch(/^payload is not UTF-8 JSON: /);
    expect(decoded).not.toHaveProperty('messageId');
  });

  it('when the payload holds bytes that are not UTF-8, then it is parked as invalid_json', () => {
    const json = new TextEncoder().encode(
      JSON.stringify({ ...validBySubject['shipment.milestone'], location: 'X' }),
    );
    // Replace the "X" with a lone 0xFF byte: valid JSON structure, invalid UTF-8.
    const raw = Uint8Array.from(json, (b) => (b === 0x58 ? 0xff : b));
    const decoded = parked(
      decodeIngestMessage(subjects, 'waybill.ingest.shipment.milestone', raw, RECEIVED_AT),
    );
    expect(decoded.reason).toBe('invalid_json');
    expect(decoded.explanation).toMatch(/^payload is not UTF-8 JSON: /);
  });

  it('when the payload is Latin-1 encoded text, then it is parked as invalid_json rather than mis-decoded', () => {
    const raw = Uint8Array.from(
      Buffer.from(JSON.stringify({ ...validBySubject['shipment.pod'], signedBy: 'Jürgen' }), 'latin1'),
    );
    expect(
      parked(decodeIngestMessage(subjects, 'waybill.ingest.shipment.pod', raw, RECEIVED_AT)).reason,
    ).toBe('invalid_json');
  });
});

describe('decodeIngestMessage: invalid_message', () => {
  it.each([
    ['an array', [validBySubject['shipment.milestone']]],
    ['a string', 'hello'],
    ['a number', 42],
    ['null', null],
  ])('when the JSON payload is %s, then it is parked as invalid_message', (_what, payload) => {
    const decoded = decodeIngestMessage(
      subjects,
      'waybill.ingest.shipment.milestone',
      bytes(JSON.stringify(payload)),
      RECEIVED_AT,
    );
    expect(decoded).toEqual({
      kind: 'park',
      reason: 'invalid_message',
      explanation: 'payload must be a JSON object',
    });
  });

  it('when the payload fails validation, then the ids that are readable are kept', () => {
    const decoded = decode('shipment.milestone', {
      ...envelope,
      correlationId: 'corr-1',
      milestone: 'teleported',
    });
    expect(decoded).toMatchObject({
      kind: 'park',
      reason: 'invalid_message',
      messageId: 'msg-1',
      shipmentId: 'SHP-1',
      correlationId: 'corr-1',
    });
  });

  describe('envelope fields, on every shipment subject', () => {
    const subjectsUnderTest = Object.keys(validBySubject);

    it.each(subjectsUnderTest)(
      'when %s lacks messageId, source, occurredAt or shipmentId, then it names each',
      (suffix) => {
        for (const field of ['messageId', 'source', 'occurredAt', 'shipmentId']) {
          const { [field]: _dropped, ...payload } = validBySubject[suffix]!;
          const decoded = parked(decode(suffix, payload));
          expect(decoded.reason).toBe('invalid_message');
          expect(decoded.explanation).toMatch(new RegExp(`(^|; )${field}: `));
        }
      },
    );

    it.each(subjectsUnderTest)('when %s has occurredAt without an offset, then it is invalid', (suffix) => {
      const decoded = parked(
        decode(suffix, { ...validBySubject[suffix], occurredAt: '2025-03-01T10:00:00' }),
      );
      expect(decoded.reason).toBe('invalid_message');
      expect(decoded.explanation).toContain('occurredAt: occurredAt must carry an offset (Z or ±hh:mm)');
    });
  });

  it.each([
    ['empty', ''],
    ['65 characters', 'S'.repeat(65)],
    ['a space', 'SHP 1'],
    ['a slash', 'SHP/1'],
    ['a wildcard', 'SHP*'],
    ['a non-ASCII letter', 'SHPé'],
  ])('when shipmentId is %s, then it is invalid', (_what, shipmentId) => {
    const decoded = parked(
      decode('shipment.milestone', { ...validBySubject['shipment.milestone'], shipmentId }),
    );
    expect(decoded.reason).toBe('invalid_message');
    expect(decoded.explanation).toContain(
      'shipmentId: shipmentId must be 1-64 characters of [A-Za-z0-9._:-]',
    );
  });

  it('when shipmentId is 64 characters of every allowed kind, then it is valid', () => {
    const shipmentId = 'aZ09._:-'.repeat(8);
    expect(shipmentId).toHaveLength(64);
    const decoded = accepted(
      decode('shipment.milestone', { ...validBySubject['shipment.milestone'], shipmentId }),
    );
    expect(decoded.shipmentId).toBe(shipmentId);
  });

  it('when shipmentId is a number, then it is invalid', () => {
    const decoded = parked(
      decode('shipment.milestone', { ...validBySubject['shipment.milestone'], shipmentId: 12 }),
    );
    expect(decoded.reason).toBe('invalid_message');
    expect(decoded.explanation).toMatch(/shipmentId: /);
    expect(decoded).not.toHaveProperty('shipmentId');
  });

  it.each([
    ['messageId longer than 128 characters', { messageId: 'm'.repeat(129) }, 'messageId: '],
    ['an empty messageId', { messageId: '' }, 'messageId: '],
    ['an empty source', { source: '' }, 'source: '],
    ['an empty correlationId', { correlationId: '' }, 'correlationId: '],
    ['occurredAt that is not a date', { occurredAt: 'yesterday' }, 'occurredAt: '],
    ['occurredAt as epoch millis', { occurredAt: 1740823200000 }, 'occurredAt: '],
    ['occurredAt with an offset lacking a colon', { occurredAt: '2025-03-01T10:00:00+0100' }, 'occurredAt: '],
  ])('when a milestone has %s, then it is invalid', (_what, change, expected) => {
    const decoded = parked(
      decode('shipment.milestone', { ...validBySubject['shipment.milestone'], ...change }),
    );
    expect(decoded.reason).toBe('invalid_message');
    expect(decoded.explanation).toContain(expected);
  });

  describe('shipment.booked', () => {
    it.each(['orderId', 'customerId', 'carrierId', 'origin', 'destination', 'charges'])(
      'when %s is missing, then it is invalid and named',
      (field) => {
        const { [field]: _dropped, ...payload } = booked as Record<string, unknown>;
        const decoded = parked(decode('shipment.booked', payload));
        expect(decoded.reason).toBe('invalid_message');
        expect(decoded.explanation).toMatch(new RegExp(`(^|; )${field}: `));
      },
    );

    it.each([
      ['an object with a key the contract does not know', { city: 'Hamburg', planet: 'Earth' }],
      ['an empty object', {}],
      ['an object with a non-string value', { city: 'Hamburg', postalCode: 20095 }],
      ['blank text', '   '],
      ['an array', ['Hamburg']],
      ['a number', 7],
    ])('when origin is %s, then it is invalid', (_what, origin) => {
      const decoded = parked(decode('shipment.booked', { ...booked, origin }));
      expect(decoded.reason).toBe('invalid_message');
      expect(decoded.explanation).toBe(
        'origin: origin must be free text or {city, region, country, postalCode}',
      );
    });

    it('when destination has a key the contract does not know, then it is invalid', () => {
      const decoded = parked(
        decode('shipment.booked', { ...booked, destination: { city: 'Paris', street: 'Rivoli' } }),
      );
      expect(decoded.explanation).toBe(
        'destination: destination must be free text or {city, region, country, postalCode}',
      );
    });

    it.each([
      ['a number', 120.5],
      ['a comma decimal', '120,50'],
      ['more than 6 decimals', '1.1234567'],
      ['a currency sign', '€120'],
      ['exponent notation', '1e3'],
      ['empty', ''],
    ])('when a charge line amount is %s, then it is invalid with the nested path', (_what, amount) => {
      const lines = [charges.lines[0], { code: 'X', description: 'x', amount }];
      const decoded = parked(decode('shipment.booked', { ...booked, charges: { ...charges, lines } }));
      expect(decoded.reason).toBe('invalid_message');
      expect(decoded.explanation).toContain(
        'charges.lines.1.amount: amount must be a decimal string such as "120.50"',
      );
    });

    it.each(['EURO', 'XXY', '', 978])('when the currency is %j, then it is invalid', (currency) => {
      const decoded = parked(decode('shipment.booked', { ...booked, charges: { ...charges, currency } }));
      expect(decoded.reason).toBe('invalid_message');
      expect(decoded.explanation).toMatch(/^charges\.currency: /);
    });

    it('when charge lines are not an array, then it is invalid', () => {
      const decoded = parked(
        decode('shipment.booked', { ...booked, charges: { currency: 'EUR', lines: 'FRT' } }),
      );
      expect(decoded.reason).toBe('invalid_message');
      expect(decoded.explanation).toMatch(/charges\.lines: /);
    });

    it('when a charge line has no code, then it is invalid', () => {
      const lines = [{ description: 'Freight', amount: '1.00' }];
      const decoded = parked(decode('shipment.booked', { ...booked, charges: { currency: 'EUR', lines } }));
      expect(decoded.explanation).toMatch(/charges\.lines\.0\.code: /);
    });

    it('when charges is text, then it is invalid', () => {
      const decoded = parked(decode('shipment.booked', { ...booked, charges: 'EUR 120.50' }));
      expect(decoded.reason).toBe('invalid_message');
      expect(decoded.explanation).toMatch(/charges/);
    });

    it('when promisedDeliveryBy has no offset, then it is invalid', () => {
      const decoded = parked(
        decode('shipment.booked', { ...booked, promisedDeliveryBy: '2025-03-04T17:00:00' }),
      );
      expect(decoded.explanation).toContain('promisedDeliveryBy: promisedDeliveryBy must carry an offset');
    });

    it('when references hold a tracking number that is not text, then it is invalid', () => {
      const decoded = parked(
        decode('shipment.booked', { ...booked, references: { trackingNumbers: ['1Z', 7] } }),
      );
      expect(decoded.reason).toBe('invalid_message');
      expect(decoded.explanation).toMatch(/references\.trackingNumbers: /);
    });

    // Regression (found in review, fixed): @ValidateNested validates each element of an array, so an array of charges objects
    // passes and the RecordBooking command (typed `charges: Charges`) carries an array.
    it('when charges is an array of charges objects, then it is invalid', () => {
      expect(decode('shipment.booked', { ...booked, charges: [charges] })).toMatchObject({
        kind: 'park',
        reason: 'invalid_message',
      });
    });

    // Regression (found in review, fixed): same for references: an array is accepted and reaches the command.
    it('when references is an array, then it is invalid', () => {
      expect(decode('shipment.booked', { ...booked, references: [{ pro: 'PRO-1' }] })).toMatchObject({
        kind: 'park',
        reason: 'invalid_message',
      });
    });
  });

  describe('shipment.milestone', () => {
    it.each(['Delivered', 'shipped', '', 3])('when milestone is %j, then it is invalid', (milestone) => {
      const decoded = parked(
        decode('shipment.milestone', { ...validBySubject['shipment.milestone'], milestone }),
      );
      expect(decoded.reason).toBe('invalid_message');
      expect(decoded.explanation).toMatch(/^milestone: milestone must be one of the following values: /);
    });

    it('when location is not text, then it is invalid', () => {
      const decoded = parked(
        decode('shipment.milestone', { ...validBySubject['shipment.milestone'], location: 5 }),
      );
      expect(decoded.explanation).toBe('location: location must be a string');
    });
  });

  describe('shipment.exception', () => {
    it.each([
      ['code', 'flood', /^code: code must be one of the following values: /],
      ['severity', 'critical', /^severity: severity must be one of the following values: /],
      ['severity', 'HIGH', /^severity: /],
      ['exceptionId', '', /^exceptionId: /],
    ])('when %s is %j, then it is invalid', (field, value, expected) => {
      const decoded = parked(
        decode('shipment.exception', { ...validBySubject['shipment.exception'], [field]: value }),
      );
      expect(decoded.reason).toBe('invalid_message');
      expect(decoded.explanation).toMatch(expected);
    });
  });

  describe('shipment.exception-cleared', () => {
    it('when resolution is missing, then it is invalid', () => {
      const { resolution: _r, ...payload } = validBySubject['shipment.exception-cleared']!;
      expect(parked(decode('shipment.exception-cleared', payload)).explanation).toMatch(/^resolution: /);
    });
  });

  describe('shipment.pod', () => {
    it.each(['true', 1, null])('when signatureCaptured is %j, then it is invalid', (signatureCaptured) => {
      const decoded = parked(
        decode('shipment.pod', { ...validBySubject['shipment.pod'], signatureCaptured }),
      );
      expect(decoded.reason).toBe('invalid_message');
      expect(decoded.explanation).toBe('signatureCaptured: signatureCaptured must be a boolean value');
    });
  });

  describe('shipment.temperature', () => {
    it.each(['minCelsius', 'maxCelsius', 'allowedMinCelsius', 'allowedMaxCelsius'])(
      'when %s is a numeric string, then it is invalid',
      (field) => {
        const decoded = parked(
          decode('shipment.temperature', { ...validBySubject['shipment.temperature'], [field]: '4' }),
        );
        expect(decoded.reason).toBe('invalid_message');
        expect(decoded.explanation).toMatch(new RegExp(`^${field}: ${field} must be a number`));
      },
    );

    it('when a reading is null, then it is invalid', () => {
      const decoded = parked(
        decode('shipment.temperature', { ...validBySubject['shipment.temperature'], minCelsius: null }),
      );
      expect(decoded.explanation).toMatch(/^minCelsius: /);
    });
  });
});

describe('decodeIngestMessage: raw carrier formats are left to the translation consumer', () => {
  it.each(['edi.x12', 'edi.edifact', 'epcis', 'carrier.UPSN', 'carrier.dhl'])(
    'when a message arrives on %s, then it is handed to translation, not parked',
    (suffix) => {
      expect(decode(suffix, { messageId: 'msg-7', customerId: 'C-1' })).toEqual({
        kind: 'carrier_format',
        suffix,
      });
    },
  );

  it('when a carrier subject carries bytes that are not JSON (X12), then it is still handed to translation', () => {
    expect(decode('edi.x12', 'ISA*00*          *00*')).toEqual({ kind: 'carrier_format', suffix: 'edi.x12' });
  });

  it('when a carrier file is larger than 1 MiB, then translation gets it too (it parks it with the raw bytes)', () => {
    const raw = new Uint8Array(MAX_PAYLOAD_BYTES + 1);
    expect(decodeIngestMessage(subjects, 'waybill.ingest.edi.edifact', raw, RECEIVED_AT)).toEqual({
      kind: 'carrier_format',
      suffix: 'edi.edifact',
    });
  });

  it.each(['edi.other', 'carrier.UPSN.extra', 'epcis.events'])(
    'when a subject only looks like a carrier format (%s), then it is an unknown subject',
    (suffix) => {
      expect(parked(decode(suffix, { messageId: 'm' })).reason).toBe('unknown_subject');
    },
  );
});

describe('decodeIngestMessage: estimates, appointments and carrier invoices (additions to contract v1)', () => {
  it('when an ETA is valid, then it becomes RecordEta with how its time was read', () => {
    const decoded = accepted(
      decode('shipment.eta', {
        ...envelope,
        estimate: 'delivery',
        estimatedAt: '2025-03-02T17:00:00-05:00',
        carrierId: 'UPSN',
        timeZoneGuessed: true,
        sourceTimeCode: 'LT',
      }),
    );
    expect(decoded.command).toEqual({
      type: 'RecordEta',
      data: {
        ...report,
        estimate: 'delivery',
        estimatedAt: '2025-03-02T17:00:00-05:00',
        carrierId: 'UPSN',
        timeZoneGuessed: true,
        sourceTimeCode: 'LT',
      },
    });
  });

  it('when a translated milestone says its time zone was guessed, then the event keeps that, and the source time code', () => {
    const decoded = accepted(
      decode('shipment.milestone', {
        ...envelope,
        milestone: 'arrived',
        timeZoneGuessed: true,
        sourceTimeCode: 'LT',
      }),
    );
    expect(decoded.command).toEqual({
      type: 'RecordMilestone',
      data: { ...report, milestone: 'arrived', timeZoneGuessed: true, sourceTimeCode: 'LT' },
    });
  });

  it('when a milestone says nothing of its time zone, then the command has neither field', () => {
    const decoded = accepted(decode('shipment.milestone', { ...envelope, milestone: 'arrived' }));
    expect(decoded.command).toEqual({ type: 'RecordMilestone', data: { ...report, milestone: 'arrived' } });
  });

  it('when timeZoneGuessed is not a boolean, then the message is parked naming the field', () => {
    const p = parked(
      decode('shipment.milestone', { ...envelope, milestone: 'arrived', timeZoneGuessed: 'yes' }),
    );
    expect(p.reason).toBe('invalid_message');
    expect(p.explanation).toContain('timeZoneGuessed');
  });

  it('when an ETA has no offset or an unknown estimate, then it is parked naming both fields', () => {
    const p = parked(
      decode('shipment.eta', { ...envelope, estimate: 'arrival', estimatedAt: '2025-03-02T17:00:00' }),
    );
    expect(p.reason).toBe('invalid_message');
    expect(p.explanation).toMatch(/estimate: /);
    expect(p.explanation).toMatch(/estimatedAt must carry an offset/);
  });

  it('when an appointment is valid, then it becomes RecordAppointment; a null reason is absent', () => {
    const decoded = accepted(
      decode('shipment.appointment', {
        ...envelope,
        appointment: 'pickup',
        code: 'AA',
        reason: null,
        appointmentAt: '2025-03-02T08:00:00Z',
      }),
    );
    expect(decoded.command).toEqual({
      type: 'RecordAppointment',
      data: { ...report, appointment: 'pickup', code: 'AA', appointmentAt: '2025-03-02T08:00:00Z' },
    });
  });

  it('when a carrier invoice is valid, then it becomes RecordCarrierInvoice with its lines and total', () => {
    const invoice = {
      ...envelope,
      invoiceNumber: 'INV-1',
      carrierId: 'UPSN',
      currency: 'USD',
      lines: [{ code: '400', description: 'Freight', amount: '117.50' }],
      total: '117.50',
    };
    expect(accepted(decode('shipment.carrier-invoice', invoice)).command).toEqual({
      type: 'RecordCarrierInvoice',
      data: {
        ...report,
        invoiceNumber: 'INV-1',
        carrierId: 'UPSN',
        currency: 'USD',
        lines: [{ code: '400', description: 'Freight', amount: '117.50' }],
        total: '117.50',
      },
    });
  });

  it('when a carrier invoice total is a float-like number, then it is parked (money is a decimal string)', () => {
    const p = parked(
      decode('shipment.carrier-invoice', {
        ...envelope,
        invoiceNumber: 'INV-1',
        carrierId: 'UPSN',
        currency: 'USD',
        lines: [],
        total: 117.5,
      }),
    );
    expect(p.explanation).toMatch(/total must be a decimal string/);
  });
});

describe('decodeIngestMessage: contracts and ERP/CRM replies', () => {
  const common = { messageId: 'm-1', occurredAt: '2026-11-26T10:00:00Z', source: 'erp:sap' };

  it('when a contract is valid, then it becomes RecordContract for its customer with the policy as sent', () => {
    const decoded = decode('contract', {
      ...common,
      customerId: 'C-1',
      contractId: 'K-1',
      policy: { billingTrigger: 'pod', requireSignedPod: true, podGraceHours: 24, extra: 'dropped' },
    });
    expect(decoded).toMatchObject({
      kind: 'contract',
      customerId: 'C-1',
      command: {
        type: 'RecordContract',
        data: {
          customerId: 'C-1',
          contractId: 'K-1',
          policy: { billingTrigger: 'pod', requireSignedPod: true, podGraceHours: 24 },
        },
      },
    });
    expect((decoded as { command: { data: { policy: object } } }).command.data.policy).not.toHaveProperty(
      'extra',
    );
  });

  it('when a contract names a customer as freely as a booking may (spaces, 128 characters), then it is recorded', () => {
    for (const customerId of ['ACME Corp', 'ACME/EU', 'x'.repeat(128)]) {
      const decoded = decode('contract', {
        ...common,
        customerId,
        contractId: 'K-1',
        policy: { billingTrigger: 'pod' },
      });
      expect(decoded).toMatchObject({ kind: 'contract', customerId });
    }
  });

  it.each([
    ['over 128 characters', 'x'.repeat(129)],
    ['with a NUL', 'C\u0000X'],
    ['with a newline', 'C\nX'],
  ])(
    'when a contract or a booking names a customer id %s, then it is invalid_message naming customerId',
    (_what, long) => {
      const contract = parked(
        decode('contract', {
          ...common,
          customerId: long,
          contractId: 'K-1',
          policy: { billingTrigger: 'pod' },
        }),
      );
      const booking = parked(decode('shipment.booked', { ...booked, customerId: long }));
      for (const decoded of [contract, booking]) {
        expect(decoded.reason).toBe('invalid_message');
        expect(decoded.explanation).toMatch(/customerId/);
      }
    },
  );

  it.each([
    [{ billingTrigger: 'invoice' }, /billingTrigger/],
    [{ billingTrigger: 'delivered', podGraceHours: -1 }, /podGraceHours/],
    [{ billingTrigger: 'delivered', requireSignedPod: 'yes' }, /requireSignedPod/],
  ])('when a contract policy is %j, then it is invalid_message naming the field', (policy, field) => {
    const decoded = parked(decode('contract', { ...common, customerId: 'C-1', contractId: 'K-1', policy }));
    expect(decoded.reason).toBe('invalid_message');
    expect(decoded.explanation).toMatch(field);
  });

  it.each([
    [
      'erp.invoice-released',
      { commandId: 'invoice.release:S-1:1', invoiceNumber: 'INV-9' },
      'RecordInvoiceReleased',
    ],
    [
      'erp.invoice-rejected',
      { commandId: 'invoice.release:S-1:1', reason: 'credit block' },
      'RecordInvoiceRejected',
    ],
    [
      'crm.case-opened',
      { commandId: 'case.open:S-1:billing_hold:1', caseId: 'CASE-1' },
      'RecordServiceCaseOpened',
    ],
    ['crm.case-resolved', { caseId: 'CASE-1', resolution: 'POD found' }, 'RecordServiceCaseResolved'],
  ])('when %s is valid, then it becomes %s on the shipment', (suffix, fields, type) => {
    const decoded = decode(suffix, { ...common, shipmentId: 'S-1', ...fields });
    expect(decoded).toMatchObject({ kind: 'shipment', shipmentId: 'S-1', command: { type, data: fields } });
  });

  it('when a reply has no commandId, then it is invalid_message', () => {
    const decoded = parked(
      decode('erp.invoice-released', { ...common, shipmentId: 'S-1', invoiceNumber: 'INV-9' }),
    );
    expect(decoded.reason).toBe('invalid_message');
    expect(decoded.explanation).toMatch(/commandId/);
  });
});

describe('decodeIngestMessage: shipment commands', () => {
  it('when a booking is valid, then it becomes RecordBooking with every contract field', () => {
    const references = {
      trackingNumbers: ['1Z999'],
      pro: 'PRO-1',
      billOfLading: 'BOL-1',
      purchaseOrders: ['PO-1', 'PO-2'],
    };
    const decoded = accepted(
      decode('shipment.booked', { ...booked, promisedDeliveryBy: '2025-03-04T17:00:00Z', references }),
    );
    expect(decoded.command).toEqual({
      type: 'RecordBooking',
      data: {
        ...report,
        orderId: 'SO-1',
        customerId: 'C-1',
        carrierId: 'UPSN',
        origin: 'Warehouse 7, Hamburg',
        destination: { city: 'Paris', region: 'IDF', country: 'FR', postalCode: '75001' },
        promisedDeliveryBy: '2025-03-04T17:00:00Z',
        charges,
        references,
      },
    });
    expect(decoded).toMatchObject({ kind: 'shipment', shipmentId: 'SHP-1', messageId: 'msg-1' });
  });

  it('when a booking has neither promisedDeliveryBy nor references, then the command has no such keys', () => {
    const data = accepted(decode('shipment.booked', booked)).command.data;
    expect(data).toEqual({
      ...report,
      orderId: 'SO-1',
      customerId: 'C-1',
      carrierId: 'UPSN',
      origin: 'Warehouse 7, Hamburg',
      destination: { city: 'Paris', region: 'IDF', country: 'FR', postalCode: '75001' },
      charges,
    });
    expect(Object.keys(data)).not.toContain('promisedDeliveryBy');
    expect(Object.keys(data)).not.toContain('references');
  });

  it('when the booking charges are decoded, then they are plain objects, not DTO instances', () => {
    const command = accepted(decode('shipment.booked', booked)).command;
    const data = command.data as { charges: object };
    expect(Object.getPrototypeOf(data.charges)).toBe(Object.prototype);
  });

  it('when a milestone is valid, then it becomes RecordMilestone', () => {
    const decoded = accepted(
      decode('shipment.milestone', {
        ...envelope,
        milestone: 'out_for_delivery',
        location: 'Paris',
        carrierId: 'UPSN',
      }),
    );
    expect(decoded.command).toEqual({
      type: 'RecordMilestone',
      data: { ...report, milestone: 'out_for_delivery', location: 'Paris', carrierId: 'UPSN' },
    });
  });

  it('when a milestone has no location or carrierId, then the command has no such keys', () => {
    const data = accepted(decode('shipment.milestone', validBySubject['shipment.milestone'])).command.data;
    expect(data).toEqual({ ...report, milestone: 'delivered' });
    expect(Object.keys(data)).not.toEqual(expect.arrayContaining(['location']));
    expect(Object.keys(data)).not.toEqual(expect.arrayContaining(['carrierId']));
  });

  it.each(['dispatched', 'in_transit', 'out_for_delivery', 'arrived', 'delivered', 'returned', 'cancelled'])(
    'when the milestone is %s, then it is accepted',
    (milestone) => {
      const decoded = accepted(decode('shipment.milestone', { ...envelope, milestone }));
      expect(decoded.command).toEqual({ type: 'RecordMilestone', data: { ...report, milestone } });
    },
  );

  it('when an exception is valid, then it becomes RaiseException', () => {
    const decoded = accepted(
      decode('shipment.exception', {
        ...validBySubject['shipment.exception'],
        description: 'truck broke down',
      }),
    );
    expect(decoded.command).toEqual({
      type: 'RaiseException',
      data: {
        ...report,
        exceptionId: 'E-1',
        code: 'delay',
        severity: 'high',
        description: 'truck broke down',
      },
    });
  });

  it('when an exception has no description, then the command has no description key', () => {
    const decoded = accepted(decode('shipment.exception', validBySubject['shipment.exception']));
    expect(decoded.command).toEqual({
      type: 'RaiseException',
      data: { ...report, exceptionId: 'E-1', code: 'delay', severity: 'high' },
    });
    expect(decoded.command.data).not.toHaveProperty('description');
  });

  it.each([
    'delay',
    'damage',
    'shortage',
    'refused',
    'address',
    'temperature_excursion',
    'customs_hold',
    'lost',
    'other',
  ])('when the exception code is %s, then it is accepted', (code) => {
    expect(decode('shipment.exception', { ...validBySubject['shipment.exception'], code }).kind).toBe(
      'shipment',
    );
  });

  it.each(['low', 'medium', 'high'])('when the severity is %s, then it is accepted', (severity) => {
    expect(decode('shipment.exception', { ...validBySubject['shipment.exception'], severity }).kind).toBe(
      'shipment',
    );
  });

  it('when an exception clearance is valid, then it becomes ClearException', () => {
    const decoded = accepted(
      decode('shipment.exception-cleared', validBySubject['shipment.exception-cleared']),
    );
    expect(decoded.command).toEqual({
      type: 'ClearException',
      data: { ...report, exceptionId: 'E-1', resolution: 'rebooked' },
    });
  });

  it('when a POD has every optional field, then it becomes RecordPod with all of them', () => {
    const decoded = accepted(
      decode('shipment.pod', {
        ...validBySubject['shipment.pod'],
        signedBy: 'J. Doe',
        documentRef: 'doc://pod/1',
        remarks: '1 carton damaged',
      }),
    );
    expect(decoded.command).toEqual({
      type: 'RecordPod',
      data: {
        ...report,
        podId: 'P-1',
        signatureCaptured: true,
        signedBy: 'J. Doe',
        documentRef: 'doc://pod/1',
        remarks: '1 carton damaged',
      },
    });
  });

  it('when a POD has no optional field, then the command has only the required ones', () => {
    const decoded = accepted(
      decode('shipment.pod', { ...validBySubject['shipment.pod'], signatureCaptured: false }),
    );
    expect(decoded.command).toEqual({
      type: 'RecordPod',
      data: { ...report, podId: 'P-1', signatureCaptured: false },
    });
    expect(Object.keys(decoded.command.data).sort()).toEqual(
      ['messageId', 'occurredAt', 'podId', 'receivedAt', 'signatureCaptured', 'source'].sort(),
    );
  });

  it('when a temperature reading is valid, then it becomes RecordTemperature with the numbers as given', () => {
    const decoded = accepted(
      decode('shipment.temperature', {
        ...envelope,
        minCelsius: -18.5,
        maxCelsius: 0,
        allowedMinCelsius: -25,
        allowedMaxCelsius: -15,
      }),
    );
    expect(decoded.command).toEqual({
      type: 'RecordTemperature',
      data: { ...report, minCelsius: -18.5, maxCelsius: 0, allowedMinCelsius: -25, allowedMaxCelsius: -15 },
    });
  });

  it.each(Object.keys(validBySubject))(
    'when a %s message carries fields the contract does not know, then the command drops them',
    (suffix) => {
      const plainResult = accepted(decode(suffix, validBySubject[suffix]));
      const withExtras = accepted(
        decode(suffix, {
          ...validBySubject[suffix],
          internalNote: 'x',
          priority: 3,
          shipmentVersion: { v: 2 },
        }),
      );
      expect(withExtras.command).toEqual(plainResult.command);
      expect(withExtras.command.data).not.toHaveProperty('internalNote');
    },
  );

  it('when receivedAt is given, then the command carries it as an ISO string, whatever the clock says', () => {
    const receivedAt = new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 6));
    const decoded = accepted(decode('shipment.milestone', validBySubject['shipment.milestone'], receivedAt));
    expect(decoded.command.data.receivedAt).toBe('2030-01-02T03:04:05.006Z');
  });

  it('when occurredAt has an offset, then it is kept exactly as sent, not normalised', () => {
    const decoded = accepted(
      decode('shipment.milestone', {
        ...validBySubject['shipment.milestone'],
        occurredAt: '2025-03-01T10:00:00.5-05:00',
      }),
    );
    expect(decoded.command.data.occurredAt).toBe('2025-03-01T10:00:00.5-05:00');
  });
});

describe('decodeIngestMessage: correlationId', () => {
  it('when the message carries a correlationId, then it is kept', () => {
    const decoded = accepted(
      decode('shipment.milestone', { ...validBySubject['shipment.milestone'], correlationId: 'corr-42' }),
    );
    expect(decoded.correlationId).toBe('corr-42');
  });

  it('when the message has no correlationId, then one is derived from messageId alone', () => {
    const first = accepted(decode('shipment.milestone', validBySubject['shipment.milestone']));
    const redelivered = accepted(
      decode(
        'shipment.milestone',
        { ...validBySubject['shipment.milestone'], source: 'wms' },
        new Date('2026-01-01T00:00:00Z'),
      ),
    );
    const other = accepted(
      decode('shipment.milestone', { ...validBySubject['shipment.milestone'], messageId: 'msg-2' }),
    );
    expect(first.correlationId).toMatch(UUID);
    expect(first.correlationId).toBe(deterministicId('correlation:msg-1'));
    expect(redelivered.correlationId).toBe(first.correlationId);
    expect(other.correlationId).not.toBe(first.correlationId);
  });

  it('when the same messageId arrives on different subjects, then the derived correlationId is the same', () => {
    const milestone = accepted(decode('shipment.milestone', validBySubject['shipment.milestone']));
    const pod = accepted(decode('shipment.pod', validBySubject['shipment.pod']));
    expect(pod.correlationId).toBe(milestone.correlationId);
  });
});

describe('decodeIngestMessage: contentHash', () => {
  it('when the same content arrives with keys in another order and other whitespace, then the hash is equal', () => {
    const original = accepted(decode('shipment.booked', booked));
    const reordered = {
      charges: {
        lines: charges.lines.map((l) => ({ amount: l.amount, description: l.description, code: l.code })),
        currency: 'EUR',
      },
      destination: { postalCode: '75001', country: 'FR', region: 'IDF', city: 'Paris' },
      origin: booked.origin,
      carrierId: 'UPSN',
      customerId: 'C-1',
      orderId: 'SO-1',
      source: 'tms',
      occurredAt: envelope.occurredAt,
      shipmentId: 'SHP-1',
      messageId: 'msg-1',
    };
    const again = accepted(decode('shipment.booked', JSON.stringify(reordered, null, 2)));
    expect(original.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(again.contentHash).toBe(original.contentHash);
  });

  it('when the same message is decoded at another time, then the hash is equal', () => {
    const first = accepted(decode('shipment.pod', validBySubject['shipment.pod']));
    const later = accepted(
      decode('shipment.pod', validBySubject['shipment.pod'], new Date('2026-01-01T00:00:00Z')),
    );
    expect(later.contentHash).toBe(first.contentHash);
  });

  it.each([
    ['a top-level value', { orderId: 'SO-2' }],
    ['a nested amount', { charges: { ...charges, lines: [{ ...charges.lines[0]!, amount: '120.51' }] } }],
    ['the order of charge lines', { charges: { ...charges, lines: [...charges.lines].reverse() } }],
    ['an added optional field', { promisedDeliveryBy: '2025-03-04T17:00:00Z' }],
  ])('when %s changes, then the hash differs', (_what, change) => {
    const original = accepted(decode('shipment.booked', booked));
    const changed = accepted(decode('shipment.booked', { ...booked, ...change }));
    expect(changed.contentHash).not.toBe(original.contentHash);
  });
});

describe('decodeIngestMessage: only what the contract knows reaches the command', () => {
  // Regression (found in review, fixed): `plain()` claims to drop fields the contract does not know, but JSON round-tripping a
  // class-transformer instance keeps every property, so unknown nested keys (here `charges.discount`,
  // `lines[0].note`, `references.internal`) are written into the RecordBooking command and event.
  it('when nested charges and references carry unknown keys, then the command drops them', () => {
    const decoded = accepted(
      decode('shipment.booked', {
        ...booked,
        charges: { ...charges, discount: '10', lines: [{ ...charges.lines[0]!, note: 'x' }] },
        references: { pro: 'PRO-1', internal: { secret: true } },
      }),
    );
    expect(decoded.command.data).toMatchObject({
      charges: { currency: 'EUR', lines: [{ code: 'FRT', description: 'Freight', amount: '120.50' }] },
      references: { pro: 'PRO-1' },
    });
    const data = decoded.command.data as { charges: object; references: object };
    expect(data.charges).not.toHaveProperty('discount');
    expect((data.charges as { lines: object[] }).lines[0]).not.toHaveProperty('note');
    expect(data.references).not.toHaveProperty('internal');
  });

  // Regression (found in review, fixed): @IsOptional() also lets `null` through, and `optional()` only omits `undefined`, so an
  // explicit JSON null reaches commands typed `string | undefined` (promisedDeliveryBy, references,
  // location, carrierId, description, signedBy, documentRef, remarks).
  it.each([
    ['shipment.booked', 'promisedDeliveryBy'],
    ['shipment.booked', 'references'],
    ['shipment.milestone', 'location'],
    ['shipment.milestone', 'carrierId'],
    ['shipment.exception', 'description'],
    ['shipment.pod', 'signedBy'],
    ['shipment.pod', 'documentRef'],
    ['shipment.pod', 'remarks'],
  ])('when %s has %s: null, then the command omits it rather than carrying null', (suffix, field) => {
    const decoded = decode(suffix, { ...validBySubject[suffix], [field]: null });
    // Either refusing null (invalid_message) or omitting it would be a fix; carrying it is the bug.
    const carriesNull = decoded.kind === 'shipment' && field in decoded.command.data;
    expect(carriesNull).toBe(false);
  });
});

describe('decodeIngestMessage: times and numbers no date can hold', () => {
  it('when occurredAt is a leap second, then it is invalid_message (a JavaScript date cannot hold it)', () => {
    const decoded = parked(
      decode('shipment.milestone', {
        messageId: 'leap-1',
        shipmentId: 'S-1',
        occurredAt: '2016-12-31T23:59:60Z',
        source: 'tms',
        milestone: 'delivered',
      }),
    );
    expect(decoded.reason).toBe('invalid_message');
    expect(decoded.explanation).toMatch(/occurredAt is not a time Waybill can represent/);
  });

  it('when a contract grants more than a year of POD grace, then it is invalid_message', () => {
    const decoded = parked(
      decode('contract', {
        messageId: 'grace-1',
        occurredAt: '2026-11-26T10:00:00Z',
        source: 'crm',
        customerId: 'C-1',
        contractId: 'K-1',
        policy: { billingTrigger: 'pod', podGraceHours: 3e12 },
      }),
    );
    expect(decoded.reason).toBe('invalid_message');
    expect(decoded.explanation).toMatch(/podGraceHours/);
  });
});
