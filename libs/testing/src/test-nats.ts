import { randomBytes } from 'node:crypto';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';

export const TEST_NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** Stream and subject prefixes of their own, so test files never share JetStream state. */
export function testPrefixes(label: string): { streamPrefix: string; subjectPrefix: string } {
  const suffix = `${label.replace(/[^a-z0-9]/gi, '').toLowerCase()}${randomBytes(3).toString('hex')}`;
  return { streamPrefix: `T_${suffix.toUpperCase()}`, subjectPrefix: `t${suffix}` };
}

export async function connectTestNats(): Promise<NatsConnection> {
  return connect({ servers: TEST_NATS_URL, name: 'waybill-test' });
}

/** Deletes every stream whose name starts with the prefix. */
export async function deleteStreams(nc: NatsConnection, streamPrefix: string): Promise<void> {
  const jsm = await nc.jetstreamManager();
  for await (const name of jsm.streams.names()) {
    if (name.startsWith(`${streamPrefix}_`)) await jsm.streams.delete(name);
  }
}

/**
 * Waits until the durable consumer has nothing pending and nothing un-acked: every published
 * message has been handled. Bounded: throws after `timeoutMs`.
 */
export async function waitForConsumerIdle(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let stableSince = 0;
  for (;;) {
    const info = await jsm.consumers.info(stream, durable).catch(() => null);
    const idle = info !== null && info.num_pending === 0 && info.num_ack_pending === 0;
    if (idle) {
      if (stableSince === 0) stableSince = Date.now();
      if (Date.now() - stableSince >= 300) return;
    } else {
      stableSince = 0;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `consumer ${stream}/${durable} not idle after ${timeoutMs} ms: ${JSON.stringify(info && { pending: info.num_pending, ackPending: info.num_ack_pending })}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
