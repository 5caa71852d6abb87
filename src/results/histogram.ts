/**
 * HDR histogram helpers shared by the recorder, the results document and merging.
 * Values are integer microseconds; the range covers 1 us to 1 hour at 3 significant digits
 * (values above are clamped to the top, never dropped, so a count is never lost).
 */
import * as hdr from 'hdr-histogram-js';
import type { HistogramSummary } from './schema.js';

export type Histogram = hdr.Histogram;

/** Highest trackable value: one hour in microseconds. */
export const HISTOGRAM_MAX_US = 3_600_000_000;

/** A new, empty microsecond histogram (plain JS implementation: no WASM start-up cost). */
export function newHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HISTOGRAM_MAX_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/** Milliseconds (performance.now() differences) as whole microseconds within the histograms' range. */
export function msToUs(ms: number): number {
  const us = Math.round(ms * 1000);
  return us < 0 ? 0 : us > HISTOGRAM_MAX_US ? HISTOGRAM_MAX_US : us;
}

/** Record a duration given in milliseconds (from performance.now()) as whole microseconds. */
export function recordMs(histogram: Histogram, ms: number): void {
  recordUs(histogram, msToUs(ms));
}

/**
 * Record a whole number of microseconds in [0, HISTOGRAM_MAX_US]. This is the engine's hottest
 * call (four per reply): hdr-histogram-js's own recordValue finds the slot with Math.log2 and
 * Math.pow and checks the range on every call; for our fixed range (unit 1, values below 2^32)
 * the same slot is a count-leading-zeros and a shift. Its result is the library's exactly
 * (test/results-histogram.test.ts compares the encodings).
 */
export function recordUs(histogram: Histogram, us: number): void {
  const h = histogram as hdr.JsHistogram;
  const magnitude = h.subBucketHalfCountMagnitude;
  let bucket = 31 - Math.clz32(us) - magnitude;
  if (bucket < 0) bucket = 0;
  h.incrementCountAtIndex(((bucket + 1) << magnitude) + (us >>> bucket) - h.subBucketHalfCount);
  h.updateMinAndMax(us);
  h.incrementTotalCount();
}

/** Summary plus exact compressed encoding, as stored in the results document. */
export function summarize(histogram: Histogram): HistogramSummary {
  const empty = histogram.totalCount === 0;
  const max = empty ? 0 : histogram.maxValue;
  // HDR reports a percentile as the top of its bucket (up to 0.1% high); never above the true max.
  const at = (p: number): number => Math.min(max, histogram.getValueAtPercentile(p));
  const [mean, stddev] = meanAndStdDev(histogram);
  return {
    unit: 'us',
    count: histogram.totalCount,
    min: empty ? 0 : histogram.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : histogram.minNonZeroValue,
    max,
    mean,
    stddev,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    p9999: at(99.99),
    encoded: hdr.encodeIntoCompressedBase64(histogram),
  };
}

/**
 * The library's mean and standard deviation, the same sums in the same order, from one plain
 * walk of the counts: its getters step an iterator object per recorded value, and stdDeviation
 * computes the mean again (together ~12 ms per histogram of a 5,000-session run, paid at the end
 * of every run and sweep step).
 */
export function meanAndStdDev(histogram: Histogram): [mean: number, stddev: number] {
  const h = histogram as hdr.JsHistogram;
  const n = h.totalCount;
  if (n === 0) return [0, 0];
  const length = h.countsArrayLength;
  let total = 0;
  for (let i = 0; i < length; i++) {
    const count = h.getCountAtIndex(i);
    if (count !== 0) total += h.medianEquivalentValue(h.valueFromIndex(i)) * count;
  }
  const mean = total / n;
  let deviations = 0;
  for (let i = 0; i < length; i++) {
    const count = h.getCountAtIndex(i);
    if (count === 0) continue;
    const deviation = h.medianEquivalentValue(h.valueFromIndex(i)) - mean;
    deviations += deviation * deviation * count;
  }
  return [mean, Math.sqrt(deviations / n)];
}

/** Decode a histogram stored in a results document. */
export function decodeHistogram(encoded: string): Histogram {
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32, false);
  // Copy into our standard shape so later adds never overflow the decoded range.
  const histogram = newHistogram();
  histogram.add(decoded);
  return histogram;
}

/** Merge stored histograms exactly (never average percentiles). */
export function mergeEncoded(encodings: readonly string[]): HistogramSummary {
  const total = newHistogram();
  for (const encoded of encodings) total.add(decodeHistogram(encoded));
  return summarize(total);
}
