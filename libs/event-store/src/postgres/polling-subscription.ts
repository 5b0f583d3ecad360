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
  /**
   * Full pages read ahead of the handler during a catch-up. Default 4: with one, the next page was
   * read only once the handler took the current one, and on a busy database it was often not
   * there yet when the handler finished (bench/rebuild: Node idle 5% of a rebuild; waiting for
   * pages 0.6–0.7 s of a rebuild of 1,000,000 events with 2 ahead, 0.3 s with 4).
   */
  readonly readAhead?: number;
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
    while (!this.stopped) {
      this.woken = false;
      // One read-ahead per catch-up: it reads on from full page to full page, and ends with the
      // first page that is not full (the log has nothing more for now).
      const pages = new ReadAhead(readPage, cursor, batchSize, this.options.readAhead ?? 4);
      let page: Page;
      try {
        do {
          page = await pages.take();
          if (this.stopped) return;
          const last = page.events[page.events.length - 1];
          if (last) {
            await handler(page.events);
            cursor = last.position;
          }
        } while (page.events.length === batchSize && !this.stopped);
      } finally {
        // Ended, stopped, or the handler failed: no reads are left running for a consumer that is gone.
        pages.close();
      }
      // The page was not cut short, so everything below the frontier has been scanned, even rows a
      // stream-prefix filter left out; rescanning them on every poll would grow without bound.
      const floor: Position = { commit: page.frontier, prepare: -1n };
      if (comparePositions(floor, cursor) > 0) cursor = floor;
      await this.idle();
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

/**
 * Pages of one catch-up, read in order from `after`, up to `depth` of them ahead of `take()`.
 * Each read starts after the last event of the page before, so reads go one at a time; the next
 * one starts as soon as the previous page is in, whatever the handler is doing. A page that is not
 * full ends the reading. A failed read fails the `take()` that reaches it.
 */
export class ReadAhead {
  private readonly ready: Page[] = [];
  private reading = false;
  private closed = false;
  private failure: { readonly error: unknown } | null = null;
  /** Where the next read starts; `null` once a page that is not full has been read. */
  private next: Position | null;
  private wakeTaker: (() => void) | null = null;

  constructor(
    private readonly readPage: (after: Position, limit: number) => Promise<Page>,
    after: Position,
    private readonly batchSize: number,
    private readonly depth: number,
  ) {
    if (!Number.isInteger(depth) || depth < 1) throw new RangeError('readAhead must be a positive integer');
    this.next = after;
    this.readMore();
  }

  /** The next page in log order, once it has been read. */
  async take(): Promise<Page> {
    for (;;) {
      const page = this.ready.shift();
      if (page) {
        this.readMore();
        return page;
      }
      if (this.failure) throw this.failure.error;
      // Closed, or a page that was not full ended the reading: nothing will come.
      if (this.closed || (!this.reading && this.next === null)) throw new RangeError('no more pages to take');
      await new Promise<void>((resolve) => (this.wakeTaker = resolve));
    }
  }

  /** Starts no more reads and drops what was read ahead; a read in flight ends unseen. */
  close(): void {
    this.closed = true;
    this.next = null;
    this.ready.length = 0;
    this.wake();
  }

  private readMore(): void {
    const from = this.next;
    if (this.reading || this.failure || from === null || this.ready.length >= this.depth) return;
    this.reading = true;
    this.readPage(from, this.batchSize).then(
      (page) => {
        this.reading = false;
        // Closed meanwhile: the page is nobody's.
        if (this.closed) return;
        this.ready.push(page);
        const last = page.events[page.events.length - 1];
        this.next = page.events.length === this.batchSize && last ? last.position : null;
        this.wake();
        this.readMore();
      },
      (error: unknown) => {
        this.reading = false;
        this.failure = { error };
        this.wake();
      },
    );
  }

  private wake(): void {
    const wake = this.wakeTaker;
    this.wakeTaker = null;
    wake?.();
  }
}
