/** p50 and p95 of a measure and how many samples they come from (contract v1 §4, `GET /v1/kpis`). */
export interface Percentiles {
  /** `null` when there is no sample. */
  readonly p50: number | null;
  readonly p95: number | null;
  readonly count: number;
}

/**
 * The nearest-rank percentile `p` (0–100) of samples sorted ascending: the smallest sample with at
 * least p % of the samples at or below it. Exact; `null` for no samples.
 */
function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100));
  return sorted[rank - 1] ?? null;
}

/** Exact nearest-rank p50 and p95 of the samples, in any order. */
export function percentilesOf(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: nearestRank(sorted, 50), p95: nearestRank(sorted, 95), count: sorted.length };
}

/**
 * A log-scaled histogram of durations in whole milliseconds: sample count by bucket, each bucket
 * named by its lower bound (`{ "1024": 3 }` is three samples in [1024, 1088)). Below 32 ms every
 * millisecond is a bucket of its own; above, each power of two is cut into 16 equal buckets, so a
 * bucket is at most 1/16 of its lower bound wide. A plain object, so it stores as JSON as is.
 */
export type LatencyHistogram = Readonly<Record<string, number>>;

const SUB_BUCKETS = 16;
const EXACT_BELOW = 2 * SUB_BUCKETS;

function bucketWidth(lowerBound: number): number {
  if (lowerBound < EXACT_BELOW) return 1;
  const exponent = Math.floor(lowerBound).toString(2).length - 1;
  return 2 ** exponent / SUB_BUCKETS;
}

/**
 * The lower bound of the bucket that holds `ms`. A negative duration (the source's clock ahead of
 * Waybill's) counts as 0; a fraction is rounded to the millisecond.
 */
export function latencyBucket(ms: number): number {
  const value = Math.max(0, Math.round(ms));
  const width = bucketWidth(value);
  return Math.floor(value / width) * width;
}

/** The histogram with one more sample of `ms`; `histogram` is not changed. */
export function withLatency(histogram: LatencyHistogram, ms: number): LatencyHistogram {
  const key = String(latencyBucket(ms));
  return { ...histogram, [key]: (histogram[key] ?? 0) + 1 };
}

/** The bucket-by-bucket sum of histograms. */
export function mergeHistograms(histograms: Iterable<LatencyHistogram>): LatencyHistogram {
  const merged: Record<string, number> = {};
  for (const histogram of histograms) {
    for (const [key, count] of Object.entries(histogram)) merged[key] = (merged[key] ?? 0) + count;
  }
  return merged;
}

/** How many samples the histogram holds. */
export function histogramCount(histogram: LatencyHistogram): number {
  return Object.values(histogram).reduce((sum, count) => sum + count, 0);
}

/**
 * Nearest-rank p50 and p95 of a histogram. The rank is exact; the value reported is the middle of
 * the bucket the ranked sample is in (`lower + ⌊width / 2⌋`), so it is exact below 32 ms and
 * otherwise within 1/32 (3.125 %) of the exact nearest-rank percentile of the samples.
 */
export function histogramPercentiles(histogram: LatencyHistogram): Percentiles {
  const buckets = Object.entries(histogram)
    .map(([key, count]) => [Number(key), count] as const)
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => a - b);
  const count = buckets.reduce((sum, [, n]) => sum + n, 0);
  const at = (p: number): number | null => {
    if (count === 0) return null;
    const rank = Math.max(1, Math.ceil((p * count) / 100));
    let seen = 0;
    for (const [lower, n] of buckets) {
      seen += n;
      if (seen >= rank) return lower + Math.floor(bucketWidth(lower) / 2);
    }
    return null;
  };
  return { p50: at(50), p95: at(95), count };
}
