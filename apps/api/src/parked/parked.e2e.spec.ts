import request from 'supertest';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import { ShipmentReferences, type ParkRequest } from '@waybill/parking';
import { PROBLEM_TYPE_BASE } from '../problems/api-error-code';
import { startApiHarness, TEST_NATS_URL, type ApiHarness } from '../testing/api-harness';

const PROBLEM_JSON = /^application\/problem\+json/;

interface Item {
  id: string;
  subject: string;
  reason: string;
  status: string;
  statusReason: string | null;
  messageId: string | null;
  headers: Record<string, string[]>;
  rawBase64: string;
}
interface ItemPage {
  items: Item[];
  nextCursor: string | null;
}

describe('/v1/parked', () => {
  let h: ApiHarness;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let stream: string;
  let ingest: (name: string) => string;
  let seq = 0;
  const operator = (r: request.Test): request.Test => r.set('Authorization', `Bearer ${h.keys.operator}`);
  const list = (query = ''): request.Test => operator(request(h.server).get(`/v1/parked${query}`));
  const post = (path: string, body?: object): request.Test => {
    const r = operator(request(h.server).post(path));
    return body === undefined ? r : r.send(body);
  };

  async function park(overrides: Partial<ParkRequest> & Pick<ParkRequest, 'reason'>): Promise<string> {
    return h.parked.park({
      subject: ingest('shipment.milestone'),
      raw: Buffer.from(JSON.stringify({ messageId: `m-${++seq}`, shipmentId: 'SHP-9' })),
      headers: { 'Waybill-Test': ['parked'], 'Nats-Msg-Id': [`m-${seq}`] },
      explanation: `parked for ${overrides.reason} in a test`,
      receivedAt: new Date(Date.UTC(2025, 2, 1, 8, seq)),
      streamSequence: seq,
      ...overrides,
    });
  }

  async function streamMessages(): Promise<number> {
    return (await jsm.streams.info(stream)).state.messages;
  }

  beforeAll(async () => {
    h = await startApiHarness();
    ingest = (name) => `${h.config.subjectPrefix}.ingest.${name}`;
    stream = `${h.config.streamPrefix}_INGEST`;
    nc = await connect({ servers: TEST_NATS_URL });
    jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${h.config.subjectPrefix}.ingest.>`] });
  });
  afterAll(async () => {
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
    await h.close();
  });

  describe('listing', () => {
    let ids: string[];

    beforeAll(async () => {
      ids = [
        await park({ reason: 'invalid_json', raw: Buffer.from('{not json'), messageId: undefined }),
        await park({ reason: 'invalid_message', messageId: 'bad-1', shipmentId: 'SHP-9' }),
        await park({ reason: 'unknown_subject', subject: ingest('shipment.teleported') }),
        await park({ reason: 'invalid_message', messageId: 'bad-2' }),
      ];
    });

    it('when parked messages are listed, then they come oldest first with the contract fields and the raw bytes', async () => {
      const res = await list();

      expect(res.status).toBe(200);
      const body = res.body as ItemPage;
      expect(body.nextCursor).toBeNull();
      expect(body.items.map((i) => i.id)).toEqual(ids);
      expect(body.items[0]).toMatchObject({
        id: ids[0],
        subject: ingest('shipment.milestone'),
        reason: 'invalid_json',
        explanation: 'parked for invalid_json in a test',
        messageId: null,
        receivedAt: '2025-03-01T08:01:00.000Z',
        status: 'parked',
        statusReason: null,
        headers: { 'Waybill-Test': ['parked'] },
      });
      expect(Buffer.from(body.items[0]!.rawBase64, 'base64').toString()).toBe('{not json');
      expect(body.items[1]).toMatchObject({ messageId: 'bad-1', shipmentId: 'SHP-9' });
    });

    it('when filtered by reason, then only that reason is listed', async () => {
      const res = await list('?reason=invalid_message');

      expect((res.body as ItemPage).items.map((i) => i.id)).toEqual([ids[1], ids[3]]);
    });

    it('when paged one at a time with a filter, then the cursor keeps the filter and the pages end with null', async () => {
      const first = await list('?reason=invalid_message&limit=1');
      const cursor = (first.body as ItemPage).nextCursor!;
      const second = await list(`?reason=invalid_message&limit=1&cursor=${cursor}`);

      expect((first.body as ItemPage).items.map((i) => i.id)).toEqual([ids[1]]);
      expect((second.body as ItemPage).items.map((i) => i.id)).toEqual([ids[3]]);
      expect((second.body as ItemPage).nextCursor).toBeNull();
    });

    it.each(['reason=bogus', 'status=lost', 'limit=0', 'cursor=%%%'])(
      'when the query has %s, then it is a 400 problem',
      async (query) => {
        const res = await list(`?${query}`);

        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      },
    );
  });

  describe('replay', () => {
    it('when a parked message is replayed, then its bytes and headers appear on the original subject once and it is marked replayed', async () => {
      const raw = Buffer.from(
        JSON.stringify({ messageId: 'fix-1', shipmentId: 'SHP-9', milestone: 'dispatched' }),
      );
      const id = await park({
        reason: 'invalid_message',
        raw,
        headers: {
          'Waybill-Test': ['a', 'b'],
          'Nats-Msg-Id': ['fix-1'],
          'Nats-Expected-Stream': ['ELSEWHERE'],
        },
      });
      const before = await streamMessages();

      const res = await post(`/v1/parked/${id}/replay`, { reason: 'schema fixed upstream' });

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id,
        status: 'replayed',
        statusReason: 'schema fixed upstream',
        replay: { stream, duplicate: false, msgId: `replay:${id}` },
      });
      expect(await streamMessages()).toBe(before + 1);
      const message = await jsm.streams.getMessage(stream, {
        seq: (res.body as { replay: { seq: number } }).replay.seq,
      });
      expect(message.subject).toBe(ingest('shipment.milestone'));
      expect(Buffer.from(message.data).equals(raw)).toBe(true);
      expect(message.header.values('Waybill-Test')).toEqual(['a', 'b']);
      expect(message.header.get('Nats-Msg-Id')).toBe(`replay:${id}`);
      expect(message.header.has('Nats-Expected-Stream')).toBe(false);
      expect(message.header.get('Waybill-Replay-Of')).toBe(id);
    });

    it('when replay is clicked twice at once, then the message is published once and the second click is a 409', async () => {
      const id = await park({ reason: 'unmatched_reference' });
      const before = await streamMessages();

      const answers = await Promise.all([post(`/v1/parked/${id}/replay`), post(`/v1/parked/${id}/replay`)]);

      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      const conflict = answers.find((a) => a.status === 409)!;
      expect(conflict.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(conflict.body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}conflict`, parkedStatus: 'replayed' });
      expect(await streamMessages()).toBe(before + 1);
    });

    it('when the subject is captured by no stream, then it is a 503 problem and the message stays parked', async () => {
      const id = await park({ reason: 'unknown_subject', subject: `nowhere-${h.config.subjectPrefix}.x` });

      const res = await post(`/v1/parked/${id}/replay`);

      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}unavailable` });
      expect((await h.parked.get(id))!.status).toBe('parked');
    });

    it('when the replayed messages are listed by status, then they show as replayed', async () => {
      const res = await list('?status=replayed');

      expect((res.body as ItemPage).items.length).toBe(2);
      expect((res.body as ItemPage).items.every((i) => i.status === 'replayed')).toBe(true);
    });
  });

  describe('discard', () => {
    it('when a parked message is discarded with a reason, then it is closed with that reason and can be neither replayed nor discarded again', async () => {
      const id = await park({ reason: 'conflicting_duplicate' });

      const res = await post(`/v1/parked/${id}/discard`, { reason: 'duplicate from a TMS test run' });
      const again = await post(`/v1/parked/${id}/discard`, { reason: 'again' });
      const replay = await post(`/v1/parked/${id}/replay`);

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id,
        status: 'discarded',
        statusReason: 'duplicate from a TMS test run',
      });
      expect([again.status, replay.status]).toEqual([409, 409]);
      expect(replay.body).toMatchObject({ parkedStatus: 'discarded' });
      expect((await h.parked.get(id))!.status).toBe('discarded');
    });

    it.each([[undefined], [{}], [{ reason: '' }], [{ reason: 42 }], [{ reason: 'ok', extra: true }]])(
      'when the discard body is %p, then it is a 400 problem and nothing changes',
      async (body) => {
        const id = await park({ reason: 'too_large' });

        const res = await post(`/v1/parked/${id}/discard`, body);

        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
        expect((await h.parked.get(id))!.status).toBe('parked');
      },
    );

    it('when the body is malformed JSON, then it is a 400 problem', async () => {
      const id = await park({ reason: 'too_large' });

      const res = await operator(request(h.server).post(`/v1/parked/${id}/discard`))
        .set('Content-Type', 'application/json')
        .send('{"reason": ');

      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}invalid-request`, status: 400 });
    });
  });

  it.each(['replay', 'discard'])('when %s names an unknown id, then it is a 404 problem', async (action) => {
    const res = await post(`/v1/parked/999999999/${action}`, { reason: 'x' });

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({
      type: `${PROBLEM_TYPE_BASE}not-found`,
      detail: 'no parked message 999999999',
    });
  });

  describe('replaying an unmatched_reference carrier message', () => {
    const translated = (messageId: string, trackingNumber: string) => ({
      kind: 'shipment.milestone',
      payload: {
        messageId,
        occurredAt: '2026-11-26T15:00:00Z',
        source: 'edi:x12:UPSN',
        milestone: 'delivered',
      },
      references: { trackingNumbers: [trackingNumber] },
      place: 'ST02=0001/LX=1',
      correlationId: 'corr-x12',
      receivedAt: '2026-11-26T15:01:00.000Z',
      translatedFrom: 'test#1/ST02=0001/LX=1',
    });
    const parkUnmatched = (messageId: string, trackingNumber: string) =>
      park({
        reason: 'unmatched_reference',
        subject: ingest('edi.x12'),
        raw: Buffer.from('ISA*00*...'),
        messageId,
        place: 'ST02=0001/LX=1',
        translated: translated(messageId, trackingNumber),
        references: [`trackingNumber:${trackingNumber}`],
        dedupKey: `test:${messageId}`,
      });

    it('when no booking names its references yet, then replay is a 409 problem naming them and it stays parked', async () => {
      const id = await parkUnmatched('x12-U-1', 'TRK-NONE');
      const before = await streamMessages();
      const res = await post(`/v1/parked/${id}/replay`);
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect((res.body as { detail: string }).detail).toMatch(
        /still names no booked shipment \(trackingNumber:TRK-NONE\)/,
      );
      expect(await streamMessages()).toBe(before);
      expect((await h.parked.get(id))?.status).toBe('parked');
    });

    it('when a booking now names it, then its canonical message is published with the shipmentId and Nats-Msg-Id = messageId', async () => {
      const references = await ShipmentReferences.create(h.pool, h.parkedSchema);
      await references.replace('SHP-R', { trackingNumbers: ['TRK-R'] });
      const id = await parkUnmatched('x12-U-2', 'TRK-R');
      const res = await post(`/v1/parked/${id}/replay`);
      expect(res.status).toBe(200);
      const body = res.body as Item & { replay: { seq: number; msgId: string } };
      expect(body).toMatchObject({ status: 'replayed', references: ['trackingNumber:TRK-R'] });
      expect(body.replay.msgId).toBe('x12-U-2');
      const stored = await jsm.streams.getMessage(stream, { seq: body.replay.seq });
      expect(stored.subject).toBe(ingest('shipment.milestone'));
      expect(stored.header.get('Nats-Msg-Id')).toBe('x12-U-2');
      expect(JSON.parse(new TextDecoder().decode(stored.data))).toEqual({
        ...translated('x12-U-2', 'TRK-R').payload,
        shipmentId: 'SHP-R',
        correlationId: 'corr-x12',
      });
    });
  });

  it('when the id is not a parked id, then it is a 400 problem', async () => {
    const res = await post('/v1/parked/abc/replay');

    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
  });

  it('when an auditor tries to replay, then it is a 403 and nothing is published', async () => {
    const id = await park({ reason: 'processing_failed' });
    const before = await streamMessages();

    const res = await request(h.server)
      .post(`/v1/parked/${id}/replay`)
      .set('Authorization', `Bearer ${h.keys.auditor}`);

    expect(res.status).toBe(403);
    expect(await streamMessages()).toBe(before);
    expect((await h.parked.get(id))!.status).toBe('parked');
  });
});
