import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  erpReplyDeadline,
  missingPodDeadline,
  shipmentStreamId,
  type ErpFollowUpPolicy,
} from '@waybill/domain';
import { WrongExpectedRevisionError } from '@waybill/event-store';
import { fromDecision, ShipmentRepository } from '../shipment/shipment.repository';
import { ContractRepository } from './contract.repository';

export const ERP_FOLLOW_UP = Symbol('ERP_FOLLOW_UP');

/** What led to a billing decision: an event of the log, or a timer. */
export interface DecisionCause {
  readonly causationId: string;
  /**
   * The trigger's correlation id. A timer has none of its own: its decision carries the
   * shipment's (its last event's), so that a case it opens is on the same chain as the messages.
   */
  readonly correlationId?: string;
  /** The decision's time: the trigger's recordedAt, or the clock's now for a timer. */
  readonly now: string;
  readonly timer?: 'missing_pod' | 'erp_reply';
  /** The shipment state decided on must include this revision (the trigger's own). */
  readonly atLeastRevision?: bigint;
}

/** When the shipment's billing timers are due after the decision (`null`: none). */
export interface DecisionOutcome {
  readonly written: number;
  /** The correlation id the decision carries (for a timer, the shipment's). */
  readonly correlationId: string;
  readonly missingPodDueAt: string | null;
  readonly erpReplyDueAt: string | null;
}

/** Take the billing decisions a shipment's state calls for; sent by the billing saga runner. */
export class DecideBilling extends Command<DecisionOutcome> {
  constructor(
    readonly shipmentId: string,
    readonly cause: DecisionCause,
  ) {
    super();
  }
}

const MAX_ATTEMPTS = 4;

/**
 * Runs the pure billing sagas of libs/domain on the shipment aggregate and appends what they
 * decide. Decision event ids derive from the revision decided on, so a replay of the same
 * decision is a no-op; a concurrent writer makes the append fail its expected revision, and the
 * decision is taken again on the newer state.
 */
@CommandHandler(DecideBilling)
export class DecideBillingHandler implements ICommandHandler<DecideBilling, DecisionOutcome> {
  constructor(
    private readonly shipments: ShipmentRepository,
    private readonly contracts: ContractRepository,
    @Inject(ERP_FOLLOW_UP) private readonly erpFollowUp: ErpFollowUpPolicy,
  ) {}

  async execute({ shipmentId, cause }: DecideBilling): Promise<DecisionOutcome> {
    for (let attempt = 1; ; attempt++) {
      // Always catch up with the stream: a decision that appends nothing is never checked by an
      // expected revision, so a stale cache (another instance appended meanwhile) would go unseen.
      const shipment = await this.shipments.loadFresh(shipmentId);
      if (cause.atLeastRevision !== undefined && shipment.revision < cause.atLeastRevision) {
        throw new Error(`${shipmentId}: stream at ${shipment.revision}, trigger at ${cause.atLeastRevision}`);
      }
      const customerId = shipment.state.booking?.customerId;
      const contract = customerId ? await this.contracts.current(customerId) : null;
      const context = { shipmentId, now: cause.now, causationEventId: cause.causationId };
      const correlationId = cause.correlationId ?? shipment.correlationId ?? `timer:${shipmentId}`;
      if (cause.timer === 'missing_pod') shipment.decideDeadline(contract, context);
      else if (cause.timer === 'erp_reply') shipment.decideErpFollowUp(this.erpFollowUp, context);
      else shipment.decideBilling(contract, context);
      try {
        const written = await this.shipments.save(
          shipment,
          fromDecision(
            shipmentStreamId(shipmentId),
            shipment.revision,
            cause.causationId,
            correlationId,
            cause.now,
          ),
        );
        return {
          written,
          correlationId,
          missingPodDueAt: missingPodDeadline(shipment.state, contract),
          erpReplyDueAt: erpReplyDeadline(shipment.state, this.erpFollowUp),
        };
      } catch (error) {
        this.shipments.forget(shipmentId);
        if (error instanceof WrongExpectedRevisionError && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
    }
  }
}
