import { AggregateRoot, type IEventHandler } from '@nestjs/cqrs';
import type { Type } from '@nestjs/common';
import {
  decide,
  evolve,
  initialShipmentState,
  type ShipmentCommand,
  type ShipmentEvent,
  type ShipmentState,
} from '@waybill/domain';

/**
 * The `@nestjs/cqrs` face of a shipment: a thin shell over the pure `decide`/`evolve` of
 * libs/domain, so that Nest's command machinery can drive it. It holds no rule of its own.
 */
export class ShipmentAggregate extends AggregateRoot<ShipmentEvent> {
  constructor(
    readonly shipmentId: string,
    private current: ShipmentState = initialShipmentState,
    /** Revision of the last stored event; -1n for a stream that does not exist yet. */
    readonly revision: bigint = -1n,
  ) {
    super();
  }

  get state(): ShipmentState {
    return this.current;
  }

  record(command: ShipmentCommand): void {
    for (const event of decide(command, this.current)) this.apply(event);
  }

  /** Every event, whatever its type, is folded by the one pure `evolve`. */
  protected override getEventHandler<T extends ShipmentEvent>(_event: T): Type<IEventHandler> | undefined {
    const handler = (event: ShipmentEvent) => {
      this.current = evolve(this.current, event);
    };
    return handler as unknown as Type<IEventHandler>;
  }
}
