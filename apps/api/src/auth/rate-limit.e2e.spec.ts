import type { Server } from 'node:http';
import request from 'supertest';
import { PROBLEM_TYPE_BASE } from '../problems/api-error-code';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';

const PROBLEM_JSON = /^application\/problem\+json/;

describe('rate limit of the /v1 routes', () => {
  let h: ApiHarness;
  let server: Server;
  const as = (key: string) => `Bearer ${key}`;

  beforeAll(async () => {
    h = await startApiHarness();
    const app = await h.startAnother({ WAYBILL_RATE_LIMIT: '3' });
    server = app.getHttpServer() as Server;
  });
  afterAll(async () => {
    await h.close();
  });

  it('when a key makes more requests in a minute than the limit, across routes, then the next is a 429 problem with Retry-After', async () => {
    const allowed = [];
    for (const id of ['SHP-1', 'SHP-2', 'SHP-3']) {
      allowed.push(
        (await request(server).get(`/v1/shipments/${id}`).set('Authorization', as(h.keys.reader))).status,
      );
    }

    const limited = await request(server).get('/v1/exceptions').set('Authorization', as(h.keys.reader));

    expect(allowed).toEqual([404, 404, 404]);
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(limited.body).toMatchObject({
      type: `${PROBLEM_TYPE_BASE}too-many-requests`,
      status: 429,
      code: 'too_many_requests',
      instance: '/v1/exceptions',
    });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('when one key is limited, then another key is not', async () => {
    const res = await request(server).get('/v1/shipments/SHP-1').set('Authorization', as(h.keys.auditor));

    expect(res.status).toBe(404);
  });

  it('when requests come without a valid key, then they are limited by address, after their 401s', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (await request(server).get('/v1/shipments/SHP-1').set('Authorization', 'Bearer guess')).status,
      );
    }

    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('when /metrics is called past the limit, then it is never limited', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(server).get('/metrics')).status);

    expect(statuses).toEqual([200, 200, 200, 200, 200]);
  });

  it('when the limit is the default, then the same requests pass', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        (await request(h.server).get('/v1/shipments/SHP-1').set('Authorization', as(h.keys.reader))).status,
      );
    }

    expect(statuses).toEqual([404, 404, 404, 404, 404]);
  });
});
