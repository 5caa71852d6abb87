/**
 * Conformance with real httperf 0.9.0: the same session file replayed by httperf and by loadgen
 * against the same kind of loopback nginx must produce the same per-session request sequences
 * (method, URI, order, one connection per session) and the same Total / Reply status / Session
 * counts. CI installs httperf and nginx; elsewhere the test is skipped when they are missing.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSite } from '../src/serve/site.js';
import { startNginx, type NginxLogEntry, type RunningNginx } from './helpers/nginx.js';

const ROOT = join(import.meta.dirname, '..');
const SESSIONS = join(ROOT, 'test/fixtures/conformance/sessions.txt');
const HTTPERF = '/usr/bin/httperf';
const haveTools = existsSync(HTTPERF) && existsSync('/usr/sbin/nginx');
if (!haveTools && process.env.CI) throw new Error('CI must install httperf and nginx (see .ci/run)');

const SESSION_COUNT = 6;

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} failed: ${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

/** Per connection, in order of first request: the "METHOD URI" sequence. */
function sequences(log: NginxLogEntry[]): string[][] {
  const byConnection = new Map<number, NginxLogEntry[]>();
  for (const e of log) byConnection.set(e.connection, [...(byConnection.get(e.connection) ?? []), e]);
  return [...byConnection.values()]
    .map((entries) => entries.sort((a, b) => a.connectionRequests - b.connectionRequests))
    .sort((a, b) => a[0]!.time - b[0]!.time)
    .map((entries) => entries.map((e) => `${e.method} ${e.uri}`));
}

/** The report figures both tools must agree on. */
function figures(stdout: string) {
  const total = /^Total: connections (\d+) requests (\d+) replies (\d+)/m.exec(stdout);
  const status = /^Reply status: (.*)$/m.exec(stdout);
  const sessions = /^Session rate \[sess\/s\]: .*\((\d+)\/(\d+)\)$/m.exec(stdout);
  const histogram = /^Session length histogram:(.*)$/m.exec(stdout);
  const conns = /^Session: avg ([\d.]+) connections\/session$/m.exec(stdout);
  expect(total && status && sessions && histogram && conns, stdout).toBeTruthy();
  return {
    connections: Number(total![1]),
    requests: Number(total![2]),
    replies: Number(total![3]),
    status: status![1],
    sessions: `${sessions![1]}/${sessions![2]}`,
    histogram: histogram![1]!.trim(),
    connectionsPerSession: conns![1],
  };
}

describe.skipIf(!haveTools)('conformance with real httperf 0.9.0 against nginx', () => {
  let docroot: string;
  const servers: RunningNginx[] = [];
  const results: Record<'httperf' | 'loadgen', { stdout: string; log: NginxLogEntry[] }> = {} as never;

  beforeAll(async () => {
    docroot = await mkdtemp(join(tmpdir(), 'loadgen-conf-'));
    await makeSite(SESSIONS, docroot);
    await unlink(join(docroot, 'missing-404.html'));
    for (const tool of ['httperf', 'loadgen'] as const) {
      const nginx = await startNginx({ docroot });
      if (nginx === null) throw new Error('nginx did not start');
      servers.push(nginx);
      const args = ['--hog', '--server', '127.0.0.1', '--port', String(nginx.port), '--timeout=5', `--wsesslog=${SESSION_COUNT},0.05,${SESSIONS}`, '--rate=20'];
      const stdout = tool === 'httperf' ? await run(HTTPERF, args) : await run(process.execPath, [join(ROOT, 'bin/loadgen.js'), ...args]);
      // Each request is logged; wait for all of them.
      const log = await nginx.readAccessLog(figures(stdout).requests);
      results[tool] = { stdout, log };
    }
  });

  afterAll(async () => {
    for (const s of servers) await s.stop();
    if (docroot) await rm(docroot, { recursive: true, force: true });
  });

  it('sends the same requests in the same order on one connection per session', () => {
    const h = sequences(results.httperf.log);
    const l = sequences(results.loadgen.log);
    expect(h).toHaveLength(SESSION_COUNT);
    expect(l).toEqual(h);
    // Round robin: A, B, A, B, ...
    expect(l[0]![0]).toBe('GET /index.html');
    expect(l[1]![0]).toBe('GET /login');
  });

  it('pipelines burst members behind the first reply as httperf does', () => {
    for (const tool of ['httperf', 'loadgen'] as const) {
      const members = results[tool].log.filter((e) => e.uri === '/b.js' || e.uri === '/c.png');
      expect(members.length, tool).toBeGreaterThan(0);
    }
    const firstA = (log: NginxLogEntry[]) => log.filter((e) => e.connection === log[0]!.connection).map((e) => e.connectionRequests);
    expect(firstA(results.loadgen.log)).toEqual(firstA(results.httperf.log));
  });

  it('reports the same Total, Reply status and Session figures', () => {
    const h = figures(results.httperf.stdout);
    const l = figures(results.loadgen.stdout);
    expect(l).toEqual(h);
    expect(h.status).toBe('1xx=0 2xx=30 3xx=0 4xx=3 5xx=0');
  });

  it('sends the POST body with the same Content-length', () => {
    const post = (log: NginxLogEntry[]) => log.filter((e) => e.method === 'POST').map((e) => e.uri);
    expect(post(results.loadgen.log)).toEqual(post(results.httperf.log));
    expect(post(results.loadgen.log)).toHaveLength(SESSION_COUNT / 2);
  });
});
