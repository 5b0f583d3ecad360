import type { INestApplicationContext } from '@nestjs/common';
import { comparePositions, parsePosition } from '@waybill/event-store';
import { billableShipments, billableShipmentsProjection, project } from '@waybill/projections';
import { readBillableShipments, rowsTableName } from '@waybill/read-models';
import { shipmentDay } from '@waybill/simulator';
import { until } from '@waybill/testing';
import { startProcessor } from './processor';
import { createProcessorHarness, type ProcessorHarness } from './testing/processor-harness';

describe('the processor keeps the read models, and rebuilds one whose version changed', () => {
  let harness: ProcessorHarness;
  let processor: INestApplicationContext | undefined;
  const checkpoint = rowsTableName(billableShipmentsProjection.name);

  beforeAll(async () => {
    harness = await createProcessorHarness('readmodels');
  });

  afterAll(async () => {
    await processor?.close();
    await harness?.close();
  });

  const stored = async () =>
    (
      await harness.pool.query<{ position: string; version: number; epoch: number }>(
        'SELECT position, version, epoch FROM read_models.projection_checkpoints WHERE name = $1',
        [checkpoint],
      )
    ).rows[0];

  /** The billable-shipments read model has every shipment event of the log. */
  const caughtUp = async () => {
    const head = (await harness.eventStore.readAll({ streamPrefixes: ['shipment-', 'contract-'] })).at(-1);
    const row = await stored();
    return (
      head !== undefined &&
      row !== undefined &&
      comparePositions(parsePosition(row.position), head.position) >= 0
    );
  };

  it('when it starts on rows of an older projection version, then it serves them, requests a rebuild by itself and swaps in rows equal to a fresh fold', async () => {
    processor = await startProcessor(harness.config);
    // The rebuild queue is there once the processor has started, before its first check.
    const queue = await harness.pool.query<{ table: string | null }>(
      `SELECT to_regclass('read_models.projection_rebuilds')::text AS table`,
    );
    expect(queue.rows[0]?.table).toBe('read_models.projection_rebuilds');
    await harness.publish(shipmentDay({ shipments: 40, seed: 3, idPrefix: 'RMP' }));
    await harness.waitUntilIdle();
    await until(caughtUp, 90_000, 200);
    await processor.close();
    processor = undefined;

    // As if these rows had been built by the previous version of the projection.
    const before = await stored();
    await harness.pool.query(
      'UPDATE read_models.projection_checkpoints SET version = version - 1 WHERE name = $1',
      [checkpoint],
    );
    const served = await readBillableShipments(harness.pool, 'read_models', { limit: 10_000 });
    expect(served.length).toBe(40);

    processor = await startProcessor(harness.config);
    await until(async () => {
      const result = await harness.pool.query<{ status: string }>(
        `SELECT status FROM read_models.projection_rebuilds WHERE projection = $1 AND requested_by = $2`,
        [billableShipmentsProjection.name, 'processor: projection version changed'],
      );
      return result.rows[0]?.status === 'swapped';
    });
    const after = await stored();
    expect(after).toMatchObject({ version: billableShipmentsProjection.version, epoch: before!.epoch + 1 });

    // It follows on from the swapped-in rows.
    await harness.publish(shipmentDay({ shipments: 5, seed: 4, idPrefix: 'RMQ' }));
    await harness.waitUntilIdle();
    await until(caughtUp, 90_000, 200);
    const log = await harness.eventStore.readAll({ streamPrefixes: ['shipment-', 'contract-'] });
    expect(await readBillableShipments(harness.pool, 'read_models', { limit: 10_000 })).toEqual(
      billableShipments(project(billableShipmentsProjection, log)),
    );
  });
});
