import { type Position, type RecordedEvent } from '../event-store.port';
import { type Page, PollingSubscription, ReadAhead } from './polling-subscription';

// A log of `size` events at positions 1..size, read the way readPage reads it: after a position,
// at most `limit` events. Every read is recorded, and answered only when the test says so.
function fakeLog(size: number) {
  const reads: { after: bigint; answer: () => void; fail: (error: Error) => void }[] = [];
  const readPage = (after: Position, limit: number): Promise<Page> =>
    new Promise<Page>((resolve, reject) => {
      const events: RecordedEvent[] = [];
      for (let n = after.commit + 1n; n <= BigInt(size) && events.length < limit; n++)
        events.push({ position: { commit: n, prepare: 0n } } as RecordedEvent);
      reads.push({ after: after.commit, answer: () => resolve({ events, frontier: 0n }), fail: reject });
    });
  // Answers the reads issued so far, one at a time, letting each answer's follow-up read start.
  const answerAll = async () => {
    for (let i = 0; i < reads.length; i++) {
      reads[i]!.answer();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { reads, readPage, answerAll };
}

const positions = (page: Page) => page.events.map((event) => Number(event.position.commit));
const START: Position = { commit: 0n, prepare: 0n };

describe('ReadAhead', () => {
  it('when nothing is taken yet, then it reads full pages ahead up to its depth and no further', async () => {
    const log = fakeLog(10);
    const pages = new ReadAhead(log.readPage, START, 2, 3);
    await log.answerAll();
    expect(log.reads.map((read) => read.after)).toEqual([0n, 2n, 4n]);

    expect(positions(await pages.take())).toEqual([1, 2]);
    // Taking one makes room for one more read, after the last page read.
    expect(log.reads.map((read) => read.after)).toEqual([0n, 2n, 4n, 6n]);
  });

  it('when it is taken from page by page, then the pages come in log order and a page that is not full ends the reading', async () => {
    const log = fakeLog(5);
    const pages = new ReadAhead(log.readPage, START, 2, 2);
    const taken: number[][] = [];
    for (let i = 0; i < 3; i++) {
      await log.answerAll();
      taken.push(positions(await pages.take()));
    }
    expect(taken).toEqual([[1, 2], [3, 4], [5]]);
    await log.answerAll();
    expect(log.reads.map((read) => read.after)).toEqual([0n, 2n, 4n]);
  });

  it('when a read fails, then the pages read before it are still taken, and the next take throws its error', async () => {
    const log = fakeLog(10);
    const pages = new ReadAhead(log.readPage, START, 2, 2);
    log.reads[0]!.answer();
    await new Promise((resolve) => setImmediate(resolve));
    log.reads[1]!.fail(new Error('connection lost'));
    expect(positions(await pages.take())).toEqual([1, 2]);
    await expect(pages.take()).rejects.toThrow('connection lost');
  });

  it('when it is closed, then the read in flight is dropped, no further read starts, and take refuses', async () => {
    const log = fakeLog(10);
    const pages = new ReadAhead(log.readPage, START, 2, 2);
    pages.close();
    await log.answerAll();
    expect(log.reads.map((read) => read.after)).toEqual([0n]);
    await expect(pages.take()).rejects.toThrow(RangeError);
  });

  it('when the page that ended the reading has been taken, then take refuses rather than wait forever', async () => {
    const log = fakeLog(1);
    const pages = new ReadAhead(log.readPage, START, 2, 2);
    await log.answerAll();
    expect(positions(await pages.take())).toEqual([1]);
    await expect(pages.take()).rejects.toThrow('no more pages to take');
  });

  it('when the depth is not a positive integer, then it refuses to start', () => {
    const log = fakeLog(1);
    expect(() => new ReadAhead(log.readPage, START, 2, 0)).toThrow(RangeError);
  });
});

describe('PollingSubscription', () => {
  // A log of `size` events at positions 1..size whose reads answer at once; `frontier` is what
  // every read reports as the oldest running transaction.
  function instantLog(size: number, frontier = 0n) {
    const reads: bigint[] = [];
    const readPage = (after: Position, limit: number): Promise<Page> => {
      reads.push(after.commit);
      const events: RecordedEvent[] = [];
      for (let n = after.commit + 1n; n <= BigInt(size) && events.length < limit; n++)
        events.push({ position: { commit: n, prepare: 0n } } as RecordedEvent);
      return Promise.resolve({ events, frontier });
    };
    return { reads, readPage };
  }

  const subscribe = (
    log: ReturnType<typeof instantLog>,
    handler: (events: readonly RecordedEvent[]) => Promise<void>,
  ) =>
    new PollingSubscription({
      after: START,
      batchSize: 2,
      pollIntervalMs: 5,
      readAhead: 2,
      readPage: log.readPage,
      handler,
      onEnd: () => undefined,
    });

  it('when it catches up, then every event comes once in order, and after the last short page it reads on from the frontier it was told', async () => {
    const log = instantLog(5, 40n);
    const seen: number[] = [];
    const subscription = subscribe(log, (events) => {
      seen.push(...events.map((event) => Number(event.position.commit)));
      return Promise.resolve();
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await subscription.stop();
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    // Reads after 0, 2 and 4 in the catch-up; later polls start at the frontier, not at 5.
    expect(log.reads.slice(0, 3)).toEqual([0n, 2n, 4n]);
    expect(log.reads.length).toBeGreaterThan(3);
    expect(new Set(log.reads.slice(3))).toEqual(new Set([40n]));
  });

  it('when the handler fails, then the subscription ends with its error and reads no further', async () => {
    const log = instantLog(100);
    const subscription = subscribe(log, () => Promise.reject(new Error('handler broke')));
    await expect(subscription.done).rejects.toThrow('handler broke');
    const readsAtEnd = log.reads.length;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log.reads.length).toBe(readsAtEnd);
    // The page handed over, and at most the two read ahead of it.
    expect(readsAtEnd).toBeLessThanOrEqual(3);
  });

  it('when it is stopped during a catch-up, then the handler is not called again', async () => {
    const log = instantLog(1000);
    let calls = 0;
    const subscription: PollingSubscription = subscribe(log, () => {
      calls++;
      // Not awaited: stop() waits for the batch in flight, which is this one.
      if (calls === 3) void subscription.stop();
      return Promise.resolve();
    });
    await subscription.done;
    expect(calls).toBe(3);
  });
});
