import request from 'supertest';
import { billableShipments, billableShipmentsProjection, project } from '@waybill/projections';
import { billableShipmentsTable } from '@waybill/read-models';
import { PROBLEM_TYPE_BASE } from '../problems/api-error-code';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { ReadModelsFixture } from '../testing/read-models';
import { toBillableShipmentDto } from './billing.service';

const PROBLEM_JSON = /^application\/problem\+json/;

interface Line {
  shipmentId: string;
  customerId: string | null;
  carrierId: string | null;
  status: string;
  revision: number;
  lastEventAt: string | null;
}
interface LinePage {
  items: Line[];
  nextCursor: string | null;
}

describe('GET /v1/billing/shipments', () => {
  let h: ApiHarness;
  let fixture: ReadModelsFixture;
  let expected: Line[];
  const get = (query = '', role: 'reader' | 'auditor' = 'reader'): request.Test =>
    request(h.server).get(`/v1/billing/shipments${query}`).set('Authorization', `Bearer ${h.keys[role]}`);

  async function walk(query: string): Promise<Line[]> {
    const seen: Line[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const res = await get(`?${query}${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(res.status).toBe(200);
      const body = res.body as LinePage;
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items);
      cursor = body.nextCursor;
      if (cursor === null) return seen;
    }
    throw new Error('the pages did not end');
  }

  beforeAll(async () => {
    h = await startApiHarness();
    fixture = new ReadModelsFixture(h);
  });
  afterAll(async () => {
    await fixture.stop();
    await h.close();
  });

  it('when no runner has built the read model yet, then it is a 503 problem, not a 500', async () => {
    const res = await get();

    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}unavailable` });
  });

  describe('over a simulated day', () => {
    beforeAll(async () => {
      await fixture.appendContract('C-GLOBEX', { billingTrigger: 'delivered' });
      await fixture.appendContract('C-INITECH', { billingTrigger: 'pod' });
      await fixture.appendDay('BIL', 24);
      const runner = await fixture.start(billableShipmentsProjection, billableShipmentsTable);
      const events = await fixture.caughtUp(runner);
      const lines = billableShipments(project(billableShipmentsProjection, events))
        .map(toBillableShipmentDto)
        .sort((a, b) => (a.shipmentId < b.shipmentId ? -1 : 1));
      expected = JSON.parse(JSON.stringify(lines)) as Line[];
    });

    it('when listed without filters, then every line comes by shipmentId, JSON-safe, as the projection computes it', async () => {
      const res = await get('?limit=500');

      expect(res.status).toBe(200);
      const body = res.body as LinePage;
      expect(body.nextCursor).toBeNull();
      expect(body.items).toEqual(expected);
      expect(body.items.length).toBe(24);
      expect(typeof body.items[0]!.revision).toBe('number');
      expect(body.items.some((line) => line.status === 'on_hold')).toBe(true);
      expect(new Set(body.items.map((line) => line.status)).size).toBeGreaterThan(1);
    });

    it('when paged two at a time, then the pages hold every line once, in order, and end with null', async () => {
      const seen = await walk('limit=2');

      expect(seen.map((line) => line.shipmentId)).toEqual(expected.map((line) => line.shipmentId));
    });

    it.each([
      ['status', (line: Line) => line.status === 'on_hold', 'status=on_hold'],
      ['customerId', (line: Line) => line.customerId === 'C-GLOBEX', 'customerId=C-GLOBEX'],
      ['carrierId', (line: Line) => line.carrierId === 'UPSN', 'carrierId=UPSN'],
    ])('when filtered by %s and paged, then only those lines come, each once', async (_name, keep, query) => {
      const want = expected.filter(keep);

      const seen = await walk(`${query}&limit=2`);

      expect(want.length).toBeGreaterThan(0);
      expect(seen).toEqual(want);
    });

    it('when the filters are combined, then a line must match all of them', async () => {
      // A customer with lines in more than one status, so that the status filter narrows.
      const sample = expected.find((line) =>
        expected.some((other) => other.customerId === line.customerId && other.status !== line.status),
      )!;
      const want = expected.filter(
        (line) => line.customerId === sample.customerId && line.status === sample.status,
      );

      const res = await get(`?customerId=${sample.customerId}&status=${sample.status}&limit=500`);

      expect((res.body as LinePage).items).toEqual(want);
      expect(want.length).toBeLessThan(
        expected.filter((line) => line.customerId === sample.customerId).length,
      );
    });

    it('when a filter matches nothing, then the page is empty', async () => {
      const res = await get('?customerId=C-NOBODY');

      expect(res.body).toEqual({ items: [], nextCursor: null });
    });
  });

  it.each([
    'status=shipped',
    'limit=0',
    'limit=501',
    'limit=two',
    'customerId=',
    'cursor=%%%',
    'sort=status',
  ])('when the query has %s, then it is a 400 problem', async (query) => {
    const res = await get(`?${query}`);

    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
  });

  it('when the cursor of another list is given, then it is a 400 invalid-cursor problem', async () => {
    const otherList = Buffer.from(JSON.stringify(['exceptions', 'SHP-1'])).toString('base64url');

    const res = await get(`?cursor=${otherList}`);

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}invalid-cursor` });
  });

  it('when there is no key or an unknown key, then it is a 401 problem', async () => {
    const none = await request(h.server).get('/v1/billing/shipments');
    const unknown = await request(h.server)
      .get('/v1/billing/shipments')
      .set('Authorization', 'Bearer not-a-key');

    expect([none.status, unknown.status]).toEqual([401, 401]);
    expect(none.headers['content-type']).toMatch(PROBLEM_JSON);
  });
});
