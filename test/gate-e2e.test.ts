/**
 * End to end: the real CLI (node bin/loadgen.js, built into dist/) replays sessions against
 * loopback servers started here and gates the run. Every documented exit code is produced:
 * 0 healthy server, 1 slow server, 2 bad expression or config, 3 a port nobody listens on.
 * Limits are wide (a healthy loopback reply takes a few ms; the slow server waits 600 ms) so a
 * busy 2-core machine cannot flip a verdict.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { junitProblems, parseXml } from './fixtures/gate/xml.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'loadgen.js');
const SLOW_MS = 600;

interface Target {
  port: number;
  requests: () => number;
  close: () => Promise<void>;
}

/** A loopback HTTP server answering every request after `delayMs`. */
async function startServer(delayMs: number): Promise<Target> {
  let requests = 0;
  const server: Server = createServer((_req, res) => {
    requests++;
    setTimeout(() => res.end('ok\n'), delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A loopback port with nothing listening on it (bound, then released). */
async function freePort(): Promise<number> {
  const target = await startServer(0);
  await target.close();
  return target.port;
}

/** Run the built CLI; resolves with its exit code and output (never rejects on a non-zero exit). */
function loadgen(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, timeout: 30_000, env: { ...process.env, GITHUB_STEP_SUMMARY: '', ...env } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
let sessionFile: string;
let healthy: Target;
let slow: Target;

/** Replay 5 sessions (3 requests in 2 templates) at 20 sessions/s against a port. */
const replay = (port: number, ...extra: string[]) => ['--server', '127.0.0.1', '--port', String(port), `--wsesslog=5,0,${sessionFile}`, '--rate=20', ...extra];

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'engine', 'run.js')) || !existsSync(join(ROOT, 'dist', 'gate', 'index.js'))) {
    throw new Error('dist/ is not built: run `npx tsc -p tsconfig.json` (npm test does it) before this test');
  }
  dir = await mkdtemp(join(tmpdir(), 'loadgen-gate-e2e-'));
  sessionFile = join(dir, 'sessions.log');
  await writeFile(sessionFile, '/index.html\n\t/style.css\n\n/api/items\n');
  healthy = await startServer(0);
  slow = await startServer(SLOW_MS);
});

afterAll(async () => {
  await healthy?.close();
  await slow?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const LATENCY = ['--assert', 'response_time.p99 < 300ms'];

describe('replay with gates: exit codes', () => {
  it('0: a healthy server passes the latency, rate and error gates', async () => {
    const r = await loadgen(replay(healthy.port, ...LATENCY, '--assert', 'reply_rate >= 0.2*target', '--assert', 'errors == 0', '--assert', 'status_5xx == 0'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Total: connections');
    expect(r.stdout).toMatch(/response_time\.p99 < 300ms\s+[\d.]+ ms\s+< 300 ms\s+pass/);
    expect(r.stdout).toContain('Gates: 4 passed, 0 failed -> PASSED');
  });

  it('1: a slow server fails the latency gate', async () => {
    const r = await loadgen(replay(slow.port, ...LATENCY, '--assert', 'errors == 0'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/response_time\.p99 < 300ms\s+[\d.]+ ms\s+< 300 ms\s+FAIL/);
    expect(r.stdout).toMatch(/errors == 0\s+0\s+== 0\s+pass/);
    expect(r.stdout).toContain('Gates: 1 passed, 1 failed -> FAILED');
  });

  it('2: a malformed expression is rejected before any load is sent', async () => {
    const before = healthy.requests();
    const r = await loadgen(replay(healthy.port, '--assert', 'response_time.p99 << 50ms'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^loadgen: invalid assertion 'response_time\.p99 << 50ms': /);
    expect(r.stdout).toBe('');
    expect(healthy.requests()).toBe(before);
    const unknown = await loadgen(replay(healthy.port, '--assert', 'latency < 50ms'));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('valid metrics: reply_rate, request_rate');
  });

  it('3: a port nobody listens on means nothing was measured', async () => {
    const r = await loadgen(replay(await freePort(), ...LATENCY));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/could not be carried out/);
  });
});

describe('replay with gates: config file, baseline, repeat and reports', () => {
  it('takes options and asserts from a YAML config: same verdicts as on the command line', async () => {
    const config = (port: number) => ['server: 127.0.0.1', `port: ${port}`, `wsesslog: 5,0,${sessionFile}`, 'rate: 20', 'assert:', '  - response_time.p99 < 300ms', '  - errors == 0', ''].join('\n');
    await writeFile(join(dir, 'healthy.yml'), config(healthy.port));
    await writeFile(join(dir, 'slow.json'), JSON.stringify({ server: '127.0.0.1', port: slow.port, wsesslog: `5,0,${sessionFile}`, rate: 20, assert: ['response_time.p99 < 300ms'] }));
    const good = await loadgen(['--config', 'healthy.yml']);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('Gates: 2 passed, 0 failed -> PASSED');
    expect((await loadgen(['--config', 'slow.json'])).code).toBe(1);
    await writeFile(join(dir, 'broken.yml'), 'assert:\n  - errors == 0\n - rate: 5\n');
    const broken = await loadgen(['--config', 'broken.yml']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/broken\.yml:3:\d+: invalid YAML/);
  });

  it('gates on a baseline in both directions and writes JUnit, Markdown and the step summary', async () => {
    // Baseline: a run against the slow server, saved as a results document.
    expect((await loadgen(replay(slow.port, '--json', 'slow-baseline.json'))).code).toBe(0);
    expect((await loadgen(replay(healthy.port, '--json', 'healthy-baseline.json'))).code).toBe(0);
    const regressions = ['--max-regression', 'response_time.p99=+10%', '--max-regression', 'reply_rate=-5%'];

    // Faster than the slow baseline: an improvement never fails.
    const better = await loadgen(replay(healthy.port, '--baseline', 'slow-baseline.json', ...regressions));
    expect(better.code).toBe(0);
    expect(better.stdout).toMatch(/response_time\.p99=\+10% vs baseline\s+.*pass/);

    // Slower than the healthy baseline: the p99 regression fails; reports say so.
    const summary = join(dir, 'step-summary.md');
    await writeFile(summary, '');
    const worse = await loadgen(replay(slow.port, '--baseline', 'healthy-baseline.json', ...regressions, '--junit', 'reports/gates.xml', '--markdown', 'reports/gates.md'), { GITHUB_STEP_SUMMARY: summary });
    expect(worse.code).toBe(1);
    expect(worse.stdout).toMatch(/response_time\.p99=\+10% vs baseline\s+.*FAIL/);
    const root = parseXml(await readFile(join(dir, 'reports', 'gates.xml'), 'utf8'));
    expect(junitProblems(root)).toEqual([]);
    const cases = root.children[0]!.children;
    expect(cases.map((c) => c.attributes.name)).toEqual(['response_time.p99=+10% vs baseline', 'reply_rate=-5% vs baseline']);
    expect(cases[0]!.children[0]!.name).toBe('failure');
    const markdown = await readFile(join(dir, 'reports', 'gates.md'), 'utf8');
    expect(markdown).toContain(':x: FAILED');
    expect(await readFile(summary, 'utf8')).toBe(`${markdown}\n`);
  });

  it('--repeat gates on the median of the runs', async () => {
    const r = await loadgen(replay(healthy.port, '--repeat', '3', ...LATENCY));
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^Total: connections/gm)).toHaveLength(3);
    expect(r.stdout).toMatch(/median of 3 runs: [\d.]+ ms, [\d.]+ ms, [\d.]+ ms/);
  });
});
