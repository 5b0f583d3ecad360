import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { formatPosition, START } from '@waybill/event-store';
import { billableShipmentsProjection } from '@waybill/projections';
import { billableShipmentsTable, READ_MODELS, Rebuilds } from '@waybill/read-models';
import { PROBLEM_TYPE_BASE } from '../problems/api-error-code';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { ReadModelsFixture } from '../testing/read-models';

const PROBLEM_JSON = /^application\/problem\+json/;

interface ProjectionItem {
  name: string;
  status: string;
  checkpoint: string | null;
  lagEvents: number | null;
  lagSeconds: number;
  rebuild: {
    rebuildId: string;
    status: string;
    progress: number | null;
    eventsPerSecond: number;
    etaSeconds: number | null;
  } | null;
}

describe('/v1/projections', () => {
  let h: ApiHarness;
  let fixture: ReadModelsFixture;
  /** Events on shipment and contract streams in the log. */
  let logged: number;
  const as = (role: 'reader' | 'operator' | 'admin') => `Bearer ${h.keys[role]}`;
  const list = async (): Promise<Map<string, ProjectionItem>> => {
    const res = await request(h.server).get('/v1/projections').set('Authorization', as('admin'));
    expect(res.status).toBe(200);
    return new Map((res.body as { items: ProjectionItem[] }).items.map((item) => [item.name, item]));
  };
  const requestRebuild = (
    name: string,
    body?: object,
    role: 'operator' | 'admin' = 'admin',
  ): request.Test => {
    const req = request(h.server).post(`/v1/projections/${name}/rebuild`).set('Authorization', as(role));
    return body === undefined ? req : req.send(body);
  };
  const getRebuild = (name: string, rebuildId: string, role: 'operator' | 'admin' = 'admin'): request.Test =>
    request(h.server).get(`/v1/projections/${name}/rebuilds/${rebuildId}`).set('Authorization', as(role));

  beforeAll(async () => {
    h = await startApiHarness();
    fixture = new ReadModelsFixture(h);
    await fixture.appendContract('C-GLOBEX', { billingTrigger: 'delivered' });
    await fixture.appendDay('PRJ', 12);
    logged = (await fixture.logged()).length;
  });
  afterAll(async () => {
    await fixture.stop();
    await h.close();
  });

  it('when no runner has started, then every read model is listed not_started, lagging the whole log', async () => {
    const items = await list();

    expect([...items.keys()]).toEqual(READ_MODELS.map((d) => d.projection.name));
    const billing = items.get('billable-shipments')!;
    expect(billing).toMatchObject({
      status: 'not_started',
      checkpoint: null,
      lagEvents: logged,
      rebuild: null,
    });
    expect(billing.lagSeconds).toBeGreaterThan(0);
    expect(items.get('shipment-kpi-facts')!.lagEvents).toBe(
      (await h.eventStore.readAll({ streamPrefixes: ['shipment-'] })).length,
    );
  });

  describe('with the billable-shipments runner caught up', () => {
    beforeAll(async () => {
      const runner = await fixture.start(billableShipmentsProjection, billableShipmentsTable);
      await fixture.caughtUp(runner);
    });

    it('when listed, then it is live at the last event, with no lag', async () => {
      const last = (await h.eventStore.readAll({ streamPrefixes: ['shipment-', 'contract-'] })).at(-1)!;

      const billing = (await list()).get('billable-shipments');

      expect(billing).toEqual({
        name: 'billable-shipments',
        status: 'live',
        checkpoint: formatPosition(last.position),
        lagEvents: 0,
        lagSeconds: 0,
        rebuild: null,
      });
    });

    it('when the stored rows are of another projection version, then it is outdated and lags from its checkpoint', async () => {
      const events = await h.eventStore.readAll({ streamPrefixes: ['shipment-', 'contract-'] });
      await h.pool.query(
        `INSERT INTO "${h.readModelsSchema}".projection_checkpoints (name, position, version) VALUES ($1, $2, 0)`,
        ['exception_queue_rows', formatPosition(events[4]!.position)],
      );

      const queue = (await list()).get('exception-queue')!;

      expect(queue).toMatchObject({
        status: 'outdated',
        checkpoint: formatPosition(events[4]!.position),
        lagEvents: events.length - 5,
        rebuild: null,
      });
      expect(queue.lagSeconds).toBeGreaterThan(0);
    });

    it('when a version differs but nothing was applied yet, then it is live, not outdated', async () => {
      await h.pool.query(
        `INSERT INTO "${h.readModelsSchema}".projection_checkpoints (name, position, version) VALUES ($1, $2, 0)`,
        ['event_latency_rows', formatPosition(START)],
      );

      expect((await list()).get('event-latency')).toMatchObject({
        status: 'live',
        checkpoint: formatPosition(START),
      });
    });

    describe('a dry-run rebuild requested through the API', () => {
      let rebuildId: string;
      let tampered: string;

      beforeAll(async () => {
        // A live line the log does not justify, so that the dry run has something to report.
        const line = await h.pool.query<{ shipment_id: string; status: string }>(
          `SELECT shipment_id, status FROM "${h.readModelsSchema}".billable_shipments
           WHERE status <> 'invoiced' ORDER BY shipment_id LIMIT 1`,
        );
        tampered = line.rows[0]!.shipment_id;
        await h.pool.query(
          `UPDATE "${h.readModelsSchema}".billable_shipments SET status = 'invoiced' WHERE shipment_id = $1`,
          [tampered],
        );
        const res = await requestRebuild('billable-shipments', { dryRun: true });
        expect(res.status).toBe(202);
        rebuildId = (res.body as { rebuildId: string }).rebuildId;
      });

      it('when requested, then it is 202 with a rebuildId, and the list shows it rebuilding with the request', async () => {
        expect(rebuildId).toMatch(/^[0-9a-f-]{36}$/);

        const billing = (await list()).get('billable-shipments')!;

        expect(billing.status).toBe('rebuilding');
        expect(billing.rebuild).toEqual({
          rebuildId,
          status: 'requested',
          progress: null,
          eventsPerSecond: 0,
          etaSeconds: null,
        });
      });

      it('when another rebuild of it is requested meanwhile, then it is a 409 conflict problem', async () => {
        const res = await requestRebuild('billable-shipments', {});

        expect(res.status).toBe(409);
        expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
        expect(res.body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}conflict`, status: 409 });
        expect((res.body as { detail: string }).detail).toContain(rebuildId);
      });

      it('when a worker has run it, then GET shows dry_run_complete with the diff, not swapped', async () => {
        // The test stands in for a processor with the read-models role.
        const ran = await new Rebuilds({
          pool: h.pool,
          store: h.eventStore,
          schema: h.readModelsSchema,
        }).runNext();
        expect(ran?.rebuildId).toBe(rebuildId);

        const res = await getRebuild('billable-shipments', rebuildId);

        expect(res.status).toBe(200);
        const body = res.body as {
          status: string;
          diff: {
            changedCount: number;
            changed: unknown[];
            countsBefore: Record<string, number>;
            countsAfter: Record<string, number>;
          };
        };
        expect(body).toMatchObject({
          rebuildId,
          projection: 'billable-shipments',
          version: billableShipmentsProjection.version,
          dryRun: true,
          status: 'dry_run_complete',
          requestedBy: 'api:admin',
          swapped: false,
          error: null,
        });
        expect(body.diff.changedCount).toBe(1);
        expect(body.diff.changed).toEqual([
          {
            key: tampered,
            before: { status: 'invoiced', amount: expect.any(String) as unknown },
            after: expect.objectContaining({
              status: expect.not.stringMatching(/^invoiced$/) as unknown,
            }) as unknown,
          },
        ]);
        expect(body.diff.countsBefore['invoiced'] ?? 0).toBe((body.diff.countsAfter['invoiced'] ?? 0) + 1);
        const finishedAt = (res.body as { finishedAt: string }).finishedAt;
        expect(Date.parse(finishedAt)).not.toBeNaN();
        // A dry run leaves the live rows alone.
        const live = await h.pool.query(
          `SELECT status FROM "${h.readModelsSchema}".billable_shipments WHERE shipment_id = $1`,
          [tampered],
        );
        expect(live.rows[0]).toEqual({ status: 'invoiced' });
      });

      it('when it has finished, then the list shows the read model live again, with no rebuild', async () => {
        expect((await list()).get('billable-shipments')).toMatchObject({ status: 'live', rebuild: null });
      });

      it('when the rebuild is asked for under another read model, then it is a 404 problem', async () => {
        const res = await getRebuild('exception-queue', rebuildId);

        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}not-found` });
      });
    });
  });

  it('when a rebuild is requested without a body, then it is accepted as a real (not dry) rebuild', async () => {
    const res = await requestRebuild('shipment-kpi-facts');

    expect(res.status).toBe(202);
    const rebuild = await getRebuild('shipment-kpi-facts', (res.body as { rebuildId: string }).rebuildId);
    expect(rebuild.body).toMatchObject({ dryRun: false, status: 'requested', progress: null, diff: null });
  });

  it('when the list is asked with a parameter it does not take, then it is a 400 problem', async () => {
    const res = await request(h.server).get('/v1/projections?status=live').set('Authorization', as('admin'));

    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
  });

  it('when the list is paged two at a time, then the pages join up to every read model and the last has no cursor', async () => {
    const names: string[] = [];
    let path = '/v1/projections?limit=2';
    for (let pages = 0; pages < 10; pages++) {
      const res = await request(h.server).get(path).set('Authorization', as('admin'));
      expect(res.status).toBe(200);
      const page = res.body as { items: { name: string }[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      names.push(...page.items.map((item) => item.name));
      if (page.nextCursor === null) break;
      path = `/v1/projections?limit=2&cursor=${page.nextCursor}`;
    }
    expect(names).toEqual(READ_MODELS.map((d) => d.projection.name));
    const whole = await request(h.server).get('/v1/projections').set('Authorization', as('admin'));
    expect(whole.body).toMatchObject({ nextCursor: null });
  });

  it.each([
    'limit=0',
    'limit=501',
    'cursor=not-a-cursor',
    `cursor=${Buffer.from('["projections","nope"]').toString('base64url')}`,
  ])('when the list is asked with %s, then it is a 400 problem', async (query) => {
    const res = await request(h.server).get(`/v1/projections?${query}`).set('Authorization', as('admin'));

    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
  });

  it('when a rebuild of an unknown read model is requested, then it is a 404 problem', async () => {
    const res = await requestRebuild('shipments-by-colour', { dryRun: true });

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}not-found` });
  });

  it.each([{ dryRun: 'yes' }, { dryRun: 1 }, { dryRun: true, force: true }])(
    'when the body is %j, then it is a 400 problem',
    async (body) => {
      const res = await requestRebuild('exception-queue', body);

      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}invalid-request` });
    },
  );

  it('when the rebuildId is not a UUID, then it is a 400 problem; an unknown one is a 404 problem', async () => {
    const invalid = await getRebuild('billable-shipments', 'latest');
    const unknown = await getRebuild('billable-shipments', randomUUID());

    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}invalid-request` });
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(PROBLEM_JSON);
  });

  it.each([
    ['GET', '/v1/projections'],
    ['POST', '/v1/projections/billable-shipments/rebuild'],
    ['GET', `/v1/projections/billable-shipments/rebuilds/${randomUUID()}`],
  ])('when %s %s is called without a key, then 401; with an operator key, then 403', async (method, path) => {
    const call = () =>
      method === 'GET' ? request(h.server).get(path) : request(h.server).post(path).send({});

    const none = await call();
    const operator = await call().set('Authorization', as('operator'));

    expect([none.status, operator.status]).toEqual([401, 403]);
    expect(operator.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(operator.body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}forbidden`, requiredRole: 'admin' });
  });
});
