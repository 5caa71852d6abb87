/**
 * The HdrHistogram percentile distribution of a stored histogram, as points for a plot on a
 * log "1/(1-percentile)" axis: the same percentile steps as HdrHistogram's
 * outputPercentileDistribution (5 ticks per halving of the remaining 1-p), read from the
 * decoded histogram, ending at the exact maximum.
 */
import { decodeHistogram } from '../../results/histogram.js';
import type { HistogramSummary } from '../../results/schema.js';

/** One point: x = 1/(1-p) (1 at the median's left end: p = 0), value in ms. */
export interface PercentilePoint {
  /** Percentile, 0..100. */
  percentile: number;
  /** 1 / (1 - percentile/100). */
  x: number;
  ms: number;
}

const TICKS_PER_HALF_DISTANCE = 5;

/**
 * Points of the distribution, from p = 0 until 1-p falls below one value in `count` (past
 * that a percentile is the maximum), then the maximum itself at x = count. Empty for an
 * empty histogram: there is nothing to plot.
 */
export function percentileDistribution(summary: HistogramSummary): PercentilePoint[] {
  if (summary.count === 0) return [];
  const histogram = decodeHistogram(summary.encoded);
  const points: PercentilePoint[] = [];
  const lastX = summary.count;
  for (let i = 0; ; i++) {
    const x = 2 ** (i / TICKS_PER_HALF_DISTANCE);
    if (x >= lastX) break;
    const percentile = 100 * (1 - 1 / x);
    const us = Math.min(summary.max, histogram.getValueAtPercentile(percentile));
    points.push({ percentile, x, ms: us / 1000 });
  }
  points.push({ percentile: 100 * (1 - 1 / lastX), x: lastX, ms: summary.max / 1000 });
  return points;
}
