import { headers as natsHeaders, type JetStreamClient } from 'nats';
import type { Logger } from 'pino';
import { SHIPMENT_STREAM_PREFIX } from '@waybill/domain';
import {
  CheckpointedSubscription,
  type CheckpointStore,
  type EventStore,
  type RecordedEvent,
} from '@waybill/event-store';
import { commandFor, needsHistory, requestsCommand } from './outgoing-commands';

export const DISPATCHER_CHECKPOINT = 'command-dispatcher';

/**
 * The event log is the outbox (contract v1 §3): the dispatcher follows it from its checkpoint and
 * publishes each requested command to JetStream with `Nats-Msg-Id` = `commandId`. The checkpoint
 * moves only after JetStream acknowledged every publish of the batch, so a crash re-sends, and
 * the server's de-duplication window (and the consumers' de-duplication on `commandId` beyond it)
 * makes the re-send harmless: exactly once in effect.
 */
export class CommandDispatcher {
  private readonly subscription: CheckpointedSubscription;

  constructor(
    private readonly deps: {
      readonly js: JetStreamClient;
      readonly subjectPrefix: string;
      readonly store: EventStore;
      readonly checkpoints: CheckpointStore;
      readonly logger: Logger;
    },
  ) {
    this.subscription = new CheckpointedSubscription(
      deps.store,
      deps.checkpoints,
      (events) => this.dispatch(events),
      {
        name: DISPATCHER_CHECKPOINT,
        streamPrefixes: [SHIPMENT_STREAM_PREFIX],
        onError: (error) =>
          deps.logger.error({ err: error }, 'command dispatch failed; retrying from the checkpoint'),
      },
    );
  }

  start(): Promise<void> {
    return this.subscription.start();
  }

  stop(): Promise<void> {
    return this.subscription.stop();
  }

  private async dispatch(events: readonly RecordedEvent[]): Promise<void> {
    const requests = events.filter(requestsCommand);
    await Promise.all(
      requests.map(async (request) => {
        const history = needsHistory(request)
          ? await this.deps.store.readStream(request.streamId, { upToPosition: request.position })
          : [];
        const command = commandFor(request, history);
        const h = natsHeaders();
        h.set('Waybill-Correlation-Id', command.correlationId);
        h.set('Waybill-Causation-Id', command.causationId);
        const ack = await this.deps.js.publish(
          `${this.deps.subjectPrefix}.${command.subject}`,
          JSON.stringify(command.payload),
          { msgID: command.commandId, headers: h },
        );
        this.deps.logger.info(
          {
            commandId: command.commandId,
            subject: command.subject,
            correlationId: command.correlationId,
            duplicate: ack.duplicate,
          },
          ack.duplicate ? 'command already sent (de-duplicated by JetStream)' : 'command sent',
        );
      }),
    );
  }
}
