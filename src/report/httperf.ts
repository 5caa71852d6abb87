/**
 * The httperf-compatible text report: the command echo line and the final report of spec 5.1,
 * with the same labels, order and number formats, so scripts that parse httperf's output
 * (autobench's `^Total: .*replies`, `^Reply rate ...` regexes) keep working.
 *
 * Deliberate differences from httperf 0.9.0 (its defects, spec 9): undefined figures print 0
 * instead of `inf`/`nan`/`-nan`; the connect-time mean covers only connections that reached
 * "connected" (refused ones are excluded); the connection-time median is the true median of
 * the recorded lifetimes (an HDR histogram) instead of the centre of a 1 ms bin that breaks
 * beyond 100 s; stddevs are never negative.
 */
import type { ReplayOptions } from '../options.js';
import { isSessionWorkload, type PrintParts } from '../workload/spec.js';
import { deriveRates, errorTotal, ratio } from '../results/derive.js';
import { ERROR_KINDS, type ErrorCounters } from '../results/fields.js';
import type { DerivedRates, ResultsDocument, TimelineSample } from '../results/schema.js';
import { fixed, g, padRight } from './printf.js';

/** The rate item of the echo line, in httperf's spelling (absent for sequential sessions). */
function arrivalItem(arrival: ReplayOptions['arrival']): string | undefined {
  switch (arrival.kind) {
    case 'fixed':
      return arrival.interval > 0 ? `--rate=${g(1 / arrival.interval)}` : undefined;
    case 'exponential':
      return `--period=e${g(arrival.mean)}`;
    case 'uniform':
      return `--period=u${g(arrival.min)},${g(arrival.max)}`;
    case 'variable':
      return `--period=v${arrival.segments.map((s) => `${g(s.interval)},${g(s.duration)}`).join(',')}`;
    case 'sequential':
      return undefined;
  }
}

/**
 * The first line of the output: `loadgen` followed by httperf's echo items in httperf's fixed
 * order (spec 1.3), e.g. `loadgen --hog --timeout=5 --client=0/1 --server=127.0.0.1 --port=8088
 * --uri=/ --rate=5 --send-buffer=4096 --recv-buffer=16384 --wsesslog=10,0.500,sess.txt`.
 * Returned without a line break.
 */
export function formatEchoLine(options: ReplayOptions): string {
  const w = options.workload;
  const items: (string | undefined | false)[] = [
    'loadgen',
    options.verbose > 0 && '--verbose',
    printItem('--print-reply', w?.printReply),
    printItem('--print-request', w?.printRequest),
    options.hog && '--hog',
    w?.closeWithReset === true && '--close-with-reset',
    options.thinkTimeout > 0 && `--think-timeout=${g(options.thinkTimeout)}`,
    options.timeout > 0 && `--timeout=${g(options.timeout)}`,
    `--client=${options.client.id}/${options.client.count}`,
    `--server=${options.server}`,
    options.serverName !== undefined && `--server_name=${options.serverName}`,
    options.port !== 0 && `--port=${options.port}`,
    `--uri=${w?.uri ?? '/'}`,
    options.failureStatus > 0 && `--failure-status=${options.failureStatus}`,
    options.httpVersion !== '1.1' && `--http-version=${options.httpVersion}`,
    options.maxConnectionsSet && `--max-connections=${options.maxConnections}`,
    options.maxPipedCallsSet && `--max-piped-calls=${options.maxPipedCalls}`,
    arrivalItem(options.arrival),
    `--send-buffer=${options.sendBuffer}`,
    options.retryOnFailure && '--retry-on-failure',
    `--recv-buffer=${options.recvBuffer}`,
    options.sessionCookies && '--session-cookies',
    options.ssl && '--ssl',
    w?.sslCiphers !== undefined && `--ssl-ciphers=${w.sslCiphers}`,
    w?.sslNoReuse === true && '--ssl-no-reuse',
    ...options.addHeadersRaw.map((raw) => `--add-header='${raw}'`),
    w?.method !== undefined && `--method=${w.method}`,
    ...generatorItems(options),
  ];
  return items.filter((item): item is string => typeof item === 'string').join(' ');
}

/** `--print-reply` (both parts) or `--print-reply=header|body`, as httperf echoes it. */
function printItem(name: string, parts: PrintParts | undefined): string | undefined {
  if (parts === undefined) return undefined;
  return parts === 'all' ? name : `${name}=${parts}`;
}

/** The echo line's last items: the workload generator (httperf prints no item for --wlog). */
function generatorItems(options: ReplayOptions): string[] {
  const g = options.workload?.generator ?? { kind: 'wsesslog' as const };
  if (g.kind === 'wsesslog') return [`--wsesslog=${options.sessions},${fixed(options.thinkTime, 3)},${options.sessionFile}`];
  const items = g.kind === 'wsess' ? [`--wsess=${g.sessions},${g.calls},${fixed(g.thinkTime, 3)}`] : [`--num-conns=${g.connections}`, `--num-calls=${g.calls}`];
  if (g.burstLength !== 1) items.push(`--burst-length=${g.burstLength}`);
  if (g.uris.kind === 'wset') items.push(`--wset=${g.uris.files},${fixed(g.uris.missRate, 3)}`);
  return items;
}

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
