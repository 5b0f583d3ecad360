import { createHash } from 'node:crypto';
import {
  CommandResponder,
  correlationOf,
  type CommandDelivery,
  type Reply,
  type ResponderOptions,
} from './command-responder';

/** `waybill.erp.invoice.release` (contract v1 §3); fields other than the ids are carried as sent. */
export interface InvoiceReleaseCommand {
  readonly commandId: string;
  readonly shipmentId: string;
  readonly orderId?: string;
  readonly customerId?: string;
  readonly contractId?: string;
  readonly policyVersion?: number;
  readonly charges?: unknown;
  readonly reason?: unknown;
  readonly correlationId?: string;
  readonly requestedAt?: string;
}

/** What the test ERP does with a release: invoice it, reject it, or never answer (a timeout). */
export type ErpDecision = 'release' | 'reject' | 'ignore';

export interface TestErpOptions extends ResponderOptions {
  /** Default `test-erp`. */
  readonly durable?: string;
  /** Asked once per `commandId`. Default: release everything. */
  readonly decide?: (command: InvoiceReleaseCommand) => ErpDecision;
  /** The `reason` of a rejection. Default `Rejected by the test ERP`. */
  readonly rejectReason?: (command: InvoiceReleaseCommand) => string;
}

/**
 * The invoice number an ERP gives a release: derived from the `commandId`, so that it is the
 * same on every answer to the command, in this process or after a restart.
 */
export function invoiceNumberFor(commandId: string): string {
  return `INV-${createHash('sha256').update(commandId).digest('hex').slice(0, 10).toUpperCase()}`;
}

/**
 * A stand-in for the ERP behind contract v1 §3: consumes `<prefix>.erp.invoice.release` from the
 * commands stream with a durable pull consumer, de-duplicates on `commandId`, and answers on the
 * ingest stream with `erp.invoice-released` (or `erp.invoice-rejected`, or nothing, as `decide`
 * says). The reply's `messageId` is `erp-<commandId>`, so a duplicate command gets the same reply.
 * A command is acked only after JetStream acknowledged its reply.
 *
 * De-duplication state lives in memory: it is what the tests inspect.
 */
export class TestErp {
  private readonly responder: CommandResponder<InvoiceReleaseCommand>;
  private readonly decisions = new Map<string, ErpDecision>();

  constructor(options: TestErpOptions) {
    const decide = options.decide ?? (() => 'release');
    const rejectReason = options.rejectReason ?? (() => 'Rejected by the test ERP');
    this.responder = new CommandResponder<InvoiceReleaseCommand>({
      ...options,
      durable: options.durable ?? 'test-erp',
      commandSubject: 'erp.invoice.release',
      answer: (command, delivery) => {
        const decision = decide(command);
        this.decisions.set(command.commandId, decision);
        return this.answer(command, delivery, decision, rejectReason);
      },
    });
  }

  /** Every delivery, duplicates included, in arrival order. */
  get received(): readonly CommandDelivery<InvoiceReleaseCommand>[] {
    return this.responder.received;
  }

  /** Each command answered (or deliberately ignored), by `commandId`. */
  get unique(): ReadonlyMap<string, InvoiceReleaseCommand> {
    return this.responder.unique;
  }

  /** Deliveries of a `commandId` that had already been answered. */
  get duplicates(): number {
    return this.responder.duplicates;
  }

  /** Deliveries that were not a command at all; they are terminated, not answered. */
  get malformed(): number {
    return this.responder.malformed;
  }

  /** How many unique commands were released, rejected and ignored. */
  get tally(): Readonly<Record<ErpDecision, number>> {
    const tally = { release: 0, reject: 0, ignore: 0 };
    for (const commandId of this.responder.unique.keys()) {
      const decision = this.decisions.get(commandId);
      if (decision) tally[decision]++;
    }
    return tally;
  }

  /** The replies sent for a command (empty when ignored), or undefined before it arrived. */
  repliesTo(commandId: string): readonly Reply[] | undefined {
    return this.responder.repliesTo(commandId);
  }

  /** Ensures the durable consumer and starts answering. */
  start(): Promise<void> {
    return this.responder.start();
  }

  /** Stops pulling and finishes the command in hand. */
  stop(): Promise<void> {
    return this.responder.stop();
  }

  private answer(
    command: InvoiceReleaseCommand,
    delivery: CommandDelivery<InvoiceReleaseCommand>,
    decision: ErpDecision,
    rejectReason: (command: InvoiceReleaseCommand) => string,
  ): Reply[] {
    const report = {
      messageId: `erp-${command.commandId}`,
      shipmentId: command.shipmentId,
      occurredAt: this.responder.timestamp(),
      source: 'erp:test',
      ...correlationOf(delivery),
      commandId: command.commandId,
    };
    switch (decision) {
      case 'release':
        return [
          {
            subject: 'erp.invoice-released',
            body: { ...report, invoiceNumber: invoiceNumberFor(command.commandId) },
          },
        ];
      case 'reject':
        return [{ subject: 'erp.invoice-rejected', body: { ...report, reason: rejectReason(command) } }];
      case 'ignore':
        return [];
    }
  }
}
