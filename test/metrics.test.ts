import { readFileSync } from 'node:fs';
import { createHistogram } from 'node:perf_hooks';
import { createServer, type Socket } from 'node:net';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { counterDelta, deriveNodeMetrics, startStepScrape, type NodeMetrics } from '../src/metrics/node.js';
import { parsePrometheusText, scrapePrometheus } from '../src/metrics/prometheus.js';
import { parseSessionFile } from '../src/session/parse.js';
import { sessionShape } from '../src/sweep/demand.js';
import { runSweepLoop } from '../src/sweep/driver.js';
import { summarizeTarget } from '../src/sweep/verdict.js';
import { modelRunner } from './fixtures/sweep/synthetic.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/metrics/${name}`, import.meta.url), 'utf8');
const BEFORE = parsePrometheusText(fixture('node-before.prom'));
const AFTER = parsePrometheusText(fixture('node-after.prom'));
const TARGET = 'http://node.test:9100';

afterEach(() => {
  nock.cleanAll();
});

describe('Prometheus text format', () => {
  it('reads names, labels, values and skips comments', () => {
    const scrape = parsePrometheusText(fixture('node-before.prom'));
    expect(scrape.badLines).toBe(0);
    expect(scrape.samples.filter((s) => s.name === 'node_cpu_seconds_total')).toHaveLength(16);
    expect(scrape.samples.find((s) => s.name === 'node_network_receive_bytes_total' && s.labels.device === 'eth0')!.value).toBe(1e6);
    expect(scrape.samples.find((s) => s.name === 'node_load1')!.value).toBe(0.5);
  });
  it('unescapes label values, counts malformed lines, accepts timestamps and special values', () => {
    const scrape = parsePrometheusText(fixture('node-no-cpu.prom') + 'x_total{a="1"} +Inf 1700000000000\ny NaN\n');
    expect(scrape.badLines).toBe(1);
    expect(scrape.samples.find((s) => s.name === 'node_uname_info')!.labels.nodename).toBe('dom"U\\1');
    expect(scrape.samples.find((s) => s.name === 'x_total')!.value).toBe(Infinity);
    expect(Number.isNaN(scrape.samples.find((s) => s.name === 'y')!.value)).toBe(true);
  });
});

describe('node metrics of a step', () => {
  it('derives CPU busy and per-mode percentages, network bytes/s without lo, and load', () => {
    const m = deriveNodeMetrics(BEFORE, AFTER, 10);
    expect(m.cpu!.cpus).toBe(2);
    expect(m.cpu!.busy).toBeCloseTo(85);
    expect(m.cpu!.user).toBeCloseTo(50);
    expect(m.cpu!.system).toBeCloseTo(20);
    expect(m.cpu!.steal).toBeCloseTo(12);
    expect(m.cpu!.iowait).toBeCloseTo(5);
    expect(m.cpu!.idle).toBeCloseTo(10);
    expect(m.network).toEqual({ receiveBytesPerSecond: 50_000, transmitBytesPerSecond: 200_000 });
    expect(m.load1).toBe(3.75);
    expect(m.notes).toEqual([]);
  });
  it('treats a counter that went down as reset to zero', () => {
    expect(counterDelta(100, 130)).toBe(30);
    expect(counterDelta(100, 7)).toBe(7);
    const m = deriveNodeMetrics(BEFORE, parsePrometheusText(fixture('node-after-reset.prom')), 10);
    // Deltas from zero on cpu 0: user 6, system 1, idle 3 -> busy 70 %.
    expect(m.cpu!.busy).toBeCloseTo(70);
    expect(m.cpu!.user).toBeCloseTo(60);
    expect(m.notes.join()).toMatch(/reset during the step/);
    expect(m.network!.receiveBytesPerSecond).toBe(100);
  });
  it('notes missing metrics instead of inventing them', () => {
    const noCpu = parsePrometheusText(fixture('node-no-cpu.prom'));
    const m = deriveNodeMetrics(noCpu, noCpu, 10);
    expect(m.cpu).toBeUndefined();
    expect(m.network).toBeUndefined();
    expect(m.load1).toBe(0.25);
    expect(m.notes).toEqual(['CPU unavailable: node_cpu_seconds_total missing or unchanged', 'network unavailable: node_network_*_bytes_total missing']);
  });
});

describe('scraping around a step (nock)', () => {
  it('scrapes before and after and gives the step CPU', async () => {
    nock(TARGET).get('/metrics').reply(200, fixture('node-before.prom')).get('/metrics').reply(200, fixture('node-after.prom'));
    const scrape = await startStepScrape(`${TARGET}/metrics`, 1000);
    const m = (await scrape.finish()) as NodeMetrics;
    expect(m.cpu!.busy).toBeCloseTo(85);
    expect(m.cpu!.steal).toBeCloseTo(12);
    expect(nock.isDone()).toBe(true);
  });
  it('reports an HTTP 500 as metrics unavailable', async () => {
    nock(TARGET).get('/metrics').reply(500, 'oops');
    const scrape = await startStepScrape(`${TARGET}/metrics`, 1000);
    expect(await scrape.finish()).toEqual({ unavailable: `metrics unavailable: HTTP 500 from ${TARGET}/metrics` });
  });
  it('reports a failure of the second scrape too', async () => {
    nock(TARGET).get('/metrics').reply(200, fixture('node-before.prom')).get('/metrics').reply(503);
    const scrape = await startStepScrape(`${TARGET}/metrics`, 1000);
    expect(await scrape.finish()).toEqual({ unavailable: `metrics unavailable: HTTP 503 from ${TARGET}/metrics` });
  });
  it('gives up after the timeout', async () => {
    // A loopback server that accepts and never answers. (A nock .delay() reply is not used here:
    // on Node 20 nock then completes the response into the aborted fetch and trips an assertion
    // inside Node's bundled undici.)
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const result = await scrapePrometheus(`http://127.0.0.1:${port}/metrics`, 200);
      expect(result).toEqual({ ok: false, reason: `no answer from http://127.0.0.1:${port}/metrics within 0.2 s` });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
  it('reports a refused connection', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const result = await scrapePrometheus(`http://127.0.0.1:${port}/metrics`, 1000);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:\d+\/metrics: ECONNREFUSED/);
  });
});

describe('metrics in a sweep', () => {
  const shape = sessionShape(parseSessionFile('/a\n  /b\n  /c\n  /d\n  /e\n', 'five.txt'), { httpVersion: '1.1', maxConnections: 4, maxPipedCalls: 32, thinkTime: 0 });
  const loop = (metricsUrl: string) =>
    runSweepLoop({
      targets: [{ server: '127.0.0.1', port: 1, name: 'domU', metricsUrl }],
      rates: [40, 100],
      mode: 'staircase',
      timing: { warmup: null, measure: 30, samplesNeeded: 6, firstSampleAt: 5 },
      cooldown: 0,
      refine: false,
      precision: 0.05,
      stopAfter: 2,
      shape,
      criteria: { tolerance: 0.95, maxErrors: 0.01, slos: [] },
      runner: modelRunner({ domU: { capacity: 400, requestsPerSession: 5 } }),
      gauge: () => ({ cpuSeconds: () => 0, loopDelay: () => createHistogram(), stop: () => {} }),
    });

  it('scrapes at the edges of every window and names the target CPU in the verdict', async () => {
    // Each step scrapes twice: when its window opens, and when it closes.
    nock(TARGET)
      .get('/metrics').reply(200, fixture('node-before.prom'))
      .get('/metrics').reply(200, fixture('node-after.prom'))
      .get('/metrics').reply(200, fixture('node-before.prom'))
      .get('/metrics').reply(200, fixture('node-after.prom'));
    const [result] = await loop(`${TARGET}/metrics`);
    expect(result!.steps.map((s) => s.metrics && 'cpu' in s.metrics && Math.round(s.metrics.cpu!.busy))).toEqual([85, 85]);
    const summary = summarizeTarget(result!.target, result!.steps);
    expect(summary.verdict).toMatch(/first failing step 100\/s: reply rate 80% of demand.* · target CPU 85% \(steal 12%\)$/);
    expect(nock.isDone()).toBe(true);
  });

  it('fails every step whose target metrics are unavailable, saying why', async () => {
    nock(TARGET).get('/metrics').times(2).reply(500, 'down');
    const [result] = await loop(`${TARGET}/metrics`);
    expect(result!.steps).toHaveLength(2);
    for (const step of result!.steps) {
      expect(step.passed).toBe(false);
      expect(step.unmeasured).toBe(true);
      expect(step.reasons).toContain(`target metrics unavailable: HTTP 500 from ${TARGET}/metrics`);
    }
    expect(summarizeTarget(result!.target, result!.steps).verdict).toMatch(/^knee: none \(no step could be measured honestly\) · .* could not be measured: target metrics unavailable: HTTP 500/);
  });

  it('fails a step whose endpoint is readable but not node_exporter (no CPU counters)', async () => {
    nock(TARGET).get('/metrics').times(4).reply(200, 'up 1\n');
    const [result] = await loop(`${TARGET}/metrics`);
    expect(result!.steps[0]!.reasons).toEqual(['target CPU unavailable: node_cpu_seconds_total missing or unchanged']);
  });
});
