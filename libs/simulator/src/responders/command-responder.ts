import type { ConsumerMessages, JsMsg, NatsConnection } from 'nats';
import { ensureDurableConsumer, streamNames, subjectsFor, type Subjects } from '@waybill/messaging';

/** Options every test responder takes. */
export interface ResponderOptions {
  readonly nats: NatsConnection;
  /** `WAYBILL_STREAM_PREFIX`: the commands stream is `<streamPrefix>_COMMANDS`. */
  readonly streamPrefix: string;
  /** `WAYBILL_SUBJECT_PREFIX`: commands arrive on `<prefix>.erp.…`/`<prefix>.crm.…`, replies go to `<prefix>.ingest.…`. */
  readonly subjectPrefix: string;
  /** Durable consumer name; it keeps its place across restarts. */
  readonly durable?: string;
  /** How long the server waits for an ack before redelivering. Default 30 s. */
  readonly ackWaitMs?: number;
  /** The clock of the replies' `occurredAt`. Default `() => new Date()`. */
  readonly now?: () => Date;
  /** Told of a failed reply (the command is redelivered) or a malformed command. Default: stderr. */
  readonly onError?: (error: unknown, context: string) => void;
}

/** One delivery of a command, as the responder saw it. */
export interface CommandDelivery<C> {
  readonly commandId: string;
  readonly subject: string;
  readonly command: C;
  /** JetStream's count: 1 on first delivery, more on redelivery. */
  readonly deliveryCount: number;
  readonly headers: {
    readonly msgId: string | undefined;
    readonly correlationId: string | undefined;
    readonly causationId: string | undefined;
  };
}

/** A message for the ingest stream: `subject` is the part after `<prefix>.ingest.`. */
export interface Reply {
  readonly subject: string;
  readonly body: { readonly messageId: string; readonly [field: string]: unknown };
}

/** A command as the responders need it at least: the rest of the payload is carried as is. */
export interface ParsedCommand {
  readonly commandId: string;
  readonly shipmentId: string;
  readonly correlationId?: string;
}

interface CommandResponderOptions<C extends ParsedCommand> extends ResponderOptions {
  readonly durable: string;
  /** The command subject after the prefix, e.g. `erp.invoice.release`. */
  readonly commandSubject: string;
  /** The replies to a command seen for the first time; called once per `commandId`. */
  readonly answer: (command: C, delivery: CommandDelivery<C>) => readonly Reply[];
  /** Called once per `commandId`, after its replies are stored and the command acked. */
  readonly answered?: (command: C, replies: readonly Reply[]) => void;
}

export class MalformedCommandError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MalformedCommandError';
  }
}

const decoder = new TextDecoder();

function parseCommand(data: Uint8Array): ParsedCommand & Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch (error) {
    throw new MalformedCommandError('command is not JSON', { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new MalformedCommandError('command is not a JSON object');
  const { commandId, shipmentId } = value as Record<string, unknown>;
  if (typeof commandId !== 'string' || commandId === '')
    throw new MalformedCommandError('command has no commandId');
  if (typeof shipmentId !== 'string' || shipmentId === '')
    throw new MalformedCommandError(`command ${commandId} has no shipmentId`);
  return value as ParsedCommand & Record<string, unknown>;
}

/**
 * The machinery the test ERP and CRM share: a durable pull consumer on one command subject,
 * de-duplication on `commandId`, and replies published to the ingest stream with
 * `Nats-Msg-Id` = `messageId` before the command is acked. A command's replies are worked out
 * once and kept, so a duplicate gets byte-identical replies and JetStream drops them inside its
 * window; Waybill's ledger recognises them beyond it.
 */
export class CommandResponder<C extends ParsedCommand> {
  /** Every delivery, duplicates included, in arrival order. */
  readonly received: CommandDelivery<C>[] = [];
  /** Each command answered, by `commandId`. */
  readonly unique = new Map<string, C>();
  private duplicateCount = 0;
  private malformedCount = 0;
  private readonly replies = new Map<string, readonly Reply[]>();
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;
  private readonly subjects: Subjects;
  private readonly filterSubject: string;
  private readonly stream: string;

  constructor(private readonly options: CommandResponderOptions<C>) {
    this.subjects = subjectsFor(options.subjectPrefix);
    this.filterSubject = `${options.subjectPrefix}.${options.commandSubject}`;
    this.stream = streamNames(options.streamPrefix).commands;
  }

  /** Deliveries of a `commandId` that had already been answered. */
  get duplicates(): number {
    return this.duplicateCount;
  }

  /** Deliveries that were not a JSON object with `commandId` and `shipmentId`; terminated. */
  get malformed(): number {
    return this.malformedCount;
  }

  /** The replies stored for a command, or undefined before its first delivery. */
  repliesTo(commandId: string): readonly Reply[] | undefined {
    return this.replies.get(commandId);
  }

  async start(): Promise<void> {
    if (this.messages) return;
    const jsm = await this.options.nats.jetstreamManager();
    await ensureDurableConsumer(jsm, {
      stream: this.stream,
      durable: this.options.durable,
      filterSubject: this.filterSubject,
      maxAckPending: 256,
      ackWaitMs: this.options.ackWaitMs ?? 30_000,
    });
    const consumer = await this.options.nats.jetstream().consumers.get(this.stream, this.options.durable);
    this.messages = await consumer.consume({ max_messages: 64 });
    this.loop = this.run(this.messages);
  }

  /**
   * Stops pulling and finishes the command in hand. Commands the client had buffered but not
   * started are redelivered to the next start after `ackWaitMs`.
   */
  async stop(): Promise<void> {
    const messages = this.messages;
    if (!messages) return;
    this.messages = null;
    await messages.close();
    await this.loop;
  }

  /** Publishes a message to the ingest stream, de-duplicated by JetStream on its `messageId`. */
  async publish(reply: Reply): Promise<void> {
    await this.options.nats
      .jetstream()
      .publish(this.subjects.ingest(reply.subject), JSON.stringify(reply.body), {
        msgID: reply.body.messageId,
      });
  }

  /** Now, as RFC 3339 in UTC (`…Z`). */
  timestamp(): string {
    return (this.options.now?.() ?? new Date()).toISOString();
  }

  reportError(error: unknown, context: string): void {
    if (this.options.onError) this.options.onError(error, context);
    else console.error(`[${this.options.durable}] ${context}:`, error);
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    try {
      // One command at a time: replies leave in the order commands arrived.
      for await (const msg of messages) await this.handle(msg);
    } catch (error) {
      this.reportError(error, 'consumer stopped');
    }
  }

  private async handle(msg: JsMsg): Promise<void> {
    let command: C;
    try {
      command = parseCommand(msg.data) as unknown as C;
    } catch (error) {
      this.malformedCount++;
      this.reportError(error, `malformed command on ${msg.subject} (seq ${msg.seq}), terminated`);
      msg.term();
      return;
    }
    const delivery: CommandDelivery<C> = {
      commandId: command.commandId,
      subject: msg.subject,
      command,
      deliveryCount: msg.info.deliveryCount,
      headers: {
        msgId: msg.headers?.get('Nats-Msg-Id') || undefined,
        correlationId: msg.headers?.get('Waybill-Correlation-Id') || undefined,
        causationId: msg.headers?.get('Waybill-Causation-Id') || undefined,
      },
    };
    this.received.push(delivery);
    const duplicate = this.unique.has(command.commandId);
    let replies = this.replies.get(command.commandId);
    if (!replies) {
      replies = this.options.answer(command, delivery);
      this.replies.set(command.commandId, replies);
    }
    try {
      for (const reply of replies) await this.publish(reply);
    } catch (error) {
      this.reportError(error, `reply to ${command.commandId} failed; the command will be redelivered`);
      msg.nak(1_000);
      return;
    }
    msg.ack();
    if (duplicate) {
      this.duplicateCount++;
      return;
    }
    this.unique.set(command.commandId, command);
    this.options.answered?.(command, replies);
  }
}

/** The correlation id a reply carries: the command's, from its payload or else its header. */
export function correlationOf(delivery: CommandDelivery<ParsedCommand>): { correlationId?: string } {
  const correlationId = delivery.command.correlationId ?? delivery.headers.correlationId;
  return correlationId ? { correlationId } : {};
}
