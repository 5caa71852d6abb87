/**
 * Partial documents never pass a gate: an interrupted run (by document or by a signal during a
 * gated replay) is "not evaluated: run interrupted" (JUnit <error>, Markdown error row, exit 4,
 * or 130/143 for the replay itself) unless --allow-partial; a run that measured nothing is never
 * gated (exit 3). The replay under a signal runs the built CLI against a loopback server.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_INTERRUPTED, EXIT_RUN_FAILED } from '../src/errors.js';
import { runGates } from '../src/commands/gate-options.js';
import type { GateDocument } from '../src/gate/index.js';
import { makeResultsDocument, makeSweepDocument } from './fixtures/gate/documents.js';
import { junitProblems, parseXml } from './fixtures/gate/xml.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'loadgen.js');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loadgen-gate-partial-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Gate documents in process; resolves with the exit code, the table and the reports. */
async function gate(docs: GateDocument[], extra: Record<string, unknown> = {}, stopped = false) {
  let table = '';
  const output = new Writable({ write: (chunk, _enc, done) => ((table += String(chunk)), done()) });
  const junit = join(dir, `j${Math.random()}.xml`);
  const markdown = join(dir, `m${Math.random()}.md`);
  const code = await runGates(docs, { assert: ['reply_rate >= 50', 'response_time.p99 < 1s'], junit, markdown, ...extra }, { output, stopped });
  return { code, table, junit: await readFile(junit, 'utf8'), markdown: await readFile(markdown, 'utf8') };
}

function interrupted(): GateDocument {
  const doc = makeResultsDocument({ samplesMs: { responseTime: [5, 6, 7] } });
  doc.run.ended = 'interrupted';
  return doc;
}

describe('gates on partial documents', () => {
  it('an interrupted run is not evaluated: every gate an <error>, a Markdown error row, exit 4', async () => {
    const r = await gate([interrupted()]);
    expect(r.code).toBe(EXIT_INTERRUPTED);
    expect(r.table).toContain('not evaluated: run interrupted');
    expect(r.table).toContain('Gates: 0 passed, 0 failed, 2 could not be evaluated -> ERROR');
    expect(r.table).not.toMatch(/\bpass\b\n/);
    const xml = parseXml(r.junit);
    expect(junitProblems(xml)).toEqual([]);
    expect(r.junit.match(/<error message="not evaluated: run interrupted/g)).toHaveLength(2);
    expect(r.junit).not.toContain('<system-out>');
    expect(r.markdown).toContain(':warning: ERROR');
    expect(r.markdown.match(/\| :warning: \*\*error\*\* \|/g)).toHaveLength(2);
  });

  it('--allow-partial gates an interrupted run on what it measured', async () => {
    const r = await gate([interrupted()], { 'allow-partial': true });
    expect(r.code).toBe(0);
    expect(r.table).toContain('Gates: 2 passed, 0 failed -> PASSED');
  });

  it('a run that measured nothing never passes, even with --allow-partial (exit 3)', async () => {
    const empty = makeResultsDocument({ status: [0, 0, 0, 0, 0], replyRate: 0 });
    const r = await gate([empty], { 'allow-partial': true, assert: ['errors == 0'] });
    expect(r.code).toBe(EXIT_RUN_FAILED);
    expect(r.junit).toContain('<error message="not evaluated: nothing measured');
  });

  it('one interrupted run among --repeat runs makes them all unevaluated', async () => {
    const r = await gate([makeResultsDocument(), interrupted(), makeResultsDocument()]);
    expect(r.code).toBe(EXIT_INTERRUPTED);
  });

  it('whole runs of a command stopped by a signal (Ctrl-C between --repeat runs) are not evaluated', async () => {
    const r = await gate([makeResultsDocument(), makeResultsDocument()], {}, true);
    expect(r.code).toBe(EXIT_INTERRUPTED);
    expect(r.table).toContain('not evaluated: run interrupted');
    expect(r.junit).toContain('<error');
    const whole = await gate([makeResultsDocument(), makeResultsDocument()]);
    expect(whole.code).not.toBe(EXIT_INTERRUPTED);
    expect(whole.table).not.toContain('not evaluated');
  });

  it('an interrupted sweep document is not evaluated either', async () => {
    const sweep = { ...makeSweepDocument({ sessionRate: 40, replyRate: 200 }, 230), interrupted: true };
    let table = '';
    const output = new Writable({ write: (chunk, _enc, done) => ((table += String(chunk)), done()) });
    expect(await runGates([sweep], { assert: ['knee >= 10'] }, { output })).toBe(EXIT_INTERRUPTED);
    expect(table).toContain('not evaluated: run interrupted');
    expect(await runGates([{ ...sweep, interrupted: false }], { assert: ['knee >= 10'] }, { output })).toBe(0);
  });
});

/** Run the built CLI; resolves with its exit code and output. */
function cli(args: string[], options: { killAfter?: { text: string; signal: NodeJS.Signals; delayMs: number } } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, GITHUB_STEP_SUMMARY: '' } });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d) => {
      stdout += String(d);
      const k = options.killAfter;
      if (k && !sent && stdout.includes(k.text)) {
        sent = true;
        setTimeout(() => child.kill(k.signal), k.delayMs);
      }
    });
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('loadgen gate and a gated replay stopped by a signal', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('ok\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    await writeFile(join(dir, 'one.txt'), '/index.html\n');
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('loadgen gate fails an interrupted results file unless --allow-partial', async () => {
    const file = join(dir, 'interrupted.json');
    await writeFile(file, JSON.stringify(interrupted()));
    const r = await cli(['gate', file, '--assert', 'reply_rate >= 50', '--junit', 'gate.xml']);
    expect(r.code).toBe(EXIT_INTERRUPTED);
    expect(r.stdout).toContain('not evaluated: run interrupted');
    expect(await readFile(join(dir, 'gate.xml'), 'utf8')).toContain('<error message="not evaluated: run interrupted');
    const allowed = await cli(['gate', file, '--assert', 'reply_rate >= 50', '--allow-partial']);
    expect(allowed.code).toBe(0);
  }, 30_000);

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} during a gated replay: the partial report, exit ${code}, the gates not passed, JUnit <error>`, async () => {
      const junit = `replay-${signal}.xml`;
      // 10 000 sessions at 20/s would take 500 s: the signal comes about a second in.
      const r = await cli(['--server', '127.0.0.1', '--port', String(port), '--wsesslog=10000,0,one.txt', '--rate=20', '--assert', 'reply_rate >= 1', '--junit', junit, '--json', `replay-${signal}.json`], {
        killAfter: { text: 'wsesslog', signal, delayMs: 1200 },
      });
      expect(r.code).toBe(code);
      expect(r.stdout).toContain('Total: connections');
      expect(r.stdout).toContain('not evaluated: run interrupted');
      expect(r.stdout).not.toContain('PASSED');
      const xml = await readFile(join(dir, junit), 'utf8');
      expect(junitProblems(parseXml(xml))).toEqual([]);
      expect(xml).toContain('<error message="not evaluated: run interrupted');
      const doc = JSON.parse(await readFile(join(dir, `replay-${signal}.json`), 'utf8')) as { run: { ended: string }; counters: { replies: number } };
      expect(doc.run.ended).toBe('interrupted');
      expect(doc.counters.replies).toBeGreaterThan(0);
    }, 60_000);
  }
});
