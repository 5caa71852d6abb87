/**
 * The knee, the saturation point and the one-line verdict of a target, and the comparison of
 * several targets. The knee is the highest passing rate; the saturation point is the highest
 * achieved reply rate of any step; the verdict names why the first step above the knee failed.
 */
import { formatPercent } from './evaluate.js';
import type { TargetSpec } from './spec.js';
import type { ResultsDocument } from '../results/schema.js';
import { RATE_UNIT_NAMES, type RateUnit } from '../workload/demand.js';
import type { SweepStep, SweepTargetResult } from './schema.js';

/** Rates print with at most 3 significant decimals and no trailing zeros. */
export function formatRate(rate: number): string {
  if (rate >= 100) return String(Math.round(rate));
  if (rate >= 10) return String(Math.round(rate * 10) / 10);
  return String(Math.round(rate * 100) / 100);
}

/** Knee, saturation and verdict of one target's steps (`interrupted`: a signal stopped the sweep). */
export function summarizeTarget(target: TargetSpec, steps: SweepStep[], runs: ResultsDocument[] = [], interrupted = false): SweepTargetResult {
  const passing = steps.filter((s) => s.passed);
  const kneeStep = passing.reduce<SweepStep | undefined>((best, s) => (!best || s.rate > best.rate ? s : best), undefined);
  const knee = kneeStep ? { rate: kneeStep.rate, unit: kneeStep.demanded.unit, sessionRate: kneeStep.rate, replyRate: kneeStep.achieved?.replyRate.avg ?? 0 } : null;
  const saturationReply = Math.max(0, ...steps.map((s) => s.achieved?.replyRate.avg ?? 0));
  const failingAbove = steps.filter((s) => !s.passed && (!kneeStep || s.rate > kneeStep.rate));
  const firstFailing = failingAbove.reduce<SweepStep | undefined>((low, s) => (!low || s.rate < low.rate ? s : low), undefined);
  const result: SweepTargetResult = {
    name: target.name,
    server: target.server,
    port: target.port,
    ...(target.metricsUrl ? { metricsUrl: target.metricsUrl } : {}),
    knee,
    saturation: { replyRate: saturationReply },
    firstFailingRate: firstFailing?.rate ?? null,
    verdict: '',
    steps,
    runs,
  };
  const unit = steps[0]?.demanded.unit ?? 'session';
  result.verdict = `${interrupted ? 'INTERRUPTED (partial sweep) · ' : ''}${verdictLine(result, unit, kneeStep, firstFailing)}`;
  return result;
}

function targetCpu(step: SweepStep): string | undefined {
  const m = step.metrics;
  if (!m || 'unavailable' in m || !m.cpu) return undefined;
  return `target CPU ${formatPercent(m.cpu.busy / 100)}${m.cpu.steal >= 0.5 ? ` (steal ${formatPercent(m.cpu.steal / 100)})` : ''}`;
}

function verdictLine(r: SweepTargetResult, unit: RateUnit, kneeStep: SweepStep | undefined, firstFailing: SweepStep | undefined): string {
  const parts: string[] = [];
  if (r.steps.length === 0) return 'no step was run';
  if (kneeStep && r.knee) {
    const bound = firstFailing ? '' : '≥ ';
    parts.push(`knee: ${bound}${formatRate(r.knee.rate)} ${RATE_UNIT_NAMES[unit].perSecond} (${formatRate(r.knee.replyRate)} replies/s)`);
  } else if (r.steps.every((s) => s.unmeasured)) {
    parts.push('knee: none (no step could be measured honestly)');
  } else {
    parts.push('knee: none (no step passed; lower --rates)');
  }
  parts.push(`saturates at ${formatRate(r.saturation.replyRate)} replies/s`);
  if (firstFailing) {
    const reasons = firstFailing.reasons.join(', ');
    const what = firstFailing.unmeasured ? ' could not be measured' : '';
    parts.push(`${kneeStep ? 'first failing step' : 'first step'} ${formatRate(firstFailing.rate)}/s${what}: ${reasons}`);
    const cpu = targetCpu(firstFailing);
    if (cpu) parts.push(cpu);
    if (firstFailing.generatorLimited) parts.push('the load generator was the limit there, so the server may do more: add generators (--client I/N)');
  } else {
    parts.push(`no step failed up to ${formatRate(Math.max(...r.steps.map((s) => s.rate)))}/s (raise --rates to find the knee)`);
  }
  return parts.join(' · ');
}

/** Ratio lines comparing every target with the first one. */
export function compareTargets(results: readonly SweepTargetResult[]): string[] {
  if (results.length < 2) return [];
  const base = results[0]!;
  return results.slice(1).map((r) => {
    const kneeRatio = base.knee && r.knee && base.knee.rate > 0 ? `knee ${(r.knee.rate / base.knee.rate).toFixed(2)}×` : 'knee n/a';
    const satRatio = base.saturation.replyRate > 0 ? `saturation ${(r.saturation.replyRate / base.saturation.replyRate).toFixed(2)}×` : 'saturation n/a';
    return `${r.name} / ${base.name}: ${kneeRatio}, ${satRatio}`;
  });
}
