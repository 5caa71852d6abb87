/**
 * End-to-end sweeps: the built CLI (`node bin/loadgen.js sweep`) against `loadgen serve` demo
 * targets of known capacity (concurrency x service time), each in a process of its own so the
 * generator and the target do not share an event loop. Steps are short but honest: `--samples 2`
 * (10-s windows), warm-ups derived from the session lifetime (think times of a few seconds).
 * Rates sit well inside or well outside capacity (85-90% and 110-125%), so a loaded 2-core
 * machine cannot flip a verdict; assertions are on structure, reasons and wide bounds.
 * The whole file takes about four minutes.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepDocument, SweepStep } from '../src/sweep/schema.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'loadgen.js');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loadgen-sweep-e2e-'));
  copyFileSync(join(ROOT, 'sessions', 'shop.txt'), join(dir, 'shop.txt'));
  copyFileSync(join(ROOT, 'test', 'fixtures', 'sessions', 'bookofxen-think.txt'), join(dir, 'box.txt'));
  copyFileSync(join(ROOT, 'test', 'fixtures', 'sessions', 'think-short.txt'), join(dir, 'think.txt'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Serve {
  port: number;
  close: () => Promise<void>;
}

/** `loadgen serve` in its own process on a free port. */
function serve(concurrency: number, serviceTimeMs: number): Promise<Serve> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--concurrency', String(concurrency), '--service-time', String(serviceTimeMs)]);
  const close = () => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM'))));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ port: Number(m[1]), close });
    });
    child.once('exit', (code) => reject(new Error(`loadgen serve exited ${code}: ${out}`)));
  });
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `loadgen sweep ARGS` in `dir`; `onOutput` may act on the child (e.g. send a signal). */
function sweep(args: string[], onOutput?: (stdout: string, child: ChildProcessWithoutNullStreams) => void): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'sweep', ...args], { cwd: dir, env: { ...process.env, GITHUB_STEP_SUMMARY: '' } });
    let stdout = '';
    let stderr = '';
    const guard = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.stdout.on('data', (d) => {
      stdout += String(d);
      onOutput?.(stdout, child);
    });
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

function readDoc(name: string): SweepDocument {
  return JSON.parse(readFileSync(join(dir, name), 'utf8')) as SweepDocument;
}

/** Every achieved figure of a step comes from at least `samples` complete samples of its window. */
function expectMeasured(step: SweepStep, samples: number): void {
  expect(step.achieved!.replyRate.samples).toBeGreaterThanOrEqual(samples);
  expect(step.counts!.seconds).toBeGreaterThanOrEqual(samples * 5 - 0.2);
  expect(step.timing.window.from - step.timing.start).toBe(step.timing.warmup);
}

describe('knees against loadgen serve --concurrency 4 --service-time 10 (400 requests/s)', () => {
  let target: Serve;
  beforeAll(async () => {
    target = await serve(4, 10);
  });
  afterAll(async () => {
    await target?.close();
  });

  it('shop.txt (11 requests, 7.5 s of think): knee within 15% of 36 sessions/s, never above 420 replies/s', async () => {
    // 31/s asks 341 requests/s (85%), 40/s asks 440 (110%).
    const r = await sweep(['--wsesslog=1,0,shop.txt', '--server', `127.0.0.1:${target.port}`, '--rates', '31,40', '--samples', '2', '--json', 'shop.json', '--csv', 'shop.csv']);
    expect(r.code).toBe(0);
    const doc = readDoc('shop.json');
    const t = doc.targets[0]!;
    expect(t.steps.map((s) => s.rate)).toEqual([31, 40]);
    expect(t.runs).toHaveLength(1);
    // Warm-up from the file's 7.5 s of think plus the probe's burst time, with headroom: 10 s (more on a busy machine).
    expect(doc.probe!.lifetime).toBeGreaterThan(7.5);
    expect(t.steps[0]!.timing.warmup).toBeGreaterThanOrEqual(10);
    expect(t.steps[0]!.timing.warmup % 5).toBe(0);
    for (const s of t.steps) {
      expectMeasured(s, 2);
      expect(s.achieved!.replyRate.max).toBeLessThanOrEqual(420);
    }
    expect(t.knee!.sessionRate).toBeGreaterThanOrEqual(36 * 0.85);
    expect(t.knee!.sessionRate).toBeLessThanOrEqual(36 * 1.15);
    expect(t.steps[1]!.passed).toBe(false);
    expect(t.steps[1]!.reasons[0]).toMatch(/^(reply|session|request) rate \d+% of demand/);
    expect(t.saturation.replyRate).toBeLessThanOrEqual(420);
    expect(r.stdout).toMatch(/^step = warm-up ≥ 1\.2 × session lifetime/);
    expect(r.stdout).toMatch(/\n127\.0\.0\.1\s+40\s+10 s\s+440\s+\d+\s+\d+%.*FAIL: /);
    expect(r.stdout).toMatch(/\nknee: 31 sessions\/s \(\d+ replies\/s\) · saturates at \d+ replies\/s · first failing step 40\/s: /);
    expect(readFileSync(join(dir, 'shop.csv'), 'utf8').split('\n')[2]).toMatch(/,0,"?(reply|session|request) rate/);
  }, 120_000);

  it('a Book-of-Xen file thinking 2-4 s between bursts (21 requests): knee within 15% of 19 sessions/s', async () => {
    // 17/s asks 357 requests/s (89%), 21/s asks 441 (110%).
    const r = await sweep(['--wsesslog=1,0,box.txt', '--server', `127.0.0.1:${target.port}`, '--rates', '17,21', '--samples', '2', '--json', 'box.json']);
    expect(r.code).toBe(0);
    const t = readDoc('box.json').targets[0]!;
    for (const s of t.steps) {
      expectMeasured(s, 2);
      expect(s.achieved!.replyRate.max).toBeLessThanOrEqual(420);
    }
    expect(t.knee!.sessionRate).toBeGreaterThanOrEqual((400 / 21) * 0.85);
    expect(t.knee!.sessionRate).toBeLessThanOrEqual((400 / 21) * 1.15);
    expect(t.steps[1]!.passed).toBe(false);
  }, 120_000);

  it('connection mode (--uri --num-calls 5): knee within 15% of 80 connections/s, never above 420 replies/s, dem_req_rate = 5 x rate', async () => {
    // 70 conn/s asks 350 requests/s (88%), 95 conn/s asks 475 (119%). --num-conns is replaced by the plan.
    const r = await sweep(['--uri', '/', '--num-calls', '5', '--num-conns', '3', '--server', `127.0.0.1:${target.port}`, '--rates', '70,95', '--samples', '2', '--json', 'conn.json', '--csv', 'conn.csv', '--html', 'conn.html']);
    expect(r.code).toBe(0);
    const doc = readDoc('conn.json');
    expect(doc.options).toMatchObject({ unit: 'connection', workload: '--num-conns=N --uri=/ --num-calls=5 --burst-length=1' });
    const t = doc.targets[0]!;
    expect(t.steps.map((s) => s.rate)).toEqual([70, 95]);
    for (const s of t.steps) {
      expectMeasured(s, 2);
      expect(s.achieved!.replyRate.max).toBeLessThanOrEqual(420);
      expect(s.demanded).toEqual({ unit: 'connection', sessionRate: null, connectionRate: s.rate, requestRate: 5 * s.rate, replyRate: 5 * s.rate });
    }
    // The warm-up comes from the connections' lifetime the probe measured (5 calls of about 10 ms).
    expect(doc.probe!.lifetime).toBeGreaterThan(0.04);
    expect(t.steps[0]!.timing.lifetime).toBe(doc.probe!.lifetime);
    expect(t.steps[0]!.timing.warmup % 5).toBe(0);
    // One staircase run whose N is the planned connections (rate x step length), not --num-conns 3.
    const run = t.runs[0]!.run.options;
    expect(run.sessions).toBeGreaterThan(1000);
    expect(run.workload!.generator).toMatchObject({ kind: 'connections', connections: run.sessions, calls: 5 });
    expect(t.knee).toMatchObject({ rate: 70, unit: 'connection' });
    expect(t.knee!.rate).toBeGreaterThanOrEqual(80 * 0.85);
    expect(t.steps[1]!.passed).toBe(false);
    expect(t.steps[1]!.reasons[0]).toMatch(/^(reply|request) rate \d+% of demand/);
    expect(t.saturation.replyRate).toBeLessThanOrEqual(420);
    expect(r.stdout).toMatch(/^step = warm-up ≥ 1\.2 × connection lifetime/);
    expect(r.stdout).toMatch(/\ntarget\s+conn\/s\s+warm-up/);
    expect(r.stdout).toMatch(/\nknee: 70 connections\/s \(\d+ replies\/s\) · saturates at \d+ replies\/s · first failing step 95\/s: /);
    const [header, ...rows] = readFileSync(join(dir, 'conn.csv'), 'utf8').split('\n');
    const columns = header!.split(',');
    expect(columns).toContain('dem_conn_rate');
    expect(columns).not.toContain('sess_rate_127.0.0.1');
    expect(rows.slice(0, 2).map((row) => [row.split(',')[0], row.split(',')[columns.indexOf('dem_conn_rate')]])).toEqual([['350', '70'], ['475', '95']]);
    const html = readFileSync(join(dir, 'conn.html'), 'utf8');
    expect(html).toContain('<th>connections/s</th>');
    expect(html).toContain('demanded connection rate (connections/s)');
  }, 90_000);

  it('SIGINT during a gated sweep: partial outputs, exit 130, the gate not passed, JUnit <error>', async () => {
    let sent = false;
    const r = await sweep(['--wsesslog=1,0,think.txt', '--server', `127.0.0.1:${target.port}`, '--rates', '10,20', '--samples', '2', '--assert', 'knee >= 1', '--junit', 'int.xml', '--json', 'int.json'], (out, child) => {
      if (!sent && out.includes('result')) {
        sent = true;
        // Inside the first step's warm-up or window (the probe takes about 2 s).
        setTimeout(() => child.kill('SIGINT'), 5000);
      }
    });
    expect(r.code).toBe(130);
    expect(r.stdout).toMatch(/FAIL: interrupted: the run was stopped before the window ended/);
    expect(r.stdout).toMatch(/\nINTERRUPTED \(partial sweep\) · knee: none/);
    expect(r.stdout).toContain('not evaluated: run interrupted');
    expect(r.stdout).not.toContain('PASSED');
    expect(readFileSync(join(dir, 'int.xml'), 'utf8')).toContain('<error message="not evaluated: run interrupted');
    expect(readDoc('int.json')).toMatchObject({ interrupted: true });
  }, 60_000);
});

describe('far below capacity', () => {
  let target: Serve;
  let exporter: Server;
  let scrapes = 0;
  beforeAll(async () => {
    target = await serve(64, 1);
    // A stand-in node_exporter: the "before" text, then the "after" text, alternately.
    const texts = ['node-before.prom', 'node-after.prom'].map((f) => readFileSync(new URL(`./fixtures/metrics/${f}`, import.meta.url), 'utf8'));
    exporter = createServer((_req, res) => res.end(texts[scrapes++ % 2]));
    await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await target?.close();
    await new Promise((resolve) => exporter?.close(resolve));
  });

  it('with think times: every achieved rate within 3% of demand at every step of the staircase', async () => {
    const metricsUrl = `http://127.0.0.1:${(exporter.address() as AddressInfo).port}/metrics`;
    const r = await sweep(['--wsesslog=1,0,think.txt', '--server', `127.0.0.1:${target.port}`, '--metrics-url', metricsUrl, '--rates', '10,20', '--samples', '2', '--json', 'below.json', '--html', 'below.html', '--quiet']);
    expect(r.code).toBe(0);
    const steps = readDoc('below.json').targets[0]!.steps;
    expect(steps.map((s) => s.rate)).toEqual([10, 20]);
    for (const step of steps) {
      expectMeasured(step, 2);
      // A session sweep demands sessions and models its connections: neither is null.
      const pairs: Array<[number, number]> = [
        [step.achieved!.replyRate.avg, step.demanded.replyRate],
        [step.achieved!.requestRate.avg, step.demanded.requestRate],
        [step.achieved!.sessionRate.avg, step.demanded.sessionRate!],
        [step.achieved!.connectionRate.avg, step.demanded.connectionRate!],
      ];
      for (const [achieved, demanded] of pairs) {
        expect(achieved / demanded).toBeGreaterThan(0.97);
        expect(achieved / demanded).toBeLessThan(1.03);
      }
      expect(step.passed).toBe(true);
      // Scraped at the window's edges: the fixtures' CPU figures.
      const metrics = step.metrics as { cpu: { busy: number; steal: number } };
      expect(metrics.cpu.busy).toBeCloseTo(85);
      expect(metrics.cpu.steal).toBeCloseTo(12);
    }
    expect(scrapes).toBe(4);
    expect(r.stdout).toMatch(/^knee: ≥ 20 sessions\/s .* no step failed up to 20\/s/);
    expect(readFileSync(join(dir, 'below.html'), 'utf8')).toMatch(/<td>85%<\/td><td>12%<\/td>/);
  }, 90_000);

  it('a step too short to measure, and unreadable target metrics, fail loudly with their reasons', async () => {
    const r = await sweep(['--wsesslog=1,0,think.txt', '--server', `127.0.0.1:${target.port}`, '--metrics-url', 'http://127.0.0.1:1/metrics', '--rates', '10', '--duration', '3', '--html', 'short.html', '--csv', 'short.csv']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/measurement window 5 s \(--duration; needs 6 complete 5-s samples\)/);
    expect(r.stderr).toMatch(/warning: a 5-s window holds 1 of the 6 samples --samples asks for: every step will fail/);
    expect(r.stdout).toMatch(/FAIL: too few samples: 1 complete 5-s sample in the 5 s window, need 6, target metrics unavailable: /);
    expect(r.stdout).toMatch(/\nknee: none \(no step could be measured honestly\) · .* first step 10\/s could not be measured: too few samples/);
    expect(readFileSync(join(dir, 'short.html'), 'utf8')).toMatch(/<b>FAIL<\/b>: too few samples: .*target metrics unavailable: /);
    expect(readFileSync(join(dir, 'short.csv'), 'utf8')).toContain('"too few samples: 1 complete 5-s sample in the 5 s window, need 6; target metrics unavailable: ');
  }, 60_000);

  it('exits 3 when nothing answers at any step, and 2 for bad options before any load', async () => {
    const gone = await serve(1, 0);
    await gone.close();
    const r = await sweep(['--wsesslog=1,0,think.txt', '--server', `127.0.0.1:${gone.port}`, '--rates', '5', '--samples', '1', '--quiet']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/nothing could be measured/);
    const bad = await sweep(['--wsesslog=1,0,think.txt', '--server', '127.0.0.1', '--rates', '10:5:1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--rates 10:5:1: HIGH must not be below LOW/);
    const rate = await sweep(['--wsesslog=1,0,think.txt', '--server', '127.0.0.1', '--rates', '5', '--rate', '5']);
    expect(rate.stderr).toMatch(/use --rates/);
    const samples = await sweep(['--wsesslog=1,0,think.txt', '--server', '127.0.0.1', '--rates', '5', '--samples', '2.5']);
    expect(samples.stderr).toMatch(/--samples must be a whole number/);
    const none = await sweep(['--server', '127.0.0.1', '--rates', '5']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^loadgen: loadgen sweep needs a workload: --wsesslog=N,X,FILE or --wsess=N1,N2,X \(rates in sessions\/s\), or --uri URI --num-calls C/);
    writeFileSync(join(dir, 'list.wlog'), '/a\0/b\0');
    const once = await sweep(['--wlog=n,list.wlog', '--server', '127.0.0.1', '--rates', '5']);
    expect(once.code).toBe(2);
    expect(once.stderr).toMatch(/needs --wlog=y,list\.wlog: a sweep creates as many connections as its rates ask for/);
  }, 60_000);
});

describe('two targets side by side (drain mode)', () => {
  let slow: Serve;
  let fast: Serve;
  beforeAll(async () => {
    // 4 and 8 x 10 ms: 400 and 800 requests/s, 80 and 160 sessions/s of a 5-request page.
    [slow, fast] = await Promise.all([serve(4, 10), serve(8, 10)]);
  });
  afterAll(async () => {
    await slow?.close();
    await fast?.close();
  });

  it('finds each knee within 15% of its capacity, the faster one twice as high', async () => {
    // One page and its 4 resources on one keep-alive connection: the server, not connection setup, is the limit.
    writeFileSync(join(dir, 'page.txt'), '/index.html\n  /style.css\n  /app.js\n  /logo.png\n  /photo.jpg\n');
    const r = await sweep([
      '--wsesslog=1,0,page.txt',
      '--server', `127.0.0.1:${slow.port}`, '--server', `127.0.0.1:${fast.port}`,
      '--rates', '70,140,200', '--mode', 'drain', '--samples', '1', '--cooldown', '0.5', '--stop-after', '1',
      '--json', 'two.json', '--svg', 'two.svg',
    ]);
    expect(r.code).toBe(0);
    const [a, b] = readDoc('two.json').targets;
    expect(a!.steps.map((s) => [s.rate, s.passed])).toEqual([[70, true], [140, false]]);
    expect(b!.steps.map((s) => s.rate)).toEqual([70, 140, 200]);
    expect(a!.knee!.sessionRate / 80).toBeGreaterThanOrEqual(0.85);
    expect(b!.knee!.sessionRate / 160).toBeGreaterThanOrEqual(0.85);
    expect(b!.knee!.sessionRate / a!.knee!.sessionRate).toBe(2);
    expect(a!.saturation.replyRate).toBeLessThan(400 * 1.05);
    expect(a!.runs).toHaveLength(2);
    expect(r.stdout).toMatch(new RegExp(`127\\.0\\.0\\.1:${fast.port} / 127\\.0\\.0\\.1:${slow.port}: knee 2\\.00×, saturation [\\d.]+×`));
    expect(readFileSync(join(dir, 'two.svg'), 'utf8')).toMatch(/knee 70\/s/);
  }, 150_000);
});
