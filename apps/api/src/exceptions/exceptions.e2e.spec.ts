import request from 'supertest';
import type { ParkRequest } from '@waybill/parking';
import {
  exceptionQueueItems,
  exceptionQueueProjection,
  parkedMessageRow,
  project,
  type ExceptionQueueItem,
} from '@waybill/projections';
import { exceptionQueueTable } from '@waybill/read-models';
import { PROBLEM_TYPE_BASE } from '../problems/api-error-code';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { ReadModelsFixture } from '../testing/read-models';
import { compareCodePoints } from './exceptions.service';

const PROBLEM_JSON = /^application\/problem\+json/;

interface ItemPage {
  items: ExceptionQueueItem[];
  nextCursor: string | null;
}

describe('GET /v1/exceptions', () => {
  let h: ApiHarness;
  let fixture: ReadModelsFixture;
  /** Every item, log and parked, in the API's order, as JSON. */
  let expected: ExceptionQueueItem[];
  let parkedIds: string[];
  let seq = 0;
  const get = (query = ''): request.Test =>
    request(h.server).get(`/v1/exceptions${query}`).set('Authorization', `Bearer ${h.keys.reader}`);

  async function park(overrides: Partial<ParkRequest> = {}): Promise<string> {
    seq += 1;
    return h.parked.park({
      subject: `${h.config.subjectPrefix}.ingest.shipment.milestone`,
      raw: Buffer.from(`{"messageId":"p-${seq}"}`),
      headers: {},
      reason: 'invalid_message',
      explanation: `parked ${seq} in a test`,
      messageId: `p-${seq}`,
      receivedAt: new Date(Date.UTC(2026, 10, 26, 6, seq)),
      streamSequence: seq,
      ...overrides,
    });
  }

  async function walk(query: string): Promise<ExceptionQueueItem[]> {
    const seen: ExceptionQueueItem[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 500; pages++) {
      const res = await get(`?${query}${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(res.status).toBe(200);
      const body = res.body as ItemPage;
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
    await fixture.appendContract('C-GLOBEX', { billingTrigger: 'delivered', requireExceptionsCleared: true });
    await fixture.appendDay('EXC', 30);
    await fixture.appendHold('EXC-20261126-00003', ['no_contract'], '2026-11-26T09:00:00Z');
    await fixture.appendHold('EXC-20261126-00007', ['pod_unsigned', 'no_contract'], '2026-11-26T09:05:00Z');
    await fixture.appendHold('EXC-20261126-00007', ['pod_unsigned'], '2026-11-26T10:00:00Z');
    // Twelve parked messages: ids past 9 sort before 2 as text (`parked:10` < `parked:2`), so a
    // numeric order would break the merged keyset.
    parkedIds = [];
    for (let i = 0; i < 12; i++) {
      parkedIds.push(await park(i % 3 === 0 ? { shipmentId: 'EXC-20261126-00003' } : {}));
    }
    await h.parked.close(parkedIds[1]!, 'replayed', 'fixed upstream');
    await h.parked.close(parkedIds[2]!, 'discarded', 'test message');
    const runner = await fixture.start(exceptionQueueProjection, exceptionQueueTable);
    const events = await fixture.caughtUp(runner);
    const parked = await Promise.all(
      parkedIds.map(async (id) => parkedMessageRow((await h.parked.get(id))!)),
    );
    const all = [...exceptionQueueItems(project(exceptionQueueProjection, events)), ...parked];
    expected = JSON.parse(
      JSON.stringify(all.sort((a, b) => compareCodePoints(a.id, b.id))),
    ) as ExceptionQueueItem[];
  });
  afterAll(async () => {
    await fixture.stop();
    await h.close();
  });

  it('when listed without filters, then holds, exceptions and parked messages come in one order by id', async () => {
    const res = await get('?limit=500');

    expect(res.status).toBe(200);
    const body = res.body as ItemPage;
    expect(body.nextCursor).toBeNull();
    expect(body.items).toEqual(expected);
    const kinds = new Set(body.items.map((item) => item.kind));
    expect(kinds).toEqual(new Set(['hold', 'exception', 'parked']));
  });

  it('when paged two at a time, then every item of both sources comes once, in order, and the pages end with null', async () => {
    const seen = await walk('limit=2');

    expect(seen.map((item) => item.id)).toEqual(expected.map((item) => item.id));
    expect(new Set(seen.map((item) => item.id)).size).toBe(seen.length);
  });

  it('when a parked message is listed, then it is an operations item with its reason as code, open while parked, resolved once replayed or discarded', async () => {
    const res = await get('?kind=parked&limit=500');

    const items = (res.body as ItemPage).items;
    const byId = new Map(items.map((item) => [item.id, item]));
    expect(items.map((item) => item.id)).toEqual(
      parkedIds.map((id) => `parked:${id}`).sort(compareCodePoints),
    );
    expect(byId.get(`parked:${parkedIds[0]}`)).toEqual({
      id: `parked:${parkedIds[0]}`,
      kind: 'parked',
      shipmentId: 'EXC-20261126-00003',
      code: 'invalid_message',
      owner: 'operations',
      status: 'open',
      openedAt: '2026-11-26T06:01:00.000Z',
      resolvedAt: null,
      detail: {
        parkedId: parkedIds[0],
        subject: `${h.config.subjectPrefix}.ingest.shipment.milestone`,
        explanation: 'parked 1 in a test',
        messageId: 'p-1',
        parkedStatus: 'parked',
      },
    });
    expect(byId.get(`parked:${parkedIds[1]}`)).toMatchObject({
      status: 'resolved',
      detail: { parkedStatus: 'replayed' },
    });
    expect(byId.get(`parked:${parkedIds[2]}`)).toMatchObject({
      status: 'resolved',
      detail: { parkedStatus: 'discarded' },
    });
    expect(byId.get(`parked:${parkedIds[2]}`)!.resolvedAt).not.toBeNull();
  });

  it.each<[string, (item: ExceptionQueueItem) => boolean]>([
    ['kind=hold', (item) => item.kind === 'hold'],
    ['kind=exception', (item) => item.kind === 'exception'],
    ['kind=parked', (item) => item.kind === 'parked'],
    ['status=open', (item) => item.status === 'open'],
    ['status=resolved', (item) => item.status === 'resolved'],
    ['owner=operations', (item) => item.owner === 'operations'],
    ['owner=finance', (item) => item.owner === 'finance'],
    ['shipmentId=EXC-20261126-00003', (item) => item.shipmentId === 'EXC-20261126-00003'],
    ['status=open&owner=operations', (item) => item.status === 'open' && item.owner === 'operations'],
    ['kind=parked&status=resolved', (item) => item.kind === 'parked' && item.status === 'resolved'],
  ])(
    'when filtered by %s and paged two at a time, then exactly those items come, each once',
    async (query, keep) => {
      const want = expected.filter(keep);

      const seen = await walk(`${query}&limit=2`);

      expect(want.length).toBeGreaterThan(0);
      expect(seen).toEqual(want);
    },
  );

  it('when filtered by an owner parked messages never have, then no parked message comes', async () => {
    const seen = await walk('owner=service&limit=2');

    expect(seen.filter((item) => item.kind === 'parked')).toEqual([]);
    expect(seen).toEqual(expected.filter((item) => item.owner === 'service'));
  });

  it.each([
    'kind=parcel',
    'status=closed',
    'owner=legal',
    'limit=0',
    'limit=501',
    'shipmentId=',
    'cursor=%%%',
    'foo=1',
  ])('when the query has %s, then it is a 400 problem', async (query) => {
    const res = await get(`?${query}`);

    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
  });

  it('when a billing cursor is given, then it is a 400 invalid-cursor problem', async () => {
    const billing = Buffer.from(JSON.stringify(['billing-shipments', 'SHP-1'])).toString('base64url');

    const res = await get(`?cursor=${billing}`);

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}invalid-cursor` });
  });

  it('when there is no key, then it is a 401 problem', async () => {
    const res = await request(h.server).get('/v1/exceptions');

    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
  });
});
