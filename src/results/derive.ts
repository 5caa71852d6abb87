/**
 * Rates and sample statistics derived from the raw counters of a results document.
 * Pure functions: the report, merging and readers of the JSON all derive figures the same way.
 * Every division by a count or a duration that may be zero yields 0, never NaN or Infinity.
 */
import { errorTotal } from './fields.js';
import type { Counters, DerivedRates, SampleStats, TimelineSample } from './schema.js';

/** `numerator / denominator`, or 0 when the quotient is undefined (zero or non-finite). */
export function ratio(numerator: number, denominator: number): number {
  if (!(denominator > 0) || !Number.isFinite(denominator)) return 0;
  const value = numerator / denominator;
  return Number.isFinite(value) ? value : 0;
}

/** httperf's `Errors: total` (stated in fields.ts; re-exported for the readers of derived figures). */
export { errorTotal } from './fields.js';

/**
 * min / mean / max / sample standard deviation (n - 1) of rate samples, as httperf prints them
 * for the reply rate. Zero samples give all zeros; fewer than two give stddev 0. The variance is
 * computed around the mean (two passes), so it is never negative (httperf's one-pass formula
 * could print `-nan`).
 */
export function sampleStats(values: readonly number[]): SampleStats {
  const finite = values.filter((value) => Number.isFinite(value));
  const samples = finite.length;
  if (samples === 0) return { min: 0, avg: 0, max: 0, stddev: 0, samples: 0 };
  let min = finite[0]!;
  let max = finite[0]!;
  let sum = 0;
  for (const value of finite) {
    if (value < min) min = value;
    if (value > max) max = value;
    sum += value;
  }
  const avg = sum / samples;
  let stddev = 0;
  if (samples >= 2) {
    let squares = 0;
    for (const value of finite) squares += (value - avg) ** 2;
    stddev = Math.sqrt(squares / (samples - 1));
  }
  return { min, avg, max, stddev, samples };
}

/** Per-second rate of one timeline interval (0 for a zero-length interval). */
function perSecond(count: number, interval: number): number {
  return ratio(count, interval);
}

/**
 * Rates of a run (httperf definitions): overall rates are totals over the test duration;
 * `replyRateSamples` and `sessionRateSamples` summarise the complete 5-s intervals of the
 * timeline. Note that httperf prints the session-rate *avg* as successful sessions / duration
 * (`sessionRate`), while its min/max/stddev come from the samples.
 */
export function deriveRates(
  counters: Counters,
  timeline: readonly TimelineSample[],
  duration: number,
): DerivedRates {
  const netBytes = counters.requestBytes + counters.replyHeaderBytes + counters.replyContentBytes;
  const requestsOrOne = counters.requests > 0 ? counters.requests : 1;
  return {
    connectionRate: ratio(counters.connections, duration),
    requestRate: ratio(counters.requests, duration),
    replyRate: ratio(counters.replies, duration),
    replyRateSamples: sampleStats(timeline.map((s) => perSecond(s.replies, s.interval))),
    sessionRate: ratio(counters.sessionsSucceeded, duration),
    sessionRateSamples: sampleStats(timeline.map((s) => perSecond(s.sessionsSucceeded, s.interval))),
    netIoKBps: ratio(netBytes, duration) / 1024,
    errorRate: ratio(errorTotal(counters.errors), requestsOrOne),
  };
}
