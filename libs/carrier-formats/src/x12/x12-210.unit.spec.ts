import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Translation } from '../translation';
import { translateX12, x12Amount } from './index';
import { bytes, interchange } from './x12-interchange.fixtures';

const receivedAt = new Date('2024-03-16T12:00:00.000Z');
const translate = (raw: Uint8Array): Translation => translateX12(raw, { receivedAt });
const place = 'ISA13=000000001/GS06=1/ST02=0001';

describe('X12 amounts', () => {
  it('when an N2 amount is converted, then the decimal point is placed by string manipulation', () => {
    expect(['251000', '5', '05', '-2500', '000', '-0', '123456789012345678901'].map(x12Amount)).toStrictEqual(
      ['2510.00', '0.05', '0.05', '-25.00', '0.00', '0.00', '1234567890123456789.01'],
    );
  });

  it('when an amount has an explicit decimal point, then it is tolerated and padded to two places', () => {
    expect(['2510.5', '.5', '10.250', '10.255', '1,00', ''].map(x12Amount)).toStrictEqual([
      '2510.50',
      '0.50',
      '10.25',
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('X12 210 freight invoice', () => {
  it('when an invoice with several L1 lines is translated, then it is one carrier-invoice message with decimal strings', () => {
    const raw = readFileSync(join(__dirname, '../../fixtures/x12/210-freight-invoice.edi'));
    expect(translate(raw)).toStrictEqual({
      messages: [
        {
          kind: 'shipment.carrier-invoice',
          payload: {
            messageId: 'x12:ABCD:000000950:50:0001',
            occurredAt: '2024-03-15T00:00:00+00:00',
            timeZoneGuessed: true,
            source: 'carrier:ABCD',
            invoiceNumber: 'INV-88001',
            carrierId: 'ABCD',
            currency: 'USD',
            lines: [
              { code: '400', description: 'LINE HAUL', amount: '2510.00' },
              { code: '405', description: 'Fuel Surcharge', amount: '539.65' },
              {
                code: 'LFT',
                description: 'Lift Gate (Truck) or Forklift Service at Pickup/Delivery',
                amount: '75.00',
              },
              { code: 'DSC', description: 'VOLUME DISCOUNT', amount: '-25.00' },
              { code: 'unspecified', description: 'Charge without a special charge code', amount: '72.50' },
            ],
            total: '3172.15',
          },
          references: { pro: 'PRO1001', billOfLading: 'BOL5001', purchaseOrders: ['PO-7781'] },
          place: 'ISA13=000000950/GS06=50/ST02=0001',
        },
      ],
      rejected: [],
      warnings: [],
    });
  });

  it('when C3 names a currency and B3-07 is absent, then that currency is used and the total is the sum of the lines', () => {
    const result = translate(
      bytes(
        interchange('210', [
          'B3**INV-1*BOL1*PP*L*20240315***20240313*035*ABCD',
          'C3*CAD',
          'L1*1***10001****400',
          'L1*2***0099****FUE',
        ]),
      ),
    );
    expect(result.messages[0]?.payload).toStrictEqual({
      messageId: 'x12:ABCD:000000001:1:0001',
      occurredAt: '2024-03-15T00:00:00+00:00',
      timeZoneGuessed: true,
      source: 'carrier:ABCD',
      invoiceNumber: 'INV-1',
      carrierId: 'ABCD',
      currency: 'CAD',
      lines: [
        { code: '400', description: 'Freight', amount: '100.01' },
        { code: 'FUE', description: 'Fuel Charge', amount: '0.99' },
      ],
      total: '101.00',
    });
    expect(result.messages[0]?.references).toStrictEqual({ pro: 'INV-1', billOfLading: 'BOL1' });
  });

  it('when B3-07 differs from the sum of the lines, then B3-07 is the total and a warning says so', () => {
    const result = translate(
      bytes(
        interchange('210', ['B3**INV-1*BOL1*PP*L*20240315*20000**20240313*035*ABCD', 'L1*1***10000****400']),
      ),
    );
    expect([result.messages[0]?.payload['total'], result.warnings]).toStrictEqual([
      '200.00',
      [`${place}: B3-07 net amount 200.00 differs from the sum of the L1 lines 100.00`],
    ]);
  });

  it('when an L1-08 code is not in the standard list, then the whole invoice is rejected as unknown_code at that line', () => {
    const result = translate(
      bytes(
        interchange('210', [
          'B3**INV-1*BOL1*PP*L*20240315*20000**20240313*035*ABCD',
          'L1*1***10000****400',
          'L1*2***10000****Q99',
        ]),
      ),
    );
    expect(result).toStrictEqual({
      messages: [],
      rejected: [
        {
          reason: 'unknown_code',
          place: `${place}/L1[2]`,
          code: 'L1-08=Q99',
          explanation: 'L1-08 Q99 is not an X12 004010 special charge code',
        },
      ],
      warnings: [],
    });
  });

  it('when an L1-04 amount is not a number, then the invoice is rejected as invalid at that line', () => {
    expect(
      translate(
        bytes(interchange('210', ['B3**INV-1*BOL1*PP*L*20240315***20240313*035*ABCD', 'L1*1***12A4****400'])),
      ).rejected,
    ).toStrictEqual([
      {
        reason: 'invalid_message',
        place: `${place}/L1[1]`,
        code: 'L1-04=12A4',
        explanation: 'L1-04 12A4 is not an X12 N2 amount',
      },
    ]);
  });

  it('when a segment is not part of a 210, then it is rejected at its place and the invoice is still translated', () => {
    const result = translate(
      bytes(
        interchange('210', [
          'B3**INV-1*BOL1*PP*L*20240315***20240313*035*ABCD',
          'XYZ*1',
          'L1*1***100****400',
        ]),
      ),
    );
    expect([result.messages.length, result.rejected]).toStrictEqual([
      1,
      [
        {
          reason: 'invalid_message',
          place: `${place}/XYZ#3`,
          code: 'segment=XYZ',
          explanation: 'Segment XYZ is not part of an X12 210; its content was not translated',
        },
      ],
    ]);
  });

  it('when the B3-11 SCAC is missing, then the invoice is rejected as invalid', () => {
    expect(
      translate(
        bytes(interchange('210', ['B3**INV-1*BOL1*PP*L*20240315*100**20240313*035', 'L1*1***100****400'])),
      ).rejected,
    ).toStrictEqual([
      { reason: 'invalid_message', place, code: 'B3-11', explanation: 'B3-11 SCAC is missing' },
    ]);
  });

  it('when an L1 line has no charge, then it is a rate line, not an invoice line, and a warning says so', () => {
    const result = translate(
      bytes(
        interchange('210', [
          'B3**INV-1*BOL1*PP*L*20240315*100**20240313*035*ABCD',
          'L1*1*12.5*PH',
          'L1*2***100****400',
        ]),
      ),
    );
    expect([result.messages[0]?.payload['lines'], result.warnings]).toStrictEqual([
      [{ code: '400', description: 'Freight', amount: '1.00' }],
      [`${place}/L1[1]: L1 has no L1-04 charge (a rate line); not an invoice line`],
    ]);
  });
});
