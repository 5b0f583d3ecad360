import {
  CommandResponder,
  correlationOf,
  type CommandDelivery,
  type Reply,
  type ResponderOptions,
} from './command-responder';

/** The case categories of contract v1 §3. */
export const CASE_CATEGORIES = [
  'billing_hold',
  'delivery_exception',
  'missing_pod',
  'temperature_excursion',
  'invoice_rejected',
] as const;
export type CaseCategory = (typeof CASE_CATEGORIES)[number];

/** `waybill.crm.case.open` (contract v1 §3); fields other than the ids are carried as sent. */
export interface CaseOpenCommand {
  readonly commandId: string;
  readonly shipmentId: string;
  readonly customerId?: string | null;
  readonly category?: CaseCategory;
  readonly reasons?: readonly string[];
  readonly context?: unknown;
  readonly correlationId?: string;
  readonly requestedAt?: string;
}

/** What the test CRM does with a case request: open it, or never answer (a timeout). */
export type CrmDecision = 'open' | 'ignore';

export interface TestCase {
  readonly caseId: string;
  readonly commandId: string;
  readonly shipmentId: string;
  readonly category: string;
  readonly correlationId?: string;
  status: 'open' | 'resolved';
  resolution?: string;
}

export interface TestCrmOptions extends ResponderOptions {
  /** Default `test-crm`. */
  readonly durable?: string;
  /** Asked once per `commandId`. Default: open every case. */
  readonly decide?: (command: CaseOpenCommand) => CrmDecision;
  /** When set, each opened case is resolved this long after `crm.case-opened` was published. */
  readonly resolveAfterMs?: number;
  /** The resolution of cases resolved on the timer. Default `Resolved by the test CRM`. */
  readonly resolution?: string;
}

export class UnknownCaseError extends Error {
  constructor(readonly caseId: string) {
    super(`the test CRM has no case ${caseId}`);
    this.name = 'UnknownCaseError';
  }
}

/**
 * A stand-in for the CRM behind contract v1 §3: consumes `<prefix>.crm.case.open` from the
 * commands stream with a durable pull consumer, de-duplicates on `commandId`, and answers on the
 * ingest stream with `crm.case-opened` (`caseId` = `CASE-<n>`, `messageId` = `crm-<commandId>`).
 * Cases are resolved on demand with `resolve`, or by themselves after `resolveAfterMs`, with
 * `crm.case-resolved`. A command is acked only after JetStream acknowledged its reply.
 */
export class TestCrm {
  private readonly responder: CommandResponder<CaseOpenCommand>;
  private readonly caseList = new Map<string, TestCase>();
  private readonly caseByCommand = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly resolutions = new Set<Promise<void>>();
  private nextCase = 1;

  constructor(private readonly options: TestCrmOptions) {
    const decide = options.decide ?? (() => 'open');
    this.responder = new CommandResponder<CaseOpenCommand>({
      ...options,
      durable: options.durable ?? 'test-crm',
      commandSubject: 'crm.case.open',
      answer: (command, delivery) => (decide(command) === 'open' ? [this.open(command, delivery)] : []),
      answered: (command) => this.scheduleResolution(command.commandId),
    });
  }

  /** Every delivery, duplicates included, in arrival order. */
  get received(): readonly CommandDelivery<CaseOpenCommand>[] {
    return this.responder.received;
  }

  /** Each command answered (or deliberately ignored), by `commandId`. */
  get unique(): ReadonlyMap<string, CaseOpenCommand> {
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

  /** The cases opened, by `caseId`. A case is listed once its command has been answered. */
  get cases(): ReadonlyMap<string, Readonly<TestCase>> {
    const answered = new Map<string, TestCase>();
    for (const [caseId, c] of this.caseList)
      if (this.responder.unique.has(c.commandId)) answered.set(caseId, c);
    return answered;
  }

  /** The case opened for a command, once answered. */
  caseFor(commandId: string): Readonly<TestCase> | undefined {
    const caseId = this.caseByCommand.get(commandId);
    return caseId === undefined ? undefined : this.cases.get(caseId);
  }

  /** Opened cases per category. */
  countByCategory(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const c of this.cases.values()) counts[c.category] = (counts[c.category] ?? 0) + 1;
    return counts;
  }

  /** The replies sent for a command (empty when ignored), or undefined before it arrived. */
  repliesTo(commandId: string): readonly Reply[] | undefined {
    return this.responder.repliesTo(commandId);
  }

  /** Ensures the durable consumer and starts answering. */
  start(): Promise<void> {
    return this.responder.start();
  }

  /** Stops pulling, cancels pending timed resolutions and waits for those under way. */
  async stop(): Promise<void> {
    await this.responder.stop();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.resolutions]);
  }

  /**
   * Publishes `crm.case-resolved` for the case. Idempotent: its `messageId` is
   * `crm-resolved-<commandId>`, and resolving a resolved case re-sends the first resolution.
   */
  async resolve(caseId: string, resolution: string): Promise<void> {
    const c = this.caseList.get(caseId);
    if (!c) throw new UnknownCaseError(caseId);
    if (c.status === 'open') {
      c.status = 'resolved';
      c.resolution = resolution;
    }
    await this.responder.publish({
      subject: 'crm.case-resolved',
      body: {
        messageId: `crm-resolved-${c.commandId}`,
        shipmentId: c.shipmentId,
        occurredAt: this.responder.timestamp(),
        source: 'crm:test',
        ...(c.correlationId ? { correlationId: c.correlationId } : {}),
        caseId,
        resolution: c.resolution ?? resolution,
      },
    });
  }

  private open(command: CaseOpenCommand, delivery: CommandDelivery<CaseOpenCommand>): Reply {
    const caseId = `CASE-${this.nextCase++}`;
    const correlation = correlationOf(delivery);
    this.caseList.set(caseId, {
      caseId,
      commandId: command.commandId,
      shipmentId: command.shipmentId,
      category: command.category ?? 'unknown',
      ...correlation,
      status: 'open',
    });
    this.caseByCommand.set(command.commandId, caseId);
    return {
      subject: 'crm.case-opened',
      body: {
        messageId: `crm-${command.commandId}`,
        shipmentId: command.shipmentId,
        occurredAt: this.responder.timestamp(),
        source: 'crm:test',
        ...correlation,
        commandId: command.commandId,
        caseId,
      },
    };
  }

  private scheduleResolution(commandId: string): void {
    const delay = this.options.resolveAfterMs;
    const caseId = this.caseByCommand.get(commandId);
    if (delay === undefined || caseId === undefined) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const resolution = this.resolve(caseId, this.options.resolution ?? 'Resolved by the test CRM').catch(
        (error: unknown) => this.responder.reportError(error, `resolving ${caseId} failed`),
      );
      this.resolutions.add(resolution);
      void resolution.finally(() => this.resolutions.delete(resolution));
    }, delay);
    this.timers.add(timer);
  }
}
