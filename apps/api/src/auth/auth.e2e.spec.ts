import request from 'supertest';
import { shipmentStreamId } from '@waybill/domain';
import { PROBLEM_TYPE_BASE } from '../problems/api-error-code';
import { booked, recorded, startApiHarness, type ApiHarness } from '../testing/api-harness';

const PROBLEM_JSON = /^application\/problem\+json/;

describe('API keys and roles', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness();
    await h.eventStore.appendToStream(
      shipmentStreamId('SHP-AUTH'),
      [recorded(booked('m-auth-1', '2025-03-01T08:00:00Z'))],
      'no_stream',
    );
  });
  afterAll(async () => h.close());

  it('when a /v1 request has no Authorization header, then it is a 401 problem with a Bearer challenge', async () => {
    const res = await request(h.server).get('/v1/shipments/SHP-AUTH');

    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="waybill"');
    expect(res.body).toEqual({
      type: `${PROBLEM_TYPE_BASE}unauthorized`,
      title: 'Unauthorized',
      status: 401,
      detail: expect.stringContaining('Authorization') as string,
      instance: '/v1/shipments/SHP-AUTH',
      code: 'unauthorized',
    });
  });

  it('when the key is unknown, then it is a 401 problem, not a 403', async () => {
    const res = await request(h.server)
      .get('/v1/shipments/SHP-AUTH')
      .set('Authorization', 'Bearer not-a-key');

    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({
      type: `${PROBLEM_TYPE_BASE}unauthorized`,
      detail: 'the API key is not valid',
    });
  });

  it('when a valid key is sent with another scheme or a prefix of it, then it is a 401', async () => {
    const basic = await request(h.server)
      .get('/v1/shipments/SHP-AUTH')
      .set('Authorization', `Basic ${h.keys.admin}`);
    const prefix = await request(h.server)
      .get('/v1/shipments/SHP-AUTH')
      .set('Authorization', `Bearer ${h.keys.admin.slice(0, -1)}`);

    expect(basic.status).toBe(401);
    expect(prefix.status).toBe(401);
  });

  it('when a reader asks for the events of a shipment, then it is a 403 problem naming the role needed', async () => {
    const res = await request(h.server)
      .get('/v1/shipments/SHP-AUTH/events')
      .set('Authorization', `Bearer ${h.keys.reader}`);

    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({
      type: `${PROBLEM_TYPE_BASE}forbidden`,
      status: 403,
      requiredRole: 'auditor',
      instance: '/v1/shipments/SHP-AUTH/events',
    });
  });

  it('when each role calls routes at, below and above its rank, then admin ⊃ operator ⊃ auditor ⊃ reader holds', async () => {
    const routes = {
      reader: '/v1/shipments/SHP-AUTH',
      auditor: '/v1/shipments/SHP-AUTH/events',
      operator: '/v1/parked',
    } as const;
    const statusOf = async (key: string, path: string): Promise<number> =>
      (await request(h.server).get(path).set('Authorization', `Bearer ${key}`)).status;

    const matrix: Record<string, number[]> = {};
    for (const role of ['reader', 'auditor', 'operator', 'admin'] as const) {
      matrix[role] = [
        await statusOf(h.keys[role], routes.reader),
        await statusOf(h.keys[role], routes.auditor),
        await statusOf(h.keys[role], routes.operator),
      ];
    }

    expect(matrix).toEqual({
      reader: [200, 403, 403],
      auditor: [200, 200, 403],
      operator: [200, 200, 200],
      admin: [200, 200, 200],
    });
  });

  it('when WAYBILL_API_KEYS is unset, then the API generates one admin key, announces it once and accepts only it', async () => {
    const announced: string[] = [];
    const open = await h.startAnother(
      { WAYBILL_API_KEYS: '' },
      { onGeneratedKey: (key) => announced.push(key) },
    );
    const server = open.getHttpServer() as Parameters<typeof request>[0];

    expect(announced).toHaveLength(1);
    const generated = announced[0]!;
    expect(generated.length).toBeGreaterThanOrEqual(32);
    const withGenerated = await request(server).get('/v1/parked').set('Authorization', `Bearer ${generated}`);
    const withConfigured = await request(server)
      .get('/v1/parked')
      .set('Authorization', `Bearer ${h.keys.admin}`);
    const withNone = await request(server).get('/v1/parked');
    expect([withGenerated.status, withConfigured.status, withNone.status]).toEqual([200, 401, 401]);
  });

  it('when an unknown /v1 route is called, then it is a 404 problem', async () => {
    const res = await request(h.server)
      .get('/v1/nothing-here')
      .set('Authorization', `Bearer ${h.keys.admin}`);

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({
      type: `${PROBLEM_TYPE_BASE}not-found`,
      status: 404,
      instance: '/v1/nothing-here',
    });
  });
});
