/**
 * `--start-at TIME`: parsing (RFC 3339 with a zone, epoch ms; malformed, epoch seconds, far
 * future and long past refused), waiting until the instant before the first arrival, starting at
 * once and saying how late when the instant has passed, stopping while waiting, and the merge's
 * spread of start lateness.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intendedStart, parseStartAt } from '../src/engine/start-at.js';
import { mergeResults } from '../src/results/merge.js';
import type { ResultsDocument } from '../src/results/schema.js';
import { startRecordingServer, type RecordingServer } from './helpers/http-server.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'loadgen.js');
const dir = mkdtempSync(join(tmpdir(), 'loadgen-start-at-'));
const sessions = join(dir, 's.txt');
writeFileSync(sessions, '/a\n/b\n');

function loadgen(args: string[], stopAfterMs?: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = stopAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGINT'), stopAfterMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

const NOW = Date.parse('2026-11-30T12:00:00Z');

describe('parseStartAt', () => {
  it('reads RFC 3339 times with a zone and epoch milliseconds', () => {
    expect(parseStartAt('2026-11-30T12:01:00Z', NOW)).toBe(NOW + 60_000);
    expect(parseStartAt('2026-11-30T13:01:00+01:00', NOW)).toBe(NOW + 60_000);
    expect(parseStartAt('2026-11-30 12:01:00.250z', NOW)).toBe(NOW + 60_250);
    expect(parseStartAt(String(NOW + 5000), NOW)).toBe(NOW + 5000);
    expect(parseStartAt('2026-11-30T11:59:50Z', NOW)).toBe(NOW - 10_000); // a little late: accepted
  });

  it.each([
    ['noon', /expected an RFC 3339 time with a zone/],
    ['2026-11-30T12:01:00', /expected an RFC 3339 time with a zone/],
    ['2026-11-30', /expected an RFC 3339 time/],
    ['2026-02-30T12:00:00Z', /not a valid date and time/],
    ['2026-11-30T24:30:00Z', /not a valid date and time/],
    ['1796040000', /epoch times are milliseconds \(did you mean 1796040000000\?\)/],
    ['2026-12-02T12:00:00Z', /is 2\.0 days ahead; at most 24 h/],
    ['2026-11-30T09:00:00Z', /was 3\.0 h ago; at most 1 h in the past/],
  ])('refuses %s', (text, message) => {
    expect(() => parseStartAt(text, NOW)).toThrow(message);
  });

  it('interleaves the fixed schedules of N generators: generator I begins I/N of an interval later', () => {
    expect(intendedStart(NOW, { kind: 'fixed', interval: 0.04 }, { id: 1, count: 4 })).toBe(NOW + 10);
    expect(intendedStart(NOW, { kind: 'exponential', mean: 0.04 }, { id: 1, count: 4 })).toBe(NOW);
  });
});

describe('loadgen --start-at', () => {
  let server: RecordingServer;
  const docs: ResultsDocument[] = [];
  beforeAll(async () => {
    server = await startRecordingServer();
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const base = () => ['--server', '127.0.0.1', '--port', String(server.port), `--wsesslog=3,0,${sessions}`, '--rate', '50', '--quiet'];

  it('waits until the instant, sends nothing before it, and records how late it began', async () => {
    const startAt = Math.ceil((Date.now() + 2500) / 1000) * 1000;
    const json = join(dir, 'future.json');
    const before = server.requests.length;
    const r = await loadgen([...base(), '--start-at', new Date(startAt).toISOString(), '--json', json]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const mine = server.requests.slice(before);
    expect(mine).toHaveLength(6);
    const firstArrival = performance.timeOrigin + mine[0]!.arrivedAt;
    expect(firstArrival).toBeGreaterThanOrEqual(startAt);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultsDocument;
    expect(doc.startLateness).toMatchObject({ startAt: new Date(startAt).toISOString(), generators: 1 });
    expect(doc.startLateness!.minMs).toBeGreaterThanOrEqual(0);
    expect(doc.startLateness!.maxMs).toBe(doc.startLateness!.minMs);
    expect(Date.parse(doc.startedAt)).toBeGreaterThanOrEqual(startAt);
    docs.push(doc);
  });

  it('starts at once when the instant has passed, recording the lateness', async () => {
    const startAt = Date.now() - 5000;
    const json = join(dir, 'past.json');
    const r = await loadgen([...base(), '--start-at', String(startAt), '--json', json]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultsDocument;
    expect(doc.counters.sessionsSucceeded).toBe(3);
    expect(doc.startLateness!.minMs).toBeGreaterThanOrEqual(5000);
    expect(doc.startLateness!.minMs).toBeLessThan(60_000);
    docs.push(doc);
  });

  it('stops while waiting on Ctrl-C: nothing sent, an interrupted run of no duration', async () => {
    const json = join(dir, 'stopped.json');
    const before = server.requests.length;
    const r = await loadgen([...base(), '--start-at', new Date(Date.now() + 600_000).toISOString(), '--json', json], 1500);
    expect(server.requests.length).toBe(before);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultsDocument;
    expect(doc.run.ended).toBe('interrupted');
    expect(doc.counters.connections).toBe(0);
    expect(doc.duration).toBeLessThan(1);
    expect(doc.startLateness).toBeUndefined();
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a malformed or far-future time before sending anything (exit 2, one line)', async () => {
    const before = server.requests.length;
    for (const [value, message] of [
      ['tomorrow', /--start-at 'tomorrow': expected an RFC 3339 time with a zone/],
      [new Date(Date.now() + 3 * 86400_000).toISOString(), /days ahead; at most 24 h/],
      ['1796040000', /epoch times are milliseconds/],
    ] as const) {
      const r = await loadgen([...base(), '--start-at', value]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(server.requests.length).toBe(before);
  });

  it('merges to the spread: earliest and latest lateness over the generators', () => {
    expect(docs).toHaveLength(2);
    const merged = mergeResults(docs);
    const [a, b] = docs.map((d) => d.startLateness!.minMs) as [number, number];
    expect(merged.startLateness).toMatchObject({ minMs: Math.min(a, b), maxMs: Math.max(a, b), generators: 2 });
    // A document without --start-at adds nothing to the spread.
    const withoutStart = { ...docs[0]! };
    delete withoutStart.startLateness;
    expect(mergeResults([withoutStart, docs[1]!]).startLateness).toMatchObject({ generators: 1, minMs: b, maxMs: b });
    expect(mergeResults([withoutStart]).startLateness).toBeUndefined();
  });
});
