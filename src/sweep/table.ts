/**
 * The terminal table of a sweep: a header, then one line per step as it completes, then the
 * verdicts. Fixed-width columns so lines printed one at a time still line up.
 */
import { formatMs, formatPercent, formatSeconds } from './evaluate.js';
import { WARMUP_HEADROOM } from './plan.js';
import type { SweepSettings, SweepStep, SweepTargetResult } from './schema.js';
import { formatRate } from './verdict.js';
import { RATE_UNIT_NAMES, type RateUnit } from '../workload/demand.js';

const COLUMNS: Array<[string, number]> = [
  ['target', 22],
  // The rate column's title is the unit's short name (sess/s or conn/s).
  ['rate', 8],
  ['warm-up', 8],
  ['dem rep/s', 10],
  ['ach rep/s', 10],
  ['ach/dem', 8],
  ['p50', 9],
  ['p99', 9],
  ['errors', 7],
  ['gen CPU', 8],
  ['tgt CPU', 8],
  ['result', 0],
];

function row(cells: string[]): string {
  return cells
    .map((cell, i) => {
      const width = COLUMNS[i]![1];
      if (i === 0) return cell.padEnd(width);
      return width === 0 ? cell : cell.padStart(width);
    })
    .join(' ')
    .trimEnd();
}

/** What a step is made of, printed above the table (settings as stored in the sweep document). */
export function formatStepDesign(settings: Pick<SweepSettings, 'mode' | 'duration' | 'samples' | 'warmup'> & { unit?: RateUnit }): string {
  const noun = RATE_UNIT_NAMES[settings.unit ?? 'session'].noun;
  const warmup = settings.warmup === null ? `warm-up ≥ ${WARMUP_HEADROOM} × ${noun} lifetime (probed), in whole 5-s samples` : `warm-up ${settings.warmup} s (--warmup)`;
  const mode = settings.mode === 'staircase' ? 'staircase: arrivals never stop, the previous step drains in the warm-up' : 'drain: one run per step, --cooldown between steps';
  return `step = ${warmup} + measurement window ${settings.duration} s (--duration; needs ${settings.samples} complete 5-s samples) · ${mode}`;
}

/** The header line (the rate column says what the rates count). */
export function formatStepHeader(unit: RateUnit = 'session'): string {
  return row(COLUMNS.map(([name], i) => (i === 1 ? RATE_UNIT_NAMES[unit].short : name)));
}

/** One step's line. */
export function formatStepLine(targetName: string, step: SweepStep): string {
  const a = step.achieved;
  const m = step.metrics && !('unavailable' in step.metrics) ? step.metrics.cpu : undefined;
  const result = step.passed ? 'pass' : `FAIL: ${step.reasons.join(', ')}`;
  return row([
    targetName.length > 22 ? `${targetName.slice(0, 21)}…` : targetName,
    `${formatRate(step.rate)}${step.phase === 'refine' ? '*' : ''}`,
    formatSeconds(step.timing.warmup),
    formatRate(step.demanded.replyRate),
    a ? formatRate(a.replyRate.avg) : '-',
    a && step.demanded.replyRate > 0 ? formatPercent(a.replyRate.avg / step.demanded.replyRate) : '-',
    step.latency ? formatMs(step.latency.p50) : '-',
    step.latency ? formatMs(step.latency.p99) : '-',
    step.errors ? formatPercent(step.errors.rate) : '-',
    step.generator ? formatPercent(step.generator.cpu) : '-',
    m ? formatPercent(m.busy / 100) : '-',
    result,
  ]);
}

/** Verdict lines (one per target, then the comparison). */
export function formatVerdicts(targets: readonly SweepTargetResult[], comparison: readonly string[]): string {
  const lines = targets.map((t) => (targets.length > 1 ? `${t.name}: ${t.verdict}` : t.verdict));
  return `${[...lines, ...comparison].join('\n')}\n`;
}
