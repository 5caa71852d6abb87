/**
 * End-to-end sweeps against `startDemoServer` with a modelled capacity (concurrency x service
 * time). Each session is 5 requests (one page, then 4 embedded resources in one burst) on one
 * keep-alive connection, so the server, not connection setup, is the limit. Steps are short
 * (5-11 s) and few: the whole file takes about two minutes on a 2-core machine.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDemoServer, type DemoServer } from '../src/serve/server.js';
import { run } from '../src/sweep/command.js';
import type { SweepDocument } from '../src/sweep/schema.js';

let dir: string;
let sessionFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loadgen-sweep-'));
  sessionFile = join(dir, 'page.txt');
  writeFileSync(sessionFile, '/index.html\n  /style.css\n  /app.js\n  /logo.png\n  /photo.jpg\n');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Run the sweep command, capturing what it prints. */
async function sweep(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    const code = await run(args);
    return { code, stdout };
  } finally {
    spy.mockRestore();
  }
}

describe('loadgen sweep against the demo server', () => {
  let slow: DemoServer;
  let fast: DemoServer;

  beforeAll(async () => {
    // 4 x 10 ms = 400 requests/s = 80 sessions/s of 5 requests; twice as fast: 160 sessions/s.
    slow = await startDemoServer({ concurrency: 4, serviceTimeMs: 10 });
    fast = await startDemoServer({ concurrency: 8, serviceTimeMs: 10 });
  });
  afterAll(async () => {
    await slow?.close();
    await fast?.close();
  });

  it('finds each knee within 15% of the modelled capacity, the faster one about twice as high', async () => {
    const json = join(dir, 'sweep.json');
    const csv = join(dir, 'sweep.tsv');
    const svg = join(dir, 'sweep.svg');
    const { code, stdout } = await sweep([
      `--wsesslog=1,0,${sessionFile}`,
      '--server', `127.0.0.1:${slow.port}`,
      '--server', `127.0.0.1:${fast.port}`,
      '--rates', '60,100,140,200',
      '--duration', '5',
      '--cooldown', '0.5',
      '--stop-after', '1',
      '--refine', '--precision', '10',
      '--json', json, '--csv', csv, '--svg', svg,
    ]);
    expect(code).toBe(0);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as SweepDocument;
    expect(doc.kind).toBe('loadgen-sweep');
    const [a, b] = doc.targets;
    expect(a!.knee).not.toBeNull();
    expect(b!.knee).not.toBeNull();
    expect(a!.knee!.sessionRate).toBeGreaterThanOrEqual(80 * 0.85);
    expect(a!.knee!.sessionRate).toBeLessThanOrEqual(80 * 1.15);
    expect(b!.knee!.sessionRate).toBeGreaterThanOrEqual(160 * 0.85);
    expect(b!.knee!.sessionRate).toBeLessThanOrEqual(160 * 1.15);
    const ratio = b!.knee!.sessionRate / a!.knee!.sessionRate;
    expect(ratio).toBeGreaterThan(1.6);
    expect(ratio).toBeLessThan(2.4);
    // Saturation is the modelled capacity in replies/s (wide bounds: a shared machine).
    expect(a!.saturation.replyRate).toBeGreaterThan(400 * 0.85);
    expect(a!.saturation.replyRate).toBeLessThan(400 * 1.1);
    // The verdict names why the first step above the knee failed; one line per target plus the ratio.
    expect(a!.verdict).toMatch(/^knee: [\d.]+ sessions\/s \([\d.]+ replies\/s\) · saturates at [\d.]+ replies\/s · first failing step [\d.]+\/s: .*(rate \d+% of demand|p99|errors)/);
    expect(stdout).toContain(`127.0.0.1:${slow.port}: knee: `);
    expect(stdout).toContain(`127.0.0.1:${fast.port}: knee: `);
    expect(stdout).toMatch(new RegExp(`127\\.0\\.0\\.1:${fast.port} / 127\\.0\\.0\\.1:${slow.port}: knee [\\d.]+×, saturation [\\d.]+×`));
    // Interleaved: both targets ran the first rate before either ran the second.
    expect(a!.steps[0]!.rate).toBe(60);
    expect(b!.steps[0]!.rate).toBe(60);
    expect(a!.steps.some((s) => s.phase === 'refine')).toBe(true);
    // Each step carries its full results document.
    expect(a!.steps[0]!.results!.counters.replies).toBe(60 * 5 * 5);
    // autobench-compatible file with both hosts' columns.
    const header = readFileSync(csv, 'utf8').split('\n')[0]!.split('\t');
    expect(header.slice(0, 3)).toEqual(['dem_req_rate', `req_rate_127.0.0.1:${slow.port}`, `con_rate_127.0.0.1:${slow.port}`]);
    expect(header[10]).toBe(`req_rate_127.0.0.1:${fast.port}`);
    expect(readFileSync(svg, 'utf8')).toMatch(/knee [\d.]+\/s/);
  }, 170_000);
});

describe('far below capacity', () => {
  let server: DemoServer;
  let exporter: Server;
  let scrapes = 0;
  beforeAll(async () => {
    server = await startDemoServer({ concurrency: 64, serviceTimeMs: 1 });
    // A stand-in node_exporter: the "before" text, then the "after" text, alternately.
    const texts = ['node-before.prom', 'node-after.prom'].map((f) => readFileSync(new URL(`./fixtures/metrics/${f}`, import.meta.url), 'utf8'));
    exporter = createServer((_req, res) => res.end(texts[scrapes++ % 2]));
    await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await server?.close();
    await new Promise((resolve) => exporter?.close(resolve));
  });

  it('achieves every demanded rate within 3% at every step', async () => {
    const json = join(dir, 'below.json');
    const metricsUrl = `http://127.0.0.1:${(exporter.address() as { port: number }).port}/metrics`;
    const { code } = await sweep([
      `--wsesslog=1,0,${sessionFile}`, '--server', '127.0.0.1', '--port', String(server.port), '--metrics-url', metricsUrl,
      '--rates', '20,50', '--duration', '11', '--cooldown', '0.5', '--json', json, '--quiet',
    ]);
    expect(code).toBe(0);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as SweepDocument;
    const steps = doc.targets[0]!.steps;
    expect(steps.map((s) => s.rate)).toEqual([20, 50]);
    for (const step of steps) {
      // 11 s of arrivals leaves the 5-10 s sample in the steady-state window.
      expect(step.achieved!.basis).toBe('steady-state');
      const pairs: Array<[number, number]> = [
        [step.achieved!.replyRate.avg, step.demanded.replyRate],
        [step.achieved!.requestRate.avg, step.demanded.requestRate],
        [step.achieved!.sessionRate.avg, step.demanded.sessionRate],
        [step.achieved!.connectionRate.avg, step.demanded.connectionRate],
      ];
      for (const [achieved, demanded] of pairs) {
        expect(achieved / demanded).toBeGreaterThan(0.97);
        expect(achieved / demanded).toBeLessThan(1.03);
      }
      expect(step.passed).toBe(true);
      // Scraped before and after the step: the fixtures' CPU figures.
      const metrics = step.metrics as { cpu: { busy: number; steal: number } };
      expect(metrics.cpu.busy).toBeCloseTo(85);
      expect(metrics.cpu.steal).toBeCloseTo(12);
    }
    expect(scrapes).toBe(4);
    expect(doc.targets[0]!.verdict).toMatch(/^knee: ≥ 50 sessions\/s .* no step failed up to 50\/s/);
  }, 60_000);

  it('exits 3 when nothing answers at any step', async () => {
    const closed = await startDemoServer({});
    const port = closed.port;
    await closed.close();
    await expect(sweep([`--wsesslog=1,0,${sessionFile}`, '--server', `127.0.0.1:${port}`, '--rates', '5', '--duration', '1', '--cooldown', '0', '--quiet'])).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/nothing could be measured/),
    });
  }, 30_000);

  it('rejects bad options with a usage error before any load', async () => {
    await expect(run([`--wsesslog=1,0,${sessionFile}`, '--server', '127.0.0.1', '--rates', '10:5:1'])).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/--rates 10:5:1: HIGH must not be below LOW/) });
    await expect(run([`--wsesslog=1,0,${sessionFile}`, '--server', '127.0.0.1', '--rates', '5', '--rate', '5'])).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/use --rates/) });
    await expect(run([`--wsesslog=1,0,${sessionFile}`, '--server', '127.0.0.1'])).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/--rates is required/) });
  });
});
