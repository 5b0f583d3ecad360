/**
 * One mailbox per shipment, like an actor: a shipment's messages run one at a time in arrival
 * order, different shipments run concurrently, at most `concurrency` at once.
 */
export class ShipmentMailboxes {
  private readonly mailboxes = new Map<string, (() => Promise<void>)[]>();
  private running = 0;
  private readonly ready: string[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly concurrency: number) {}

  /** Queues `task` on `key`'s mailbox; resolves or rejects with the task's outcome. */
  post<T>(key: string, task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // Promise.resolve().then(task): a task that throws before returning a promise rejects its
      // own caller instead of jamming the mailbox.
      const run = () => Promise.resolve().then(task).then(resolve, reject);
      const mailbox = this.mailboxes.get(key);
      if (mailbox) {
        mailbox.push(run);
        return;
      }
      this.mailboxes.set(key, [run]);
      this.ready.push(key);
      this.pump();
    });
  }

  /** Tasks queued or running. */
  get pending(): number {
    let n = 0;
    for (const mailbox of this.mailboxes.values()) n += mailbox.length;
    return n;
  }

  /** Resolves once every queued task has finished. */
  whenIdle(): Promise<void> {
    if (this.mailboxes.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.ready.length > 0) {
      const key = this.ready.shift()!;
      this.running++;
      void this.runNext(key);
    }
  }

  /**
   * Runs one task of a mailbox, then gives the slot back: a busy shipment goes to the back of the
   * line, so it cannot keep other shipments waiting (round robin between mailboxes).
   */
  private async runNext(key: string): Promise<void> {
    const mailbox = this.mailboxes.get(key)!;
    // The task settles its own caller's promise; it never rejects here.
    await mailbox[0]!();
    mailbox.shift();
    this.running--;
    if (mailbox.length > 0) {
      this.ready.push(key);
    } else {
      this.mailboxes.delete(key);
      if (this.mailboxes.size === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        waiters.forEach((w) => w());
      }
    }
    this.pump();
  }
}
