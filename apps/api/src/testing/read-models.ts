import { randomUUID } from 'node:crypto';
import {
  contractStreamId,
  shipmentStreamId,
  withPolicyDefaults,
  type BillingPolicyInput,
  type ContractEvent,
  type HoldReason,
  type ShipmentDecisionEvent,
} from '@waybill/domain';
import { comparePositions, type NewEvent, type Position, type RecordedEvent } from '@waybill/event-store';
import type { EventLike, Projection } from '@waybill/projections';
import { ProjectionRunner, type ReadModelTable } from '@waybill/read-models';
import { expectedOutcome, shipmentDay } from '@waybill/simulator';
import type { ApiHarness } from './api-harness';
import { until } from '@waybill/testing';

const PREFIXES = ['shipment-', 'contract-'];

/**
 * The log side of the read-model routes in a test: appends a simulated day and contracts to the
 * harness's event store, and runs projection runners on the harness's pool and read-model schema,
 * as `apps/processor` would.
 */
export class ReadModelsFixture {
  private readonly runners: ProjectionRunner<unknown>[] = [];
  private lastAppended: Position | undefined;

  constructor(private readonly h: ApiHarness) {}

  async appendDay(idPrefix: string, shipments: number, seed = 7): Promise<void> {
    const day = shipmentDay({ shipments, seed, idPrefix });
    for (const [shipmentId, events] of expectedOutcome(day).streams) {
      if (events.length === 0) continue;
      const result = await this.h.eventStore.appendToStream(
        shipmentStreamId(shipmentId),
        events.map((e) => toNew(e, e.data.occurredAt)),
        'any',
      );
      this.appended(result.position);
    }
  }

  async appendContract(customerId: string, policy: BillingPolicyInput): Promise<void> {
    const event: ContractEvent = {
      type: 'ContractPolicyRecorded',
      data: {
        messageId: `contract-${customerId}-${randomUUID()}`,
        source: 'admin-api',
        occurredAt: '2026-11-26T04:00:00Z',
        receivedAt: '2026-11-26T04:00:00Z',
        customerId,
        contractId: `K-${customerId}`,
        version: 1,
        policy: withPolicyDefaults(policy),
      },
    };
    const result = await this.h.eventStore.appendToStream(
      contractStreamId(customerId),
      [toNew(event, event.data.occurredAt)],
      'any',
    );
    this.appended(result.position);
  }

  /** A billing decision holding the shipment, as the processor's billing saga would record it. */
  async appendHold(shipmentId: string, reasons: readonly HoldReason[], decidedAt: string): Promise<void> {
    const event: ShipmentDecisionEvent = {
      type: 'ShipmentBillingHeld',
      data: { reasons: [...reasons], decidedAt, causationEventId: randomUUID() },
    };
    const result = await this.h.eventStore.appendToStream(
      shipmentStreamId(shipmentId),
      [toNew(event, decidedAt)],
      'any',
    );
    this.appended(result.position);
  }

  /** Appends events as they are to a stream (hand-made shipments), so that `caughtUp` waits for them. */
  async append(streamId: string, events: readonly NewEvent[]): Promise<void> {
    const result = await this.h.eventStore.appendToStream(streamId, events, 'any');
    this.appended(result.position);
  }

  async start<Row>(
    projection: Projection<Row>,
    ...tables: ReadModelTable<Row>[]
  ): Promise<ProjectionRunner<Row>> {
    const runner = new ProjectionRunner<Row>({
      store: this.h.eventStore,
      pool: this.h.pool,
      projection,
      tables,
      streamPrefixes: PREFIXES,
      schema: this.h.readModelsSchema,
      restartDelayMs: 100,
      standbyRetryMs: 100,
    });
    this.runners.push(runner);
    await runner.start();
    return runner;
  }

  /** Waits until the runner has committed every append so far; resolves to the whole log. */
  async caughtUp(runner: ProjectionRunner<unknown>, timeoutMs = 30_000): Promise<RecordedEvent[]> {
    const last = this.lastAppended!;
    await until(async () => {
      const checkpoint = await runner.checkpoint();
      return checkpoint !== undefined && comparePositions(checkpoint, last) >= 0;
    }, timeoutMs);
    return this.logged(timeoutMs);
  }

  /** The whole log once every append so far can be read (the store shows an event once all before it have committed). */
  async logged(timeoutMs = 30_000): Promise<RecordedEvent[]> {
    const last = this.lastAppended!;
    let events: RecordedEvent[] = [];
    await until(async () => {
      events = await this.h.eventStore.readAll({ streamPrefixes: PREFIXES });
      return events.length > 0 && comparePositions(events.at(-1)!.position, last) >= 0;
    }, timeoutMs);
    return events;
  }

  async stop(): Promise<void> {
    await Promise.all(this.runners.splice(0).map((runner) => runner.stop()));
  }

  private appended(position: Position): void {
    if (this.lastAppended === undefined || comparePositions(position, this.lastAppended) > 0)
      this.lastAppended = position;
  }
}

function toNew(event: EventLike, occurredAt: string): NewEvent {
  return {
    id: randomUUID(),
    type: event.type,
    data: event.data,
    metadata: {
      correlationId: 'api-read-models',
      causationId: 'api-read-models',
      occurredAt,
      source: 'test',
    },
  };
}
