/**
 * Step timing: how long each step warms up and measures, and the arrival segments of a run.
 *
 * By Little's law a step reaches steady state about one session lifetime after its rate changes
 * (the sessions of the previous rate drain, the new ones fill up), so the warm-up is the session
 * lifetime with headroom, rounded up to whole 5-s samples; the measurement window is
 * `--samples` (or `--duration`) whole 5-s samples. Step boundaries fall on the run's sample
 * boundaries, so every sample belongs to one step.
 */
import type { ArrivalSegment } from '../options.js';
import { segmentArrivals } from '../schedule/arrivals.js';
import type { StepTiming } from './schema.js';

/** The run's sampling period, seconds (httperf's 5-s reply-rate samples). */
export const SAMPLE_SECONDS = 5;

/** Warm-up over the session lifetime: near the knee queueing makes sessions live a little longer. */
export const WARMUP_HEADROOM = 1.2;

/** Round up to whole samples (at least one). */
function wholeSamples(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / SAMPLE_SECONDS - 1e-9)) * SAMPLE_SECONDS;
}

/** Warm-up of a step whose sessions live `lifetime` seconds (or the fixed --warmup). */
export function warmupSeconds(lifetime: number, fixed: number | null): number {
  if (fixed !== null) return fixed === 0 ? 0 : wholeSamples(fixed);
  return wholeSamples(lifetime * WARMUP_HEADROOM);
}

/** Measurement window: --duration rounded up to whole samples, else --samples samples. */
export function measurementSeconds(duration: number | null, samples: number): number {
  return duration === null ? samples * SAMPLE_SECONDS : wholeSamples(duration);
}

/** How steps are timed. */
export interface TimingRules {
  /** Fixed warm-up (--warmup), or null to derive it from the lifetime. */
  warmup: number | null;
  /** Measurement window, seconds. */
  measure: number;
  samplesNeeded: number;
  /** Seconds from the run's start to its first sample (httperf's --client offset). */
  firstSampleAt: number;
}

/** One step of a planned run. */
export interface PlannedStep {
  rate: number;
  timing: StepTiming;
}

/** A run: steps back to back, and the arrival segments that produce them. */
export interface RunPlan {
  steps: PlannedStep[];
  segments: ArrivalSegment[];
  /** Sessions the schedule creates (the run's N). */
  sessions: number;
  /** Seconds of arrivals. */
  seconds: number;
}

/**
 * Lay out `rates` as one continuous run. The first step's warm-up also absorbs the offset of
 * the first sample (with --client I/N it is not at 5 s), so every window starts on a sample.
 */
export function planRun(rates: readonly number[], lifetime: number, rules: TimingRules): RunPlan {
  const offset = rules.firstSampleAt % SAMPLE_SECONDS;
  let start = 0;
  const steps = rates.map((rate, i) => {
    const warmup = warmupSeconds(lifetime, rules.warmup) + (i === 0 ? offset : 0);
    const from = start + warmup;
    const timing: StepTiming = { start, warmup, window: { from, to: from + rules.measure }, samplesNeeded: rules.samplesNeeded, lifetime };
    start = from + rules.measure;
    return { rate, timing };
  });
  const segments = steps.map((s) => ({ interval: 1 / s.rate, duration: s.timing.window.to - s.timing.start }));
  const sessions = segments.reduce((n, s) => n + segmentArrivals(s), 0);
  return { steps, segments, sessions, seconds: start };
}
