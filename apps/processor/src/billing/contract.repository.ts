import {
  contractStreamId,
  decideContract,
  foldContract,
  isContractEvent,
  type ContractCommand,
  type ContractEvent,
  type ContractState,
  type CurrentContract,
} from '@waybill/domain';
import { eventIdFor, type EventStore } from '@waybill/event-store';

interface Snapshot {
  readonly state: ContractState;
  readonly revision: bigint;
}

/**
 * Customer contracts, one event-sourced stream per customer (`contract-<customerId>`). Contracts
 * change rarely and are read for every billing decision, so their folded state is cached; the
 * cache is refreshed by the billing saga whenever it sees a contract event in the log, which is
 * how a contract written by the API (another process) reaches the processor.
 */
export class ContractRepository {
  private readonly cache = new Map<string, Snapshot>();

  constructor(private readonly store: EventStore) {}

  async current(customerId: string): Promise<CurrentContract | null> {
    return (await this.load(customerId)).state.current;
  }

  /** Records a `contract` message; returns the number of events written (0 for a redelivery). */
  async record(command: ContractCommand, correlationId: string, attempts = 4): Promise<number> {
    const { customerId, messageId } = command.data;
    for (let attempt = 1; ; attempt++) {
      const { state, revision } = await this.load(customerId);
      const events = decideContract(command, state);
      if (events.length === 0) return 0;
      try {
        const result = await this.store.appendToStream(
          contractStreamId(customerId),
          events.map((event, index) => ({
            id: eventIdFor(messageId, index),
            type: event.type,
            data: event.data,
            metadata: {
              messageId,
              correlationId,
              causationId: messageId,
              occurredAt: event.data.occurredAt,
              source: event.data.source,
            },
          })),
          revision < 0n ? 'no_stream' : revision,
        );
        if (result.appended === events.length) {
          this.cache.set(customerId, { state: foldContract(events, state), revision: result.nextRevision });
        } else {
          this.cache.delete(customerId); // a replay: the stream may hold what this state never saw
        }
        return result.appended;
      } catch (error) {
        this.cache.delete(customerId);
        if (attempt >= attempts) throw error;
      }
    }
  }

  /** Drops the cached contract so that the next read sees what another process wrote. */
  forget(customerId: string): void {
    this.cache.delete(customerId);
  }

  /** Drops every cached contract: a new billing leader cannot know what changed while it waited. */
  clear(): void {
    this.cache.clear();
  }

  private async load(customerId: string): Promise<Snapshot> {
    const cached = this.cache.get(customerId);
    if (cached) return cached;
    const recorded = await this.store.readStream(contractStreamId(customerId));
    const events = recorded
      .map((e) => ({ type: e.type, data: e.data }) as ContractEvent)
      .filter(isContractEvent);
    const snapshot = { state: foldContract(events), revision: recorded.at(-1)?.revision ?? -1n };
    this.cache.set(customerId, snapshot);
    return snapshot;
  }
}
