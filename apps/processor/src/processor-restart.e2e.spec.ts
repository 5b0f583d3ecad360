import type { ChildProcess } from 'node:child_process';
import { shipmentStatus, shipmentStreamId, fold, type ShipmentEvent } from '@waybill/domain';
import { expectedOutcome, shipmentDay } from '@waybill/simulator';
import { createProcessorHarness, type ProcessorHarness } from './testing/processor-harness';
import { ackFloor, exited, spawnProcessor, waitForAckFloor } from './testing/processor-process';

describe('processor restarts mid-stream', () => {
  let harness: ProcessorHarness;
  let child: ChildProcess | null = null;
  const day = shipmentDay({ shipments: 300, seed: 11, idPrefix: 'RST' });
  const expected = expectedOutcome(day);
  const expectedEvents = [...expected.streams.values()].reduce((n, s) => n + s.length, 0);
  /**
   * Events ingest has recorded for the day's shipments (those with a messageId: the billing saga's
   * decisions share the streams). Read stream by stream, so that a transaction still open
   * elsewhere on the server hides nothing, as it would from a read of the whole log.
   */
  const ingestEventCount = async () => {
    const streams = await harness.eventStore.readStreams([...expected.streams.keys()].map(shipmentStreamId));
    return [...streams.values()].flat().filter((e) => e.metadata.messageId !== undefined).length;
  };

  beforeAll(async () => {
    harness = await createProcessorHarness('restart');
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await harness?.close();
  });

  it('when the processor is killed mid-stream and started again, then nothing is lost and nothing doubled', async () => {
    await harness.publish(day);

    child = spawnProcessor(harness);
    await waitForAckFloor(harness, Math.floor(day.length * 0.3));
    child.kill('SIGKILL');
    await exited(child);
    // The crash really was mid-stream: read once the process is gone, when nothing more can be
    // acked or appended, some of the day is still unacked and some of its events not yet written.
    expect(await ackFloor(harness)).toBeLessThan(day.length);
    expect(await ingestEventCount()).toBeLessThan(expectedEvents);

    // A graceful stop (SIGTERM drains) in the middle of the rest, then a final run to the end.
    child = spawnProcessor(harness);
    await waitForAckFloor(harness, Math.floor(day.length * 0.6));
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);

    child = spawnProcessor(harness);
    await harness.waitUntilIdle(120_000);
    child.kill('SIGTERM');
    await exited(child);

    let total = 0;
    for (const [shipmentId, events] of expected.streams) {
      const stream = await harness.eventStore.readStream(shipmentStreamId(shipmentId));
      // The billing saga's decisions share the stream; ingest's events are those with a messageId.
      const recorded = stream.filter((e) => e.metadata.messageId !== undefined);
      total += recorded.length;
      // Redelivery after a crash may reorder a shipment's messages, so compare what is order-free:
      // each accepted message recorded exactly once, and the resulting status.
      const messageIds = recorded.map((e) => e.metadata.messageId!).sort();
      expect({ shipmentId, messageIds }).toStrictEqual({
        shipmentId,
        messageIds: events.map((e) => e.data.messageId).sort(),
      });
      const state = fold(recorded.map((e) => ({ type: e.type, data: e.data }) as ShipmentEvent));
      // Replays after the crash decided nothing twice: no two holds in a row with the same reasons.
      const holds = stream
        .filter((e) => e.type === 'ShipmentBillingHeld')
        .map((e) => JSON.stringify((e.data as { reasons: string[] }).reasons));
      holds.forEach((reasons, i) => expect(reasons).not.toBe(holds[i - 1]));
      expect({ shipmentId, status: shipmentStatus(state) }).toEqual({
        shipmentId,
        status: shipmentStatus(expected.states.get(shipmentId)!),
      });
    }
    expect(total).toBe(expectedEvents);

    const parked = await harness.parked.list({ limit: 500 });
    expect(parked.map((p) => p.reason).sort()).toEqual(expected.parked.map((p) => p.reason).sort());
  }, 240_000);
});
