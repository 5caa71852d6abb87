/**
 * Judging one step: did the server meet the demand? A step passes when every achieved rate is
 * at least `tolerance` of the demanded one, the error rate is at most `maxErrors`, and every SLO
 * holds. A step whose load generator was saturated is marked generator-limited and never passes:
 * its figures say more about the generator than about the server.
 */
import { errorTotal } from '../results/derive.js';
import type { HistogramSummary, ResultsDocument } from '../results/schema.js';
import type { NodeMetrics } from '../metrics/node.js';
import type { SessionShape } from './demand.js';
import { demandedRates } from './demand.js';
import type { Slo } from './spec.js';
import { achievedRates } from './steady.js';
import type { GeneratorHealth, LatencyFigures, StepErrors, SweepStep } from './schema.js';

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

function stepErrors(doc: ResultsDocument): StepErrors {
  const e = doc.counters.errors;
  const total = errorTotal(e);
  const status5xx = doc.counters.status[4];
  const attempts = doc.counters.replies + total;
  return { ...e, status5xx, rate: attempts > 0 ? (total + status5xx) / attempts : 0 };
}

/** httperf's names of the error categories, for reasons. */
const ERROR_LABELS: Array<[keyof StepErrors, string]> = [
  ['clientTimeout', 'client-timo'],
  ['socketTimeout', 'socket-timo'],
  ['connRefused', 'connrefused'],
  ['connReset', 'connreset'],
  ['fdUnavail', 'fd-unavail'],
  ['addrUnavail', 'addrunavail'],
  ['ftabFull', 'ftab-full'],
  ['other', 'other'],
  ['status5xx', '5xx'],
];

function errorBreakdown(errors: StepErrors): string {
  return ERROR_LABELS.filter(([key]) => errors[key] > 0)
    .map(([key, label]) => `${label} ${errors[key]}`)
    .join(', ');
}

function generatorHealth(doc: ResultsDocument): GeneratorHealth {
  const g = doc.generator;
  const cpu = doc.duration > 0 ? (g.cpuUserSeconds + g.cpuSystemSeconds) / doc.duration : 0;
  return { cpu, eventLoopDelayP99Ms: g.eventLoopDelayP99Ms, startLagP90Ms: doc.histograms.startLag.p90 / 1000 };
}

/** Reasons the generator was the limit (empty when it was not). */
export function generatorLimits(health: GeneratorHealth, rate: number): string[] {
  const reasons: string[] = [];
  if (health.cpu > GENERATOR_LIMITS.cpu) reasons.push(`generator CPU ${formatPercent(health.cpu)} of a core`);
  if (health.eventLoopDelayP99Ms > GENERATOR_LIMITS.eventLoopDelayP99Ms) reasons.push(`generator event-loop delay p99 ${formatMs(health.eventLoopDelayP99Ms)}`);
  const gapMs = 1000 / rate;
  const lagLimitMs = Math.max(GENERATOR_LIMITS.startLagFraction * gapMs, GENERATOR_LIMITS.startLagFloorMs);
  if (health.startLagP90Ms > lagLimitMs) {
    const limitText = lagLimitMs > GENERATOR_LIMITS.startLagFloorMs ? `10% of the ${formatMs(gapMs)} inter-arrival time` : formatMs(lagLimitMs);
    reasons.push(`session start lag p90 ${formatMs(health.startLagP90Ms)} > ${limitText}`);
  }
  return reasons;
}

function sloValue(l: LatencyFigures, stat: Slo['stat']): number {
  return l[stat];
}

/** Everything needed to judge one step. */
export interface StepInput {
  rate: number;
  sessions: number;
  phase: SweepStep['phase'];
  shape: SessionShape;
  criteria: StepCriteria;
  doc: ResultsDocument;
  metrics?: NodeMetrics | { unavailable: string };
}

/** Judge one measured step. */
export function evaluateStep(input: StepInput): SweepStep {
  const { rate, sessions, shape, criteria, doc } = input;
  const notes: string[] = [];
  const reasons: string[] = [];
  const demanded = demandedRates(rate, shape);
  const achieved = achievedRates(doc, rate, sessions, shape.maxThinkSeconds, notes);
  const latency = latencyFigures(doc.histograms.responseTime, doc.histograms.replyTime);
  const errors = stepErrors(doc);
  const generator = generatorHealth(doc);

  if (doc.counters.replies === 0) {
    const breakdown = errorBreakdown(errors);
    reasons.push(`no replies${breakdown ? ` (${breakdown})` : ''}`);
  } else {
    const checks: Array<[string, number, number]> = [
      ['reply rate', achieved.replyRate.avg, demanded.replyRate],
      ['session rate', achieved.sessionRate.avg, demanded.sessionRate],
      ['request rate', achieved.requestRate.avg, demanded.requestRate],
      ['connection rate', achieved.connectionRate.avg, demanded.connectionRate],
    ];
    // The first short rate is the headline; the others usually fall with it, so they follow in brackets.
    const short = checks.filter(([, got, wanted]) => wanted > 0 && got < criteria.tolerance * wanted);
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
  }
  const limited = generatorLimits(generator, rate);
  const generatorLimited = limited.length > 0;
  if (generatorLimited) reasons.push(`generator-limited: ${limited.join(', ')}`);
  if (doc.run.ended === 'interrupted') notes.push('the run was interrupted before every session ended');
  if (input.metrics && 'unavailable' in input.metrics) notes.push(input.metrics.unavailable);
  else if (input.metrics) notes.push(...input.metrics.notes);

  return {
    rate,
    phase: input.phase,
    demanded,
    achieved,
    latency,
    errors,
    generator,
    passed: reasons.length === 0,
    reasons,
    generatorLimited,
    notes,
    ...(input.metrics ? { metrics: input.metrics } : {}),
    results: doc,
  };
}

/** A step that could not be run at all (e.g. the run failed before measuring anything). */
export function failedStep(rate: number, phase: SweepStep['phase'], shape: SessionShape, reason: string, metrics?: SweepStep['metrics']): SweepStep {
  return {
    rate,
    phase,
    demanded: demandedRates(rate, shape),
    achieved: null,
    latency: null,
    errors: null,
    generator: null,
    passed: false,
    reasons: [reason],
    generatorLimited: false,
    notes: metrics && 'unavailable' in metrics ? [metrics.unavailable] : [],
    ...(metrics ? { metrics } : {}),
    results: null,
  };
}
