import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ContractCommand } from '@waybill/domain';
import type { RecordOutcome } from '../shipment/record-shipment-message.command';
import { ContractRepository } from './contract.repository';

/** Record one validated `contract` ingest message on its customer's contract stream. */
export class RecordContractMessage extends Command<RecordOutcome> {
  constructor(
    readonly customerId: string,
    readonly messageId: string,
    readonly correlationId: string,
    readonly command: ContractCommand,
  ) {
    super();
  }
}

@CommandHandler(RecordContractMessage)
export class RecordContractMessageHandler implements ICommandHandler<RecordContractMessage, RecordOutcome> {
  constructor(private readonly contracts: ContractRepository) {}

  async execute(message: RecordContractMessage): Promise<RecordOutcome> {
    const written = await this.contracts.record(message.command, message.correlationId);
    return written === 0 ? { outcome: 'duplicate' } : { outcome: 'appended', events: written };
  }
}
