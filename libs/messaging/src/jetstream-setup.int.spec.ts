import type { JetStreamManager, NatsConnection } from 'nats';
import { connectTestNats, deleteStreams, testPrefixes } from '@waybill/testing';
import { ensureDurableConsumer, ensureIngestStream } from './jetstream-setup';
import { streamNames, subjectsFor } from './subjects';

describe('ensureDurableConsumer (real NATS JetStream)', () => {
  let nats: NatsConnection;
  let jsm: JetStreamManager;
  const prefixes: string[] = [];

  beforeAll(async () => {
    nats = await connectTestNats();
    jsm = await nats.jetstreamManager();
  });

  afterAll(async () => {
    for (const prefix of prefixes) await deleteStreams(nats, prefix);
    await nats.drain();
  });

  const fresh = async () => {
    const { streamPrefix, subjectPrefix } = testPrefixes('setup');
    prefixes.push(streamPrefix);
    const stream = await ensureIngestStream(jsm, streamPrefix, subjectPrefix);
    return { stream, subjectPrefix, streamPrefix };
  };

  const options = (stream: string, filterSubject: string) => ({
    stream,
    durable: 'ingest',
    filterSubject,
    maxAckPending: 64,
    ackWaitMs: 30_000,
  });

  it('when the stream holds only the filtered subject, then the consumer has no filter (it would select everything anyway) and receives every message', async () => {
    const { stream, subjectPrefix } = await fresh();
    const subjects = subjectsFor(subjectPrefix);
    await ensureDurableConsumer(jsm, options(stream, subjects.ingestWildcard));
    const info = await jsm.consumers.info(stream, 'ingest');
    expect(info.config.filter_subject ?? '').toBe('');

    const js = nats.jetstream();
    await js.publish(subjects.ingest('shipment.booked'), '{}');
    await js.publish(subjects.ingest('shipment.milestone'), '{}');
    const consumer = await js.consumers.get(stream, 'ingest');
    const batch = await consumer.fetch({ max_messages: 10, expires: 1000 });
    const received: string[] = [];
    for await (const msg of batch) {
      received.push(msg.subject);
      msg.ack();
    }
    expect(received).toEqual([subjects.ingest('shipment.booked'), subjects.ingest('shipment.milestone')]);
  });

  it('when the stream also holds other subjects, then the consumer filters; one made without a filter is refused with what to do', async () => {
    const { stream, subjectPrefix } = await fresh();
    const subjects = subjectsFor(subjectPrefix);
    await ensureDurableConsumer(jsm, options(stream, subjects.ingestWildcard));
    // The stream takes a second subject later (a second subject prefix on the same stream).
    const other = `${subjectPrefix}x.ingest.>`;
    const config = (await jsm.streams.info(stream)).config;
    await jsm.streams.update(stream, { ...config, subjects: [...config.subjects, other] });

    await expect(ensureDurableConsumer(jsm, options(stream, subjects.ingestWildcard))).rejects.toThrow(
      /has no subject filter.*delete the consumer/,
    );

    await jsm.consumers.delete(stream, 'ingest');
    await ensureDurableConsumer(jsm, options(stream, subjects.ingestWildcard));
    expect((await jsm.consumers.info(stream, 'ingest')).config.filter_subject).toBe(subjects.ingestWildcard);
  });

  it('when the stream name is unknown, then it fails with "stream not found" rather than making a consumer', async () => {
    const { streamPrefix } = await fresh();
    const missing = `${streamNames(streamPrefix).ingest}_MISSING`;
    // 10059 is JetStream's code for "stream not found": any other failure (a bad config, a
    // timeout) would be a different fault.
    await expect(ensureDurableConsumer(jsm, options(missing, 'x.>'))).rejects.toMatchObject({
      message: 'stream not found',
      api_error: { err_code: 10059 },
    });
    await expect(jsm.consumers.info(missing, 'ingest')).rejects.toMatchObject({
      api_error: { err_code: 10059 },
    });
  });
});
