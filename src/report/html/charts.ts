/**
 * The charts of the HTML report, computed from results documents: every plotted value is a
 * figure measured in the window it is drawn at (a 5-s sample or a fine bucket, divided by that
 * window's measured length). A window where a figure cannot be measured (no replies, so no
 * latency) is a gap (null) and the chart's notes say where, instead of a zero.
 */
import { ERROR_KINDS, errorTotal } from '../../results/fields.js';
import type { ErrorCounters, FineBucket, FineTimeline, ResultsDocument } from '../../results/schema.js';
import { demandedRates } from '../../workload/demand.js';
import { percentileDistribution } from './percentiles.js';

/** One plotted line. */
export interface SeriesSpec {
  label: string;
  /** Index of the run it belongs to (its colour). */
  run: number;
  /** Canvas dash pattern; [] for solid. */
  dash: number[];
  width: number;
  /** 'y' (left axis) or 'y2' (right axis). */
  scale: 'y' | 'y2';
  /** One value per x; null where the figure was not measurable. */
  values: (number | null)[];
  /** Drawn as markers only (a maximum: one value, not a trend, and often on top of p99). */
  pointsOnly?: boolean;
}

/** The series of one run over its own x values (runs are joined on x in the page). */
export interface TableSpec {
  x: number[];
  series: SeriesSpec[];
}

/** Everything the page needs to draw one chart. */
export interface ChartSpec {
  id: string;
  title: string;
  /** What the chart shows and how to read it. */
  caption: string;
  xLabel: string;
  yLabel: string;
  y2Label?: string;
  /** 'seconds' since each run's start, or 'percentile' on a log 1/(1-p) axis. */
  xKind: 'seconds' | 'percentile';
  /** The left axis starts at zero (rates, counts), so small wobbles do not look like collapses. */
  yFromZero: boolean;
  /** A log left axis (latency over time: a stall of seconds and a normal 5 ms both stay readable). */
  yLog?: boolean;
  tables: TableSpec[];
  /** Honesty notes: windows where a figure was not measurable, missing data, merged caveats. */
  notes: string[];
  /** Windows shaded and labelled because the figure was not measurable there. */
  gaps?: GapSpec[];
}

/** A window (seconds into the run) in which a figure was not measurable. */
export interface GapSpec {
  from: number;
  to: number;
  label: string;
}

/** A results document with the name it is shown under. */
export interface LabelledRun {
  label: string;
  doc: ResultsDocument;
}

const SOLID: number[] = [];
const DASHED = [6, 4];
const DOTTED = [2, 3];
const DASH_DOT = [8, 3, 2, 3];

const NO_FINE_TIMELINE =
  'has no fine timeline (a schema 1.0 document, or a merge of runs made at different times): this chart is not available for it';

/** Seconds from the run's start to a wall-clock time. */
function secondsIntoRun(doc: ResultsDocument, epochMs: number): number {
  return Math.round((epochMs - Date.parse(doc.startedAt))) / 1000;
}

/** Count per second over a bucket's measured span; null when the span is empty. */
function perSecond(count: number, bucket: FineBucket): number | null {
  const seconds = (bucket.to - bucket.from) / 1000;
  return seconds > 0 ? count / seconds : null;
}

/** "3 of 12 buckets (at 4.1 s, 5.1 s, 6.1 s)" */
function describeWindows(xs: number[], total: number, unit: string): string {
  const shown = xs.slice(0, 8).map((x) => `${x.toFixed(1)} s`).join(', ');
  return `${xs.length} of ${total} ${unit} (ending at ${shown}${xs.length > 8 ? ', ...' : ''})`;
}

function series(label: string, run: number, values: (number | null)[], dash = SOLID, width = 2, scale: 'y' | 'y2' = 'y'): SeriesSpec {
  return { label, run, dash, width, scale, values };
}

/** Prefix a series name with the run's label when several runs share a chart. */
function naming(runs: readonly LabelledRun[]): (run: number, name: string) => string {
  return (run, name) => (runs.length > 1 ? `${runs[run]!.label}: ${name}` : name);
}

/** Sessions started per 5-s sample against the demanded (target) session rate. */
export function sessionRateChart(runs: readonly LabelledRun[]): ChartSpec {
  const name = naming(runs);
  const notes: string[] = [];
  const tables = runs.map(({ doc, label }, run): TableSpec => {
    const x = doc.timeline.map((s) => s.t);
    const rate = (n: number, interval: number): number | null => (interval > 0 ? n / interval : null);
    const out = [series(name(run, 'sessions started/s'), run, doc.timeline.map((s) => rate(s.sessionsStarted, s.interval)))];
    out.push(series(name(run, 'sessions succeeded/s'), run, doc.timeline.map((s) => rate(s.sessionsSucceeded, s.interval)), DOTTED));
    if (doc.run.targetSessionRate > 0) out.push(series(name(run, 'demanded sessions/s'), run, x.map(() => doc.run.targetSessionRate), DASHED, 1.5));
    else notes.push(`${label}: sessions ran one after another (no --rate), so there is no demanded session rate.`);
    if (x.length === 0) notes.push(`${label}: the run ended before its first 5-s sample.`);
    return { x, series: out };
  });
  return {
    id: 'session-rate',
    title: 'Session rate per 5-s sample: achieved vs demanded',
    caption: 'Sessions started per second in each 5-s sample (httperf\'s sampling), against the rate the arrival schedule demanded. A started rate below the demand means the generator fell behind (see start lag); succeeded below started means sessions failed or are still running.',
    xLabel: 'seconds into the run',
    yLabel: 'sessions/s',
    xKind: 'seconds',
    yFromZero: true,
    tables,
    notes,
  };
}

/** The run's demanded request rate (the one definition the sweep and the gate use); 0 when none. */
function demandedRequestRate(doc: ResultsDocument): number {
  const { targetSessionRate, templateRequestCounts, options } = doc.run;
  if (!(targetSessionRate > 0) || templateRequestCounts.length === 0) return 0;
  return demandedRates(targetSessionRate, { options, templates: templateRequestCounts }).requestRate;
}

/** Replies per second of each fine bucket, as a thin line under the 5-s samples (none for 1.0 documents). */
function fineReplyRate(doc: ResultsDocument, run: number, name: (run: number, name: string) => string): TableSpec[] {
  const fine = doc.fineTimeline;
  if (!fine) return [];
  const x = fine.buckets.map((b) => secondsIntoRun(doc, b.to));
  return [{ x, series: [series(name(run, `replies/s per ${fine.bucketMs / 1000}-s bucket`), run, fine.buckets.map((b) => perSecond(b.replies, b)), SOLID, 1)] }];
}

/** Requests and replies per 5-s sample against the demanded request rate. */
export function requestRateChart(runs: readonly LabelledRun[]): ChartSpec {
  const name = naming(runs);
  const tables = runs.map(({ doc }, run): TableSpec[] => {
    const x = doc.timeline.map((s) => s.t);
    const rate = (pick: (s: (typeof doc.timeline)[number]) => number) => doc.timeline.map((s) => (s.interval > 0 ? pick(s) / s.interval : null));
    const out = [
      series(name(run, 'replies/s'), run, rate((s) => s.replies)),
      series(name(run, 'requests/s'), run, rate((s) => s.requests), DOTTED),
    ];
    const demanded = demandedRequestRate(doc);
    if (demanded > 0) out.push(series(name(run, 'demanded requests/s'), run, x.map(() => demanded), DASHED, 1.5));
    return [{ x, series: out }, ...fineReplyRate(doc, run, name)];
  }).flat();
  return {
    id: 'request-rate',
    title: 'Request and reply rate per 5-s sample: achieved vs demanded',
    caption: 'Replies and requests per second in each 5-s sample (thin line: replies per second of each fine bucket). The demanded request rate is the session rate times the mean requests per session: a steady-state figure (a run\'s first and last seconds are below it by design, as sessions ramp up and drain).',
    xLabel: 'seconds into the run',
    yLabel: 'per second',
    xKind: 'seconds',
    yFromZero: true,
    tables,
    notes: [],
  };
}

/** What a chart over fine buckets draws for one run: its series, given the buckets' x values. */
type FineSeries = (doc: ResultsDocument, fine: FineTimeline, x: number[], run: number, label: string) => SeriesSpec[];

/**
 * One table per run over its fine buckets (x = bucket end, seconds into the run); a run without
 * a fine timeline gets an empty table and a note saying why.
 */
function fineTables(runs: readonly LabelledRun[], notes: string[], build: FineSeries): TableSpec[] {
  return runs.map(({ doc, label }, run) => {
    const fine = doc.fineTimeline;
    if (!fine) {
      notes.push(`${label} ${NO_FINE_TIMELINE}.`);
      return { x: [], series: [] };
    }
    const x = fine.buckets.map((b) => secondsIntoRun(doc, b.to));
    return { x, series: build(doc, fine, x, run, label) };
  });
}

/** Windows of consecutive buckets without a reply, as shaded gaps labelled with the run. */
function noReplyWindows(runs: readonly LabelledRun[]): GapSpec[] {
  const gaps: GapSpec[] = [];
  runs.forEach(({ doc, label }) => {
    let open: GapSpec | undefined;
    for (const b of doc.fineTimeline?.buckets ?? []) {
      if (b.replyTime.count > 0) {
        open = undefined;
        continue;
      }
      if (open) open.to = secondsIntoRun(doc, b.to);
      else gaps.push((open = { from: secondsIntoRun(doc, b.from), to: secondsIntoRun(doc, b.to), label: runs.length > 1 ? `${label}: no replies` : 'no replies' }));
    }
  });
  return gaps;
}

/** Reply-time percentiles per fine bucket. */
export function latencyChart(runs: readonly LabelledRun[]): ChartSpec {
  const name = naming(runs);
  const notes: string[] = [];
  const tables = fineTables(runs, notes, (doc, fine, x, run, label) => {
    const pick = (field: 'p50' | 'p90' | 'p99' | 'max') => fine.buckets.map((b) => (b.replyTime.count > 0 ? b.replyTime[field] / 1000 : null));
    const empty = fine.buckets.flatMap((b, i) => (b.replyTime.count === 0 ? [x[i]!] : []));
    if (empty.length > 0) notes.push(`${label}: no reply completed in ${describeWindows(empty, x.length, `${fine.bucketMs / 1000}-s buckets`)}; latency is not measurable there and the lines have gaps.`);
    return [
      series(name(run, 'p50'), run, pick('p50'), SOLID, 2),
      series(name(run, 'p90'), run, pick('p90'), DASH_DOT, 1.5),
      series(name(run, 'p99'), run, pick('p99'), DASHED, 1.5),
      { ...series(name(run, 'max'), run, pick('max'), SOLID, 1), pointsOnly: true },
    ];
  });
  const width = Math.max(...runs.map((r) => r.doc.fineTimeline?.bucketMs ?? 1000)) / 1000;
  return {
    id: 'latency',
    title: `Reply time percentiles per ${width}-s bucket`,
    caption: 'Request sent to last byte of the reply, for the replies completed in each bucket (HdrHistogram per bucket, 1 % resolution; max, the markers, is exact). A rise in p99 and max with a flat p50 is a stall that hit some requests; a rise of every line is the server slowing down.',
    xLabel: 'seconds into the run',
    yLabel: 'ms (log scale)',
    xKind: 'seconds',
    yFromZero: false,
    yLog: true,
    tables,
    notes,
    gaps: noReplyWindows(runs),
  };
}

/** HdrHistogram percentile distribution plots of some histograms. */
export function distributionChart(runs: readonly LabelledRun[], id: string, title: string, caption: string, names: readonly ('responseTime' | 'replyTime' | 'startLag')[]): ChartSpec {
  const nameOf = naming(runs);
  const notes: string[] = [];
  const dashes = [SOLID, DASHED, DOTTED];
  const readable: Record<string, string> = { responseTime: 'response time', replyTime: 'reply time', startLag: 'start lag' };
  const tables = runs.flatMap(({ doc, label }, run) =>
    names.map((name, i): TableSpec => {
      const points = percentileDistribution(doc.histograms[name]);
      if (points.length === 0) notes.push(`${label}: no ${readable[name]} was measured; nothing to plot.`);
      return { x: points.map((p) => p.x), series: [series(nameOf(run, readable[name]!), run, points.map((p) => p.ms), dashes[i])] };
    }),
  );
  return { id, title, caption, xLabel: 'percentile', yLabel: 'ms', xKind: 'percentile', yFromZero: true, tables, notes };
}

/** Chart words of each error kind. */
const ERROR_NAMES = Object.fromEntries(ERROR_KINDS.map((kind) => [kind.key, kind.name])) as Record<keyof ErrorCounters, string>;

/** Errors by kind (and 5xx replies) per second, per fine bucket. */
export function errorsChart(runs: readonly LabelledRun[]): ChartSpec {
  const name = naming(runs);
  const notes: string[] = [];
  const dashes = [SOLID, DASHED, DOTTED, DASH_DOT];
  const tables = fineTables(runs, notes, (doc, fine, _x, run, label) => {
    const kinds = (Object.keys(ERROR_NAMES) as (keyof ErrorCounters)[]).filter((kind) => fine.buckets.some((b) => b.errors[kind] > 0));
    const out = kinds.map((kind, i) => series(name(run, ERROR_NAMES[kind]), run, fine.buckets.map((b) => perSecond(b.errors[kind], b)), dashes[i % dashes.length]));
    if (fine.buckets.some((b) => b.replies5xx > 0)) out.push(series(name(run, '5xx replies'), run, fine.buckets.map((b) => perSecond(b.replies5xx, b)), DOTTED, 1.5));
    const errors = errorTotal(doc.counters.errors);
    const replies5xx = doc.counters.status[4];
    notes.push(errors + replies5xx === 0 ? `${label}: no errors and no 5xx replies in the whole run.` : `${label}: ${errors} errors, ${replies5xx} 5xx replies.`);
    return out;
  });
  return {
    id: 'errors',
    title: 'Errors by kind per second',
    caption: 'httperf\'s error kinds (a client timeout is --timeout expiring; a reset includes premature EOF) and 5xx replies, per second of each bucket. Kinds that never occurred are left out.',
    xLabel: 'seconds into the run',
    yLabel: 'per second',
    xKind: 'seconds',
    yFromZero: true,
    tables,
    notes,
  };
}

/** Generator CPU and event-loop delay per fine bucket: is the generator itself saturated? */
export function generatorChart(runs: readonly LabelledRun[]): ChartSpec {
  const name = naming(runs);
  const notes: string[] = [];
  const tables = fineTables(runs, notes, (_doc, fine, _x, run) => {
    const cpu = fine.buckets.map((b) => {
      const perSec = perSecond(b.cpuSeconds, b);
      return perSec === null ? null : perSec * 100;
    });
    return [
      series(name(run, 'CPU % of one core'), run, cpu, SOLID, 2),
      series(name(run, 'event-loop delay p99 (ms)'), run, fine.buckets.map((b) => b.loopDelayP99Ms), DASHED, 1.5, 'y2'),
      series(name(run, 'event-loop delay max (ms)'), run, fine.buckets.map((b) => b.loopDelayMaxMs), DOTTED, 1, 'y2'),
    ];
  });
  return {
    id: 'generator',
    title: 'Load generator: CPU and event-loop delay',
    caption: 'CPU used by the generator per second of each bucket (100 % = one core) and how late its event loop ran timers. A generator near 100 % of a core or with loop delays of many ms is measuring itself, not the server. With --workers, CPU is the sum over the processes and the delay the worst process\'s.',
    xLabel: 'seconds into the run',
    yLabel: 'CPU %',
    y2Label: 'delay ms',
    xKind: 'seconds',
    yFromZero: true,
    tables,
    notes,
  };
}

/** Every chart of the page, in reading order. */
export function allCharts(runs: readonly LabelledRun[]): ChartSpec[] {
  return [
    requestRateChart(runs),
    latencyChart(runs),
    distributionChart(
      runs,
      'distribution',
      'Response and reply time: percentile distribution',
      'HdrHistogram percentile plot of the whole run: response time (request sent to first byte of the status line, dashed) and reply time (to the last byte, solid). The x axis is 1/(1-percentile) on a log scale, so the tail (99 %, 99.9 %, ...) gets as much room as the median.',
      ['replyTime', 'responseTime'],
    ),
    errorsChart(runs),
    sessionRateChart(runs),
    distributionChart(
      runs,
      'start-lag',
      'Session start lag: percentile distribution',
      'How late each session started against its place on the arrival schedule. Large lag means the generator could not keep the demanded rate, and latency figures understate what users would have seen.',
      ['startLag'],
    ),
    generatorChart(runs),
  ];
}
