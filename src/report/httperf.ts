/**
 * The httperf-compatible text report: the final report of spec 5.1 (the echo line that starts it
 * is the workload's, src/workload/echo.ts),
 * with the same labels, order and number formats, so scripts that parse httperf's output
 * (autobench's `^Total: .*replies`, `^Reply rate ...` regexes) keep working.
 *
 * Deliberate differences from httperf 0.9.0 (its defects, spec 9): undefined figures print 0
 * instead of `inf`/`nan`/`-nan`; the connect-time mean covers only connections that reached
 * "connected" (refused ones are excluded); the connection-time median is the true median of
 * the recorded lifetimes (an HDR histogram) instead of the centre of a 1 ms bin that breaks
 * beyond 100 s; stddevs are never negative.
 */
import { isSessionWorkload } from '../workload/spec.js';
export { formatEchoLine } from '../workload/echo.js';
import { deriveRates, errorTotal, ratio } from '../results/derive.js';
import { ERROR_KINDS, type ErrorCounters } from '../results/fields.js';
import type { DerivedRates, ResultsDocument, TimelineSample } from '../results/schema.js';
import { fixed, padRight } from './printf.js';

/**
 * The lines httperf -v prints at each 5-s sample (`reply-rate = %-8.1f`, then in session modes
 * `session-rate = %-8.1f`, trailing spaces included), joined by a line break.
 */
export function formatRateSampleLines(sample: TimelineSample, sessions = true): string {
  const replyRate = ratio(sample.replies, sample.interval);
  const sessionRate = ratio(sample.sessionsSucceeded, sample.interval);
  const reply = `reply-rate = ${padRight(fixed(replyRate, 1), 8)}`;
  return sessions ? `${reply}\nsession-rate = ${padRight(fixed(sessionRate, 1), 8)}` : reply;
}

/** Sample standard deviation (n - 1) from a count, a sum and a sum of squares; never negative. */
function stddevFromSums(count: number, sum: number, sumSquares: number): number {
  if (count < 2) return 0;
  const variance = (sumSquares - (sum * sum) / count) / (count - 1);
  return variance > 0 && Number.isFinite(variance) ? Math.sqrt(variance) : 0;
}

/** Integer division as httperf does for the size figures (`floor(bytes / count)`, 0 if no count). */
function perItemBytes(bytes: number, count: number): number {
  return count > 0 ? Math.floor(bytes / count) : 0;
}

/**
 * Median connection lifetime (ms) from the HDR histogram. Its percentile is the top of an HDR
 * bucket (at most 0.1% above the recorded values), so it is kept within the exact min and max.
 */
function medianLifetimeMs(doc: ResultsDocument, minMs: number, maxMs: number): number {
  const median = doc.histograms.connectionLifetime.p50 / 1000;
  return Math.min(Math.max(median, minMs), maxMs);
}

/** `Session length histogram:` values from index 0 to the last non-zero entry (at least index 0). */
function sessionLengths(histogram: readonly number[]): number[] {
  let last = 0;
  histogram.forEach((count, index) => {
    if (count > 0) last = index;
  });
  const values: number[] = [];
  for (let i = 0; i <= last; i++) values.push(histogram[i] ?? 0);
  return values;
}

/**
 * httperf's final report (spec 5.1), from `Maximum connect burst length:` to
 * `Session length histogram:`, each line ending in a line break and no blank line at the end.
 * Every figure is derived from the document's raw counters, timeline and histograms.
 */
export function formatHttperfReport(doc: ResultsDocument): string {
  const c = doc.counters;
  const d = doc.duration > 0 && Number.isFinite(doc.duration) ? doc.duration : 0;
  const rates = deriveRates(c, doc.timeline, d);
  const f1 = (value: number): string => fixed(value, 1);
  const f2 = (value: number): string => fixed(value, 2);

  const lifetimeCount = c.connectionsWithReply;
  const lifetime = {
    min: lifetimeCount > 0 ? c.connectionLifetimeMinMs : 0,
    avg: ratio(c.connectionLifetimeSumMs, lifetimeCount),
    max: lifetimeCount > 0 ? c.connectionLifetimeMaxMs : 0,
    stddev: stddevFromSums(lifetimeCount, c.connectionLifetimeSumMs, c.connectionLifetimeSumSqMs),
  };
  const lifetimeMedianMs = lifetimeCount > 0 ? medianLifetimeMs(doc, lifetime.min, lifetime.max) : 0;

  const replyHeader = perItemBytes(c.replyHeaderBytes, c.replies);
  const replyContent = perItemBytes(c.replyContentBytes, c.replies);
  const replyFooter = perItemBytes(c.replyFooterBytes, c.replies);
  const replySamples = rates.replyRateSamples;

  const cpuUser = doc.generator.cpuUserSeconds;
  const cpuSystem = doc.generator.cpuSystemSeconds;
  const netBytes = c.requestBytes + c.replyHeaderBytes + c.replyContentBytes;
  const e = c.errors;
  const [s1, s2, s3, s4, s5] = c.status;

  const lines = [
    `Maximum connect burst length: ${c.maxConnectBurst}`,
    '',
    `Total: connections ${c.connections} requests ${c.requests} replies ${c.replies} test-duration ${fixed(d, 3)} s`,
    '',
    `Connection rate: ${f1(rates.connectionRate)} conn/s (${f1(ratio(1000 * d, c.connections))} ms/conn, <=${c.maxConcurrentConnections} concurrent connections)`,
    `Connection time [ms]: min ${f1(lifetime.min)} avg ${f1(lifetime.avg)} max ${f1(lifetime.max)} median ${f1(lifetimeMedianMs)} stddev ${f1(lifetime.stddev)}`,
    `Connection time [ms]: connect ${f1(ratio(c.connectTimeSumMs, c.connected))}`,
    `Connection length [replies/conn]: ${fixed(ratio(c.replies, lifetimeCount), 3)}`,
    '',
    `Request rate: ${f1(rates.requestRate)} req/s (${f1(ratio(1000 * d, c.requests))} ms/req)`,
    `Request size [B]: ${f1(perItemBytes(c.requestBytes, c.requests))}`,
    '',
    `Reply rate [replies/s]: min ${f1(replySamples.min)} avg ${f1(replySamples.avg)} max ${f1(replySamples.max)} stddev ${f1(replySamples.stddev)} (${replySamples.samples} samples)`,
    `Reply time [ms]: response ${f1(ratio(c.responseTimeSumMs, c.responseTimeCount))} transfer ${f1(ratio(c.transferTimeSumMs, c.replies))}`,
    `Reply size [B]: header ${f1(replyHeader)} content ${f1(replyContent)} footer ${f1(replyFooter)} (total ${f1(replyHeader + replyContent + replyFooter)})`,
    `Reply status: 1xx=${s1} 2xx=${s2} 3xx=${s3} 4xx=${s4} 5xx=${s5}`,
    '',
    `CPU time [s]: user ${f2(cpuUser)} system ${f2(cpuSystem)} (user ${f1(100 * ratio(cpuUser, d))}% system ${f1(100 * ratio(cpuSystem, d))}% total ${f1(100 * ratio(cpuUser + cpuSystem, d))}%)`,
    `Net I/O: ${f1(rates.netIoKBps)} KB/s (${f1(8e-6 * ratio(netBytes, d))}*10^6 bps)`,
    '',
    ...errorLines(e),
    ...faultLines(c),
  ];
  // httperf prints the Session block only when a session generator (--wsess, --wsesslog) ran.
  if (isSessionWorkload(doc.run.options.workload)) lines.push('', ...sessionLines(c, rates));
  return `${lines.join('\n')}\n`;
}

/** httperf's Session block, from `Session rate` to `Session length histogram`. */
function sessionLines(c: ResultsDocument['counters'], rates: DerivedRates): string[] {
  const samples = rates.sessionRateSamples;
  const f2 = (value: number): string => fixed(value, 2);
  return [
    `Session rate [sess/s]: min ${f2(samples.min)} avg ${f2(rates.sessionRate)} max ${f2(samples.max)} stddev ${f2(samples.stddev)} (${c.sessionsSucceeded}/${c.sessionsSucceeded + c.sessionsFailed})`,
    `Session: avg ${f2(ratio(c.sessionsSucceededConnections, c.sessionsSucceeded))} connections/session`,
    `Session lifetime [s]: ${fixed(ratio(c.sessionLifetimeSum, c.sessionsSucceeded), 1)}`,
    `Session failtime [s]: ${fixed(ratio(c.sessionFailtimeSum, c.sessionsFailed), 1)}`,
    `Session length histogram: ${sessionLengths(c.sessionLengthHistogram).join(' ')}`,
  ];
}

/** httperf's two `Errors:` lines: the total and the first four kinds, then the other four. */
function errorLines(e: ErrorCounters): string[] {
  const items = ERROR_KINDS.map((kind) => `${kind.label} ${e[kind.key]}`);
  return [`Errors: total ${errorTotal(e)} ${items.slice(0, 4).join(' ')}`, `Errors: ${items.slice(4).join(' ')}`];
}

/**
 * loadgen's lines after httperf's two error lines, only when there is something to say (so the
 * report stays httperf's otherwise): why TLS handshakes failed, and bytes no request asked for.
 */
function faultLines(c: ResultsDocument['counters']): string[] {
  const lines = Object.entries(c.tlsFailures ?? {}).map(([reason, n]) => `Errors: TLS handshake failed ${n}x: ${reason}`);
  if ((c.extraReplyBytes ?? 0) > 0) lines.push(`Errors: extra reply bytes ${c.extraReplyBytes} (after complete replies; dropped with their connection)`);
  return lines;
}
