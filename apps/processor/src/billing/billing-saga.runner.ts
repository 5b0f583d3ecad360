import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { CommandBus } from '@nestjs/cqrs';
import { migrateSchema } from '@waybill/platform';
import {
  CONTRACT_STREAM_PREFIX,
  customerIdOf,
  isShipmentDecisionEvent,
  SHIPMENT_STREAM_PREFIX,
  shipmentIdOf,
} from '@waybill/domain';
import {
  CheckpointedSubscription,
  type CheckpointStore,
  type EventStore,
  type RecordedEvent,
} from '@waybill/event-store';
import type { ShipmentMailboxes } from '../shipment/shipment-mailboxes';
import type { Clock } from './clock';
import type { ContractRepository } from './contract.repository';
import { DecideBilling, type DecisionCause } from './decide-billing.command';
import { isTransient } from '../transient-errors';

export const BILLING_SAGA_CHECKPOINT = 'billing-saga';

interface Dependencies {
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore;
  readonly pool: Pool;
  readonly commandBus: CommandBus;
  readonly contracts: ContractRepository;
  readonly mailboxes: ShipmentMailboxes;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly deadlinePollMs: number;
  readonly schema?: string;
}

/** The durable timers of billing: a missing POD, and an ERP that does not answer. */
type TimerKind = 'missing_pod' | 'erp_reply';

/**
 * Runs the billing saga (`decideBilling`, `decideDeadline` in libs/domain) from the event log,
 * not from an in-memory bus: it follows the log from a durable checkpoint, so a crash replays
 * the events after it, and the decisions it appends are idempotent (their ids derive from the
 * stream revision they were decided on; re-deciding on a state that already holds them decides
 * nothing). It shares the shipment mailboxes with ingest, so a shipment is never written by both
 * at once.
 *
 * Contract changes reach every shipment of the customer through an index of bookings it keeps
 * itself (`billing_customer_shipments`). Timers (a missing POD; an ERP that does not answer, which
 * re-sends the release and finally raises an exception for finance) are rows in `billing_timers`,
 * polled against the injectable clock: they survive restarts.
 */
export class BillingSagaRunner {
  private readonly subscription: CheckpointedSubscription;
  private poller: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private readonly tables: { customers: string; deadlines: string };
  /**
   * The timers table as this leader knows it (`kind/shipmentId` → due time). The saga is the only
   * writer (it runs in one process at a time), so the mirror is exact once loaded, and an
   * unchanged timer costs no write.
   */
  private readonly timers = new Map<string, string>();

  private constructor(private readonly deps: Dependencies) {
    const schema = deps.schema ?? 'waybill';
    this.tables = {
      customers: `"${schema}".billing_customer_shipments`,
      deadlines: `"${schema}".billing_timers`,
    };
    this.subscription = new CheckpointedSubscription(
      deps.store,
      deps.checkpoints,
      (events) => this.handle(events),
      {
        name: BILLING_SAGA_CHECKPOINT,
        streamPrefixes: [SHIPMENT_STREAM_PREFIX, CONTRACT_STREAM_PREFIX],
        onError: (error) =>
          deps.logger.error({ err: error }, 'billing saga failed; retrying from the checkpoint'),
        onLead: async () => {
          this.deps.contracts.clear();
          await this.loadTimers();
        },
      },
    );
  }

  static async create(deps: Dependencies): Promise<BillingSagaRunner> {
    const runner = new BillingSagaRunner(deps);
    const schema = deps.schema ?? 'waybill';
    await migrateSchema(deps.pool, schema, [
      `CREATE TABLE IF NOT EXISTS ${runner.tables.customers} (
        shipment_id text PRIMARY KEY, customer_id text NOT NULL)`,
      `CREATE INDEX IF NOT EXISTS billing_customer_shipments_customer_idx
        ON ${runner.tables.customers} (customer_id)`,
      `CREATE TABLE IF NOT EXISTS ${runner.tables.deadlines} (
        shipment_id text NOT NULL, kind text NOT NULL, due_at timestamptz NOT NULL,
        PRIMARY KEY (shipment_id, kind))`,
      `CREATE INDEX IF NOT EXISTS billing_timers_due_idx ON ${runner.tables.deadlines} (due_at)`,
    ]);
    return runner;
  }

  async start(): Promise<void> {
    await this.subscription.start();
    this.poller = setInterval(() => {
      this.polling ??= this.fireDueDeadlines()
        .then(() => undefined)
        .catch((error: unknown) => this.deps.logger.error({ err: error }, 'deadline poll failed'))
        .finally(() => (this.polling = null));
    }, this.deps.deadlinePollMs);
  }

  async stop(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    await this.polling;
    await this.subscription.stop();
  }

  /** A new leader starts from the table: the previous leader may have changed it. */
  private timersLoaded = false;

  private async loadTimers(): Promise<void> {
    this.timersLoaded = false;
    const rows = await this.deps.pool.query<{ shipment_id: string; kind: TimerKind; due_at: Date }>(
      `SELECT shipment_id, kind, due_at FROM ${this.tables.deadlines}`,
    );
    this.timers.clear();
    for (const row of rows.rows) this.timers.set(`${row.kind}/${row.shipment_id}`, row.due_at.toISOString());
    this.timersLoaded = true;
  }

  /**
   * Fires every timer due by the clock's now, on the leader only. Also called by tests after
   * moving the clock.
   */
  async fireDueDeadlines(): Promise<number> {
    if (!this.subscription.leading || !this.timersLoaded) return 0;
    const now = this.deps.clock.now();
    const due = await this.deps.pool.query<{ shipment_id: string; kind: TimerKind; due_at: Date }>(
      `SELECT shipment_id, kind, due_at FROM ${this.tables.deadlines} WHERE due_at <= $1 ORDER BY due_at LIMIT 500`,
      [now],
    );
    await Promise.all(
      due.rows.map((row) =>
        this.deps.mailboxes.post(row.shipment_id, () => {
          // The row exists: whatever the mirror says, the decision's outcome must be written.
          this.timers.set(`${row.kind}/${row.shipment_id}`, row.due_at.toISOString());
          return this.decideIsolated(row.shipment_id, {
            causationId: `timer:${row.kind}:${row.shipment_id}:${row.due_at.toISOString()}`,
            // None: the decision carries on the shipment's own correlation id (DecideBilling).
            now: now.toISOString(),
            timer: row.kind,
          });
        }),
      ),
    );
    return due.rows.length;
  }

  private async handle(events: readonly RecordedEvent[]): Promise<void> {
    await this.indexBookings(events);
    const triggers = new Map<string, { event: RecordedEvent; atLeastRevision?: bigint }>();
    for (const event of events) {
      const shipmentId = shipmentIdOf(event.streamId);
      if (shipmentId !== null) {
        // Waybill's own decisions change nothing billing is decided on: reacting would re-decide.
        if (isShipmentDecisionEvent(event)) continue;
        // The decision must see the highest revision of the batch, whichever event comes last.
        const known = triggers.get(shipmentId)?.atLeastRevision;
        const atLeastRevision = known !== undefined && known > event.revision ? known : event.revision;
        triggers.set(shipmentId, { event, atLeastRevision });
        continue;
      }
      const customerId = customerIdOf(event.streamId);
      if (customerId === null) continue;
      this.deps.contracts.forget(customerId);
      const shipments = await this.deps.pool.query<{ shipment_id: string }>(
        `SELECT shipment_id FROM ${this.tables.customers} WHERE customer_id = $1`,
        [customerId],
      );
      for (const row of shipments.rows) {
        const known = triggers.get(row.shipment_id)?.atLeastRevision;
        triggers.set(row.shipment_id, { event, ...(known === undefined ? {} : { atLeastRevision: known }) });
      }
    }
    await Promise.all(
      [...triggers].map(([shipmentId, { event, atLeastRevision }]) =>
        this.deps.mailboxes.post(shipmentId, () =>
          this.decideIsolated(shipmentId, {
            causationId: event.id,
            correlationId: event.metadata.correlationId,
            now: event.recordedAt.toISOString(),
            ...(atLeastRevision === undefined ? {} : { atLeastRevision }),
          }),
        ),
      ),
    );
  }

  /**
   * One shipment's failure must not stop billing for all: an outage is thrown (the batch is
   * retried from the checkpoint), anything else is logged with the shipment and skipped; the
   * shipment is decided again on its next event.
   */
  private async decideIsolated(shipmentId: string, cause: DecisionCause): Promise<void> {
    try {
      await this.decide(shipmentId, cause);
    } catch (error) {
      if (isTransient(error)) throw error;
      this.deps.logger.error(
        { err: error, shipmentId, correlationId: cause.correlationId, timer: cause.timer },
        'billing decision failed for this shipment; skipped until its next event',
      );
    }
  }

  private async indexBookings(events: readonly RecordedEvent[]): Promise<void> {
    const rows = new Map<string, string>();
    for (const e of events) {
      if (e.type !== 'ShipmentBooked' && e.type !== 'ShipmentBookingRevised') continue;
      const shipmentId = shipmentIdOf(e.streamId);
      if (shipmentId !== null) rows.set(shipmentId, (e.data as { customerId: string }).customerId);
    }
    if (rows.size === 0) return;
    await this.deps.pool.query(
      `INSERT INTO ${this.tables.customers} (shipment_id, customer_id)
       SELECT * FROM unnest($1::text[], $2::text[])
       ON CONFLICT (shipment_id) DO UPDATE SET customer_id = EXCLUDED.customer_id`,
      [[...rows.keys()], [...rows.values()]],
    );
  }

  /** Runs inside the shipment's mailbox. */
  /** Runs inside the shipment's mailbox; the decision itself is a `DecideBilling` command. */
  private async decide(shipmentId: string, cause: DecisionCause): Promise<void> {
    const outcome = await this.deps.commandBus.execute(new DecideBilling(shipmentId, cause));
    if (outcome.written > 0) {
      this.deps.logger.debug(
        { shipmentId, correlationId: outcome.correlationId, written: outcome.written },
        'billing decided',
      );
    }
    await this.schedule(shipmentId, 'missing_pod', outcome.missingPodDueAt);
    await this.schedule(shipmentId, 'erp_reply', outcome.erpReplyDueAt);
  }

  private async schedule(shipmentId: string, kind: TimerKind, dueAt: string | null): Promise<void> {
    const key = `${kind}/${shipmentId}`;
    const current = this.timers.get(key) ?? null;
    if (current === (dueAt === null ? null : new Date(dueAt).toISOString())) return;
    if (dueAt === null) {
      await this.deps.pool.query(
        `DELETE FROM ${this.tables.deadlines} WHERE shipment_id = $1 AND kind = $2`,
        [shipmentId, kind],
      );
      this.timers.delete(key);
      return;
    }
    await this.deps.pool.query(
      `INSERT INTO ${this.tables.deadlines} (shipment_id, kind, due_at) VALUES ($1, $2, $3)
       ON CONFLICT (shipment_id, kind) DO UPDATE SET due_at = EXCLUDED.due_at`,
      [shipmentId, kind, dueAt],
    );
    this.timers.set(key, new Date(dueAt).toISOString());
  }
}
