import request from 'supertest';
import { contractStreamId, shipmentStreamId, type ShipmentStreamEvent } from '@waybill/domain';
import { deterministicId, type NewEvent } from '@waybill/event-store';
import type { Role } from '@waybill/platform';
import { PROBLEM_TYPE_BASE } from '../problems/api-error-code';
import { booked, milestone, recorded, sleep, startApiHarness, type ApiHarness } from '../testing/api-harness';

const PROBLEM_JSON = /^application\/problem\+json/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const DELIVERED_DEFAULTS = {
  billingTrigger: 'delivered',
  requireSignedPod: false,
  requireTemperatureCompliance: false,
  requireExceptionsCleared: true,
  podGraceHours: 48,
};

interface ContractBody {
  customerId: string;
  contractId: string;
  version: number;
  policy: Record<string, unknown>;
  history: {
    version: number;
    contractId: string;
    policy: Record<string, unknown>;
    messageId: string;
    source: string;
    occurredAt: string;
    receivedAt: string;
    recordedAt: string;
  }[];
}

describe('PUT and GET /v1/contracts/:customerId', () => {
  let h: ApiHarness;

  const put = (
    customerId: string,
    body: unknown,
    { role = 'admin', key, correlationId }: { role?: Role; key?: string; correlationId?: string } = {},
  ): request.Test => {
    const req = request(h.server)
      .put(`/v1/contracts/${customerId}`)
      .set('Authorization', `Bearer ${h.keys[role]}`);
    if (key !== undefined) void req.set('Idempotency-Key', key);
    if (correlationId !== undefined) void req.set('X-Correlation-Id', correlationId);
    return req.send(body as object);
  };
  const get = (path: string, role: Role = 'reader'): request.Test =>
    request(h.server).get(path).set('Authorization', `Bearer ${h.keys[role]}`);
  const streamOf = (customerId: string) => h.eventStore.readStream(contractStreamId(customerId));

  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => h.close());

  describe('recording and reading', () => {
    it('when an admin PUTs a contract, then it is version 1 with the defaults filled in, and GET answers the same', async () => {
      const before = Date.now();
      const res = await put(
        'C-RT',
        { contractId: 'K-RT-2026', policy: { billingTrigger: 'delivered' } },
        { key: 'put-rt-1', correlationId: 'corr-rt-1' },
      );

      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.body as ContractBody;
      expect(body).toEqual({
        customerId: 'C-RT',
        contractId: 'K-RT-2026',
        version: 1,
        policy: DELIVERED_DEFAULTS,
        history: [
          {
            version: 1,
            contractId: 'K-RT-2026',
            policy: DELIVERED_DEFAULTS,
            messageId: 'put-rt-1',
            source: 'api:admin',
            occurredAt: expect.any(String) as string,
            receivedAt: expect.any(String) as string,
            recordedAt: expect.any(String) as string,
          },
        ],
      });
      expect(Date.parse(body.history[0]!.occurredAt)).toBeGreaterThanOrEqual(before - 5);
      const read = await get('/v1/contracts/C-RT');
      expect(read.status).toBe(200);
      expect(read.body).toEqual(body);
    });

    it('when a contract is PUT, then one event is appended with deterministic id and request metadata', async () => {
      await put(
        'C-META',
        { contractId: 'K-META', policy: { billingTrigger: 'pod', podGraceHours: 24 } },
        { key: 'put-meta-1', correlationId: 'corr-meta-1' },
      ).expect(200);

      const stored = await streamOf('C-META');

      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({
        id: deterministicId('contract:put-meta-1#0'),
        type: 'ContractPolicyRecorded',
        data: {
          customerId: 'C-META',
          contractId: 'K-META',
          version: 1,
          messageId: 'put-meta-1',
          policy: { ...DELIVERED_DEFAULTS, billingTrigger: 'pod', podGraceHours: 24 },
        },
        metadata: {
          messageId: 'put-meta-1',
          correlationId: 'corr-meta-1',
          causationId: 'put-meta-1',
          source: 'api:admin',
        },
      });
      expect(stored[0]!.metadata.occurredAt).toBe((stored[0]!.data as { occurredAt: string }).occurredAt);
    });

    it('when the policy changes, then it is version 2 and the history holds both, oldest first', async () => {
      await put(
        'C-V2',
        { contractId: 'K-V2', policy: { billingTrigger: 'delivered' } },
        { key: 'v2-a' },
      ).expect(200);

      const res = await put(
        'C-V2',
        { contractId: 'K-V2', policy: { billingTrigger: 'pod', requireSignedPod: true } },
        { key: 'v2-b' },
      );

      expect(res.status).toBe(200);
      const body = res.body as ContractBody;
      expect(body).toMatchObject({
        version: 2,
        policy: { billingTrigger: 'pod', requireSignedPod: true, requireExceptionsCleared: true },
      });
      expect(body.history.map((v) => [v.version, v.policy.billingTrigger, v.messageId])).toEqual([
        [1, 'delivered', 'v2-a'],
        [2, 'pod', 'v2-b'],
      ]);
      expect(Date.parse(body.history[0]!.recordedAt)).toBeLessThanOrEqual(
        Date.parse(body.history[1]!.recordedAt),
      );
      expect((await get('/v1/contracts/C-V2').expect(200)).body).toEqual(body);
    });

    it('when the same PUT is retried with the same Idempotency-Key, then it answers version 1 and records nothing', async () => {
      const body = { contractId: 'K-IDEM', policy: { billingTrigger: 'delivered', podGraceHours: 12 } };
      const first = await put('C-IDEM', body, { key: 'idem-1' });

      const again = await put('C-IDEM', body, { key: 'idem-1' });

      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(again.body).toMatchObject({ version: 1, history: [{ version: 1 }] });
      expect(await streamOf('C-IDEM')).toHaveLength(1);
    });

    it('when the Idempotency-Key is reused with another policy, then it is a 409 problem and nothing is recorded', async () => {
      await put(
        'C-REUSE',
        { contractId: 'K-R', policy: { billingTrigger: 'delivered' } },
        { key: 'reuse-1' },
      ).expect(200);

      const res = await put(
        'C-REUSE',
        { contractId: 'K-R', policy: { billingTrigger: 'pod' } },
        { key: 'reuse-1' },
      );

      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}conflict`, status: 409 });
      expect(await streamOf('C-REUSE')).toHaveLength(1);
    });

    it('when the current policy is PUT again under a new key, even with defaults spelled out, then it is corroborated and no version is made', async () => {
      await put(
        'C-CORR',
        { contractId: 'K-C', policy: { billingTrigger: 'delivered' } },
        { key: 'corr-1' },
      ).expect(200);

      const res = await put('C-CORR', { contractId: 'K-C', policy: DELIVERED_DEFAULTS }, { key: 'corr-2' });

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ version: 1, history: [{ messageId: 'corr-1' }] });
      expect((await streamOf('C-CORR')).map((e) => e.type)).toEqual([
        'ContractPolicyRecorded',
        'ContractPolicyCorroborated',
      ]);
    });

    it('when no Idempotency-Key or correlation id is sent, then each PUT gets generated ids and is a request of its own', async () => {
      await put('C-GEN', { contractId: 'K-G', policy: { billingTrigger: 'delivered' } }).expect(200);
      await put('C-GEN', { contractId: 'K-G', policy: { billingTrigger: 'pod' } }).expect(200);

      const stored = await streamOf('C-GEN');

      expect(stored.map((e) => e.type)).toEqual(['ContractPolicyRecorded', 'ContractPolicyRecorded']);
      const [a, b] = stored.map((e) => e.metadata);
      expect(a!.messageId).toMatch(UUID);
      expect(a!.correlationId).toMatch(UUID);
      expect(a!.messageId).not.toBe(b!.messageId);
      expect(a!.causationId).toBe(a!.messageId);
    });

    it('when three admins PUT different policies at once, then every one is recorded as its own version', async () => {
      const triggers = [
        { billingTrigger: 'delivered', podGraceHours: 1 },
        { billingTrigger: 'delivered', podGraceHours: 2 },
        { billingTrigger: 'delivered', podGraceHours: 3 },
      ];

      const answers = await Promise.all(
        triggers.map((policy, i) => put('C-RACE', { contractId: 'K-RACE', policy }, { key: `race-${i}` })),
      );

      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      const body = (await get('/v1/contracts/C-RACE').expect(200)).body as ContractBody;
      expect(body.version).toBe(3);
      expect(body.history.map((v) => v.version)).toEqual([1, 2, 3]);
      expect(body.history.map((v) => v.policy.podGraceHours).sort()).toEqual([1, 2, 3]);
    });

    it('when the customer has no contract, then GET is a 404 problem', async () => {
      const res = await get('/v1/contracts/C-NOBODY');

      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({
        type: `${PROBLEM_TYPE_BASE}not-found`,
        status: 404,
        detail: 'no contract of customer C-NOBODY is known',
        instance: '/v1/contracts/C-NOBODY',
      });
    });
  });

  describe('roles', () => {
    const body = { contractId: 'K-ROLE', policy: { billingTrigger: 'delivered' } };

    it.each(['reader', 'auditor', 'operator'] as const)(
      'when a key of role %s PUTs a contract, then it is a 403 problem and nothing is recorded',
      async (role) => {
        const res = await put('C-ROLE', body, { role });

        expect(res.status).toBe(403);
        expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
        expect(res.body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}forbidden`, requiredRole: 'admin' });
        expect(await streamOf('C-ROLE')).toEqual([]);
      },
    );

    it('when a PUT or GET has no key, then it is a 401 problem', async () => {
      const putRes = await request(h.server).put('/v1/contracts/C-ROLE').send(body);
      const getRes = await request(h.server).get('/v1/contracts/C-ROLE');

      expect([putRes.status, getRes.status]).toEqual([401, 401]);
      expect(putRes.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(await streamOf('C-ROLE')).toEqual([]);
    });

    it('when a reader GETs a contract an admin PUT, then it is a 200', async () => {
      await put('C-ROLE-OK', body).expect(200);

      const res = await get('/v1/contracts/C-ROLE-OK', 'reader');

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ customerId: 'C-ROLE-OK', version: 1 });
    });
  });

  describe('bad input', () => {
    it.each<[string, unknown, string]>([
      [
        'billingTrigger "invoice"',
        { contractId: 'K', policy: { billingTrigger: 'invoice' } },
        'policy.billingTrigger',
      ],
      ['no billingTrigger', { contractId: 'K', policy: {} }, 'policy.billingTrigger'],
      [
        'podGraceHours -1',
        { contractId: 'K', policy: { billingTrigger: 'pod', podGraceHours: -1 } },
        'policy.podGraceHours',
      ],
      [
        'podGraceHours as a string',
        { contractId: 'K', policy: { billingTrigger: 'pod', podGraceHours: '5' } },
        'policy.podGraceHours',
      ],
      [
        'requireSignedPod "yes"',
        { contractId: 'K', policy: { billingTrigger: 'pod', requireSignedPod: 'yes' } },
        'policy.requireSignedPod',
      ],
      [
        'requireExceptionsCleared null',
        { contractId: 'K', policy: { billingTrigger: 'pod', requireExceptionsCleared: null } },
        'policy.requireExceptionsCleared',
      ],
      [
        'an extra top-level field',
        { contractId: 'K', policy: { billingTrigger: 'pod' }, tier: 'gold' },
        'tier',
      ],
      [
        'an extra policy field',
        { contractId: 'K', policy: { billingTrigger: 'pod', autoInvoice: true } },
        'policy.autoInvoice',
      ],
      ['an empty contractId', { contractId: '', policy: { billingTrigger: 'pod' } }, 'contractId'],
      ['no contractId', { policy: { billingTrigger: 'pod' } }, 'contractId'],
      ['no policy', { contractId: 'K' }, 'policy'],
      ['a policy that is a string', { contractId: 'K', policy: 'delivered' }, 'policy'],
    ])(
      'when the body has %s, then it is a 400 problem naming the field and nothing is recorded',
      async (_, body, field) => {
        const res = await put('C-BAD', body);

        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
        expect(res.body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}invalid-request`, status: 400 });
        expect((res.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toContain(field);
        expect(await streamOf('C-BAD')).toEqual([]);
      },
    );

    it('when the body is not JSON, then it is a 400 problem', async () => {
      const res = await request(h.server)
        .put('/v1/contracts/C-BAD')
        .set('Authorization', `Bearer ${h.keys.admin}`)
        .set('Content-Type', 'application/json')
        .send('{"contractId":');

      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    });

    it.each([['x'.repeat(129)], ['C%00NUL'], ['C%0ALINE']])(
      'when the customer id is %p, then PUT and GET are a 400 problem naming customerId',
      async (customerId) => {
        const putRes = await put(customerId, { contractId: 'K', policy: { billingTrigger: 'pod' } });
        const getRes = await get(`/v1/contracts/${customerId}`);

        for (const res of [putRes, getRes]) {
          expect(res.status).toBe(400);
          expect(res.body).toMatchObject({
            type: `${PROBLEM_TYPE_BASE}invalid-request`,
            errors: [{ field: 'customerId' }],
          });
        }
      },
    );

    it.each([
      ['ACME%20Corp', 'ACME Corp'],
      ['star*', 'star*'],
      ['x'.repeat(128), 'x'.repeat(128)],
    ])(
      'when the customer id is %p, as a booking may name it, then a contract is recorded and read back for it',
      async (inPath, customerId) => {
        const putRes = await put(inPath, { contractId: 'K-ANY', policy: { billingTrigger: 'pod' } });
        const getRes = await get(`/v1/contracts/${inPath}`);

        expect(putRes.status).toBe(200);
        expect(getRes.status).toBe(200);
        expect(getRes.body).toMatchObject({ customerId, contractId: 'K-ANY', version: 1 });
      },
    );

    it('when the Idempotency-Key is longer than 128 characters, then it is a 400 problem naming it', async () => {
      const res = await put(
        'C-BAD',
        { contractId: 'K', policy: { billingTrigger: 'pod' } },
        { key: 'k'.repeat(129) },
      );

      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ errors: [{ field: 'Idempotency-Key' }] });
      expect(await streamOf('C-BAD')).toEqual([]);
    });
  });

  describe('billing in GET /v1/shipments/:id', () => {
    const seed = async (shipmentId: string, events: readonly ShipmentStreamEvent[]): Promise<void> => {
      const toNew = (event: ShipmentStreamEvent, i: number): NewEvent =>
        'messageId' in event.data
          ? recorded(event as Parameters<typeof recorded>[0])
          : {
              id: deterministicId(`test:${shipmentId}#${i}`),
              type: event.type,
              data: event.data,
              metadata: {
                correlationId: `corr-${shipmentId}`,
                causationId: event.data.causationEventId,
                occurredAt: '2025-03-04T16:00:00Z',
                source: 'waybill',
              },
            };
      await h.eventStore.appendToStream(shipmentStreamId(shipmentId), events.map(toNew), 'no_stream');
    };
    const billingOf = async (shipmentId: string, asOf?: string): Promise<Record<string, unknown>> => {
      const query = asOf === undefined ? '' : `?asOf=${encodeURIComponent(asOf)}`;
      const res = await get(`/v1/shipments/${shipmentId}${query}`).expect(200);
      return (res.body as { billing: Record<string, unknown> }).billing;
    };
    const bookedFor = (shipmentId: string, customerId: string) =>
      booked(`${shipmentId}-b`, '2025-03-01T08:00:00Z', customerId);
    const deliveredOf = (shipmentId: string) =>
      milestone(`${shipmentId}-d`, '2025-03-04T15:00:00Z', 'delivered');
    const releaseRequested = (shipmentId: string, customerId: string): ShipmentStreamEvent => ({
      type: 'ShipmentInvoiceReleaseRequested',
      data: {
        causationEventId: deterministicId(`cause:${shipmentId}`),
        commandId: `invoice.release:${shipmentId}:1`,
        attempt: 1,
        orderId: 'SO-1',
        customerId,
        contractId: 'K-SHIP',
        policyVersion: 1,
        trigger: 'delivered',
        because: ['delivered', 'exceptions_cleared'],
        charges: { currency: 'EUR', lines: [{ code: 'FRT', description: 'Linehaul', amount: '1200.00' }] },
        requestedAt: '2025-03-04T16:00:00Z',
      },
    });
    const erpReply = (shipmentId: string, reply: 'invoiced' | 'rejected'): ShipmentStreamEvent => {
      const report = {
        messageId: `${shipmentId}-erp`,
        source: 'erp:sap',
        occurredAt: '2025-03-05T09:00:00Z',
        receivedAt: '2025-03-05T09:00:00Z',
        commandId: `invoice.release:${shipmentId}:1`,
      };
      return reply === 'invoiced'
        ? { type: 'ShipmentInvoiced', data: { ...report, invoiceNumber: 'INV-9' } }
        : { type: 'ShipmentInvoiceRejected', data: { ...report, reason: 'Unknown charge code' } };
    };

    let beforeContract: string;

    beforeAll(async () => {
      await seed('SHP-BILL', [bookedFor('SHP-BILL', 'C-SHIP'), deliveredOf('SHP-BILL')]);
      await seed('SHP-NOC', [bookedFor('SHP-NOC', 'C-NONE'), deliveredOf('SHP-NOC')]);
      await seed('SHP-WAIT', [bookedFor('SHP-WAIT', 'C-SHIP')]);
      await seed('SHP-PODC', [bookedFor('SHP-PODC', 'C-SHIP-POD'), deliveredOf('SHP-PODC')]);
      await seed('SHP-REQ', [
        bookedFor('SHP-REQ', 'C-SHIP'),
        deliveredOf('SHP-REQ'),
        releaseRequested('SHP-REQ', 'C-SHIP'),
      ]);
      await seed('SHP-INV', [
        bookedFor('SHP-INV', 'C-SHIP'),
        deliveredOf('SHP-INV'),
        releaseRequested('SHP-INV', 'C-SHIP'),
        erpReply('SHP-INV', 'invoiced'),
      ]);
      await seed('SHP-REJ', [
        bookedFor('SHP-REJ', 'C-SHIP'),
        deliveredOf('SHP-REJ'),
        releaseRequested('SHP-REJ', 'C-SHIP'),
        erpReply('SHP-REJ', 'rejected'),
      ]);
      await sleep(60);
      beforeContract = new Date().toISOString();
      await sleep(60);
      await put('C-SHIP', { contractId: 'K-SHIP', policy: { billingTrigger: 'delivered' } }).expect(200);
      await put('C-SHIP-POD', { contractId: 'K-POD', policy: { billingTrigger: 'pod' } }).expect(200);
    });

    it('when a booked and delivered shipment has a customer with a delivered contract, then it is billable under that version', async () => {
      expect(await billingOf('SHP-BILL')).toEqual({
        status: 'billable',
        reasons: [],
        invoiceNumber: null,
        contractId: 'K-SHIP',
        policyVersion: 1,
      });
    });

    it('when the customer has no contract, then the delivered shipment is on hold with no_contract', async () => {
      expect(await billingOf('SHP-NOC')).toEqual({
        status: 'on_hold',
        reasons: ['no_contract'],
        invoiceNumber: null,
      });
    });

    it('when asOf is before the contract was recorded, then billing is judged without it', async () => {
      expect(await billingOf('SHP-BILL', beforeContract)).toMatchObject({
        status: 'on_hold',
        reasons: ['no_contract'],
      });
    });

    it('when the contract changes, then the shipment view follows the new version', async () => {
      await put('C-SHIP-POD', { contractId: 'K-POD', policy: { billingTrigger: 'delivered' } }).expect(200);

      expect(await billingOf('SHP-PODC')).toMatchObject({ status: 'billable', policyVersion: 2 });
      await put('C-SHIP-POD', { contractId: 'K-POD', policy: { billingTrigger: 'pod' } }).expect(200);
      expect(await billingOf('SHP-PODC')).toMatchObject({
        status: 'awaiting_pod',
        reasons: ['awaiting_pod'],
        policyVersion: 3,
      });
    });

    it.each([
      ['SHP-WAIT', 'awaiting_delivery', ['awaiting_delivery'], null],
      ['SHP-REQ', 'release_requested', [], null],
      ['SHP-INV', 'invoiced', [], 'INV-9'],
      ['SHP-REJ', 'rejected', ['invoice_rejected'], null],
    ])('when %s is seeded, then billing.status is %s', async (shipmentId, status, reasons, invoiceNumber) => {
      expect(await billingOf(shipmentId)).toMatchObject({ status, reasons, invoiceNumber });
    });
  });
});
