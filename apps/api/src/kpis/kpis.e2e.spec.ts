import request from 'supertest';
import { shipmentStreamId, type ShipmentEvent } from '@waybill/domain';
import { IngestCounts, type ParkReason } from '@waybill/parking';
import {
  computeCarrierScorecard,
  computeKpis,
  eventLatencyProjection,
  hourOverlaps,
  kpiFactsOf,
  type Kpis,
  project,
  shipmentKpiFactsProjection,
} from '@waybill/projections';
import { kpiFactsTable } from '@waybill/read-models';
import { PROBLEM_TYPE_BASE } from '../problems/api-error-code';
import { booked, milestone, recorded, startApiHarness, type ApiHarness } from '../testing/api-harness';
import { ReadModelsFixture } from '../testing/read-models';

const PROBLEM_JSON = /^application\/problem\+json/;
/** The hand-made shipments' day; the simulated day is 2026-11-26. */
const HAND_FROM = '2025-03-05T00:00:00Z';
const HAND_TO = '2025-03-06T00:00:00Z';
const SIM_FROM = '2026-11-26T00:00:00Z';
const SIM_TO = '2026-11-27T00:00:00Z';

function corroboration(messageId: string, occurredAt: string): ShipmentEvent {
  return {
    type: 'ShipmentReportCorroborated',
    data: {
      messageId,
      source: 'carrier:UPSN',
      occurredAt,
      receivedAt: occurredAt,
      fact: 'milestone',
      key: 'delivered',
    },
  };
}

describe('GET /v1/kpis and GET /v1/carriers/scorecard', () => {
  let h: ApiHarness;
  let fixture: ReadModelsFixture;
  let seq = 0;
  const get = (path: string): request.Test =>
    request(h.server).get(path).set('Authorization', `Bearer ${h.keys.reader}`);

  async function park(reason: ParkReason, receivedAt: string): Promise<void> {
    seq += 1;
    await h.parked.park({
      subject: `${h.config.subjectPrefix}.ingest.shipment.milestone`,
      raw: Buffer.from(`{"n":${seq}}`),
      headers: {},
      reason,
      explanation: `parked ${seq} in a test`,
      receivedAt: new Date(receivedAt),
      streamSequence: seq,
    });
  }

  beforeAll(async () => {
    h = await startApiHarness();
    fixture = new ReadModelsFixture(h);
  });
  afterAll(async () => {
    await fixture.stop();
    await h.close();
  });

  it('when no runner has built the KPI read models yet, then both are 503 problems', async () => {
    const kpis = await get('/v1/kpis');
    const scorecard = await get('/v1/carriers/scorecard');

    expect([kpis.status, scorecard.status]).toEqual([503, 503]);
    expect(kpis.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(kpis.body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}unavailable` });
  });

  describe('over seeded events', () => {
    beforeAll(async () => {
      // Three hand-made shipments of carrier UPSN, promised by 2025-03-05T17:00Z: one delivered on
      // time, one late (and its delivery reported a second time), one still booked.
      await fixture.append(shipmentStreamId('HND-1'), [
        recorded(booked('hnd-1-b', '2025-03-04T08:00:00Z', 'C-HAND')),
        recorded(milestone('hnd-1-d', '2025-03-05T10:00:00Z', 'delivered')),
      ]);
      await fixture.append(shipmentStreamId('HND-2'), [
        recorded(booked('hnd-2-b', '2025-03-04T08:00:00Z', 'C-HAND')),
        recorded(milestone('hnd-2-d', '2025-03-05T18:00:00Z', 'delivered')),
        recorded(corroboration('hnd-2-d2', '2025-03-05T18:30:00Z')),
      ]);
      await fixture.append(shipmentStreamId('HND-3'), [
        recorded(booked('hnd-3-b', '2025-03-04T09:00:00Z', 'C-HAND')),
      ]);
      await park('invalid_message', '2025-03-05T01:00:00Z');
      await park('invalid_message', '2025-03-05T23:59:59Z');
      await park('unknown_subject', '2025-03-05T12:00:00Z');
      await park('invalid_json', '2025-03-04T12:00:00Z'); // the day before: outside the window
      await park('invalid_json', '2026-11-26T09:00:00Z');
      await fixture.appendContract('C-GLOBEX', { billingTrigger: 'delivered' });
      await fixture.appendDay('KPI', 30);
      const facts = await fixture.start(shipmentKpiFactsProjection, kpiFactsTable);
      const latency = await fixture.start(eventLatencyProjection);
      await fixture.caughtUp(facts);
      await fixture.caughtUp(latency);
    });

    it('when asked for the hand-made day, then the KPIs are exactly those of the three shipments and the parked messages of that day', async () => {
      const res = await get(`/v1/kpis?from=${HAND_FROM}&to=${HAND_TO}`);

      expect(res.status).toBe(200);
      const body = res.body as Kpis & { from: string; to: string };
      expect(body.from).toBe('2025-03-05T00:00:00.000Z');
      expect(body.to).toBe('2025-03-06T00:00:00.000Z');
      expect(body.onTimeDeliveryRate).toBe(0.5);
      // Two deliveries and one corroboration reported in the window, all received as they occurred.
      expect(body.eventLatencyMs).toEqual({ p50: 0, p95: 0, count: 3 });
      expect(body.parkedByReason).toEqual({ invalid_message: 2, unknown_subject: 1 });
      // One corroboration of 3 recorded + 3 parked messages; exact duplicates are not counted.
      expect(body.duplicateRate).toBe(1 / 6);
      expect(body.invoiceReleaseMs).toEqual({ p50: null, p95: null, count: 0 });
      expect(body.touchlessBillingRate).toBeNull();
    });

    it('when asked for the hand-made day, then UPSN has delivered two, one on time and one late', async () => {
      const res = await get(`/v1/carriers/scorecard?from=${HAND_FROM}&to=${HAND_TO}`);

      expect(res.status).toBe(200);
      expect((res.body as { items: unknown[] }).items).toEqual([
        {
          carrierId: 'UPSN',
          booked: 0,
          delivered: 2,
          onTime: 1,
          late: 1,
          onTimeRate: 0.5,
          exceptions: {},
          exceptionCases: {},
          // Its two deliveries and the second report of one, all received as they occurred.
          eventLatencyMs: { p50: 0, p95: 0, count: 3 },
        },
      ]);
    });

    it('when asked for the simulated day, then the KPIs and scorecards are what the projections compute from the same log', async () => {
      const log = await fixture.logged();
      const facts = kpiFactsOf(project(shipmentKpiFactsProjection, log));
      const latencyHours = [...project(eventLatencyProjection, log).values()];
      const from = new Date(SIM_FROM);
      const to = new Date(SIM_TO);
      const reports = latencyHours
        .filter((row) => hourOverlaps(row.hour, from, to))
        .reduce((sum, row) => sum + row.reports, 0);
      const expectedAt = (now: Date): unknown =>
        JSON.parse(
          JSON.stringify({
            from: from.toISOString(),
            to: to.toISOString(),
            ...computeKpis({
              from,
              to,
              now,
              facts,
              latencyHours,
              exactDuplicates: 0,
              messages: reports + 1,
              parkedByReason: { invalid_json: 1 },
            }),
          }),
        );
      const before = expectedAt(new Date());

      const res = await get(`/v1/kpis?from=${SIM_FROM}&to=${SIM_TO}`);
      const scorecard = await get(`/v1/carriers/scorecard?from=${SIM_FROM}&to=${SIM_TO}`);

      expect(res.status).toBe(200);
      // deliveredNotBillable ages are taken at the request's now: one of these two instants.
      expect([before, expectedAt(new Date())]).toContainEqual(res.body);
      const body = res.body as Kpis;
      expect(body.eventLatencyMs.count).toBe(reports);
      expect(body.onTimeDeliveryRate).not.toBeNull();
      expect(body.deliveredNotBillable.count).toBeGreaterThan(0);
      expect(scorecard.body).toEqual(
        JSON.parse(
          JSON.stringify({
            from: from.toISOString(),
            to: to.toISOString(),
            items: computeCarrierScorecard({ from, to, facts }),
          }),
        ),
      );
      expect((scorecard.body as { items: unknown[] }).items.length).toBeGreaterThan(1);
    });

    it('when no window is given, then it is the last 24 h', async () => {
      const started = Date.now();

      const res = await get('/v1/kpis');

      expect(res.status).toBe(200);
      const { from, to } = res.body as { from: string; to: string };
      expect(Date.parse(to) - Date.parse(from)).toBe(24 * 3_600_000);
      expect(Date.parse(to)).toBeGreaterThanOrEqual(started - 1);
      expect(Date.parse(to)).toBeLessThanOrEqual(Date.now());
    });

    it('when only to is given, then the window is the 24 h before it', async () => {
      const res = await get(`/v1/kpis?to=${HAND_TO}`);

      expect(res.body).toMatchObject({ from: '2025-03-05T00:00:00.000Z', onTimeDeliveryRate: 0.5 });
    });

    it('when the processor counts ingest outcomes, then the duplicate rate takes its exact duplicates and messages', async () => {
      const counts = await IngestCounts.create(h.pool, { schema: h.parkedSchema });
      const at = new Date('2025-03-05T10:00:00Z');
      for (let i = 0; i < 4; i++) counts.add('appended', at);
      for (let i = 0; i < 2; i++) counts.add('duplicate', at);
      for (let i = 0; i < 3; i++) counts.add('parked', at);
      counts.add('duplicate', new Date('2025-03-06T10:00:00Z')); // the day after: outside the window
      await counts.stop();

      const res = await get(`/v1/kpis?from=${HAND_FROM}&to=${HAND_TO}`);

      // One corroboration and two exact duplicates of nine messages.
      expect(res.body).toMatchObject({ duplicateRate: 3 / 9, onTimeDeliveryRate: 0.5 });
    });
  });

  it.each([
    ['/v1/kpis', `from=${HAND_TO}&to=${HAND_FROM}`],
    ['/v1/kpis', `from=${HAND_FROM}&to=${HAND_FROM}`],
    ['/v1/kpis', 'from=yesterday'],
    ['/v1/kpis', 'to=2025-02-30T00:00:00Z'],
    ['/v1/kpis', 'from=2025-03-05T00:00:00'],
    ['/v1/kpis', 'carrierId=UPSN'],
    ['/v1/carriers/scorecard', `from=${HAND_TO}&to=${HAND_FROM}`],
    ['/v1/carriers/scorecard', 'to=soon'],
  ])('when %s has %s, then it is a 400 problem', async (path, query) => {
    const res = await get(`${path}?${query}`);

    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}invalid-request` });
  });

  it.each(['/v1/kpis', '/v1/carriers/scorecard'])(
    'when %s is called without a key, then it is a 401 problem',
    async (path) => {
      const res = await request(h.server).get(path);

      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    },
  );
});
