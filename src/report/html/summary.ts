/**
 * The figures table at the top of the HTML report: httperf's figures and loadgen's percentiles,
 * one column per run, each cell a measured figure or a plain statement of why there is none.
 */
import { ERROR_KEYS, errorTotal, LATE_SESSION_THRESHOLD_MS } from '../../results/fields.js';
import type { ErrorCounters, HistogramSummary, ResultsDocument } from '../../results/schema.js';
import type { LabelledRun } from './charts.js';

/** A table section: a heading and rows of [figure name, one cell per run]. */
export interface SummarySection {
  heading: string;
  rows: [string, ...string[]][];
}

const fixed = (n: number, digits = 1): string => n.toFixed(digits);
const ms = (us: number): string => (us / 1000).toFixed(us < 10_000 ? 2 : 1);

/** Percentile cell: the value, or why there is none. */
function percentileCell(h: HistogramSummary, pick: (h: HistogramSummary) => number): string {
  return h.count === 0 ? 'none measured' : `${ms(pick(h))} ms`;
}

function rateSamplesCell(doc: ResultsDocument): string {
  const s = doc.rates.replyRateSamples;
  if (s.samples === 0) return 'no 5-s sample (run too short)';
  return `${fixed(s.avg)} avg, ${fixed(s.min)} min, ${fixed(s.max)} max (${s.samples} samples)`;
}

function errorKinds(e: ErrorCounters): string {
  const parts = ERROR_KEYS.filter((kind) => e[kind] > 0).map((kind) => `${kind} ${e[kind]}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** The sections of the figures table. */
export function summarySections(runs: readonly LabelledRun[]): SummarySection[] {
  const row = (name: string, cell: (doc: ResultsDocument) => string): [string, ...string[]] => [name, ...runs.map((r) => cell(r.doc))];
  return [
    {
      heading: 'Run',
      rows: [
        row('Started', (d) => d.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')),
        row('Duration', (d) => `${fixed(d.duration, 3)} s${d.run.ended === 'interrupted' ? ' (interrupted)' : ''}`),
        row('Demanded session rate', (d) => (d.run.targetSessionRate > 0 ? `${fixed(d.run.targetSessionRate, 2)} /s` : 'sequential')),
      ],
    },
    {
      heading: 'Sessions',
      rows: [
        row('Created / succeeded / failed', (d) => `${d.counters.sessionsCreated} / ${d.counters.sessionsSucceeded} / ${d.counters.sessionsFailed}`),
        row('Session rate', (d) => `${fixed(d.rates.sessionRate, 2)} /s`),
        row('Start lag p50 / p99 / max', (d) => ['p50', 'p99', 'max'].map((p) => percentileCell(d.histograms.startLag, (h) => h[p as 'p50'])).join(' / ')),
        row(`Late sessions (> ${LATE_SESSION_THRESHOLD_MS} ms)`, (d) => String(d.generator.lateSessions)),
      ],
    },
    {
      heading: 'Connections, requests, replies',
      rows: [
        row('Connections (rate)', (d) => `${d.counters.connections} (${fixed(d.rates.connectionRate)} /s), ${d.counters.maxConcurrentConnections} concurrent max`),
        row('Requests (rate)', (d) => `${d.counters.requests} (${fixed(d.rates.requestRate)} /s)`),
        row('Replies (rate)', (d) => `${d.counters.replies} (${fixed(d.rates.replyRate)} /s)`),
        row('Reply rate per 5-s sample', rateSamplesCell),
        row('Status 1xx/2xx/3xx/4xx/5xx', (d) => d.counters.status.join(' / ')),
        row('Net I/O', (d) => `${fixed(d.rates.netIoKBps)} KB/s`),
      ],
    },
    {
      heading: 'Latency',
      rows: [
        row('Response time mean (httperf)', (d) => (d.counters.responseTimeCount > 0 ? `${fixed(d.counters.responseTimeSumMs / d.counters.responseTimeCount, 2)} ms` : 'none measured')),
        row('Reply time p50', (d) => percentileCell(d.histograms.replyTime, (h) => h.p50)),
        row('Reply time p90', (d) => percentileCell(d.histograms.replyTime, (h) => h.p90)),
        row('Reply time p99', (d) => percentileCell(d.histograms.replyTime, (h) => h.p99)),
        row('Reply time p99.9', (d) => percentileCell(d.histograms.replyTime, (h) => h.p999)),
        row('Reply time max', (d) => percentileCell(d.histograms.replyTime, (h) => h.max)),
      ],
    },
    {
      heading: 'Errors',
      rows: [
        row('Errors (share of requests)', (d) => `${errorTotal(d.counters.errors)} (${fixed(d.rates.errorRate * 100, 2)} %)`),
        row('By kind', (d) => errorKinds(d.counters.errors)),
      ],
    },
    {
      heading: 'Load generator',
      rows: [
        row('CPU user + system', (d) => `${fixed(d.generator.cpuUserSeconds, 2)} + ${fixed(d.generator.cpuSystemSeconds, 2)} s (${d.duration > 0 ? fixed(((d.generator.cpuUserSeconds + d.generator.cpuSystemSeconds) / d.duration) * 100, 0) : '-'} % of one core)`),
        row('Event-loop delay p99 / max', (d) => `${fixed(d.generator.eventLoopDelayP99Ms)} / ${fixed(d.generator.eventLoopDelayMaxMs)} ms`),
      ],
    },
  ];
}

/** Warnings shown above the figures: runs whose figures must be read with care. */
export function runWarnings(runs: readonly LabelledRun[]): string[] {
  const warnings: string[] = [];
  for (const { label, doc } of runs) {
    if (doc.run.ended === 'interrupted') warnings.push(`${label} was interrupted after ${doc.duration.toFixed(1)} s: every figure covers only what was measured until then.`);
    if (doc.counters.replies === 0) warnings.push(`${label} received no reply at all: there is no latency to show.`);
  }
  return warnings;
}
