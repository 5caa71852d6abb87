import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { formatExtras, RESERVED_LINE_PREFIXES } from '../src/report/extras.js';
import { formatEchoLine, formatHttperfReport } from '../src/report/httperf.js';
import { histogramsOf, sample01, sample06 } from './fixtures/report/documents.js';

/** autobench's report regexes (spec section 7), all anchored at the start of a line. */
const AUTOBENCH_PATTERNS = [
  /^Total: .*replies (\d+)/,
  /^Connection rate: (\d+\.\d)/,
  /^Request rate: (\d+\.\d)/,
  /^Reply rate .*min (\d+\.\d) avg (\d+\.\d) max (\d+\.\d) stddev (\d+\.\d)/,
  /^Reply time .* response (\d+\.\d)/,
  /^Net I\/O: (\d+\.\d)/,
  /^Errors: total (\d+)/,
];

describe('formatExtras', () => {
  it('starts with a blank line and a title, then one row per histogram', () => {
    const doc = sample01();
    doc.histograms = histogramsOf({
      connectTime: [0.05, 0.1, 0.2, 0.4],
      responseTime: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      replyTime: [10, 20, 30],
      correctedFirstReply: [12.5],
      connectionLifetime: [1002, 2002],
      sessionLifetime: [1500, 2500],
      startLag: [0.3],
    });
    const lines = formatExtras(doc).split('\n');
    expect(lines[0]).toBe('');
    expect(lines[1]).toBe('--- loadgen: latency percentiles (ms) ---');
    expect(lines[2]).toMatch(/^latency\s+p50\s+p90\s+p99\s+p99\.9\s+p99\.99\s+max\s+count$/);
    const rows = lines.slice(3, 10);
    expect(rows.map((row) => row.split(/\s{2,}/)[0])).toEqual([
      'connect',
      'response (first byte)',
      'reply (last byte)',
      'first reply from intended start',
      'connection lifetime',
      'session lifetime (s, not ms)',
      'session start lag',
    ]);
    const cells = (row: string): string[] => row.trim().split(/\s{2,}/).slice(1).join(' ').split(/\s+/);
    // response: 10 values 1..10 ms -> p50 5 ms, p90 9 ms, max 10 ms, count 10.
    const response = cells(rows[1]!);
    expect(response).toHaveLength(7);
    expect(Number(response[0])).toBeCloseTo(5, 1); // HDR: within 0.1%
    expect(Number(response[1])).toBeCloseTo(9, 1);
    expect(response[5]).toBe('10.000');
    expect(response[6]).toBe('10');
    // session lifetime is printed in seconds.
    expect(cells(rows[5]!)[5]).toBe('2.500');
    // start lag: one value of 0.3 ms, 3 decimals.
    expect(cells(rows[6]!)).toEqual(['0.300', '0.300', '0.300', '0.300', '0.300', '0.300', '1']);
  });

  it('never prints a percentile above the exact max', () => {
    const doc = sample01();
    const lines = formatExtras(doc).split('\n');
    const lifetime = lines.find((line) => line.startsWith('connection lifetime'))!;
    const values = lifetime.replace('connection lifetime', '').trim().split(/\s+/).map(Number);
    const max = values[5]!;
    expect(max).toBe(2002.2);
    for (const percentile of values.slice(0, 5)) expect(percentile).toBeLessThanOrEqual(max);
  });

  it('reports generator health: CPU, event-loop delay, late sessions, reconnects, re-sends', () => {
    const doc = sample06();
    doc.generator = {
      cpuUserSeconds: 0.3,
      cpuSystemSeconds: 0.3,
      eventLoopDelayP50Ms: 0.0125,
      eventLoopDelayP99Ms: 1.5,
      eventLoopDelayMaxMs: 12,
      lateSessions: 2,
    };
    doc.counters.quietReconnects = 4;
    doc.counters.retries = 1;
    const text = formatExtras(doc);
    expect(text).toContain('generator: CPU 20.0% of one core; event-loop delay p50 0.013 ms p99 1.500 ms max 12.000 ms\n');
    expect(text).toContain('generator: late sessions (> 10 ms) 2 of 6; quiet reconnects 4; re-sent calls 1\n');
    expect(text).toContain('generator: warning: sessions started late');
    expect(text.endsWith('\n')).toBe(true);
    expect(formatExtras(sample01())).not.toContain('warning');
  });

  it('says when the run was interrupted', () => {
    const doc = sample01();
    doc.run.ended = 'interrupted';
    expect(formatExtras(doc)).toContain('loadgen: the run was interrupted');
  });

  it('has no line that autobench would parse, so report + extras parse like httperf', () => {
    const doc = sample06();
    doc.generator.lateSessions = 3;
    doc.run.ended = 'interrupted';
    const extras = formatExtras(doc).split('\n');
    for (const line of extras) {
      for (const prefix of RESERVED_LINE_PREFIXES) expect(line.startsWith(prefix)).toBe(false);
      for (const pattern of AUTOBENCH_PATTERNS) expect(pattern.test(line)).toBe(false);
    }
    // Each autobench pattern matches exactly one line of the combined output.
    const combined = (formatHttperfReport(doc) + formatExtras(doc)).split('\n');
    for (const pattern of AUTOBENCH_PATTERNS) {
      expect(combined.filter((line) => pattern.test(line))).toHaveLength(1);
    }
  });
});

describe('whole loadgen stdout (golden file)', () => {
  it('sample 06 prints exactly test/fixtures/report/sample06-loadgen-stdout.txt', () => {
    // Regenerate after a deliberate layout change with UPDATE_GOLDEN=1 and review the diff.
    const golden = new URL('./fixtures/report/sample06-loadgen-stdout.txt', import.meta.url);
    const doc = sample06();
    doc.generator.lateSessions = 1;
    const stdout = `${formatEchoLine(doc.run.options)}\n${formatHttperfReport(doc)}${formatExtras(doc)}`;
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, stdout);
    expect(stdout).toBe(readFileSync(golden, 'utf8'));
  });
});
