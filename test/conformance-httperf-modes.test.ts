/**
 * Conformance of every httperf workload generator with real httperf 0.9.0 against a loopback
 * nginx (its `$connection $connection_requests $pipe` log): the same requests on each connection
 * in the same order, bursts that start only after the previous burst's replies, pipelining
 * inside bursts, and the same Total / Reply status counts. --num-calls is kept a multiple of
 * --burst-length here because httperf hangs otherwise (its bug #20, fixed in loadgen and tested
 * below on loadgen alone). CI installs httperf and nginx; elsewhere the test is skipped.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNginx, type NginxLogEntry, type RunningNginx } from './helpers/nginx.js';

const ROOT = join(import.meta.dirname, '..');
const HTTPERF = '/usr/bin/httperf';
const haveTools = existsSync(HTTPERF) && existsSync('/usr/sbin/nginx');
if (!haveTools && process.env.CI) throw new Error('CI must install httperf and nginx (see .ci/run)');

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

/** The figures both tools must agree on. */
function totals(stdout: string): { connections: number; requests: number; replies: number; status: string } {
  const total = /^Total: connections (\d+) requests (\d+) replies (\d+)/m.exec(stdout);
  const status = /^Reply status: (.*)$/m.exec(stdout);
  expect(total && status, stdout).toBeTruthy();
  return { connections: Number(total![1]), requests: Number(total![2]), replies: Number(total![3]), status: status![1]! };
}

/** Per connection (in accept order): its log entries in request order. */
function byConnection(log: readonly NginxLogEntry[]): NginxLogEntry[][] {
  const map = new Map<number, NginxLogEntry[]>();
  for (const e of log) map.set(e.connection, [...(map.get(e.connection) ?? []), e]);
  return [...map.entries()].sort((a, b) => a[0] - b[0]).map(([, entries]) => entries.sort((a, b) => a.connectionRequests - b.connectionRequests));
}

const sequences = (log: readonly NginxLogEntry[]): string[][] => byConnection(log).map((c) => c.map((e) => `${e.method} ${e.uri}`));

interface Case {
  readonly name: string;
  readonly args: (wlog: string) => string[];
  /** Calls per burst (1 = no pipelining expected). */
  readonly burst: number;
  /** httperf-style session: the first call of a burst goes alone, the others after its reply. */
  readonly session?: boolean;
}

const CASES: Case[] = [
  { name: '--num-calls 1 (one call per connection)', args: () => ['--uri', '/index.html', '--num-conns', '3', '--num-calls', '1', '--rate', '50'], burst: 1 },
  { name: '--burst-length 1, --method HEAD', args: () => ['--uri', '/index.html', '--num-conns', '2', '--num-calls', '6', '--burst-length', '1', '--method', 'HEAD', '--rate', '50'], burst: 1 },
  { name: '--burst-length 4 of 8 calls', args: () => ['--uri', '/1k.html', '--num-conns', '2', '--num-calls', '8', '--burst-length', '4', '--rate', '50'], burst: 4 },
  {
    name: '--burst-length 40 > --max-piped-calls 32',
    args: () => ['--uri', '/index.html', '--num-conns', '1', '--num-calls', '80', '--burst-length', '40', '--max-piped-calls', '32', '--rate', '50'],
    burst: 40,
  },
  { name: '--wsess=3,4,0.05 --burst-length 2', args: () => ['--uri', '/index.html', '--wsess=3,4,0.05', '--burst-length', '2', '--rate', '50'], burst: 2, session: true },
  { name: '--http-version 1.0 (kept alive by the server)', args: () => ['--uri', '/index.html', '--num-conns', '2', '--num-calls', '3', '--http-version', '1.0', '--rate', '50'], burst: 1 },
  { name: '--wlog=y (looping URI list, with a 404)', args: (wlog) => [`--wlog=y,${wlog}`, '--num-conns', '3', '--num-calls', '2', '--rate', '20'], burst: 1 },
  { name: '--wset=100,0.3', args: () => ['--wset=100,0.3', '--num-conns', '2', '--num-calls', '4', '--rate', '20'], burst: 1 },
];

describe.skipIf(!haveTools)('every httperf workload generator against real httperf 0.9.0 and nginx', () => {
  let docroot: string;
  let nginx: RunningNginx;
  let wlog: string;
  let logged = 0;
  const results = new Map<string, Record<'httperf' | 'loadgen', { stdout: string; log: NginxLogEntry[] }>>();

  /** Run one tool and return its stdout and the log lines its requests produced. */
  async function runTool(tool: 'httperf' | 'loadgen', args: string[]): Promise<{ stdout: string; log: NginxLogEntry[] }> {
    const full = ['--server', '127.0.0.1', '--port', String(nginx.port), '--timeout', '5', ...args];
    const stdout = tool === 'httperf' ? await run(HTTPERF, full) : await run(process.execPath, [join(ROOT, 'bin/loadgen.js'), ...full]);
    const all = await nginx.readAccessLog(logged + totals(stdout).requests);
    const log = all.slice(logged);
    logged = all.length;
    return { stdout, log };
  }

  beforeAll(async () => {
    docroot = await mkdtemp(join(tmpdir(), 'loadgen-modes-'));
    await writeFile(join(docroot, 'index.html'), '<html>index</html>\n');
    await writeFile(join(docroot, '1k.html'), 'x'.repeat(1024));
    wlog = join(docroot, 'uris.wlog');
    await writeFile(wlog, '/index.html\0/1k.html\0/missing\0');
    const started = await startNginx({ docroot });
    if (started === null) throw new Error('nginx did not start');
    nginx = started;
    for (const c of CASES) {
      const httperf = await runTool('httperf', c.args(wlog));
      const loadgen = await runTool('loadgen', c.args(wlog));
      results.set(c.name, { httperf, loadgen });
    }
  }, 120_000);

  afterAll(async () => {
    await nginx?.stop();
    if (docroot) await rm(docroot, { recursive: true, force: true });
  });

  describe.each(CASES)('$name', (c) => {
    it('sends the same requests on each connection in the same order', () => {
      const r = results.get(c.name)!;
      expect(sequences(r.httperf.log).length).toBeGreaterThan(0);
      expect(sequences(r.loadgen.log)).toEqual(sequences(r.httperf.log));
    });

    it('reports the same Total and Reply status counts', () => {
      const r = results.get(c.name)!;
      expect(totals(r.loadgen.stdout)).toEqual(totals(r.httperf.stdout));
    });

    it('starts each burst after the previous replies and pipelines inside bursts', () => {
      const r = results.get(c.name)!;
      for (const tool of ['httperf', 'loadgen'] as const) {
        for (const conn of byConnection(r[tool].log)) {
          // A burst's first request waits for the previous burst's replies: never pipelined.
          for (let i = 0; i < conn.length; i += c.burst) expect(conn[i]!.pipelined, `${tool} request ${i + 1}`).toBe(false);
        }
      }
      const piped = (tool: 'httperf' | 'loadgen') => r[tool].log.filter((e) => e.pipelined).length;
      if (c.burst === 1) {
        expect(piped('loadgen')).toBe(0);
        expect(piped('httperf')).toBe(0);
      } else if (!c.session) {
        // loadgen writes a whole burst at once: every request after a burst's first is pipelined.
        const expected = r.loadgen.log.length - r.loadgen.log.length / c.burst;
        expect(piped('loadgen')).toBe(expected);
        expect(piped('httperf')).toBeGreaterThan(0);
      }
    });
  });

  it('prints no Session lines in connection mode and the Session block with --wsess, as httperf', () => {
    for (const c of CASES) {
      const r = results.get(c.name)!;
      const sessionLines = (s: string) => s.split('\n').filter((l) => l.startsWith('Session'));
      expect(sessionLines(r.loadgen.stdout).length, c.name).toBe(sessionLines(r.httperf.stdout).length);
      expect(sessionLines(r.loadgen.stdout).length, c.name).toBe(c.session ? 5 : 0);
    }
  });

  it('finishes when --num-calls is not a multiple of --burst-length (httperf hangs there)', async () => {
    const { stdout, log } = await runTool('loadgen', ['--uri', '/index.html', '--num-conns', '2', '--num-calls', '5', '--burst-length', '2']);
    expect(totals(stdout)).toEqual({ connections: 2, requests: 10, replies: 10, status: '1xx=0 2xx=10 3xx=0 4xx=0 5xx=0' });
    expect(byConnection(log).map((conn) => conn.map((e) => e.pipelined))).toEqual([
      [false, true, false, true, false],
      [false, true, false, true, false],
    ]);
  });
});
