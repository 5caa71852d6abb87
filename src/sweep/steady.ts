/**
 * Achieved rates of a step, measured over its steady-state window.
 *
 * A step creates `sessions` sessions at a fixed rate R, so arrivals cover [0, sessions/R). The
 * first seconds are a ramp-up: no session can finish before it has spent its think times and
 * its replies, so completions lag arrivals. After the last arrival the run drains: in-flight
 * sessions finish while no new ones start. Neither part shows what the server sustains.
 *
 * The window: 5-s timeline samples that begin at or after the ramp-up end and end by the last
 * arrival (plus a small slack for timer jitter). Ramp-up end = the longer of the longest
 * template's total think time and the step's median session lifetime (the time a typical
 * session needed to finish). Samples straddling either edge are dropped whole.
 *
 * Short steps may have no such sample; then whole-run figures are used: counts divided by the
 * effective window `duration - shortest session lifetime + 1/R` (duration runs from the first
 * session's creation to the last session's end; removing one unloaded session lifetime and
 * adding one inter-arrival gap leaves the arrival window when the server keeps up, and stretches
 * it by the drain when it does not), and the step's notes say so.
 */
import { sampleStats } from '../results/derive.js';
import type { ResultsDocument, TimelineSample } from '../results/schema.js';
import type { AchievedRates, RateStats } from './schema.js';

/** Seconds a sample may end after the last arrival and still count (timer jitter). */
const EDGE_SLACK_SECONDS = 0.25;

/** The steady-state window of a step: [from, to] in seconds since its run started. */
export function steadyWindow(doc: ResultsDocument, rate: number, sessions: number, maxThinkSeconds: number): { from: number; to: number } {
  const medianLifetime = doc.histograms.sessionLifetime.count > 0 ? doc.histograms.sessionLifetime.p50 / 1e6 : 0;
  return { from: Math.max(maxThinkSeconds, medianLifetime), to: sessions / rate };
}

/** Timeline samples entirely inside the window. */
export function steadySamples(timeline: readonly TimelineSample[], window: { from: number; to: number }): TimelineSample[] {
  return timeline.filter((s) => s.interval > 0 && s.t - s.interval >= window.from - 1e-9 && s.t <= window.to + EDGE_SLACK_SECONDS);
}

function constant(value: number): RateStats {
  return { min: value, avg: value, max: value, stddev: 0, samples: 0 };
}

/**
 * Achieved connection, request, reply and session rates of a step. `notes` receives a remark when
 * the whole-run fallback is used.
 */
export function achievedRates(doc: ResultsDocument, rate: number, sessions: number, maxThinkSeconds: number, notes: string[]): AchievedRates {
  const window = steadyWindow(doc, rate, sessions, maxThinkSeconds);
  const samples = steadySamples(doc.timeline, window);
  if (samples.length > 0) {
    const stats = (pick: (s: TimelineSample) => number) => sampleStats(samples.map((s) => pick(s) / s.interval));
    return {
      basis: 'steady-state',
      window,
      connectionRate: stats((s) => s.connections),
      requestRate: stats((s) => s.requests),
      replyRate: stats((s) => s.replies),
      sessionRate: stats((s) => s.sessionsSucceeded),
    };
  }
  const c = doc.counters;
  const shortestLifetime = doc.histograms.sessionLifetime.count > 0 ? doc.histograms.sessionLifetime.min / 1e6 : 0;
  let span = doc.duration - shortestLifetime + 1 / rate;
  if (!(span > 0) || !Number.isFinite(span)) span = doc.duration;
  const per = (count: number) => (span > 0 ? count / span : 0);
  notes.push(
    `no complete 5-s sample in the steady-state window [${window.from.toFixed(1)} s, ${window.to.toFixed(1)} s]: whole-run averages over ${span.toFixed(2)} s (no min/max/stddev)`,
  );
  return {
    basis: 'whole-run',
    window: { from: 0, to: 0 },
    connectionRate: constant(per(c.connections)),
    requestRate: constant(per(c.requests)),
    replyRate: constant(per(c.replies)),
    sessionRate: constant(per(c.sessionsSucceeded)),
  };
}
