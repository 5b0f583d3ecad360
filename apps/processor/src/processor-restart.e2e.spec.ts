import type { ChildProcess } from 'node:child_process';
import { shipmentStatus, shipmentStreamId, fold, type ShipmentEvent } from '@waybill/domain';
import { expectedOutcome, shipmentDay } from '@waybill/simulator';
import { createProcessorHarness, type ProcessorHarness } from './testing/processor-harness';
import { exited, spawnProcessor, waitForAckFloor } from './testing/processor-process';

describe('processor restarts mid-stream', () => {
  let harness: ProcessorHarness;
  let child: ChildProcess | null = null;
  const day = shipmentDay({ shipments: 300, seed: 11, idPrefix: 'RST' });
  const expected = expectedOutcome(day);

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
    const floorAtKill = await waitForAckFloor(harness, Math.floor(day.length * 0.3));
    child.kill('SIGKILL');
    await exited(child);
    expect(floorAtKill).toBeLessThan(day.length); // the crash really was mid-stream

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
    expect(total).toBe([...expected.streams.values()].reduce((n, s) => n + s.length, 0));

    const parked = await harness.parked.list({ limit: 500 });
    expect(parked.map((p) => p.reason).sort()).toEqual(expected.parked.map((p) => p.reason).sort());
  }, 240_000);
});
