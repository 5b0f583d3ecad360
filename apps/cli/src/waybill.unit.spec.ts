import { progressBar } from './waybill';

describe('waybill progress bar', () => {
  it('when a rebuild is a third done, then the bar is a third full and shows the rate and the ETA', () => {
    expect(
      progressBar(
        {
          rebuildId: 'r',
          status: 'running',
          progress: { eventsApplied: 12345, progress: 1 / 3, eventsPerSecond: 9876, etaSeconds: 14 },
        },
        9,
      ),
    ).toBe('[###......]  33%  12,345 events  9,876 ev/s  ETA 14 s  (running)');
  });

  it('when the store cannot count what is left, then the bar says it does not know rather than guessing', () => {
    expect(
      progressBar(
        {
          rebuildId: 'r',
          status: 'running',
          progress: { eventsApplied: 10, progress: null, eventsPerSecond: 5, etaSeconds: null },
        },
        4,
      ),
    ).toBe('[????]   ?%  10 events  5 ev/s  ETA ?  (running)');
  });
});
