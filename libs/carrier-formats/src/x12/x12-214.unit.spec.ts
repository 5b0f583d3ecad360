import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Translation } from '../translation';
import { translateX12 } from './index';
import { bytes, interchange } from './x12-interchange.fixtures';

const receivedAt = new Date('2024-03-16T12:00:00.000Z');
const fixture = (name: string): Uint8Array => readFileSync(join(__dirname, '../../fixtures/x12', name));
const translate = (raw: Uint8Array): Translation => translateX12(raw, { receivedAt });

describe('X12 214: a multi-shipment interchange', () => {
  const shipment1 = {
    shipmentId: 'WB-SHP-001',
    pro: 'PRO1001',
    billOfLading: 'BOL5001',
    purchaseOrders: ['PO-7781'],
  };
  const shipment2 = { trackingNumbers: ['1Z999AA10123456784'], pro: 'PRO1002', billOfLading: 'BOL5002' };
  const st1 = 'ISA13=000000905/GS06=1/ST02=0001';
  const st2 = 'ISA13=000000905/GS06=1/ST02=0002';

  it('when translated, then every status, estimate, appointment and exception comes out in file order', () => {
    expect(translate(fixture('214-multi-shipment.edi'))).toStrictEqual({
      messages: [
        {
          kind: 'shipment.milestone',
          payload: {
            messageId: 'x12:ABCD:000000905:1:0001:1:1',
            occurredAt: '2024-03-11T08:15:00-04:00',
            source: 'carrier:ABCD',
            milestone: 'dispatched',
            location: 'CHICAGO, IL, US',
            carrierId: 'ABCD',
            sourceTimeCode: 'ET',
          },
          references: shipment1,
          place: `${st1}/LX=1/AT7[1]`,
        },
        {
          kind: 'shipment.appointment',
          payload: {
            messageId: 'x12:ABCD:000000905:1:0001:2:1',
            occurredAt: '2024-03-11T07:00:00-05:00',
            source: 'carrier:ABCD',
            appointment: 'pickup',
            code: 'AA',
            reason: 'NA',
            appointmentAt: '2024-03-11T07:00:00-05:00',
            carrierId: 'ABCD',
            sourceTimeCode: 'CT',
          },
          references: shipment1,
          place: `${st1}/LX=2/AT7[1]`,
        },
        {
          kind: 'shipment.eta',
          payload: {
            messageId: 'x12:ABCD:000000905:1:0001:2:2',
            occurredAt: '2024-03-13T14:00:00-04:00',
            source: 'carrier:ABCD',
            estimate: 'delivery',
            estimatedAt: '2024-03-13T14:00:00-04:00',
            carrierId: 'ABCD',
            timeZoneGuessed: true,
            sourceTimeCode: 'LT',
          },
          references: shipment1,
          place: `${st1}/LX=2/AT7[2]`,
        },
        {
          kind: 'shipment.exception',
          payload: {
            messageId: 'x12:ABCD:000000905:1:0001:3:1',
            occurredAt: '2024-03-12T09:30:00-05:00',
            source: 'carrier:ABCD',
            exceptionId: 'x12:ABCD:000000905:1:0001:3:1',
            code: 'delay',
            severity: 'medium',
            description: 'Shipment Delayed: Weather or Natural Disaster Related',
            sourceTimeCode: 'CT',
          },
          references: shipment1,
          place: `${st1}/LX=3/AT7[1]`,
        },
        {
          kind: 'shipment.milestone',
          payload: {
            messageId: 'x12:ABCD:000000905:1:0001:4:1',
            occurredAt: '2024-03-13T13:52:00-04:00',
            source: 'carrier:ABCD',
            milestone: 'arrived',
            location: 'NEW YORK, NY, US',
            carrierId: 'ABCD',
            timeZoneGuessed: true,
            sourceTimeCode: 'LT',
          },
          references: shipment1,
          place: `${st1}/LX=4/AT7[1]`,
        },
        {
          kind: 'shipment.milestone',
          payload: {
            messageId: 'x12:ABCD:000000905:1:0001:4:2',
            occurredAt: '2024-03-13T16:10:00-04:00',
            source: 'carrier:ABCD',
            milestone: 'delivered',
            location: 'NEW YORK, NY, US',
            carrierId: 'ABCD',
            sourceTimeCode: 'ED',
          },
          references: shipment1,
          place: `${st1}/LX=4/AT7[2]`,
        },
        {
          kind: 'shipment.exception',
          payload: {
            messageId: 'x12:ABCD:000000905:1:0001:4:2:exception',
            occurredAt: '2024-03-13T16:10:00-04:00',
            source: 'carrier:ABCD',
            exceptionId: 'x12:ABCD:000000905:1:0001:4:2:exception',
            code: 'damage',
            severity: 'medium',
            description: 'Completed Unloading at Delivery Location: Damaged, Rewrapped in Hub',
            sourceTimeCode: 'ED',
          },
          references: shipment1,
          place: `${st1}/LX=4/AT7[2]`,
        },
        {
          kind: 'shipment.eta',
          payload: {
            messageId: 'x12:ABCD:000000905:1:0002:1:1',
            occurredAt: '2024-03-14T10:00:00+00:00',
            source: 'carrier:ABCD',
            estimate: 'delivery',
            estimatedAt: '2024-03-14T10:00:00+00:00',
            carrierId: 'ABCD',
            timeZoneGuessed: true,
          },
          references: shipment2,
          place: `${st2}/LX=1/AT7[1]`,
        },
        {
          kind: 'shipment.exception',
          payload: {
            messageId: 'x12:ABCD:000000905:1:0002:2:1',
            occurredAt: '2024-03-14T11:30:00-07:00',
            source: 'carrier:ABCD',
            exceptionId: 'x12:ABCD:000000905:1:0002:2:1',
            code: 'address',
            severity: 'medium',
            description: 'Attempted Delivery: Incorrect Address',
            sourceTimeCode: 'PT',
          },
          references: shipment2,
          place: `${st2}/LX=2/AT7[1]`,
        },
        {
          kind: 'shipment.milestone',
          payload: {
            messageId: 'x12:ABCD:000000905:2:0001:1:1',
            occurredAt: '2024-03-15T09:00:00-04:00',
            source: 'carrier:EFGH',
            milestone: 'cancelled',
            location: 'TORONTO, ON, CA',
            carrierId: 'EFGH',
            timeZoneGuessed: true,
            sourceTimeCode: 'LT',
          },
          references: { pro: 'PRO1003', billOfLading: 'BOL5003' },
          place: 'ISA13=000000905/GS06=2/ST02=0001/LX=1/AT7[1]',
        },
      ],
      rejected: [],
      warnings: [],
    });
  });

  it('when the same file is received again later, then it translates to the same messages', () => {
    const first = translate(fixture('214-multi-shipment.edi'));
    const again = translateX12(fixture('214-multi-shipment.edi'), {
      receivedAt: new Date('2024-03-20T00:00:00Z'),
    });
    expect(again).toStrictEqual(first);
  });
});

describe('X12 214: real-file defects', () => {
  it('when the file has a BOM, | separators, CRLF terminators, wrong SE01/GE01 and 6-digit dates, then it still translates and the counts are warnings', () => {
    expect(translate(fixture('214-defects.edi'))).toStrictEqual({
      messages: [
        {
          kind: 'shipment.milestone',
          payload: {
            messageId: 'x12:WXYZ:000000777:7:0001:1:1',
            occurredAt: '2024-03-12T06:00:00-05:00',
            source: 'carrier:WXYZ',
            milestone: 'in_transit',
            location: 'DALLAS, TX, US',
            carrierId: 'WXYZ',
            sourceTimeCode: 'CT',
          },
          references: { pro: 'PRO2001', billOfLading: 'BOL2001' },
          place: 'ISA13=000000777/GS06=7/ST02=0001/LX=1/AT7[1]',
        },
        {
          kind: 'shipment.milestone',
          payload: {
            messageId: 'x12:WXYZ:000000777:7:0001:2:1',
            occurredAt: '2024-03-12T15:45:00-05:00',
            source: 'carrier:WXYZ',
            milestone: 'delivered',
            location: 'HOUSTON, TX, US',
            carrierId: 'WXYZ',
            timeZoneGuessed: true,
          },
          references: { pro: 'PRO2001', billOfLading: 'BOL2001' },
          place: 'ISA13=000000777/GS06=7/ST02=0001/LX=2/AT7[1]',
        },
      ],
      rejected: [],
      warnings: [
        'ISA13=000000777/GS06=7/ST02=0001: SE01=3 but the transaction set has 9 segments',
        'ISA13=000000777/GS06=7: GE01=5 but the group has 1 transaction sets',
      ],
    });
  });

  it('when the 214 uses the 005010 layout (repetition separator, 9-digit ST02, HHMMSSDD times), then it translates', () => {
    const refs = { trackingNumbers: ['TRK3001'], pro: 'PRO3001', billOfLading: 'SHP3001' };
    expect(translate(fixture('214-005010.edi'))).toStrictEqual({
      messages: [
        {
          kind: 'shipment.milestone',
          payload: {
            messageId: 'x12:ODFL:000004242:4242:000000001:1:1',
            occurredAt: '2024-04-01T10:00:00+00:00',
            source: 'carrier:ODFL',
            milestone: 'dispatched',
            location: 'ATLANTA, GA, USA',
            carrierId: 'ODFL',
            sourceTimeCode: 'UT',
          },
          references: refs,
          place: 'ISA13=000004242/GS06=4242/ST02=000000001/LX=1/AT7[1]',
        },
        {
          kind: 'shipment.milestone',
          payload: {
            messageId: 'x12:ODFL:000004242:4242:000000001:2:1',
            occurredAt: '2024-04-02T08:15:30.25-06:00',
            source: 'carrier:ODFL',
            milestone: 'arrived',
            location: 'DENVER, CO, USA',
            carrierId: 'ODFL',
            sourceTimeCode: 'CS',
          },
          references: { ...refs, purchaseOrders: ['PO-9001'] },
          place: 'ISA13=000004242/GS06=4242/ST02=000000001/LX=2/AT7[1]',
        },
      ],
      rejected: [],
      warnings: [],
    });
  });
});

describe('X12 214: codes Waybill does not map', () => {
  it('when statuses carry unknown or unmapped codes and an unknown segment, then each is rejected at its place and the rest goes through', () => {
    const st = 'ISA13=000000910/GS06=10/ST02=0001';
    expect(translate(fixture('214-unknown-codes.edi'))).toStrictEqual({
      messages: [
        {
          kind: 'shipment.milestone',
          payload: {
            messageId: 'x12:ABCD:000000910:10:0001:4:1',
            occurredAt: '2024-03-13T16:10:00-04:00',
            source: 'carrier:ABCD',
            milestone: 'delivered',
            location: 'NEW YORK, NY, US',
            carrierId: 'ABCD',
            sourceTimeCode: 'ET',
          },
          references: { pro: 'PRO1001', billOfLading: 'BOL5001' },
          place: `${st}/LX=4/AT7[1]`,
        },
      ],
      rejected: [
        {
          reason: 'invalid_message',
          place: `${st}/XYZ#8`,
          code: 'segment=XYZ',
          explanation: 'Segment XYZ is not part of an X12 214; its content was not translated',
        },
        {
          reason: 'unknown_code',
          place: `${st}/LX=1/AT7[1]`,
          code: 'AT7-01=ZZ',
          explanation: 'AT7-01 ZZ is not an X12 004010 shipment status code',
        },
        {
          reason: 'unknown_code',
          place: `${st}/LX=2/AT7[1]`,
          code: 'AT7-01=CD',
          explanation:
            'AT7-01 CD (Carrier Departed Delivery Location) is an X12 shipment status code that Waybill does not map',
        },
        {
          reason: 'unknown_code',
          place: `${st}/LX=3/AT7[1]`,
          code: 'AT7-02=Q9',
          explanation: 'AT7-02 Q9 is not an X12 004010 status reason code',
        },
      ],
      warnings: [],
    });
  });

  it('when AT7-07 is not a time code, then the status is rejected as unknown_code', () => {
    const result = translate(
      bytes(interchange('214', ['B10*PRO1**ABCD', 'LX*1', 'AT7*D1*NS***20240313*1610*XX'])),
    );
    expect(result.messages).toStrictEqual([]);
    expect(result.rejected).toStrictEqual([
      {
        reason: 'unknown_code',
        place: 'ISA13=000000001/GS06=1/ST02=0001/LX=1/AT7[1]',
        code: 'AT7-07=XX',
        explanation: 'AT7-07 XX is not an X12 004010 time code',
      },
    ]);
  });

  it('when an appointment has an AT7-03 code outside the list, then it is rejected as unknown_code', () => {
    const result = translate(
      bytes(interchange('214', ['B10*PRO1**ABCD', 'LX*1', 'AT7***ZZ*NA*20240313*1610*ET'])),
    );
    expect(result.rejected).toStrictEqual([
      {
        reason: 'unknown_code',
        place: 'ISA13=000000001/GS06=1/ST02=0001/LX=1/AT7[1]',
        code: 'AT7-03=ZZ',
        explanation: 'AT7-03 ZZ is not an X12 004010 appointment status code',
      },
    ]);
  });
});

describe('X12 214: one status at a time', () => {
  const place = 'ISA13=000000001/GS06=1/ST02=0001/LX=1/AT7[1]';
  const one = (at7: string, extra: readonly string[] = []): Translation =>
    translate(bytes(interchange('214', ['B10*PRO1**ABCD', ...extra, 'LX*1', at7])));

  it('when a milestone carries a non-normal reason, then an exception follows it with its own messageId', () => {
    const result = one('AT7*X6*AI***20240313*0800*ET');
    expect(result.messages.map((m) => [m.kind, m.payload])).toStrictEqual([
      [
        'shipment.milestone',
        {
          messageId: 'x12:ABCD:000000001:1:0001:1:1',
          occurredAt: '2024-03-13T08:00:00-04:00',
          source: 'carrier:ABCD',
          milestone: 'in_transit',
          carrierId: 'ABCD',
          sourceTimeCode: 'ET',
        },
      ],
      [
        'shipment.exception',
        {
          messageId: 'x12:ABCD:000000001:1:0001:1:1:exception',
          occurredAt: '2024-03-13T08:00:00-04:00',
          source: 'carrier:ABCD',
          exceptionId: 'x12:ABCD:000000001:1:0001:1:1:exception',
          code: 'delay',
          severity: 'medium',
          description: 'En Route to Delivery Location: Mechanical Breakdown',
          sourceTimeCode: 'ET',
        },
      ],
    ]);
  });

  it('when a milestone carries a benign non-NS reason, then no exception is added', () => {
    expect(one('AT7*D1*AZ***20240313*0800*ET').messages.map((m) => m.kind)).toStrictEqual([
      'shipment.milestone',
    ]);
  });

  it('when an exception status has a more specific reason, then the reason names the code and the higher severity wins', () => {
    const result = one('AT7*SD*BS***20240313*0800*ET');
    expect(
      result.messages.map((m) => [m.payload['code'], m.payload['severity'], m.payload['description']]),
    ).toStrictEqual([['refused', 'high', 'Shipment Delayed: Refused by Customer']]);
  });

  it('when a damage status has a delay reason, then it stays damage', () => {
    const result = one('AT7*A9*AO***20240313*0800*ET');
    expect(result.messages.map((m) => [m.payload['code'], m.payload['severity']])).toStrictEqual([
      ['damage', 'high'],
    ]);
  });

  it('when an estimate carries a weather reason, then it is an eta plus a delay exception, never a milestone', () => {
    expect(
      one('AT7*AG*AO***20240315*1200*ET').messages.map((m) => [m.kind, m.payload['code']]),
    ).toStrictEqual([
      ['shipment.eta', undefined],
      ['shipment.exception', 'delay'],
    ]);
  });

  it('when a status has no date, then occurredAt is receivedAt and a warning says so', () => {
    const result = one('AT7*D1*NS');
    expect(result.messages.map((m) => m.payload['occurredAt'])).toStrictEqual(['2024-03-16T12:00:00.000Z']);
    expect(result.warnings).toStrictEqual([
      `${place}: AT7-05 has no date; occurredAt is the time the file was received`,
    ]);
  });

  it('when an estimate has no date, then it is rejected as invalid', () => {
    expect(one('AT7*AG*NS').rejected).toStrictEqual([
      {
        reason: 'invalid_message',
        place,
        code: 'AT7-05',
        explanation: 'AT7-05 date is required for an estimate or an appointment',
      },
    ]);
  });

  it('when a date has no time, then it is read as 00:00 with a warning', () => {
    const result = one('AT7*D1*NS***20240313**ET');
    expect(result.messages.map((m) => m.payload['occurredAt'])).toStrictEqual(['2024-03-13T00:00:00-04:00']);
    expect(result.warnings).toStrictEqual([`${place}: AT7-05 has no AT7-06 time; read as 00:00`]);
  });

  it('when the date is impossible, then the status is rejected as invalid with the value', () => {
    expect(one('AT7*D1*NS***20240230*1200*ET').rejected).toStrictEqual([
      {
        reason: 'invalid_message',
        place,
        code: 'AT7-05=20240230',
        explanation: 'AT7-05 20240230 is not a CCYYMMDD or YYMMDD date',
      },
    ]);
  });

  it('when an AT7 has both a status and an appointment, then it is rejected', () => {
    expect(one('AT7*D1*NS*AB*NA*20240313*1200*ET').rejected).toStrictEqual([
      {
        reason: 'invalid_message',
        place,
        explanation: 'AT7 has both a status (AT7-01) and an appointment (AT7-03); only one is allowed',
      },
    ]);
  });

  it('when the SCAC is missing, then the source is the interchange sender', () => {
    const result = translate(bytes(interchange('214', ['B10*PRO1', 'LX*1', 'AT7*D1*NS***20240313*1200*UT'])));
    expect(result.messages[0]?.payload).toStrictEqual({
      messageId: 'x12:ABCD:000000001:1:0001:1:1',
      occurredAt: '2024-03-13T12:00:00+00:00',
      source: 'edi:x12:ABCD',
      milestone: 'delivered',
      sourceTimeCode: 'UT',
    });
  });

  it('when nothing names the shipment, then its statuses are rejected', () => {
    const result = translate(
      bytes(interchange('214', ['B10***ABCD', 'LX*1', 'AT7*D1*NS***20240313*1200*UT'])),
    );
    expect(result.rejected).toStrictEqual([
      {
        reason: 'invalid_message',
        place,
        explanation: 'Nothing names the shipment: no B10-01, B10-02 or usable L11 reference',
      },
    ]);
  });

  it('when L11 references appear in the heading and in the LX loop, then they are mapped by qualifier and merged', () => {
    const result = translate(
      bytes(
        interchange('214', [
          'B10*PRO1*SHIPREF1*ABCD',
          'L11*BOL9*BM',
          'L11*CUST-1*CR',
          'L11*bad id with spaces*SI',
          'L11*SEAL1*SN',
          'LX*1',
          'AT7*D1*NS***20240313*1200*UT',
          'L11*PRO2*CN',
          'L11*PKG1*08',
        ]),
      ),
    );
    expect(result.messages[0]?.references).toStrictEqual({
      trackingNumbers: ['bad id with spaces', 'PRO2', 'PKG1'],
      pro: 'PRO1',
      billOfLading: 'BOL9',
      purchaseOrders: ['CUST-1', 'SHIPREF1'],
    });
  });

  it('when LX01 repeats, then the second loop is keyed by its ordinal and a warning says so', () => {
    const result = translate(
      bytes(
        interchange('214', [
          'B10*PRO1**ABCD',
          'LX*1',
          'AT7*X6*NS***20240313*1200*UT',
          'LX*1',
          'AT7*D1*NS***20240313*1300*UT',
        ]),
      ),
    );
    expect(result.messages.map((m) => m.payload['messageId'])).toStrictEqual([
      'x12:ABCD:000000001:1:0001:1:1',
      'x12:ABCD:000000001:1:0001:n2:1',
    ]);
    expect(result.warnings).toStrictEqual([
      'ISA13=000000001/GS06=1/ST02=0001/LX#5: LX01 1 is repeated; keyed as n2',
    ]);
  });

  it('when the sender id makes the key longer than 128 characters, then the messageId is a prefix plus a SHA-256', () => {
    const result = translate(
      bytes(
        interchange('214', ['B10*PRO1**ABCD', `LX*${'9'.repeat(6)}`, 'AT7*D1*NS***20240313*1200*UT'], {
          control: '1'.repeat(120),
        }),
      ),
    );
    const id = result.messages[0]?.payload['messageId'];
    expect(id).toMatch(/^x12:ABCD:1{47}:[0-9a-f]{64}$/);
    expect(typeof id === 'string' ? id.length : 0).toBe(121);
    // A dedup key: the SHA-256 of `x12:ABCD:<120 ones>:1:0001:999999:1`, pinned so that it never changes.
    expect(id).toBe(
      'x12:ABCD:11111111111111111111111111111111111111111111111:baf5323db38e3b32bf77762ca185c514c90b1e0dfa362dedfd3a9053a514b857',
    );
  });
});
