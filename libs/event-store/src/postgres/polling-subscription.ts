import {
  type Position,
  type RecordedEvent,
  type Subscription,
  type SubscriptionHandler,
} from '../event-store.port';
import { comparePositions } from '../positions';

export interface Page {
  readonly events: RecordedEvent[];
  /**
   * Every transaction with a smaller id had finished when the page was read, so no event with a
   * smaller `commit` can still appear. Lets a filtered subscription skip what it has scanned.
   */
  readonly frontier: bigint;
}

export interface PollingOptions {
  readonly after: Position;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly readPage: (after: Position, limit: number) => Promise<Page>;
  readonly handler: SubscriptionHandler;
  readonly onEnd: () => void;
}

/**
 * Catch-up and live are one loop: read a page after the cursor, hand it over, repeat at once
 * while pages come back full, otherwise wait for the poll interval or a `wake()`.
 */
export class PollingSubscription implements Subscription {
  readonly done: Promise<void>;
  private stopped = false;
  private woken = false;
  private sleeping: (() => void) | undefined;

  constructor(private readonly options: PollingOptions) {
    this.done = this.run().finally(options.onEnd);
    // The error is the caller's to observe through `done`; an unobserved one must not crash the process.
    this.done.catch(() => undefined);
  }

  /** Called when this process committed events, so that local subscribers do not wait for the timer. */
  wake(): void {
    this.woken = true;
    this.sleeping?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.done.catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { batchSize, readPage, handler } = this.options;
    let cursor = this.options.after;
    let prefetched: Promise<Page> | undefined;
    while (!this.stopped) {
      this.woken = false;
      const page = await (prefetched ?? readPage(cursor, batchSize));
      prefetched = undefined;
      if (this.stopped) return;
      const last = page.events[page.events.length - 1];
      if (last) {
        if (page.events.length === batchSize) {
          // A full page: more is likely waiting. The database reads it while the handler works,
          // which is most of a catch-up's speed. It is a read like any other after that position.
          prefetched = readPage(last.position, batchSize);
          // Observed by the next turn; if the handler fails first, the read must not surface alone.
          prefetched.catch(() => undefined);
        }
        await handler(page.events);
        cursor = last.position;
      }
      if (page.events.length < batchSize) {
        // The page was not cut short, so everything below the frontier has been scanned, even
        // rows a stream-prefix filter left out; rescanning them on every poll would grow without bound.
        const floor: Position = { commit: page.frontier, prepare: -1n };
        if (comparePositions(floor, cursor) > 0) cursor = floor;
        await this.idle();
      }
    }
  }

  private idle(): Promise<void> {
    if (this.woken || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.sleeping = undefined;
        resolve();
      };
      const timer = setTimeout(finish, this.options.pollIntervalMs);
      this.sleeping = finish;
    });
  }
}
