/**
 * HdrHistogram percentile-distribution text (`.hgrm`), the format HdrHistogram's plotter and
 * many dashboards read: a `Value Percentile TotalCount 1/(1-Percentile)` table and a
 * `#[Mean = ...]` footer. Written by `--hgrm FILE` for the reply time.
 */
import { decodeHistogram } from './histogram.js';
import type { HistogramSummary } from './schema.js';

/** Percentile ticks per half distance to 100%, HdrHistogram's customary value. */
const TICKS_PER_HALF_DISTANCE = 5;

/**
 * The percentile distribution of a stored histogram (exact: decoded from its `encoded` field).
 * Values are divided by `scale`: the stored microseconds print as milliseconds by default.
 */
export function formatHgrm(summary: HistogramSummary, scale = 1000): string {
  const histogram = decodeHistogram(summary.encoded);
  return histogram.outputPercentileDistribution(TICKS_PER_HALF_DISTANCE, scale);
}
