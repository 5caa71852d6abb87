/**
 * Conformance: a session file converted from a real log excerpt, replayed by real httperf 0.9.0
 * and by loadgen against a loopback nginx serving every URI of the file, issues exactly the
 * requests the file lists: per connection (one per session with the default 4x32 slots), the
 * method + URI sequence of one session, and every session exactly once.
 *
 * Without nginx or httperf (and CI unset) the parts skip with a message; on CI they must run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertText } from '../src/convert/convert.js';
import { makeSite } from '../src/serve/site.js';
import { parseSessionFile } from '../src/session/parse.js';
import { startNginx, type NginxLogEntry, type RunningNginx } from './helpers/nginx.js';

const HTTPERF = '/usr/bin/httperf';
const ROOT = new URL('../', import.meta.url).pathname;
const FIXTURES = new URL('./fixtures/logs/', import.meta.url).pathname;
const LOADGEN_CLI = join(ROOT, 'dist', 'cli.js');

let dir: string;
let sessionPath: string;
let expected: string[];
let nginx: RunningNginx | null = null;

/** Each session of the file as one line: `METHOD URI` of its requests in file order. */
function sessionSequences(text: string): string[] {
  return parseSessionFile(text, 'sessions.txt').templates.map((t) =>
    t.bursts.flatMap((b) => b.requests.map((r) => `${r.method} ${r.uri}`)).join(' | '),
  );
}

/** The access log grouped per connection, in log order within each connection. */
function connectionSequences(entries: readonly NginxLogEntry[]): string[] {
  const byConnection = new Map<number, NginxLogEntry[]>();
  for (const e of entries) {
    const list = byConnection.get(e.connection) ?? [];
    list.push(e);
    byConnection.set(e.connection, list);
  }
  return [...byConnection.values()].map((list) =>
    list
      .sort((a, b) => a.connectionRequests - b.connectionRequests)
      .map((e) => `${e.method} ${e.uri}`)
      .join(' | '),
  );
}

function run(command: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'convert-conformance-'));
  // Real excerpt (queries, HEAD, out-of-order lines, a cut-off line); think times compressed so the
  // replay takes about a second.
  const log = readFileSync(`${FIXTURES}elastic-excerpt.log`, 'utf8');
  const result = convertText(log, { thinkScale: 0.005, maxThink: 0.2 }, 'elastic-excerpt.log', 'sessions.txt');
  sessionPath = join(dir, 'sessions.txt');
  writeFileSync(sessionPath, result.text);
  expected = sessionSequences(result.text);
  await makeSite(sessionPath, join(dir, 'site'));
  nginx = await startNginx({ docroot: join(dir, 'site') });
  if (nginx === null) console.warn('convert-conformance: nginx is not installed: skipping the replays (CI unset)');
});

afterAll(async () => {
  await nginx?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('converted session file replayed against nginx', () => {
  it('real httperf issues exactly the requests the file lists', async (ctx) => {
    if (nginx === null) return ctx.skip();
    if (!existsSync(HTTPERF)) {
      if (process.env.CI) throw new Error(`${HTTPERF} not found; CI must install httperf`);
      console.warn(`convert-conformance: ${HTTPERF} is not installed: skipping (CI unset)`);
      return ctx.skip();
    }
    const before = (await nginx.readAccessLog()).length;
    const args = ['--hog', '--server', '127.0.0.1', '--port', String(nginx.port), `--wsesslog=${expected.length},0,${sessionPath}`, '--rate=50', '--timeout=5'];
    const result = await run(HTTPERF, args, 60_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Session rate [sess/s]:`);
    expect(result.stdout).toMatch(new RegExp(`\\(${expected.length}/${expected.length}\\)`));
    const total = expected.reduce((n, s) => n + s.split(' | ').length, 0);
    const entries = (await nginx.readAccessLog(before + total)).slice(before);
    expect(entries.length).toBe(total);
    // Every URI exists in the site (a path that is also a directory, like /blog, answers 301).
    expect(entries.filter((e) => e.status >= 400).map((e) => `${e.status} ${e.method} ${e.uri}`)).toEqual([]);
    expect(connectionSequences(entries).sort()).toEqual([...expected].sort());
  });

  it('the whole real logs (first 300 sessions each) replay under real httperf', async (ctx) => {
    if (nginx === null || !existsSync(HTTPERF)) {
      if (process.env.CI && !existsSync(HTTPERF)) throw new Error(`${HTTPERF} not found; CI must install httperf`);
      console.warn('convert-conformance: nginx, httperf or the real logs are missing: skipping the whole-log replay');
      return ctx.skip();
    }
    for (const name of ['nasa-aug95-common.log', 'elastic-apache-combined.log']) {
      const result = convertText(gunzipSync(readFileSync(`${FIXTURES}${name}.gz`)).toString('utf8'), { maxSessions: 300, thinkScale: 0 }, name, 'whole.txt');
      const path = join(dir, `${name}.txt`);
      writeFileSync(path, result.text);
      const sequences = sessionSequences(result.text);
      const docroot = join(dir, `site-${name}`);
      await makeSite(path, docroot);
      const server = await startNginx({ docroot });
      try {
        const args = ['--hog', '--server', '127.0.0.1', '--port', String(server!.port), `--wsesslog=${sequences.length},0,${path}`, '--rate=100', '--timeout=5'];
        const run1 = await run(HTTPERF, args, 120_000);
        expect(run1.code, run1.stderr).toBe(0);
        expect(run1.stdout).toContain(`(${sequences.length}/${sequences.length})`);
        const total = result.profile.requests;
        const entries = await server!.readAccessLog(total);
        expect(entries.length).toBe(total);
        expect(connectionSequences(entries).sort()).toEqual([...sequences].sort());
      } finally {
        await server!.stop();
      }
    }
  });

  it('loadgen issues exactly the requests the file lists', async (ctx) => {
    if (nginx === null) return ctx.skip();
    if (!existsSync(LOADGEN_CLI)) {
      if (process.env.CI) throw new Error('dist/cli.js is missing: run npm run build before the tests');
      console.warn('convert-conformance: dist/ is not built: skipping the loadgen replay (run npm run build)');
      return ctx.skip();
    }
    const before = (await nginx.readAccessLog()).length;
    const args = [join(ROOT, 'bin', 'loadgen.js'), '--server', '127.0.0.1', '--port', String(nginx.port), `--wsesslog=${expected.length},0,${sessionPath}`, '--rate=50'];
    const result = await run(process.execPath, args, 60_000);
    expect(result.code, result.stderr).toBe(0);
    const total = expected.reduce((n, s) => n + s.split(' | ').length, 0);
    const entries = (await nginx.readAccessLog(before + total)).slice(before);
    expect(entries.length).toBe(total);
    expect(connectionSequences(entries).sort()).toEqual([...expected].sort());
  });
});
