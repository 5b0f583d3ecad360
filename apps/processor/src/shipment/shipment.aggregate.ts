import { AggregateRoot, type IEventHandler } from '@nestjs/cqrs';
import type { Type } from '@nestjs/common';
import {
  decide,
  decideBilling,
  decideBillingReply,
  decideDeadline,
  decideErpFollowUp,
  evolve,
  initialShipmentState,
  type BillingReplyCommand,
  type BillingSagaContext,
  type CurrentContract,
  type ErpFollowUpPolicy,
  type ShipmentCommand,
  type ShipmentState,
  type ShipmentStreamEvent,
} from '@waybill/domain';

const REPLY_COMMANDS: readonly string[] = [
  'RecordInvoiceReleased',
  'RecordInvoiceRejected',
  'RecordServiceCaseOpened',
  'RecordServiceCaseResolved',
];

export function isBillingReplyCommand(
  command: ShipmentCommand | BillingReplyCommand,
): command is BillingReplyCommand {
  return REPLY_COMMANDS.includes(command.type);
}

/**
 * The `@nestjs/cqrs` face of a shipment: a thin shell over the pure functions of libs/domain
 * (`decide`, `decideBillingReply`, `decideBilling`, `decideDeadline`, `evolve`), so that Nest's
 * command machinery can drive it. It holds no rule of its own.
 */
export class ShipmentAggregate extends AggregateRoot<ShipmentStreamEvent> {
  constructor(
    readonly shipmentId: string,
    private current: ShipmentState = initialShipmentState,
    /** Revision of the last stored event; -1n for a stream that does not exist yet. */
    readonly revision: bigint = -1n,
    /**
     * The correlation id of the last stored event (null before the first, or when it carried none):
     * what a decision nobody's message caused (a timer) carries on, so that it stays on the chain.
     */
    readonly correlationId: string | null = null,
  ) {
    super();
  }

  get state(): ShipmentState {
    return this.current;
  }

  /** Records an upstream report or an ERP/CRM reply. */
  record(command: ShipmentCommand | BillingReplyCommand): void {
    const events = isBillingReplyCommand(command)
      ? decideBillingReply(command, this.current)
      : decide(command, this.current);
    for (const event of events) this.apply(event);
  }

  /** Takes the billing decisions the shipment's state and its customer's contract call for. */
  decideBilling(contract: CurrentContract | null, context: BillingSagaContext): void {
    for (const event of decideBilling(this.current, contract, context)) this.apply(event);
  }

  /** Fires the missing-POD deadline if it is due at `context.now`. */
  decideDeadline(contract: CurrentContract | null, context: BillingSagaContext): void {
    for (const event of decideDeadline(this.current, contract, context)) this.apply(event);
  }

  /** Re-sends the standing release, or escalates to finance, if the ERP's reply is overdue. */
  decideErpFollowUp(policy: ErpFollowUpPolicy, context: BillingSagaContext): void {
    for (const event of decideErpFollowUp(this.current, policy, context)) this.apply(event);
  }

  /** Every event, whatever its type, is folded by the one pure `evolve`. */
  protected override getEventHandler<T extends ShipmentStreamEvent>(
    _event: T,
  ): Type<IEventHandler> | undefined {
    const handler = (event: ShipmentStreamEvent) => {
      this.current = evolve(this.current, event);
    };
    return handler as unknown as Type<IEventHandler>;
  }
}
