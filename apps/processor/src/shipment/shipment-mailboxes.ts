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
      const run = () => task().then(resolve, reject);
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
      void this.drain(key);
    }
  }

  /** Runs one mailbox to empty while holding one concurrency slot. */
  private async drain(key: string): Promise<void> {
    const mailbox = this.mailboxes.get(key)!;
    while (mailbox.length > 0) {
      // The task settles its own promise; a failure is the caller's to handle, not the mailbox's.
      await mailbox[0]!();
      mailbox.shift();
    }
    this.mailboxes.delete(key);
    this.running--;
    if (this.mailboxes.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((w) => w());
    }
    this.pump();
  }
}
