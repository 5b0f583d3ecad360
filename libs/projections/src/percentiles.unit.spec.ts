import {
  histogramCount,
  histogramPercentiles,
  latencyBucket,
  mergeHistograms,
  percentilesOf,
  withLatency,
  type LatencyHistogram,
} from './percentiles';

const histogramOf = (samples: readonly number[]): LatencyHistogram =>
  samples.reduce<LatencyHistogram>((h, ms) => withLatency(h, ms), {});

describe('percentiles', () => {
  it('when there is no sample, then p50 and p95 are null and the count is 0', () => {
    expect(percentilesOf([])).toStrictEqual({ p50: null, p95: null, count: 0 });
    expect(histogramPercentiles({})).toStrictEqual({ p50: null, p95: null, count: 0 });
  });

  it('when samples come in any order, then p50 and p95 are their exact nearest-rank values', () => {
    expect(percentilesOf([5, 1, 3, 2, 4])).toStrictEqual({ p50: 3, p95: 5, count: 5 });
    const oneToTwenty = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(percentilesOf(oneToTwenty)).toStrictEqual({ p50: 10, p95: 19, count: 20 });
    expect(percentilesOf([7])).toStrictEqual({ p50: 7, p95: 7, count: 1 });
  });

  it('when a duration is bucketed, then below 32 ms it is exact and above a bucket is a sixteenth of its power of two', () => {
    expect([-250, 0, 0.4, 1, 31, 32, 33, 34, 1000, 1023, 1024, 1087, 1088].map(latencyBucket)).toStrictEqual([
      0, 0, 0, 1, 31, 32, 32, 34, 992, 992, 1024, 1024, 1088,
    ]);
  });

  it('when samples are recorded, then the histogram counts them by bucket lower bound', () => {
    const histogram = histogramOf([5, 5, 1000, 1010, 1030]);
    expect(histogram).toStrictEqual({ '5': 2, '992': 2, '1024': 1 });
    expect(histogramCount(histogram)).toBe(5);
  });

  it('when histograms are merged, then their buckets are summed and the inputs are unchanged', () => {
    const a = histogramOf([5, 1000]);
    const b = histogramOf([5, 2000]);
    expect(mergeHistograms([a, b])).toStrictEqual({ '5': 2, '992': 1, '1984': 1 });
    expect(a).toStrictEqual({ '5': 1, '992': 1 });
  });

  it('when every sample is below 32 ms, then the histogram percentiles are the exact ones', () => {
    const samples = [3, 17, 8, 8, 29, 1, 0, 12, 31, 22];
    expect(histogramPercentiles(histogramOf(samples))).toStrictEqual(percentilesOf(samples));
  });

  it('when samples span milliseconds to days, then the histogram percentiles are within 1/32 of the exact ones', () => {
    // A fixed pseudo-random spread over ten orders of magnitude (Park–Miller generator).
    let seed = 42;
    const samples = Array.from({ length: 997 }, () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return Math.round(10 ** ((seed / 2_147_483_647) * 10));
    });
    const exact = percentilesOf(samples);
    const approximate = histogramPercentiles(histogramOf(samples));
    expect(approximate.count).toBe(997);
    for (const p of ['p50', 'p95'] as const) {
      const truth = exact[p]!;
      expect(Math.abs(approximate[p]! - truth)).toBeLessThanOrEqual(truth / 32);
    }
  });

  it('when the ranked sample is in a wide bucket, then the middle of that bucket is reported', () => {
    // 1000 and 1010 share [992, 1024): p50 (rank 2 of 3) is 992 + 16; 5000 is in [4864, 5120).
    expect(histogramPercentiles(histogramOf([1000, 1010, 5000]))).toStrictEqual({
      p50: 1008,
      p95: 4992,
      count: 3,
    });
  });
});
