import { Pool } from 'pg';
import { createTestDatabase } from '@waybill/testing';
import { ShipmentReferences } from './shipment-references';

describe('shipment references', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  let references: ShipmentReferences;

  beforeAll(async () => {
    database = await createTestDatabase('references');
    pool = new Pool({ connectionString: database.url });
    references = await ShipmentReferences.create(pool);
    // PO-9 covers S1 and S2 at the customer; only S1 is booked so far.
    await references.replace('S1', { trackingNumbers: ['T1'], pro: 'P1', purchaseOrders: ['PO-9'] });
    await references.replace('S3', { trackingNumbers: ['T3'], pro: 'P3', purchaseOrders: ['PO-3'] });
    await references.replace('S4', { billOfLading: 'B4', purchaseOrders: ['PO-SHARED'] });
    await references.replace('S5', { billOfLading: 'B5', purchaseOrders: ['PO-SHARED'] });
  });

  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  it('when a message names a tracking number nobody booked yet and a purchase order one booking has, then it stays unmatched rather than going to that booking', async () => {
    expect(await references.resolve({ trackingNumbers: ['T2'], purchaseOrders: ['PO-9'] })).toEqual({
      matched: false,
      ambiguous: [],
    });
  });

  it('when the known identifiers agree, then they decide, by the most specific one, even beside an unknown one', async () => {
    expect(
      await references.resolve({ trackingNumbers: ['t 1'], pro: 'P-UNKNOWN', purchaseOrders: ['PO-3'] }),
    ).toEqual({
      matched: true,
      shipmentId: 'S1',
      by: 'trackingNumber:T1',
    });
    expect(await references.resolve({ shipmentId: 'S3', pro: 'P3' })).toEqual({
      matched: true,
      shipmentId: 'S3',
      by: 'shipmentId:S3',
    });
  });

  it('when identifiers name two different shipments, then nothing is decided and both are named', async () => {
    expect(await references.resolve({ trackingNumbers: ['T1'], pro: 'P3' })).toEqual({
      matched: false,
      ambiguous: ['trackingNumber:T1', 'pro:P3'],
    });
  });

  it('when the booking was made with purchase orders only, then a purchase order decides for a message that also carries the carrier’s own numbers', async () => {
    await references.replace('S6', { purchaseOrders: ['PO-6'] });
    expect(await references.resolve({ trackingNumbers: ['CARRIER-66'], purchaseOrders: ['PO-6'] })).toEqual({
      matched: true,
      shipmentId: 'S6',
      by: 'purchaseOrder:PO-6',
    });
  });

  it('when a message has only purchase orders, then one that names exactly one booking decides, and a shared one does not', async () => {
    expect(await references.resolve({ purchaseOrders: ['PO-9'] })).toEqual({
      matched: true,
      shipmentId: 'S1',
      by: 'purchaseOrder:PO-9',
    });
    expect(await references.resolve({ purchaseOrders: ['PO-SHARED'] })).toEqual({
      matched: false,
      ambiguous: ['purchaseOrder:PO-SHARED'],
    });
  });
});
