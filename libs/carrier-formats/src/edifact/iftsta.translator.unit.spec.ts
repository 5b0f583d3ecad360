import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { translateEdifact } from './index';

const fixtures = join(__dirname, '../../fixtures/edifact');
const context = { receivedAt: new Date('2024-01-20T00:00:00Z') };
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const fixture = (name: string): Uint8Array => readFileSync(join(fixtures, name));

describe('translateEdifact (IFTSTA)', () => {
  it('when an IFTSTA D96A uses custom UNA delimiters and has an unknown event and reason, then the rest is translated and the unknown codes are rejected at their place', () => {
    const consignment1 = {
      trackingNumbers: ['TRK|0001'],
      billOfLading: 'BOL-778899',
      purchaseOrders: ['CONS-1001'],
    };
    const consignment2 = { purchaseOrders: ['CONS-1002', 'PO-4455'] };
    expect(translateEdifact(fixture('iftsta-d96a-una-custom.edi'), context)).toStrictEqual({
      messages: [
        {
          kind: 'shipment.milestone',
          payload: {
            messageId: 'edifact:CARRIERX:ICR123:1:1:1',
            occurredAt: '2024-01-16T08:30:00+01:00',
            source: 'edi:edifact:CARRIERX',
            timeZoneGuessed: true,
            milestone: 'in_transit',
            location: 'Hamburg (DEHAM)',
            carrierId: 'CRXN',
          },
          references: consignment1,
          place: 'UNB=ICR123/UNH=1/CNI[1]/STS[1]',
        },
        {
          kind: 'shipment.milestone',
          payload: {
            messageId: 'edifact:CARRIERX:ICR123:1:1:2',
            occurredAt: '2024-01-16T14:30:00+01:00',
            source: 'edi:edifact:CARRIERX',
            milestone: 'delivered',
            location: 'Rotterdam (NLRTM)',
            carrierId: 'CRXN',
          },
          references: consignment1,
          place: 'UNB=ICR123/UNH=1/CNI[1]/STS[2]',
        },
        {
          kind: 'shipment.exception',
          payload: {
            messageId: 'edifact:CARRIERX:ICR123:1:2:1:exception',
            occurredAt: '2024-01-16T12:00:00Z',
            source: 'edi:edifact:CARRIERX',
            timeZoneGuessed: true,
            exceptionId: 'edifact:CARRIERX:ICR123:1:2:1:exception',
            code: 'address',
            severity: 'medium',
            description: '23 Delivery not completed; reason 30 Incorrect address',
          },
          references: consignment2,
          place: 'UNB=ICR123/UNH=1/CNI[2]/STS[1]',
        },
        {
          kind: 'shipment.milestone',
          payload: {
            messageId: 'edifact:CARRIERX:ICR123:1:2:3',
            occurredAt: '2024-01-16T00:00:00Z',
            source: 'edi:edifact:CARRIERX',
            timeZoneGuessed: true,
            milestone: 'delivered',
            location: 'London (GBLON)',
            carrierId: 'CRXN',
          },
          references: consignment2,
          place: 'UNB=ICR123/UNH=1/CNI[2]/STS[3]',
        },
      ],
      rejected: [
        {
          reason: 'unknown_code',
          place: 'UNB=ICR123/UNH=1/CNI[2]/STS[2]',
          code: 'STS-02=999',
          explanation: "status event 999 is not in Waybill's 9011 table",
        },
        {
          reason: 'unknown_code',
          place: 'UNB=ICR123/UNH=1/CNI[2]/STS[3]',
          code: 'STS-03=77',
          explanation:
            "status reason 77 is not in Waybill's 9013 table; the status event was still translated",
        },
      ],
      warnings: [],
    });
  });

  it('when an EANCOM IFTSTA has no UNA, CRLF line ends, a named zone, an informational status and a wrong UNT count, then it is translated with warnings', () => {
    expect(translateEdifact(fixture('iftsta-eancom-d01b.edi'), context)).toStrictEqual({
      messages: [
        {
          kind: 'shipment.milestone',
          payload: {
            messageId: 'edifact:5412345000013:EAN00042:ME000001:1:1',
            occurredAt: '2024-01-17T07:00:00+01:00',
            source: 'edi:edifact:5412345000013',
            timeZoneGuessed: true,
            milestone: 'dispatched',
            location: 'Antwerp (BEANR)',
          },
          references: {
            trackingNumbers: ["SHP'77", '354123450000000014'],
            purchaseOrders: ['DN-2024-0117', 'CUSTREF-88'],
          },
          place: 'UNB=EAN00042/UNH=ME000001/CNI[1]/STS[1]',
        },
      ],
      rejected: [],
      warnings: [
        'UNB=EAN00042/UNH=ME000001: UNT-01 says 12 segments, the message has 14',
        'UNB=EAN00042/UNH=ME000001/CNI[1]/STS[1]: time zone "CET" in DTM 334 is not an offset; zone guessed from the location',
        'UNB=EAN00042/UNH=ME000001/CNI[1]/STS[2]: status event 6 (Booked) is informational; no message',
      ],
    });
  });

  it('when the same interchange is received twice, then the messageIds are identical', () => {
    const first = translateEdifact(fixture('iftsta-d96a-una-custom.edi'), context);
    const second = translateEdifact(fixture('iftsta-d96a-una-custom.edi'), {
      receivedAt: new Date('2024-02-01T00:00:00Z'),
    });
    expect(second).toStrictEqual(first);
  });

  it('when a status has a reason that raises an exception and a milestone, then both are produced with distinct ids', () => {
    const edi = [
      "UNB+UNOC:3+SNDR+RCVR+240116:1510+ICR9'",
      "UNH+7+IFTSTA:D:96A:UN'",
      "CNI+1+REF-1'",
      "STS+1+21+14'",
      "DTM+334:202401161430?+0100:303'",
      "UNT+5+7'",
      "UNZ+1+ICR9'",
    ].join('');
    const { messages, rejected } = translateEdifact(bytes(edi), context);
    expect(rejected).toStrictEqual([]);
    expect(messages.map((m) => [m.kind, m.payload])).toStrictEqual([
      [
        'shipment.milestone',
        {
          messageId: 'edifact:SNDR:ICR9:7:1:1',
          occurredAt: '2024-01-16T14:30:00+01:00',
          source: 'edi:edifact:SNDR',
          milestone: 'delivered',
        },
      ],
      [
        'shipment.exception',
        {
          messageId: 'edifact:SNDR:ICR9:7:1:1:exception',
          occurredAt: '2024-01-16T14:30:00+01:00',
          source: 'edi:edifact:SNDR',
          exceptionId: 'edifact:SNDR:ICR9:7:1:1:exception',
          code: 'damage',
          severity: 'high',
          description: '21 Delivered; reason 14 Damaged',
        },
      ],
    ]);
  });

  it('when a status has no DTM 334, then the UNB preparation time is used, zone guessed, with a warning', () => {
    const edi =
      "UNB+UNOC:3+SNDR+RCVR+240116:1510+ICR9'UNH+7+IFTSTA:D:96A:UN'CNI+1+REF-1'STS+1+1'UNT+4+7'UNZ+1+ICR9'";
    const result = translateEdifact(bytes(edi), context);
    expect(result.messages.map((m) => m.payload)).toStrictEqual([
      {
        messageId: 'edifact:SNDR:ICR9:7:1:1',
        occurredAt: '2024-01-16T15:10:00Z',
        source: 'edi:edifact:SNDR',
        timeZoneGuessed: true,
        milestone: 'arrived',
      },
    ]);
    expect(result.warnings).toStrictEqual([
      'UNB=ICR9/UNH=7/CNI[1]/STS[1]: no DTM 334 status time; the interchange preparation time (UNB-04) is used',
    ]);
  });

  it('when a DTM has an unsupported format, then that status is rejected as invalid_message', () => {
    const edi =
      "UNB+UNOC:3+SNDR+RCVR+240116:1510+ICR9'UNH+7+IFTSTA:D:96A:UN'CNI+1+REF-1'STS+1+1'DTM+334:16012024:999'UNT+5+7'UNZ+1+ICR9'";
    expect(translateEdifact(bytes(edi), context)).toStrictEqual({
      messages: [],
      rejected: [
        {
          reason: 'invalid_message',
          place: 'UNB=ICR9/UNH=7/CNI[1]/STS[1]',
          code: 'DTM-01=334:16012024:999',
          explanation: 'date/time format 999 is not supported (102, 201, 203, 204, 303, 304 are)',
        },
      ],
      warnings: [],
    });
  });

  it('when a consignment has no reference, then it is rejected and the next consignment still goes through', () => {
    const edi =
      "UNB+UNOC:3+SNDR+RCVR+240116:1510+ICR9'UNH+7+IFTSTA:D:96A:UN'CNI+1'STS+1+1'CNI+2+REF-2'STS+1+1'DTM+334:202401161200:203'UNT+8+7'UNZ+1+ICR9'";
    const result = translateEdifact(bytes(edi), context);
    expect(result.rejected).toStrictEqual([
      {
        reason: 'invalid_message',
        place: 'UNB=ICR9/UNH=7/CNI[1]',
        code: 'CNI-02',
        explanation:
          'consignment has no reference (CNI-02, RFF BM/AWB/CN/SRN/UCN/CU/ON/AAO or GIN+BJ) to find the shipment by',
      },
    ]);
    expect(result.messages.map((m) => m.place)).toStrictEqual(['UNB=ICR9/UNH=7/CNI[2]/STS[1]']);
  });

  it('when the interchange carries an ORDERS message, then it is rejected as not IFTSTA', () => {
    const edi = "UNB+UNOC:3+SNDR+RCVR+240116:1510+ICR9'UNH+7+ORDERS:D:96A:UN'BGM+220+PO1'UNT+3+7'UNZ+1+ICR9'";
    expect(translateEdifact(bytes(edi), context)).toStrictEqual({
      messages: [],
      rejected: [
        {
          reason: 'invalid_message',
          place: 'UNB=ICR9/UNH=7',
          code: 'UNH-02=ORDERS',
          explanation: 'message type ORDERS is not IFTSTA',
        },
      ],
      warnings: [],
    });
  });

  it('when the input is not EDIFACT, then a single invalid_message is returned', () => {
    expect(translateEdifact(bytes('{"hello": "world"}'), context)).toStrictEqual({
      messages: [],
      rejected: [
        {
          reason: 'invalid_message',
          place: 'segment[1]',
          explanation: 'not an EDIFACT interchange: segment 1 has no valid tag: "{"hello""',
        },
      ],
      warnings: [],
    });
  });

  it('when there is no UNB, then a single invalid_message is returned', () => {
    expect(translateEdifact(bytes("UNH+1+IFTSTA:D:96A:UN'UNT+2+1'"), context).rejected).toStrictEqual([
      {
        reason: 'invalid_message',
        place: 'UNB',
        explanation:
          'no UNB interchange header with a sender (UNB-02) and control reference (UNB-05); both name the source and its messages',
      },
    ]);
  });

  it('when the input is empty, then a single invalid_message is returned', () => {
    expect(translateEdifact(bytes('  \n'), context)).toStrictEqual({
      messages: [],
      rejected: [{ reason: 'invalid_message', place: 'input', explanation: 'empty input' }],
      warnings: [],
    });
  });
});
