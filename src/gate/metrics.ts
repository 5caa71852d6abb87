/**
 * The catalogue of gateable metrics: every figure of the httperf-style report and of the results
 * document, by the snake_case name used in `--assert` expressions, with its kind (which decides
 * the units an expression may use) and how to read it from a document.
 *
 * Internal units, used for every comparison: times in milliseconds, rates per second,
 * bandwidth in KB/s, fractions as 0..1, counts as plain numbers.
 */
import type { HistogramName, ResultsDocument } from '../results/schema.js';
import { ERROR_KINDS, errorTotal, LATE_SESSION_THRESHOLD_MS } from '../results/fields.js';
import { demandedRates } from '../workload/demand.js';

/** What a metric measures; decides the units allowed in an expression. */
export type MetricKind = 'time' | 'rate' | 'bandwidth' | 'fraction' | 'count';

/** The sweep document shape the gate reads (defined by src/sweep/schema.ts; duck-typed here). */
export interface SweepDocumentLike {
  kind: 'loadgen-sweep';
  /** A signal stopped the sweep (sweep schemaVersion 2; absent in version 1). */
  interrupted?: boolean;
  targets: Array<{
    name: string;
    knee: { sessionRate: number; replyRate: number } | null;
    saturation: { replyRate: number };
  }>;
}

/** A document a gate can be evaluated on. */
export type GateDocument = ResultsDocument | SweepDocumentLike;

/** Why a metric has no value in a document. */
export type Unavailable =
  /** The figure does not exist in this kind of document (e.g. `knee` in a replay result). */
  | { reason: 'not-applicable'; detail: string }
  /** The figure exists but nothing was measured (e.g. a latency percentile with no replies). */
  | { reason: 'no-samples'; detail: string };

/** A metric's value in internal units, or why there is none. */
export type Measurement = { value: number } | Unavailable;

/** One gateable metric. */
export interface MetricDefinition {
  readonly name: string;
  readonly kind: MetricKind;
  /** One line for `--help`-style listings and docs. */
  readonly description: string;
  /** Which rate the `target` keyword stands for, when the metric has a demanded value. */
  readonly target?: TargetRate;
  /** Read the metric from a document. */
  readonly read: (doc: GateDocument) => Measurement;
}

/** The demanded rates `target` can refer to. */
export type TargetRate = 'session' | 'request' | 'connection';

/** True when the document is a sweep document (duck-typed on `kind`). */
export function isSweepDocument(doc: unknown): doc is SweepDocumentLike {
  return typeof doc === 'object' && doc !== null && (doc as { kind?: unknown }).kind === 'loadgen-sweep';
}

const NOT_SWEEP: Unavailable = { reason: 'not-applicable', detail: 'only in a replay results document, not a sweep' };
const ONLY_SWEEP: Unavailable = { reason: 'not-applicable', detail: 'only in a sweep document' };

/** Reader for a figure of a replay results document. */
function fromResults(read: (doc: ResultsDocument) => Measurement): (doc: GateDocument) => Measurement {
  return (doc) => (isSweepDocument(doc) ? NOT_SWEEP : read(doc));
}

/** Reader for a figure of a sweep document's first target. */
function fromSweep(read: (target: SweepDocumentLike['targets'][number]) => Measurement): (doc: GateDocument) => Measurement {
  return (doc) => {
    if (!isSweepDocument(doc)) return ONLY_SWEEP;
    const first = doc.targets[0];
    if (first === undefined) return { reason: 'no-samples', detail: 'the sweep document has no targets' };
    return read(first);
  };
}

const value = (v: number): Measurement => ({ value: v });

/** Histogram names as they appear in expressions. */
const HISTOGRAM_METRICS: ReadonlyArray<readonly [string, HistogramName, string]> = [
  ['response_time', 'responseTime', 'request sent -> first byte of the reply (httperf "response")'],
  ['reply_time', 'replyTime', 'request sent -> last byte of the reply'],
  ['connect_time', 'connectTime', 'connect() -> connected'],
  ['session_lifetime', 'sessionLifetime', 'lifetime of successful sessions'],
  ['start_lag', 'startLag', 'session start lag behind its intended start (generator lateness)'],
  ['corrected_first_reply', 'correctedFirstReply', "first reply of each session from the session's intended start"],
  ['connection_lifetime', 'connectionLifetime', 'lifetime of connections that delivered a reply'],
];

/** Statistics available on every histogram metric, and the summary field each reads. */
const HISTOGRAM_STATS = ['min', 'mean', 'p50', 'p90', 'p99', 'p999', 'p9999', 'max', 'stddev'] as const;

function histogramMetrics(): MetricDefinition[] {
  const out: MetricDefinition[] = [];
  for (const [prefix, histogram, description] of HISTOGRAM_METRICS) {
    for (const stat of HISTOGRAM_STATS) {
      out.push({
        name: `${prefix}.${stat}`,
        kind: 'time',
        description: `${stat} of ${description}`,
        read: fromResults((doc) => {
          const summary = doc.histograms[histogram];
          // An empty histogram reports 0 for every percentile; that must not pass a latency gate.
          if (summary === undefined || summary.count === 0) {
            return { reason: 'no-samples', detail: `no ${prefix.replace(/_/g, ' ')} was measured` };
          }
          return value(summary[stat] / 1000);
        }),
      });
    }
  }
  return out;
}

/** Rate sample statistics (httperf's "Reply rate [replies/s]: min avg max stddev" lines). */
function sampleMetrics(): MetricDefinition[] {
  const out: MetricDefinition[] = [];
  const families = [
    ['reply_rate', 'replyRateSamples', 'request'],
    ['session_rate', 'sessionRateSamples', 'session'],
  ] as const;
  for (const [prefix, field, target] of families) {
    for (const stat of ['min', 'avg', 'max', 'stddev'] as const) {
      out.push({
        name: `${prefix}.${stat}`,
        kind: 'rate',
        description: `${stat} of the 5-s ${prefix.replace('_', ' ')} samples`,
        target,
        read: fromResults((doc) => {
          const samples = doc.rates[field];
          if (samples.samples === 0) return { reason: 'no-samples', detail: 'the run was shorter than one 5-s sample' };
          return value(samples[stat]);
        }),
      });
    }
  }
  return out;
}

function counterMetrics(): MetricDefinition[] {
  const out: MetricDefinition[] = [
    { name: 'errors', kind: 'count', description: 'errors of every kind (httperf "Errors: total")', read: fromResults((d) => value(errorTotal(d.counters.errors))) },
  ];
  for (const { metric, key } of ERROR_KINDS) {
    out.push({
      name: `errors.${metric}`,
      kind: 'count',
      description: `${metric.replace('_', '-')} errors`,
      read: fromResults((d) => value(d.counters.errors[key])),
    });
  }
  for (let cls = 1; cls <= 5; cls++) {
    out.push({
      name: `status_${cls}xx`,
      kind: 'count',
      description: `replies with a ${cls}xx status`,
      read: fromResults((d) => value(d.counters.status[cls - 1]!)),
    });
  }
  const plain: ReadonlyArray<readonly [string, string, (d: ResultsDocument) => number]> = [
    ['connections', 'connection attempts', (d) => d.counters.connections],
    ['requests', 'requests sent', (d) => d.counters.requests],
    ['replies', 'replies received', (d) => d.counters.replies],
    ['sessions', 'sessions created', (d) => d.counters.sessionsCreated],
    ['sessions_succeeded', 'sessions that succeeded', (d) => d.counters.sessionsSucceeded],
    ['sessions_failed', 'sessions that failed', (d) => d.counters.sessionsFailed],
    ['retries', 'calls re-sent after a failure', (d) => d.counters.retries],
    ['late_sessions', `sessions started more than ${LATE_SESSION_THRESHOLD_MS} ms late (generator lateness)`, (d) => d.generator.lateSessions],
    ['max_concurrent_connections', 'most connections open at once', (d) => d.counters.maxConcurrentConnections],
  ];
  for (const [name, description, read] of plain) {
    out.push({ name, kind: 'count', description, read: fromResults((d) => value(read(d))) });
  }
  return out;
}

function rateMetrics(): MetricDefinition[] {
  return [
    { name: 'reply_rate', kind: 'rate', target: 'request', description: 'replies per second over the run', read: fromResults((d) => value(d.rates.replyRate)) },
    { name: 'request_rate', kind: 'rate', target: 'request', description: 'requests per second over the run', read: fromResults((d) => value(d.rates.requestRate)) },
    { name: 'connection_rate', kind: 'rate', target: 'connection', description: 'connection attempts per second', read: fromResults((d) => value(d.rates.connectionRate)) },
    { name: 'session_rate', kind: 'rate', target: 'session', description: 'successful sessions per second', read: fromResults((d) => value(d.rates.sessionRate)) },
    { name: 'net_io', kind: 'bandwidth', description: 'network I/O, KB/s (httperf "Net I/O")', read: fromResults((d) => value(d.rates.netIoKBps)) },
    { name: 'error_rate', kind: 'fraction', description: 'errors per request (1% = 0.01)', read: fromResults((d) => value(d.rates.errorRate)) },
    {
      name: 'session_failure_rate',
      kind: 'fraction',
      description: 'failed sessions per ended session',
      read: fromResults((d) => {
        const ended = d.counters.sessionsSucceeded + d.counters.sessionsFailed;
        return ended === 0 ? { reason: 'no-samples', detail: 'no session ended' } : value(d.counters.sessionsFailed / ended);
      }),
    },
    { name: 'duration', kind: 'time', description: 'test duration', read: fromResults((d) => value(d.duration * 1000)) },
    { name: 'event_loop_delay.p99', kind: 'time', description: "p99 of the generator's event-loop delay", read: fromResults((d) => value(d.generator.eventLoopDelayP99Ms)) },
    { name: 'event_loop_delay.max', kind: 'time', description: "max of the generator's event-loop delay", read: fromResults((d) => value(d.generator.eventLoopDelayMaxMs)) },
  ];
}

function sweepMetrics(): MetricDefinition[] {
  return [
    {
      name: 'knee',
      kind: 'rate',
      description: "sweep: highest passing rate of the first target, sessions/s or connections/s (0 when no step passed)",
      read: fromSweep((t) => value(t.knee === null ? 0 : t.knee.sessionRate)),
    },
    {
      name: 'knee.reply_rate',
      kind: 'rate',
      description: 'sweep: reply rate achieved at the knee (0 when no step passed)',
      read: fromSweep((t) => value(t.knee === null ? 0 : t.knee.replyRate)),
    },
    { name: 'saturation', kind: 'rate', description: 'sweep: highest reply rate any step achieved', read: fromSweep((t) => value(t.saturation.replyRate)) },
  ];
}

/** Every metric, in the order they are listed to users. */
export const METRICS: readonly MetricDefinition[] = [
  ...rateMetrics(),
  ...sampleMetrics(),
  ...histogramMetrics(),
  ...counterMetrics(),
  ...sweepMetrics(),
];

const BY_NAME = new Map(METRICS.map((m) => [m.name, m]));

/** The metric of this name, or undefined. */
export function findMetric(name: string): MetricDefinition | undefined {
  return BY_NAME.get(name);
}

/**
 * The valid names in a compact form for error messages: histogram statistics are folded into
 * `response_time.{min,mean,...}` so the whole list stays readable on one screen.
 */
export function validMetricNames(): string {
  compactNames ??= foldNames();
  return compactNames;
}

let compactNames: string | undefined;

function foldNames(): string {
  const folded = new Map<string, string[]>();
  const order: string[] = [];
  for (const m of METRICS) {
    const dot = m.name.indexOf('.');
    const isFamily = dot > 0 && METRICS.filter((o) => o.name.startsWith(m.name.slice(0, dot + 1))).length > 2;
    // Family keys keep their dot so `errors` and `errors.{...}` stay separate entries.
    const key = isFamily ? m.name.slice(0, dot + 1) : m.name;
    if (!folded.has(key)) {
      folded.set(key, []);
      order.push(key);
    }
    if (isFamily) folded.get(key)!.push(m.name.slice(dot + 1));
  }
  return order.map((key) => {
    const stats = folded.get(key)!;
    return stats.length === 0 ? key : `${key}{${stats.join(',')}}`;
  }).join(', ');
}

/** Demanded rate the `target` keyword stands for, or why there is none (src/workload/demand.ts). */
export function targetRate(doc: GateDocument, which: TargetRate): Measurement {
  if (isSweepDocument(doc)) return { reason: 'not-applicable', detail: '`target` needs a replay results document' };
  const rate = doc.run.targetSessionRate;
  if (!(rate > 0)) {
    return { reason: 'not-applicable', detail: '`target` needs a fixed arrival rate (--rate or --period), not sequential sessions' };
  }
  const templates = doc.run.templateRequestCounts;
  if (templates.length === 0) return { reason: 'not-applicable', detail: 'the document lists no session templates' };
  // Connections per unit are not known in advance (reconnects, --max-connections): use the
  // number the units of this run actually opened.
  const created = doc.counters.sessionsCreated;
  const measured = created > 0 ? { measuredConnectionsPerUnit: doc.counters.connections / created } : {};
  const demanded = demandedRates(rate, { options: doc.run.options, templates, ...measured });
  if (which === 'request') return value(demanded.requestRate);
  if (which === 'session') {
    if (demanded.sessionRate === null) return { reason: 'not-applicable', detail: 'connection mode (--num-conns) has no sessions: its rate counts connections (use connection_rate)' };
    return value(demanded.sessionRate);
  }
  if (demanded.connectionRate === null) return { reason: 'no-samples', detail: 'no session or connection was created' };
  return value(demanded.connectionRate);
}
