/**
 * `--csv FILE`: autobench 2.1.2's output layout, so existing autobench plotting scripts read it.
 *
 * First `dem_req_rate`, then autobench's nine columns per target in target order
 * (`req_rate_<host> con_rate_<host> min_rep_rate_<host> avg_rep_rate_<host> max_rep_rate_<host>
 * stddev_rep_rate_<host> resp_time_<host> net_io_<host> errors_<host>`), formatted the way
 * autobench prints httperf's figures (one decimal); `errors_<host>` is autobench's percentage
 * 100 x errors / replies in Perl's number format, and 101 when there were no replies. Extra
 * loadgen columns follow all of them, so scripts that address autobench's columns by position
 * keep working. Separator: tab when FILE ends in `.tsv` (autobench's default), else comma.
 * In connection mode the rate is connections/s (autobench's own mode): `dem_req_rate` is
 * num_calls × rate, the first extra column is `dem_conn_rate`, and the per-target `sess_rate`
 * is left out (httperf has no sessions there).
 * One row per rate, ascending; a target without a step at that rate has empty cells.
 */
import { fixed, g } from '../report/printf.js';
import { errorTotal } from '../results/derive.js';
import type { SweepStep, SweepTargetResult } from './schema.js';
import type { RateUnit } from '../workload/demand.js';

/** autobench's per-host columns, in its order. */
export const AUTOBENCH_HOST_COLUMNS = [
  'req_rate',
  'con_rate',
  'min_rep_rate',
  'avg_rep_rate',
  'max_rep_rate',
  'stddev_rep_rate',
  'resp_time',
  'net_io',
  'errors',
] as const;

/** loadgen's extra per-target columns (`sess_rate` only in session mode). */
export const EXTRA_HOST_COLUMNS = ['sess_rate', 'p50_ms', 'p90_ms', 'p99_ms', 'cpu_busy', 'cpu_steal', 'passed', 'reason'] as const;

/** The extra per-target columns of a sweep whose rate counts `unit`. */
function extraColumns(unit: RateUnit): readonly string[] {
  return unit === 'session' ? EXTRA_HOST_COLUMNS : EXTRA_HOST_COLUMNS.slice(1);
}

/** A text cell: quoted (RFC 4180) when it holds a separator, a quote or a line break. */
function quote(text: string): string {
  return /[",\t\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Perl's default number output (`%.15g`). */
function perlNumber(value: number): string {
  return g(value, 15);
}

/** autobench's nine cells for one step. */
function autobenchCells(step: SweepStep): string[] {
  const c = step.counts;
  const a = step.achieved;
  if (!c || !a || !step.errors) return ['0.0', '0.0', '0.0', '0.0', '0.0', '0.0', '0.0', '0.0', '101'];
  const errorsTotal = errorTotal(step.errors);
  const responseMs = c.responseTimeCount > 0 ? c.responseTimeSumMs / c.responseTimeCount : 0;
  return [
    fixed(a.requestRate.avg, 1),
    fixed(a.connectionRate.avg, 1),
    fixed(a.replyRate.min, 1),
    fixed(a.replyRate.avg, 1),
    fixed(a.replyRate.max, 1),
    fixed(a.replyRate.stddev, 1),
    fixed(responseMs, 1),
    fixed(c.seconds > 0 ? c.bytes / c.seconds / 1024 : 0, 1),
    c.replies > 0 ? perlNumber((100 * errorsTotal) / c.replies) : '101',
  ];
}

function extraCells(step: SweepStep, unit: RateUnit): string[] {
  const m = step.metrics && !('unavailable' in step.metrics) ? step.metrics.cpu : undefined;
  const l = step.latency;
  const sessions = unit === 'session' ? [step.achieved ? fixed(step.achieved.sessionRate.avg, 2) : '0.00'] : [];
  return [
    ...sessions,
    l ? fixed(l.p50, 1) : '',
    l ? fixed(l.p90, 1) : '',
    l ? fixed(l.p99, 1) : '',
    m ? fixed(m.busy, 1) : '',
    m ? fixed(m.steal, 1) : '',
    step.passed ? '1' : '0',
    quote(step.reasons.join('; ')),
  ];
}

/** The whole file's text (header and rows, each line ending in LF); `unit`: what the rates count. */
export function formatSweepCsv(targets: readonly SweepTargetResult[], separator: '\t' | ',', unit: RateUnit = 'session'): string {
  const extras = extraColumns(unit);
  const header = ['dem_req_rate'];
  for (const t of targets) for (const col of AUTOBENCH_HOST_COLUMNS) header.push(`${col}_${t.name}`);
  header.push(unit === 'session' ? 'dem_sess_rate' : 'dem_conn_rate');
  for (const t of targets) for (const col of extras) header.push(`${col}_${t.name}`);

  const rates = [...new Set(targets.flatMap((t) => t.steps.map((s) => s.rate)))].sort((a, b) => a - b);
  const lines = [header.join(separator)];
  for (const rate of rates) {
    const steps = targets.map((t) => t.steps.find((s) => s.rate === rate));
    const demanded = steps.find((s) => s)!.demanded;
    const row = [perlNumber(demanded.requestRate)];
    for (const s of steps) row.push(...(s ? autobenchCells(s) : AUTOBENCH_HOST_COLUMNS.map(() => '')));
    row.push(perlNumber(rate));
    for (const s of steps) row.push(...(s ? extraCells(s, unit) : extras.map(() => '')));
    lines.push(row.join(separator));
  }
  return `${lines.join('\n')}\n`;
}

/** Separator for a file name: tab for `.tsv`, comma otherwise. */
export function separatorFor(path: string): '\t' | ',' {
  return /\.tsv$/i.test(path) ? '\t' : ',';
}
