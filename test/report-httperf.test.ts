import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { formatEchoLine, formatHttperfReport, formatRateSampleLines } from '../src/report/httperf.js';
import { fixed } from '../src/report/printf.js';
import type { ResultsDocument } from '../src/results/schema.js';
import {
  buildDocument,
  sample,
  sample01,
  sample02,
  sample05,
  sample06,
  sampleOptions,
  zeroCounters,
} from './fixtures/report/documents.js';

/** Real httperf 0.9.0 outputs (origin in fixtures/httperf-samples/README.md). */
const SAMPLES = new URL('./fixtures/httperf-samples', import.meta.url).pathname;

/** The report lines of a real httperf stdout: from `Maximum connect burst length:` to the end. */
function httperfReportLines(sampleDir: string): string[] {
  const text = readFileSync(`${SAMPLES}/${sampleDir}/stdout.txt`, 'utf8');
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith('Maximum connect burst length:'));
  expect(start).toBeGreaterThan(0);
  expect(lines.at(-1)).toBe(''); // the file ends with one line break, no blank line
  return lines.slice(start, -1);
}

/** First line of a sample's stdout with `httperf` replaced by `loadgen`. */
function echoLineOf(sampleDir: string): string {
  const first = readFileSync(`${SAMPLES}/${sampleDir}/stdout.txt`, 'utf8').split('\n')[0]!;
  expect(first.startsWith('httperf ')).toBe(true);
  return first.replace(/^httperf /, 'loadgen ');
}

/** Lines where loadgen deliberately differs from httperf 0.9.0, with loadgen's expected line. */
type Overrides = Record<string, string>;

/** Compare every report line with the sample, except the overridden ones (by line prefix). */
function expectReportMatches(doc: ResultsDocument, sampleDir: string, overrides: Overrides): void {
  const expected = httperfReportLines(sampleDir);
  const text = formatHttperfReport(doc);
  expect(text.endsWith('\n')).toBe(true);
  expect(text.endsWith('\n\n')).toBe(false);
  const actual = text.slice(0, -1).split('\n');
  expect(actual).toHaveLength(expected.length);
  const used = new Set<string>();
  actual.forEach((line, i) => {
    const override = Object.keys(overrides).find((prefix) => expected[i]!.startsWith(prefix));
    if (override !== undefined) {
      used.add(override);
      expect(line).toBe(overrides[override]);
    } else {
      expect(line).toBe(expected[i]);
    }
  });
  expect([...used].sort()).toEqual(Object.keys(overrides).sort());
}

/** Median of a document's connection lifetimes as loadgen prints it (from the HDR histogram). */
function medianMs(doc: ResultsDocument): number {
  return doc.histograms.connectionLifetime.p50 / 1000;
}

describe('formatHttperfReport against real httperf outputs', () => {
  it('sample 01: equals httperf except the median, which is the true median', () => {
    const doc = sample01();
    // 10 connections: five of ~1002 ms and five of ~2002 ms, so the 5th value (1002.1 ms) is the median.
    const median = medianMs(doc);
    expect(median).toBeGreaterThanOrEqual(1002.0);
    expect(median).toBeLessThan(1002.7);
    expectReportMatches(doc, '01-wsesslog-rate5', {
      'Connection time [ms]: min': `Connection time [ms]: min 1002.0 avg 1502.1 max 2002.2 median ${fixed(median, 1)} stddev 527.1`,
    });
  });

  it('sample 02: reply-rate and session-rate statistics come from the 5-s samples', () => {
    const doc = sample02();
    const median = medianMs(doc);
    // The 30th of 60 lifetimes is 1006.3 ms; httperf printed the bin centre 1006.5.
    expect(Math.abs(median - 1006.3)).toBeLessThan(1);
    expectReportMatches(doc, '02-wsesslog-60sessions-with-rate-samples', {
      'Connection time [ms]: min': `Connection time [ms]: min 1002.0 avg 1502.2 max 2007.0 median ${fixed(median, 1)} stddev 504.3`,
    });
  });

  it('sample 05: refused connections do not enter the connect-time mean', () => {
    // httperf 0.9.0 printed `connect 4.8` although no connection was ever established.
    expectReportMatches(sample05(), '05-error-connection-refused', {
      'Connection time [ms]: connect': 'Connection time [ms]: connect 0.0',
    });
  });

  it('sample 06: timeouts, failed sessions and the session length histogram', () => {
    const doc = sample06();
    const median = medianMs(doc);
    expect(Math.abs(median - 504.0)).toBeLessThan(1);
    expectReportMatches(doc, '06-error-timeout-slow-endpoint', {
      'Connection time [ms]: min': `Connection time [ms]: min 501.9 avg 752.3 max 1002.9 median ${fixed(median, 1)} stddev 273.4`,
    });
  });
});

describe('formatHttperfReport: httperf defects fixed', () => {
  it('prints 0 instead of inf/nan for a zero-duration, empty run', () => {
    const doc = buildDocument({
      options: sampleOptions({}),
      duration: 0,
      counters: {},
      connectionLifetimesMs: [],
      connectTimesMs: [],
      responseTimesMs: [],
      sessionLifetimes: [],
      sessionFailtimes: [],
      timeline: [],
      cpu: { user: 0.01, system: 0.02 },
    });
    const text = formatHttperfReport(doc);
    expect(text).not.toMatch(/nan|inf/i);
    expect(text).toContain('Total: connections 0 requests 0 replies 0 test-duration 0.000 s\n');
    expect(text).toContain('Connection rate: 0.0 conn/s (0.0 ms/conn, <=0 concurrent connections)\n');
    expect(text).toContain('CPU time [s]: user 0.01 system 0.02 (user 0.0% system 0.0% total 0.0%)\n');
    expect(text).toContain('Session rate [sess/s]: min 0.00 avg 0.00 max 0.00 stddev 0.00 (0/0)\n');
    expect(text.endsWith('Session length histogram: 0\n')).toBe(true);
  });

  it('never prints a negative or nan stddev when the sum of squares rounds below the mean square', () => {
    // Three identical lifetimes whose rounded sum of squares ends up below sum^2/n: the naive
    // one-pass variance is negative and httperf printed `-nan`.
    const doc = sample01();
    doc.counters.connectionsWithReply = 3;
    doc.counters.connectionLifetimeSumMs = 0.3;
    doc.counters.connectionLifetimeSumSqMs = 0.03 * (1 - 1e-12);
    expect(doc.counters.connectionLifetimeSumSqMs - 0.3 ** 2 / 3).toBeLessThan(0);
    expect(formatHttperfReport(doc)).toMatch(/ stddev 0\.0\n/);
  });

  it('takes the median from the lifetimes even beyond 100 s (httperf wrote past its bins)', () => {
    const doc = buildDocument({
      options: sampleOptions({}),
      duration: 400,
      counters: { connections: 3, replies: 3, requests: 3, status: [0, 3, 0, 0, 0] },
      connectionLifetimesMs: [150_000, 250_000, 350_000],
      connectTimesMs: [0.1, 0.1, 0.1],
      responseTimesMs: [1, 1, 1],
      sessionLifetimes: [150, 250, 350],
      sessionFailtimes: [],
      timeline: [],
      cpu: { user: 1, system: 1 },
    });
    const line = formatHttperfReport(doc).split('\n').find((l) => l.startsWith('Connection time [ms]: min'))!;
    const median = Number(/median (\S+)/.exec(line)![1]);
    expect(Math.abs(median - 250_000)).toBeLessThan(250); // within HDR's 3 significant digits
  });

  it('uses integer division for sizes and sums the floored reply sizes', () => {
    const doc = sample01();
    doc.counters.replyHeaderBytes = 55 * 217 + 54; // mean 217.98
    doc.counters.replyContentBytes = 55 * 1619 + 54;
    doc.counters.replyFooterBytes = 54;
    expect(formatHttperfReport(doc)).toContain(
      'Reply size [B]: header 217.0 content 1619.0 footer 0.0 (total 1836.0)\n',
    );
  });

  it('computes the session-rate avg over the duration but min/max from samples', () => {
    const doc = sample02();
    doc.timeline = [sample(5, 150, 27)];
    // One sample of 27 sessions in 5 s = 5.40/s, while 60 sessions over 13.603 s = 4.41/s.
    expect(formatHttperfReport(doc)).toContain('Session rate [sess/s]: min 5.40 avg 4.41 max 5.40 stddev 0.00 (60/60)\n');
    expect(formatHttperfReport(doc)).toContain('Reply rate [replies/s]: min 30.0 avg 30.0 max 30.0 stddev 0.0 (1 samples)\n');
  });

  it('prints the session length histogram up to the last non-zero index', () => {
    const doc = sample01();
    doc.counters.sessionLengthHistogram = [0, 2, 0, 1, 0, 0];
    expect(formatHttperfReport(doc)).toMatch(/\nSession length histogram: 0 2 0 1\n$/);
    doc.counters = { ...zeroCounters(), sessionLengthHistogram: [] };
    expect(formatHttperfReport(doc)).toMatch(/\nSession length histogram: 0\n$/);
  });
});

describe('formatEchoLine', () => {
  it('sample 01: fixed rate', () => {
    const options = sampleOptions({
      hog: true,
      timeout: 5,
      server: '127.0.0.1',
      port: 8088,
      arrival: { kind: 'fixed', interval: 0.2 },
    });
    expect(formatEchoLine(options)).toBe(echoLineOf('01-wsesslog-rate5'));
  });

  it('sample 03: verbose and exponential arrivals', () => {
    const options = sampleOptions({
      verbose: 2,
      hog: true,
      timeout: 5,
      server: '127.0.0.1',
      port: 8088,
      sessions: 30,
      arrival: { kind: 'exponential', mean: 0.2 },
    });
    expect(formatEchoLine(options)).toBe(echoLineOf('03-verbose-poisson'));
  });

  it('sample 04: sequential sessions, cookies and a raw --add-header (print options are not loadgen options)', () => {
    const options = sampleOptions({
      hog: true,
      server: '127.0.0.1',
      port: 8090,
      sessions: 2,
      thinkTime: 0.2,
      sessionCookies: true,
      addHeaders: ['X-Test: yes\r\n'],
      addHeadersRaw: ['X-Test: yes\\n'],
    });
    const expected = echoLineOf('04-raw-capture-cookies-addheader-print').replace(
      '--print-reply=header --print-request ',
      '',
    );
    expect(formatEchoLine(options)).toBe(expected);
  });

  it('sample 09: --retry-on-failure sits between the buffer sizes', () => {
    const options = sampleOptions({
      timeout: 2,
      server: '127.0.0.1',
      port: 8099,
      sessions: 2,
      retryOnFailure: true,
      arrival: { kind: 'fixed', interval: 0.2 },
    });
    expect(formatEchoLine(options)).toBe(echoLineOf('09-retry-on-failure-refused-loops-forever'));
  });

  it('prints the optional items in httperf order', () => {
    const options = sampleOptions({
      verbose: 1,
      thinkTimeout: 0.5,
      timeout: 2.5,
      server: '::1',
      serverName: 'example.test',
      port: 8443,
      failureStatus: 503,
      httpVersion: '1.0',
      maxConnections: 2,
      maxConnectionsSet: true,
      maxPipedCalls: 8,
      maxPipedCallsSet: true,
      arrival: { kind: 'uniform', min: 0.1, max: 0.3 },
      ssl: true,
      sessionCookies: true,
      addHeadersRaw: ['A: 1\\n', 'B: 2\\n'],
      thinkTime: 1 / 3,
    });
    expect(formatEchoLine(options)).toBe(
      'loadgen --verbose --think-timeout=0.5 --timeout=2.5 --client=0/1 --server=::1 --server_name=example.test ' +
        '--port=8443 --uri=/ --failure-status=503 --http-version=1.0 --max-connections=2 --max-piped-calls=8 ' +
        '--period=u0.1,0.3 --send-buffer=4096 --recv-buffer=16384 --session-cookies --ssl ' +
        "--add-header='A: 1\\n' --add-header='B: 2\\n' --wsesslog=10,0.333,sess.txt",
    );
  });

  it('omits the rate for sequential sessions and prints %g rates', () => {
    expect(formatEchoLine(sampleOptions({}))).not.toMatch(/--rate|--period/);
    expect(formatEchoLine(sampleOptions({ arrival: { kind: 'fixed', interval: 0.4 } }))).toContain(' --rate=2.5 ');
  });
});

describe('formatRateSampleLines', () => {
  it('prints httperf -v sample lines left-justified in 8 columns', () => {
    const text = formatRateSampleLines({ ...sample(5, 162, 27), interval: 5 });
    expect(text).toBe('reply-rate = 32.4    \nsession-rate = 5.4     ');
    // Matches the lines of the real verbose run (sample 03).
    const stdout = readFileSync(`${SAMPLES}/03-verbose-poisson/stdout.txt`, 'utf8');
    expect(stdout).toContain(`${text}\n`);
  });
});
