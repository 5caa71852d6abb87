/**
 * loadgen's additions after the httperf report: latency percentiles from the HDR histograms
 * and the generator's own health (CPU, event-loop delay, late sessions), so a reader can tell a
 * slow server from a saturated load generator.
 *
 * No line printed here may start like an httperf report line that tools parse with `^`
 * anchors (autobench: `Total:`, `Connection rate:`, `Request rate:`, `Reply rate`,
 * `Reply time`, `Net I/O:`, `Errors: total`); every line starts with a row label or
 * `loadgen`/`generator`.
 */
import { LATE_SESSION_THRESHOLD_MS } from '../results/fields.js';
import { isSessionWorkload } from '../workload/spec.js';
import { ratio } from '../results/derive.js';
import type { HistogramName, HistogramSummary, ResultsDocument } from '../results/schema.js';
import { fixed, padLeft, padRight } from './printf.js';

/** Line prefixes that httperf-report parsers anchor on; the extras never start a line with one. */
export const RESERVED_LINE_PREFIXES: readonly string[] = [
  'Total:',
  'Connection rate:',
  'Request rate:',
  'Reply rate',
  'Reply time',
  'Net I/O:',
  'Errors: total',
];

interface Row {
  label: string;
  name: HistogramName;
  /** Microseconds per printed unit: 1000 for ms, 1e6 for s. */
  divisor: number;
}

const ROWS: readonly Row[] = [
  { label: 'connect', name: 'connectTime', divisor: 1000 },
  { label: 'response (first byte)', name: 'responseTime', divisor: 1000 },
  { label: 'reply (last byte)', name: 'replyTime', divisor: 1000 },
  { label: 'first reply from intended start', name: 'correctedFirstReply', divisor: 1000 },
  { label: 'connection lifetime', name: 'connectionLifetime', divisor: 1000 },
  { label: 'session lifetime (s, not ms)', name: 'sessionLifetime', divisor: 1e6 },
  { label: 'session start lag', name: 'startLag', divisor: 1000 },
];

const LABEL_WIDTH = 32;
const VALUE_WIDTH = 11;
const COLUMNS = ['p50', 'p90', 'p99', 'p99.9', 'p99.99', 'max', 'count'];

/**
 * One table row: the label, six values with 3 decimals, and the count. HDR percentiles are the
 * top of their bucket (up to 0.1% above the recorded value), while `max` is exact, so a
 * percentile is capped at the max: still an upper bound of the true value, and never above max.
 */
function formatRow(row: Row, summary: HistogramSummary | undefined): string {
  const values =
    summary && summary.count > 0
      ? [summary.p50, summary.p90, summary.p99, summary.p999, summary.p9999]
          .map((p) => Math.min(p, summary.max))
          .concat(summary.max)
      : [0, 0, 0, 0, 0, 0];
  const cells = values.map((us) => padLeft(fixed(ratio(us, row.divisor), 3), VALUE_WIDTH));
  cells.push(padLeft(String(summary?.count ?? 0), VALUE_WIDTH));
  return padRight(row.label, LABEL_WIDTH) + cells.join('');
}

/**
 * The extras section: a blank line, a title line, the percentile table (one row per recorded
 * histogram, values in ms with 3 decimals; session lifetime in seconds), then generator
 * health lines. Ends with a line break.
 */
export function formatExtras(doc: ResultsDocument): string {
  const header = padRight('latency', LABEL_WIDTH) + COLUMNS.map((col) => padLeft(col, VALUE_WIDTH)).join('');
  // In httperf's connection mode a unit is a connection: its lifetime row is the connection's.
  const sessions = isSessionWorkload(doc.run.options.workload);
  const unit = sessions ? 'sessions' : 'connections';
  const rows = sessions ? ROWS : ROWS.filter((row) => row.name !== 'sessionLifetime');
  const table = rows.map((row) => formatRow(sessions || row.name !== 'startLag' ? row : { ...row, label: 'connection start lag' }, doc.histograms[row.name]));

  const gen = doc.generator;
  const cpuPercent = 100 * ratio(gen.cpuUserSeconds + gen.cpuSystemSeconds, doc.duration);
  const lines = [
    '',
    '--- loadgen: latency percentiles (ms) ---',
    header,
    ...table,
    '',
    `generator: CPU ${fixed(cpuPercent, 1)}% of one core; event-loop delay p50 ${fixed(gen.eventLoopDelayP50Ms, 3)} ms p99 ${fixed(gen.eventLoopDelayP99Ms, 3)} ms max ${fixed(gen.eventLoopDelayMaxMs, 3)} ms`,
    `generator: late ${unit} (> ${LATE_SESSION_THRESHOLD_MS} ms) ${gen.lateSessions} of ${doc.counters.sessionsCreated}; quiet reconnects ${doc.counters.quietReconnects}; re-sent calls ${doc.counters.retries}`,
  ];
  if (gen.lateSessions > 0) {
    lines.push(
      `generator: warning: ${unit} started late, so the generator (not only the server) limited the load;`,
      'generator: see "first reply from intended start" for latency as users would have seen it',
    );
  }
  if (doc.run.ended === 'interrupted') {
    lines.push('loadgen: the run was interrupted; the figures cover the part that ran');
  }
  return `${lines.join('\n')}\n`;
}
