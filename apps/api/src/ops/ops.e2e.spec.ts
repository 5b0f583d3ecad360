import request from 'supertest';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';

describe('/health, /metrics and /docs', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => h.close());

  it('when NATS, the event store and PostgreSQL answer, then /health is 200 without a key and names each', async () => {
    const res = await request(h.server).get('/health');

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      details: { nats: { status: 'up' }, eventStore: { status: 'up' }, postgres: { status: 'up' } },
    });
  });

  it('when NATS is unreachable, then /health is 503 and names NATS as down and the others as up', async () => {
    const app = await h.startAnother({ NATS_URL: 'nats://127.0.0.1:1' });

    const res = await request(app.getHttpServer() as Parameters<typeof request>[0]).get('/health');

    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      status: 'error',
      error: { nats: { status: 'down' } },
      details: { nats: { status: 'down' }, eventStore: { status: 'up' }, postgres: { status: 'up' } },
    });
  });

  it('when requests were answered, then /metrics exposes them by route pattern, with the process defaults', async () => {
    await request(h.server).get('/v1/shipments/SHP-M1').set('Authorization', `Bearer ${h.keys.reader}`);
    await request(h.server).get('/v1/shipments/SHP-M2');

    const res = await request(h.server).get('/metrics');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/^process_cpu_user_seconds_total\{service="waybill-api"\} /m);
    expect(res.text).toMatch(
      /^http_requests_total\{method="GET",route="\/v1\/shipments\/:id",status="404",service="waybill-api"\} 1$/m,
    );
    expect(res.text).toMatch(
      /^http_requests_total\{method="GET",route="\/v1\/shipments\/:id",status="401",service="waybill-api"\} 1$/m,
    );
    expect(res.text).toMatch(
      /^http_request_duration_seconds_count\{[^}]*method="GET",route="\/v1\/shipments\/:id",status="404"\} 1$/m,
    );
    expect(res.text).not.toContain('SHP-M1');
  });

  it('when /docs-json is read, then every route is documented and every /v1 route declares bearer auth and its problems', async () => {
    const res = await request(h.server).get('/docs-json');

    expect(res.status).toBe(200);
    const doc = res.body as {
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
      components: {
        securitySchemes: Record<string, { type: string; scheme: string }>;
        schemas: Record<string, unknown>;
      };
    };
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/health',
        '/metrics',
        '/v1/billing/shipments',
        '/v1/carriers/scorecard',
        '/v1/contracts/{customerId}',
        '/v1/exceptions',
        '/v1/kpis',
        '/v1/parked',
        '/v1/parked/{id}/discard',
        '/v1/parked/{id}/replay',
        '/v1/projections',
        '/v1/projections/{name}/rebuild',
        '/v1/projections/{name}/rebuilds/{rebuildId}',
        '/v1/shipments/{id}',
        '/v1/shipments/{id}/events',
      ].sort(),
    );
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const operation of Object.values(operations)) {
        if (path.startsWith('/v1/')) {
          expect(operation.security).toEqual([{ bearer: [] }]);
          expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['400', '401', '403']));
          // 200, or 202 for a request that a worker carries out (a rebuild).
          expect(Object.keys(operation.responses).filter((status) => /^2/.test(status))).toHaveLength(1);
        } else {
          expect(operation.security).toBeUndefined();
        }
      }
    }
    expect(doc.components.schemas).toHaveProperty('ProblemDto');
    expect(doc.components.schemas).toHaveProperty('ShipmentViewDto');
    expect(doc.components.schemas).toHaveProperty('PutContractDto');
    expect(doc.components.schemas).toHaveProperty('ContractViewDto');
    expect(doc.components.schemas).toHaveProperty('BillableShipmentPageDto');
    expect(doc.components.schemas).toHaveProperty('ExceptionPageDto');
    expect(doc.components.schemas).toHaveProperty('KpisDto');
    expect(doc.components.schemas).toHaveProperty('CarrierScorecardListDto');
    expect(doc.components.schemas).toHaveProperty('ProjectionListDto');
    expect(doc.components.schemas).toHaveProperty('RebuildDto');
  });

  it('when /docs is opened, then the Swagger UI page is served without a key', async () => {
    const res = await request(h.server).get('/docs');

    expect(res.status).toBe(200);
    expect(res.text).toContain('swagger-ui');
  });
});
