import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { BillingReplyCommand, ShipmentCommand } from '@waybill/domain';
import { WrongExpectedRevisionError } from '@waybill/event-store';
import { fromMessage, ShipmentRepository } from './shipment.repository';

export type RecordOutcome =
  { readonly outcome: 'appended'; readonly events: number } | { readonly outcome: 'duplicate' };

/** Record one validated ingest message (an upstream report or an ERP/CRM reply) on its shipment. */
export class RecordShipmentMessage extends Command<RecordOutcome> {
  constructor(
    readonly shipmentId: string,
    readonly messageId: string,
    readonly correlationId: string,
    readonly command: ShipmentCommand | BillingReplyCommand,
  ) {
    super();
  }
}

/** Bounded retries on a concurrent writer (another processor instance): re-read, decide again. */
const MAX_ATTEMPTS = 4;

@CommandHandler(RecordShipmentMessage)
export class RecordShipmentMessageHandler implements ICommandHandler<RecordShipmentMessage, RecordOutcome> {
  constructor(private readonly repository: ShipmentRepository) {}

  async execute(message: RecordShipmentMessage): Promise<RecordOutcome> {
    for (let attempt = 1; ; attempt++) {
      const shipment = await this.repository.load(message.shipmentId);
      shipment.record(message.command);
      if (shipment.getUncommittedEvents().length === 0) return { outcome: 'duplicate' };
      try {
        const written = await this.repository.save(
          shipment,
          fromMessage(message.messageId, message.correlationId),
        );
        // Zero written means an earlier delivery stored these very events before a crash.
        return written === 0 ? { outcome: 'duplicate' } : { outcome: 'appended', events: written };
      } catch (error) {
        this.repository.forget(message.shipmentId);
        if (error instanceof WrongExpectedRevisionError && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
    }
  }
}
