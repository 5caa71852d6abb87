/**
 * Judging one step: did the server meet the demand? A step passes when its window held enough
 * complete samples, every achieved rate is at least `tolerance` of the demanded one, the error
 * rate is at most `maxErrors`, every SLO holds, and nothing made the window dishonest: a
 * generator-limited step, one whose sessions outlived the warm-up (no steady state), one without
 * target metrics, or one cut short by a signal fails and is marked unmeasured, never the knee.
 */
import { errorTotal, sampleStats } from '../results/derive.js';
import { ERROR_KINDS } from '../results/fields.js';
import type { HistogramSummary, TimelineSample } from '../results/schema.js';
import type { NodeMetrics } from '../metrics/node.js';
import { RATE_UNIT_NAMES, type DemandedRates, type RateUnit } from '../workload/demand.js';
import { stepDemand, type SessionShape } from './demand.js';
import type { Slo } from './spec.js';
import type { AchievedRates, GeneratorHealth, LatencyFigures, StepErrors, StepTiming, SweepStep } from './schema.js';
import type { WindowMeasure } from './window.js';

/** Pass/fail criteria of a step. */
export interface StepCriteria {
  tolerance: number;
  /** Fraction 0..1. */
  maxErrors: number;
  slos: readonly Slo[];
}

/** Generator saturation thresholds (docs/sweep.md). */
export const GENERATOR_LIMITS = {
  /** CPU seconds per second of the generator process (one core = 1). */
  cpu: 0.9,
  eventLoopDelayP99Ms: 50,
  /** Start-lag p90 as a fraction of the inter-arrival time ... (p90, not p99: one 200-ms
   *  pause of a shared machine delays more than 1% of a short step's sessions) */
  startLagFraction: 0.1,
  /** ... but never below this many ms: timer granularity and a shared machine's scheduling
   *  give tens of ms of jitter that the arrival catch-up absorbs; a saturated generator falls
   *  behind by far more, and keeps falling behind. */
  startLagFloorMs: 50,
} as const;

/** `480 ms`, `1.9 s`, `0.35 ms`. */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** Percent with no decimals, or one below 10 %. */
export function formatPercent(fraction: number): string {
  const pct = fraction * 100;
  return `${pct < 10 && pct !== 0 ? pct.toFixed(1) : Math.round(pct)}%`;
}

function latencyFigures(h: HistogramSummary, reply: HistogramSummary): LatencyFigures {
  const ms = (us: number) => us / 1000;
  return { mean: ms(h.mean), p50: ms(h.p50), p90: ms(h.p90), p99: ms(h.p99), p999: ms(h.p999), max: ms(h.max), replyP99: ms(reply.p99) };
}

function stepErrors(m: WindowMeasure): StepErrors {
  const total = errorTotal(m.errors);
  const attempts = m.counts.replies + total;
  return { ...m.errors, status5xx: m.status5xx, rate: attempts > 0 ? (total + m.status5xx) / attempts : 0 };
}

/** httperf's names of the error categories (results/fields.ts), then 5xx replies, for reasons. */
const ERROR_LABELS: Array<[keyof StepErrors, string]> = [...ERROR_KINDS.map((kind): [keyof StepErrors, string] => [kind.key, kind.label]), ['status5xx', '5xx']];

function errorBreakdown(errors: StepErrors): string {
  return ERROR_LABELS.filter(([key]) => errors[key] > 0)
    .map(([key, label]) => `${label} ${errors[key]}`)
    .join(', ');
}

function generatorHealth(m: WindowMeasure): GeneratorHealth {
  const seconds = m.counts.seconds;
  return { cpu: seconds > 0 ? m.cpuSeconds / seconds : 0, eventLoopDelayP99Ms: m.loopDelayP99Ms, startLagP90Ms: m.histograms.startLag.p90 / 1000 };
}

/** Reasons the generator was the limit (empty when it was not); `unit`: what `rate` counts. */
export function generatorLimits(health: GeneratorHealth, rate: number, unit: RateUnit = 'session'): string[] {
  const reasons: string[] = [];
  if (health.cpu > GENERATOR_LIMITS.cpu) reasons.push(`generator CPU ${formatPercent(health.cpu)} of a core`);
  if (health.eventLoopDelayP99Ms > GENERATOR_LIMITS.eventLoopDelayP99Ms) reasons.push(`generator event-loop delay p99 ${formatMs(health.eventLoopDelayP99Ms)}`);
  const gapMs = 1000 / rate;
  const lagLimitMs = Math.max(GENERATOR_LIMITS.startLagFraction * gapMs, GENERATOR_LIMITS.startLagFloorMs);
  if (health.startLagP90Ms > lagLimitMs) {
    const limitText = lagLimitMs > GENERATOR_LIMITS.startLagFloorMs ? `10% of the ${formatMs(gapMs)} inter-arrival time` : formatMs(lagLimitMs);
    reasons.push(`${RATE_UNIT_NAMES[unit].noun} start lag p90 ${formatMs(health.startLagP90Ms)} > ${limitText}`);
  }
  return reasons;
}

function sloValue(l: LatencyFigures, stat: Slo['stat']): number {
  return l[stat];
}


/** Achieved rates: min/avg/max/stddev over the window's complete samples. */
export function achievedRates(samples: readonly TimelineSample[]): AchievedRates {
  const stats = (pick: (s: TimelineSample) => number) => sampleStats(samples.map((s) => pick(s) / s.interval));
  return {
    connectionRate: stats((s) => s.connections),
    requestRate: stats((s) => s.requests),
    replyRate: stats((s) => s.replies),
    sessionRate: stats((s) => s.sessionsSucceeded),
  };
}

/** Everything needed to judge one step. */
export interface StepInput {
  rate: number;
  phase: SweepStep['phase'];
  timing: StepTiming;
  shape: SessionShape;
  criteria: StepCriteria;
  /** What the window measured; null when no complete sample fell inside it. */
  measure: WindowMeasure | null;
  /** Index of the step's run in the target's runs. */
  run: number | null;
  /** A signal stopped the run before the window ended. */
  interrupted?: boolean;
  metrics?: NodeMetrics | { unavailable: string };
}

/** Reasons the server fell short (rates, errors, SLOs) in a window that holds enough samples. */
function serverReasons(input: StepInput, demanded: DemandedRates, m: WindowMeasure, achieved: AchievedRates, latency: LatencyFigures, errors: StepErrors): string[] {
  const { criteria } = input;
  if (m.counts.replies === 0) {
    const breakdown = errorBreakdown(errors);
    return [`no replies${breakdown ? ` (${breakdown})` : ''}`];
  }
  const reasons: string[] = [];
  // A demand that does not apply (sessions in connection mode) is null and not checked.
  const checks: Array<[string, number, number | null]> = [
    ['reply rate', achieved.replyRate.avg, demanded.replyRate],
    ['session rate', achieved.sessionRate.avg, demanded.sessionRate],
    ['request rate', achieved.requestRate.avg, demanded.requestRate],
    ['connection rate', achieved.connectionRate.avg, demanded.connectionRate],
  ];
  // The first short rate is the headline; the others usually fall with it, so they follow in brackets.
  const short = checks.filter((c): c is [string, number, number] => c[2] !== null && c[2] > 0 && c[1] < criteria.tolerance * c[2]);
  if (short.length > 0) {
    const [[name, got, wanted], ...others] = short as [[string, number, number], ...Array<[string, number, number]>];
    const also = others.map(([n, g, w]) => `${n.replace(' rate', '')} ${formatPercent(g / w)}`).join(', ');
    reasons.push(`${name} ${formatPercent(got / wanted)} of demand${also ? ` (${also})` : ''}`);
  }
  if (errors.rate > criteria.maxErrors) reasons.push(`errors ${formatPercent(errors.rate)} > ${formatPercent(criteria.maxErrors)} (${errorBreakdown(errors)})`);
  for (const slo of criteria.slos) {
    const value = sloValue(latency, slo.stat);
    const ok = slo.inclusive ? value <= slo.limitMs : value < slo.limitMs;
    if (!ok) reasons.push(`${slo.stat} ${formatMs(value)} ${value > slo.limitMs ? '>' : '='} ${formatMs(slo.limitMs)}`);
  }
  return reasons;
}

/** Why the window cannot be trusted (empty when it can). */
function honestyReasons(input: StepInput, m: WindowMeasure | null, generator: GeneratorHealth | null, serverFailed: boolean): string[] {
  const t = input.timing;
  const noun = RATE_UNIT_NAMES[input.shape.unit].noun;
  const reasons: string[] = [];
  const samples = m?.samples.length ?? 0;
  if (input.interrupted) reasons.push('interrupted: the run was stopped before the window ended');
  else if (samples < t.samplesNeeded) {
    const seconds = t.window.to - t.window.from;
    reasons.push(`too few samples: ${samples} complete 5-s sample${samples === 1 ? '' : 's'} in the ${formatSeconds(seconds)} window, need ${t.samplesNeeded}`);
  }
  if (m && !serverFailed && m.histograms.sessionLifetime.count > 0) {
    // Units that outlive the warm-up may have started at the previous rate: the window mixes two steps.
    const p90 = m.histograms.sessionLifetime.p90 / 1e6;
    if (p90 > t.warmup + 1e-9) reasons.push(`no steady state: ${noun} lifetime p90 ${formatSeconds(p90)} > warm-up ${formatSeconds(t.warmup)}`);
  }
  if (generator) {
    const limited = generatorLimits(generator, input.rate, input.shape.unit);
    if (limited.length > 0) reasons.push(`generator-limited: ${limited.join(', ')}`);
  }
  if (input.metrics && 'unavailable' in input.metrics) reasons.push(`target ${input.metrics.unavailable}`);
  else if (input.metrics && !input.metrics.cpu) {
    // Readable but without CPU counters (not node_exporter): the target's side is still unknown.
    reasons.push(`target ${input.metrics.notes.find((n) => n.startsWith('CPU unavailable')) ?? 'CPU unavailable'}`);
  }
  return reasons;
}

/** `12 s`, `7.6 s`. */
export function formatSeconds(s: number): string {
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** Judge one step from what its window measured. */
export function evaluateStep(input: StepInput): SweepStep {
  const m = input.measure;
  const demanded = stepDemand(input.rate, input.shape);
  const achieved = m ? achievedRates(m.samples) : null;
  const latency = m ? latencyFigures(m.histograms.responseTime, m.histograms.replyTime) : null;
  const errors = m ? stepErrors(m) : null;
  const generator = m ? generatorHealth(m) : null;
  const enough = (m?.samples.length ?? 0) >= input.timing.samplesNeeded && !input.interrupted;
  const server = m && enough ? serverReasons(input, demanded, m, achieved!, latency!, errors!) : [];
  const honesty = honestyReasons(input, m, generator, server.length > 0);
  // Reasons the window is unusable come first, then the server's shortfalls, then other doubts.
  const first = (r: string) => r.startsWith('interrupted') || r.startsWith('too few');
  const reasons = [...honesty.filter(first), ...server, ...honesty.filter((r) => !first(r))];
  const notes = input.metrics && !('unavailable' in input.metrics) ? [...input.metrics.notes] : [];
  return {
    rate: input.rate,
    phase: input.phase,
    run: input.run,
    timing: input.timing,
    counts: m?.counts ?? null,
    demanded,
    achieved,
    latency,
    errors,
    generator,
    passed: reasons.length === 0,
    reasons,
    generatorLimited: honesty.some((r) => r.startsWith('generator-limited')),
    unmeasured: honesty.length > 0,
    notes,
    ...(input.metrics ? { metrics: input.metrics } : {}),
  };
}
