import request from 'supertest';
import { shipmentStreamId } from '@waybill/domain';
import { formatPosition, type NewEvent } from '@waybill/event-store';
import { PROBLEM_TYPE_BASE } from '../problems/api-error-code';
import { booked, milestone, recorded, sleep, startApiHarness, type ApiHarness } from '../testing/api-harness';

const PROBLEM_JSON = /^application\/problem\+json/;

/** A decision Waybill took itself: no messageId, caused by an earlier event. */
function decided(causationId: string): NewEvent {
  return {
    id: '0b8d9a52-3f7e-5d2c-9a41-6c0e2b7f1d33',
    type: 'BillingHeld',
    data: { reasons: ['no_contract'] },
    metadata: {
      correlationId: 'corr-m-2',
      causationId,
      occurredAt: '2025-03-03T10:00:05Z',
      source: 'waybill',
    },
  };
}

describe('GET /v1/shipments/:id and /events', () => {
  let h: ApiHarness;
  let get: (path: string, role?: 'reader' | 'auditor') => request.Test;
  /** A moment after the booking was recorded and before the dispatch was. */
  let betweenBookingAndDispatch: string;
  let beforeAnything: string;

  beforeAll(async () => {
    h = await startApiHarness();
    get = (path, role = 'auditor') =>
      request(h.server).get(path).set('Authorization', `Bearer ${h.keys[role]}`);
    beforeAnything = new Date(Date.now() - 1000).toISOString();
    const stream = shipmentStreamId('SHP-1');
    const first = await h.eventStore.appendToStream(
      stream,
      [recorded(booked('m-1', '2025-03-01T08:00:00Z'), 'corr-m-1')],
      'no_stream',
    );
    await sleep(60);
    const [bookedEvent] = await h.eventStore.readStream(stream);
    betweenBookingAndDispatch = new Date(bookedEvent!.recordedAt.getTime() + 20).toISOString();
    await sleep(60);
    await h.eventStore.appendToStream(
      stream,
      [
        recorded(milestone('m-2', '2025-03-02T06:30:00Z', 'dispatched'), 'corr-m-2'),
        decided(bookedEvent!.id),
        recorded(milestone('m-3', '2025-03-03T09:00:00Z', 'in_transit')),
        recorded(milestone('m-4', '2025-03-04T15:10:00Z', 'delivered')),
      ],
      first.nextRevision,
    );
  });
  afterAll(async () => h.close());

  it('when a shipment was booked, dispatched and delivered, then its state is folded from the log', async () => {
    const res = await get('/v1/shipments/SHP-1', 'reader');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({
      shipmentId: 'SHP-1',
      revision: 4,
      status: 'delivered',
      customerId: 'C-1',
      orderId: 'SO-1',
      carrierId: 'UPSN',
      charges: { currency: 'EUR' },
      pod: null,
      temperature: { compliant: true },
      billing: { status: 'on_hold', reasons: ['no_contract'] },
    });
    expect((res.body as { milestones: { milestone: string }[] }).milestones.map((m) => m.milestone)).toEqual([
      'dispatched',
      'in_transit',
      'delivered',
    ]);
  });

  it('when asOf falls between the booking and the dispatch, then the state is the booking alone', async () => {
    const res = await get(
      `/v1/shipments/SHP-1?asOf=${encodeURIComponent(betweenBookingAndDispatch)}`,
      'reader',
    );

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ shipmentId: 'SHP-1', revision: 0, status: 'booked', milestones: [] });
  });

  it('when asOf has a non-UTC offset, then it names the same instant', async () => {
    const instant = new Date(betweenBookingAndDispatch);
    const local = new Date(instant.getTime() + 2 * 3600_000).toISOString().replace('Z', '+02:00');

    const res = await get(`/v1/shipments/SHP-1?asOf=${encodeURIComponent(local)}`, 'reader');

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ revision: 0, status: 'booked' });
  });

  it('when asOf is before the first event, then it is a 404 problem', async () => {
    const res = await get(`/v1/shipments/SHP-1?asOf=${encodeURIComponent(beforeAnything)}`, 'reader');

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}not-found`, status: 404 });
  });

  it.each(['yesterday', '2025-03-01T12:00:00', '2025-02-30T12:00:00Z', '2025-03-01', '2025-03-01T25:00:00Z'])(
    'when asOf is %p, then it is a 400 problem naming asOf',
    async (asOf) => {
      const res = await get(`/v1/shipments/SHP-1?asOf=${encodeURIComponent(asOf)}`, 'reader');

      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({
        type: `${PROBLEM_TYPE_BASE}invalid-request`,
        status: 400,
        errors: [{ field: 'asOf', messages: [expect.stringContaining('RFC 3339') as string] }],
      });
    },
  );

  it('when the shipment is unknown, then both routes answer a 404 problem', async () => {
    const state = await get('/v1/shipments/SHP-NOPE');
    const events = await get('/v1/shipments/SHP-NOPE/events');

    for (const res of [state, events]) {
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({
        type: `${PROBLEM_TYPE_BASE}not-found`,
        title: 'Not found',
        status: 404,
        detail: 'no shipment SHP-NOPE is known',
      });
    }
    expect(state.body).toMatchObject({ instance: '/v1/shipments/SHP-NOPE' });
  });

  it.each([['x'.repeat(65)], ['has space'], ['slash%2Finside'], ['star*']])(
    'when the id is %p, then it is a 400 problem',
    async (id) => {
      const res = await get(`/v1/shipments/${id.replace(' ', '%20')}`);

      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({
        type: `${PROBLEM_TYPE_BASE}invalid-request`,
        errors: [{ field: 'id' }],
      });
    },
  );

  it('when an id uses every allowed character class, then it is accepted', async () => {
    const res = await get('/v1/shipments/A-z_0.9:x');

    expect(res.status).toBe(404);
  });

  it('when the events are listed, then each has the contract fields, in revision order', async () => {
    const stored = await h.eventStore.readStream(shipmentStreamId('SHP-1'));

    const res = await get('/v1/shipments/SHP-1/events');

    expect(res.status).toBe(200);
    const body = res.body as { items: Record<string, unknown>[]; nextCursor: string | null };
    expect(body.nextCursor).toBeNull();
    expect(body.items.map((e) => e.type)).toEqual([
      'ShipmentBooked',
      'ShipmentMilestoneRecorded',
      'BillingHeld',
      'ShipmentMilestoneRecorded',
      'ShipmentMilestoneRecorded',
    ]);
    expect(body.items[0]).toEqual({
      id: stored[0]!.id,
      type: 'ShipmentBooked',
      data: booked('m-1', '2025-03-01T08:00:00Z').data,
      revision: 0,
      position: formatPosition(stored[0]!.position),
      recordedAt: stored[0]!.recordedAt.toISOString(),
      occurredAt: '2025-03-01T08:00:00Z',
      messageId: 'm-1',
      correlationId: 'corr-m-1',
      causationId: 'm-1',
      source: 'tms',
    });
    expect(body.items[2]).toMatchObject({
      type: 'BillingHeld',
      revision: 2,
      messageId: null,
      causationId: stored[0]!.id,
      source: 'waybill',
    });
    expect(body.items.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
  });

  it('when the events are paged two at a time, then the pages join up to the whole log and the last has no cursor', async () => {
    const pages: { items: { revision: number }[]; nextCursor: string | null }[] = [];
    let path = '/v1/shipments/SHP-1/events?limit=2';
    for (;;) {
      const res = await get(path);
      expect(res.status).toBe(200);
      const page = res.body as (typeof pages)[number];
      pages.push(page);
      if (page.nextCursor === null) break;
      expect(page.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
      path = `/v1/shipments/SHP-1/events?limit=2&cursor=${page.nextCursor}`;
    }

    expect(pages.map((p) => p.items.map((e) => e.revision))).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('when the page size equals the remaining events, then no cursor to an empty page is given', async () => {
    const res = await get('/v1/shipments/SHP-1/events?limit=5');

    expect((res.body as { items: unknown[] }).items).toHaveLength(5);
    expect(res.body).toMatchObject({ nextCursor: null });
  });

  it.each([
    ['limit=0', 'invalid-request'],
    ['limit=501', 'invalid-request'],
    ['limit=ten', 'invalid-request'],
    ['limit=2.5', 'invalid-request'],
    ['cursor=not-a-cursor', 'invalid-cursor'],
    [`cursor=${Buffer.from('["parked","1"]').toString('base64url')}`, 'invalid-cursor'],
    // The largest int8: the next revision would not fit in PostgreSQL's bigint.
    [
      `cursor=${Buffer.from('["shipment-events","9223372036854775807"]').toString('base64url')}`,
      'invalid-cursor',
    ],
    ['colour=blue', 'invalid-request'],
  ])('when the events query has %s, then it is a 400 %s problem', async (query, slug) => {
    const res = await get(`/v1/shipments/SHP-1/events?${query}`);

    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}${slug}`, status: 400 });
  });

  it('when limit is 500, then it is accepted', async () => {
    const res = await get('/v1/shipments/SHP-1/events?limit=500');

    expect(res.status).toBe(200);
  });
});
