import { readFileSync } from 'node:fs';
import { createHistogram } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { parseSessionFile } from '../src/session/parse.js';
import { formatSweepCsv, separatorFor } from '../src/sweep/csv.js';
import { sessionShape, stepDemand, templateThinkSeconds } from '../src/sweep/demand.js';
import { templateConnections } from '../src/workload/demand.js';
import { kneeBounds, runSweepLoop, type SweepLoopInput } from '../src/sweep/driver.js';
import { formatMs, type StepCriteria } from '../src/sweep/evaluate.js';
import { measurementSeconds, planRun, warmupSeconds, type TimingRules } from '../src/sweep/plan.js';
import { withoutThinkTimes } from '../src/sweep/probe.js';
import { formatProgress } from '../src/sweep/progress.js';
import { parsePercent, parseRates, parseSlo, parseTargets, splitHostPort, type TargetSpec } from '../src/sweep/spec.js';
import { renderSweepHtml, renderSweepSvg, niceTicks } from '../src/sweep/svg.js';
import { runSweep } from '../src/sweep/sweep.js';
import { formatStepDesign, formatStepHeader, formatStepLine } from '../src/sweep/table.js';
import { compareTargets, summarizeTarget } from '../src/sweep/verdict.js';
import type { SweepDocument, SweepStep } from '../src/sweep/schema.js';
import type { GeneratorGauge } from '../src/sweep/window.js';
import { modelRunner, type ServerModel } from './fixtures/sweep/synthetic.js';

const FIVE_REQUESTS = parseSessionFile('/index.html\n  /a.css\n  /b.js\n  /c.png\n  /d.png\n', 'five.txt');
const SHAPE = sessionShape(FIVE_REQUESTS, { httpVersion: '1.1', maxConnections: 4, maxPipedCalls: 32, thinkTime: 0 });
/** Connection mode: --uri /index.html --num-calls 5 (one template of 5 pipelined-burst calls). */
const CONNECTIONS = sessionShape(
  { path: '--uri=/index.html', templates: [{ line: 0, pipelineBursts: true, bursts: FIVE_REQUESTS.templates[0]!.bursts.flatMap((b) => b.requests).map((r) => ({ requests: [r] })) }] },
  {
    httpVersion: '1.1',
    maxConnections: 4,
    maxPipedCalls: 32,
    thinkTime: 0,
    workload: { generator: { kind: 'connections', connections: 1, calls: 5, burstLength: 1, uris: { kind: 'fixed', uri: '/index.html' } }, uri: '/index.html', closeWithReset: false, noHostHeader: false, sslNoReuse: false },
  },
);
const CRITERIA: StepCriteria = { tolerance: 0.95, maxErrors: 0.01, slos: [] };
const TARGET: TargetSpec = { server: '127.0.0.1', port: 8080, name: '127.0.0.1' };
const TIMING: TimingRules = { warmup: null, measure: 30, samplesNeeded: 6, firstSampleAt: 5 };

/** A steady generator: 10% of a core, no event-loop delay (the real one depends on the test machine). */
const steadyGauge = (): GeneratorGauge => {
  let cpu = 0;
  return { cpuSeconds: () => (cpu += 0.5), loopDelay: () => createHistogram(), stop: () => {} };
};
const busyGauge = (): GeneratorGauge => {
  let cpu = 0;
  return { cpuSeconds: () => (cpu += 4.9), loopDelay: () => createHistogram(), stop: () => {} };
};

/** The loop's inputs against modelled servers (one target unless given). */
function loopInput(models: Record<string, ServerModel>, extra: Partial<SweepLoopInput> = {}, calls: string[] = []): SweepLoopInput {
  return {
    targets: [TARGET],
    rates: [20],
    mode: 'staircase',
    timing: TIMING,
    cooldown: 0,
    refine: false,
    precision: 0.05,
    stopAfter: 2,
    shape: SHAPE,
    criteria: CRITERIA,
    runner: modelRunner(models, calls),
    gauge: steadyGauge,
    sleep: async () => {},
    ...extra,
  };
}

/** One step against the modelled server (capacity in requests/s). */
async function step(rate: number, model: Partial<ServerModel> & { capacity: number }, extra: Partial<SweepLoopInput> = {}): Promise<SweepStep> {
  const [result] = await runSweepLoop(loopInput({ [TARGET.name]: { requestsPerSession: 5, ...model } }, { rates: [rate], ...extra }));
  return result!.steps[0]!;
}

describe('--rates, --slo, --max-errors, targets', () => {
  it('expands LOW:HIGH:STEP like autobench and keeps HIGH on the grid', () => {
    expect(parseRates('20:60:20')).toEqual([20, 40, 60]);
    expect(parseRates('10:35:10')).toEqual([10, 20, 30]);
    expect(parseRates('0.1:0.3:0.1')).toEqual([0.1, 0.2, 0.3]);
  });
  it('takes a list of increasing rates', () => {
    expect(parseRates('5,10,20,40')).toEqual([5, 10, 20, 40]);
  });
  it('rejects malformed rates with a usage error', () => {
    for (const bad of ['10:5:1', '1:2', 'a,b', '10,5', '0,5', '1:10:0']) expect(() => parseRates(bad)).toThrow(UsageError);
  });
  it('parses SLOs in ms, s and us', () => {
    expect(parseSlo('p99<500ms')).toMatchObject({ stat: 'p99', limitMs: 500, inclusive: false });
    expect(parseSlo('p50<=0.2s')).toMatchObject({ stat: 'p50', limitMs: 200, inclusive: true });
    expect(parseSlo('mean<800us').limitMs).toBeCloseTo(0.8);
    expect(() => parseSlo('p98<1s')).toThrow(/expected STAT<LIMIT/);
  });
  it('parses percentages', () => {
    expect(parsePercent('1', '--max-errors')).toBe(0.01);
    expect(parsePercent('2.5%', '--max-errors')).toBe(0.025);
    expect(() => parsePercent('x', '--max-errors')).toThrow(/--max-errors/);
  });
  it('splits host:port and [v6]:port, leaves bare IPv6 alone', () => {
    expect(splitHostPort('example.org:8080')).toEqual({ host: 'example.org', port: 8080 });
    expect(splitHostPort('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(splitHostPort('::1')).toEqual({ host: '::1' });
    expect(() => splitHostPort('host:99999')).toThrow(/port/);
  });
  it('pairs --port and --metrics-url with servers by position and names repeated hosts with ports', () => {
    const targets = parseTargets(['127.0.0.1', '127.0.0.1'], [8001, 8002], ['http://127.0.0.1:9100/metrics'], 80);
    expect(targets).toEqual([
      { server: '127.0.0.1', port: 8001, name: '127.0.0.1:8001', metricsUrl: 'http://127.0.0.1:9100/metrics' },
      { server: '127.0.0.1', port: 8002, name: '127.0.0.1:8002' },
    ]);
    expect(parseTargets(['a:81', 'b'], [90], [], 80).map((t) => `${t.name}:${t.port}`)).toEqual(['a:81', 'b:90']);
    expect(() => parseTargets(['a', 'b', 'c'], [1, 2], [], 80)).toThrow(/--port given 2 times for 3 servers/);
    expect(() => parseTargets(['a'], [], ['http://x', 'http://y'], 80)).toThrow(/--metrics-url/);
    expect(() => parseTargets(['a:80', 'a:80'], [], [], 80)).toThrow(/twice/);
  });
});

describe('demand implied by the session file', () => {
  it('counts requests, connections and think time per template', () => {
    const file = parseSessionFile('/p think=2\n  /q\n  /r\n/s think=1\n/t\n\n/u\n', 'two.txt');
    const [a, b] = file.templates;
    expect(templateThinkSeconds(a!, 0.5)).toBe(3);
    expect(templateThinkSeconds(b!, 0.5)).toBe(0);
    expect(templateConnections(a!, { httpVersion: '1.1', maxConnections: 4, maxPipedCalls: 32 })).toBe(1);
    expect(templateConnections(a!, { httpVersion: '1.0', maxConnections: 4, maxPipedCalls: 1 })).toBe(5);
    const shape = sessionShape(file, { httpVersion: '1.1', maxConnections: 4, maxPipedCalls: 32, thinkTime: 0.5 });
    expect(shape).toMatchObject({ unit: 'session', maxThinkSeconds: 3 });
    expect(stepDemand(10, shape)).toEqual({ unit: 'session', sessionRate: 10, connectionRate: 10, requestRate: 30, replyRate: 30 });
  });
  it('follows httperf slot rules for a burst of 6 with --max-piped-calls 1 (4 connections)', () => {
    const file = parseSessionFile('/p0\n  /p1\n  /p2\n  /p3\n  /p4\n  /p5\n', 'b.txt');
    expect(templateConnections(file.templates[0]!, { httpVersion: '1.1', maxConnections: 4, maxPipedCalls: 1 })).toBe(4);
    expect(templateConnections(file.templates[0]!, { httpVersion: '1.1', maxConnections: 2, maxPipedCalls: 2 })).toBe(2);
  });
});

describe('step timing', () => {
  it('warms up for the session lifetime with headroom, in whole 5-s samples', () => {
    expect(warmupSeconds(0.03, null)).toBe(5);
    expect(warmupSeconds(7.6, null)).toBe(10);
    expect(warmupSeconds(8.5, null)).toBe(15);
    expect(warmupSeconds(99, 12)).toBe(15);
    expect(warmupSeconds(99, 0)).toBe(0);
    expect(measurementSeconds(null, 6)).toBe(30);
    expect(measurementSeconds(3, 6)).toBe(5);
    expect(measurementSeconds(12, 2)).toBe(15);
  });
  it('lays a staircase out back to back, its windows on sample boundaries', () => {
    const plan = planRun([10, 20], 7.6, { ...TIMING, measure: 10 });
    expect(plan.steps.map((s) => [s.rate, s.timing.start, s.timing.window])).toEqual([
      [10, 0, { from: 10, to: 20 }],
      [20, 20, { from: 30, to: 40 }],
    ]);
    expect(plan.segments).toEqual([{ interval: 0.1, duration: 20 }, { interval: 0.05, duration: 20 }]);
    expect(plan.sessions).toBe(600);
    // --client 1/4: the first sample is at 2.5 s, so the first warm-up is 2.5 s longer.
    const shifted = planRun([10, 20], 7.6, { ...TIMING, measure: 10, firstSampleAt: 2.5 });
    expect(shifted.steps.map((s) => s.timing.window.from)).toEqual([12.5, 32.5]);
  });
  it('probes with the think times removed', () => {
    const file = parseSessionFile('/a think=3\n/b think=2\n/c\n', 'think.txt');
    expect(withoutThinkTimes(file).templates[0]!.bursts.map((b) => b.thinkTime)).toEqual([0, 0, 0]);
    expect(file.templates[0]!.bursts.map((b) => b.thinkTime)).toEqual([3, 2, undefined]);
  });
});

describe('judging a step from its window', () => {
  it('passes below capacity with every figure from the window', async () => {
    const s = await step(10, { capacity: 1000 });
    expect(s.passed).toBe(true);
    expect(s.reasons).toEqual([]);
    expect(s.demanded.replyRate).toBe(50);
    expect(s.achieved!.replyRate).toMatchObject({ avg: 50, min: 50, max: 50, samples: 6 });
    expect(s.counts!.replies).toBe(1500);
    expect(s.timing).toMatchObject({ warmup: 5, window: { from: 5, to: 35 } });
    expect(s.latency!.p50).toBeCloseTo(20, 0);
    expect(s.generator!.cpu).toBeCloseTo(0.1);
  });
  it('fails above capacity, and no achieved rate exceeds what the server delivered', async () => {
    const s = await step(100, { capacity: 440 });
    expect(s.passed).toBe(false);
    expect(s.unmeasured).toBe(false);
    expect(s.reasons[0]).toBe('reply rate 88% of demand (session 88%, request 88%)');
    expect(s.achieved!.replyRate.max).toBeLessThanOrEqual(440);
  });
  it('fails on errors, naming the categories', async () => {
    const s = await step(10, { capacity: 1000, errorPercent: 3 });
    expect(s.reasons.some((r) => /^errors 3\.\d% > 1\.0% \(connreset \d+\)$/.test(r))).toBe(true);
  });
  it('fails on an SLO', async () => {
    const s = await step(10, { capacity: 1000, responseMs: 1900 }, { criteria: { ...CRITERIA, slos: [parseSlo('p99<500ms')] } });
    expect(s.reasons).toEqual([expect.stringMatching(/^p99 1\.9 s > 500 ms$/)]);
  });
  it('fails loudly when the window holds too few complete samples', async () => {
    const s = await step(10, { capacity: 1000 }, { timing: { ...TIMING, measure: 5 } });
    expect(s.passed).toBe(false);
    expect(s.unmeasured).toBe(true);
    expect(s.reasons).toEqual(['too few samples: 1 complete 5-s sample in the 5 s window, need 6']);
  });
  it('fails a window whose sessions outlive the warm-up (no steady state)', async () => {
    const s = await step(10, { capacity: 1000, lifetimeMs: 12_000 }, { timing: { ...TIMING, warmup: 5 } });
    expect(s.reasons).toEqual(['no steady state: session lifetime p90 12 s > warm-up 5 s']);
    expect(s.unmeasured).toBe(true);
  });
  it('flags a generator that keeps falling behind its schedule, or a saturated one, and never passes it', async () => {
    const late = await step(10, { capacity: 1000, lagMs: 80 });
    expect(late.reasons).toEqual(['generator-limited: session start lag p90 80 ms > 50 ms']);
    expect(late.generatorLimited).toBe(true);
    const busy = await step(10, { capacity: 1000 }, { gauge: busyGauge });
    expect(busy.passed).toBe(false);
    expect(busy.reasons.join()).toMatch(/generator-limited: generator CPU 98% of a core/);
  });
  it('fails a step whose target metrics cannot be read', async () => {
    const s = await step(10, { capacity: 1000 }, { targets: [{ ...TARGET, metricsUrl: 'http://127.0.0.1:1/metrics' }], metricsTimeoutMs: 500 });
    expect(s.passed).toBe(false);
    expect(s.reasons).toEqual([expect.stringMatching(/^target metrics unavailable: /)]);
  });
  it('formats times for people', () => {
    expect(formatMs(1900)).toBe('1.9 s');
    expect(formatMs(480.4)).toBe('480 ms');
    expect(formatMs(2.345)).toBe('2.3 ms');
  });
});

describe('the sweep loop', () => {
  it('runs one staircase per target after a probe and stops it after two failing steps', async () => {
    const calls: string[] = [];
    const [result] = await runSweepLoop(loopInput({ [TARGET.name]: { capacity: 400, requestsPerSession: 5 } }, { rates: [20, 40, 60, 80, 100, 120, 140] }, calls));
    expect(calls).toEqual(['127.0.0.1 probe', '127.0.0.1@20,40,60,80,100,120,140']);
    expect(result!.steps.map((s) => [s.rate, s.passed])).toEqual([[20, true], [40, true], [60, true], [80, true], [100, false], [120, false]]);
    expect(result!.runs).toHaveLength(1);
    expect(result!.steps.every((s) => s.run === 0)).toBe(true);
    const summary = summarizeTarget(TARGET, result!.steps);
    expect(summary.knee).toEqual({ rate: 80, unit: 'session', sessionRate: 80, replyRate: 400 });
    expect(summary.saturation.replyRate).toBeCloseTo(400);
    expect(summary.firstFailingRate).toBe(100);
  });

  it('bisects between the knee and the first failing rate until within --precision', async () => {
    const calls: string[] = [];
    const [result] = await runSweepLoop(loopInput({ [TARGET.name]: { capacity: 500, requestsPerSession: 5 } }, { refine: true, rates: [20, 40, 80, 160] }, calls));
    const bounds = kneeBounds(result!.steps)!;
    // Capacity 500 req/s = 100 sessions/s; tolerance 0.95 lets up to 105.3 sessions/s pass.
    expect(bounds.good).toBeGreaterThan(100);
    expect(bounds.good).toBeLessThanOrEqual(105.3);
    expect(bounds.bad - bounds.good).toBeLessThanOrEqual(0.05 * bounds.good);
    // Each bisection step is a run of its own.
    expect(calls.slice(2).every((c) => /^127\.0\.0\.1@\d+$/.test(c))).toBe(true);
    expect(result!.steps.filter((s) => s.phase === 'refine').length).toBe(calls.length - 2);
  });

  it('in drain mode interleaves targets step by step, cools down between runs, and compares them', async () => {
    const a: TargetSpec = { server: '127.0.0.1', port: 1, name: 'domU' };
    const b: TargetSpec = { server: '127.0.0.1', port: 2, name: 'bare' };
    const calls: string[] = [];
    const sleeps: number[] = [];
    const doc = await runSweep(
      {
        settings: { unit: 'session', workload: '--wsesslog=N,0,five.txt', rates: [20, 40, 80, 160], mode: 'drain', duration: 30, samples: 6, warmup: null, cooldown: 3, refine: false, precision: 0.05, stopAfter: 1, tolerance: 0.95, maxErrors: 0.01, slo: [], sessionFile: 'five.txt', thinkTime: 0 },
        targets: [a, b],
        shape: SHAPE,
        criteria: CRITERIA,
        timing: TIMING,
        toolVersion: 'test',
      },
      modelRunner({ domU: { capacity: 200, requestsPerSession: 5 }, bare: { capacity: 400, requestsPerSession: 5 } }, calls),
      { sleep: async (s) => void sleeps.push(s), gauge: steadyGauge },
    );
    expect(calls).toEqual(['domU probe', 'bare probe', 'domU@20', 'bare@20', 'domU@40', 'bare@40', 'domU@80', 'bare@80', 'bare@160']);
    expect(sleeps).toEqual([3, 3, 3, 3, 3, 3]);
    expect(doc.targets.map((t) => t.knee?.sessionRate)).toEqual([40, 80]);
    expect(doc.comparison).toEqual(['bare / domU: knee 2.00×, saturation 2.00×']);
    expect(doc).toMatchObject({ kind: 'loadgen-sweep', schemaVersion: 2, interrupted: false });
    expect(doc.targets[1]!.runs).toHaveLength(4);
  });

  it('records a run that fails before measuring as a failed step', async () => {
    const [result] = await runSweepLoop(loopInput({ [TARGET.name]: { capacity: 1000, requestsPerSession: 5, fail: true } }, { rates: [10, 20] }));
    expect(result!.steps.map((s) => s.reasons)).toEqual([['run failed: connection refused']]);
    expect(result!.probe).toBeNull();
  });

  it('stops at a signal: the step being measured is recorded as interrupted, later ones not at all', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const [result] = await runSweepLoop(
      loopInput({ [TARGET.name]: { capacity: 1000, requestsPerSession: 5 } }, {
        rates: [10, 20, 30],
        signal: controller.signal,
        onStep: (_t, s) => {
          seen.push(s.rate);
          if (s.rate === 10) setImmediate(() => controller.abort());
        },
      }),
    );
    expect(seen).toEqual([10, 20]);
    expect(result!.steps[0]!.passed).toBe(true);
    expect(result!.steps[1]!.passed).toBe(false);
    expect(result!.steps[1]!.reasons[0]).toBe('interrupted: the run was stopped before the window ended');
  });

  it('a stall inside the window costs the step its rate, never inflates it', async () => {
    const s = await step(10, { capacity: 1000, stallAt: 15 });
    // The stalled sample shows 0 replies/s; the backlog comes back in the next one (100 replies/s).
    expect(s.achieved!.replyRate.min).toBe(0);
    expect(s.achieved!.replyRate.max).toBe(100);
    expect(s.achieved!.replyRate.avg).toBeCloseTo(50);
  });
});

describe('verdict', () => {
  it('names the knee, the saturation point and why the first failing step failed', async () => {
    const steps = [await step(40, { capacity: 400 }), await step(80, { capacity: 400 }), await step(100, { capacity: 400 }, { criteria: { ...CRITERIA, slos: [parseSlo('p99<100ms')] } })];
    steps[2]!.metrics = { interval: 30, cpu: { busy: 97, user: 60, system: 25, iowait: 0, steal: 12, idle: 3, cpus: 2 }, notes: [] };
    const r = summarizeTarget(TARGET, steps);
    expect(r.verdict).toBe('knee: 80 sessions/s (400 replies/s) · saturates at 400 replies/s · first failing step 100/s: reply rate 80%' +
      ' of demand (session 80%, request 80%), p99 200 ms > 100 ms · target CPU 97% (steal 12%)');
  });
  it('says when no step passed, when none could be measured, when none failed, and when interrupted', async () => {
    expect(summarizeTarget(TARGET, [await step(200, { capacity: 100 })]).verdict).toMatch(/^knee: none \(no step passed; lower --rates\) · saturates at 100 replies\/s · first step 200\/s: reply rate 10% of demand/);
    const short = await step(10, { capacity: 1000 }, { timing: { ...TIMING, measure: 5 } });
    expect(summarizeTarget(TARGET, [short]).verdict).toMatch(/^knee: none \(no step could be measured honestly\) · .* first step 10\/s could not be measured: too few samples/);
    const r = summarizeTarget(TARGET, [await step(10, { capacity: 1000 }), await step(20, { capacity: 1000 })]);
    expect(r.verdict).toBe('knee: ≥ 20 sessions/s (100 replies/s) · saturates at 100 replies/s · no step failed up to 20/s (raise --rates to find the knee)');
    expect(summarizeTarget(TARGET, r.steps, [], true).verdict).toMatch(/^INTERRUPTED \(partial sweep\) · knee: /);
  });
  it('says so when the generator was the limit', async () => {
    const r = summarizeTarget(TARGET, [await step(10, { capacity: 1000 }), await step(20, { capacity: 1000 }, { gauge: busyGauge })]);
    expect(r.knee?.sessionRate).toBe(10);
    expect(r.verdict).toMatch(/first failing step 20\/s could not be measured: generator-limited: generator CPU 98% of a core · the load generator was the limit/);
  });
  it('compares several targets', async () => {
    const a = summarizeTarget({ ...TARGET, name: 'a' }, [await step(10, { capacity: 100 })]);
    const b = summarizeTarget({ ...TARGET, name: 'b' }, [await step(10, { capacity: 1000 }), await step(20, { capacity: 1000 })]);
    expect(compareTargets([a, b])).toEqual(['b / a: knee 2.00×, saturation 2.00×']);
  });
});

describe('outputs', () => {
  const sample = readFileSync(new URL('./fixtures/httperf-samples/11-autobench-sweep-vs-nginx/results.tsv', import.meta.url), 'utf8');
  const docOf = (targets: SweepDocument['targets']): SweepDocument => ({
    schemaVersion: 2,
    kind: 'loadgen-sweep',
    tool: { name: 'loadgen', version: 't' },
    startedAt: 's',
    endedAt: 'e',
    options: { unit: 'session', workload: '--wsesslog=N,0,x', rates: [], mode: 'staircase', duration: 30, samples: 6, warmup: null, cooldown: 5, refine: false, precision: 0.05, stopAfter: 2, tolerance: 0.95, maxErrors: 0.01, slo: [], sessionFile: 'x', thinkTime: 0 },
    targets,
    comparison: [],
    interrupted: false,
    probe: null,
  });

  it('writes autobench\'s header and row layout (sample 11), with the reason of each step', async () => {
    const target = summarizeTarget(TARGET, [await step(20, { capacity: 1000 }), await step(40, { capacity: 1000 }), await step(60, { capacity: 250 })]);
    const csv = formatSweepCsv([target], '\t');
    const lines = csv.split('\n');
    const autobenchHeader = sample.split('\n')[0]!.split('\t');
    expect(lines[0]!.split('\t').slice(0, 10)).toEqual(autobenchHeader);
    expect(csv).toBe(readFileSync(new URL('./fixtures/sweep/golden-one-target.tsv', import.meta.url), 'utf8'));
    for (const row of lines.slice(1, -1)) {
      const cells = row.split('\t');
      expect(cells.length).toBe(lines[0]!.split('\t').length);
      expect(cells[0]).toMatch(/^\d+$/);
      for (const cell of cells.slice(1, 9)) expect(cell).toMatch(/^\d+\.\d$/);
    }
    // A reason with a comma is quoted (RFC 4180).
    expect(lines[3]!.split('\t').at(-1)).toBe('"reply rate 83% of demand (session 83%, request 83%)"');
    expect(lines.at(-1)).toBe('');
  });

  it('puts two targets side by side with autobench\'s errors percentage (101 without replies)', async () => {
    const a = summarizeTarget({ ...TARGET, name: 'a' }, [await step(20, { capacity: 1000, errorPercent: 2 })]);
    const b = summarizeTarget({ ...TARGET, name: 'b' }, [await step(20, { capacity: 1000 }, { timing: { ...TIMING, warmup: 0, measure: 0, samplesNeeded: 1 } })]);
    const csv = formatSweepCsv([a, b], ',');
    const [header, row] = csv.split('\n');
    const names = header!.split(',');
    const columns = ['req_rate', 'con_rate', 'min_rep_rate', 'avg_rep_rate', 'max_rep_rate', 'stddev_rep_rate', 'resp_time', 'net_io', 'errors'];
    expect(names.slice(0, 19)).toEqual(['dem_req_rate', ...columns.map((c) => `${c}_a`), ...columns.map((c) => `${c}_b`)]);
    const cells = row!.split(',');
    expect(cells[names.indexOf('errors_a')]).toBe('2.04081632653061');
    expect(cells[names.indexOf('errors_b')]).toBe('101');
    // Quoted, since the reason holds a comma: the comma split leaves its opening quote.
    expect(cells[names.indexOf('reason_b')]).toBe('"too few samples: 0 complete 5-s samples in the 0 s window');
    expect(separatorFor('x.tsv')).toBe('\t');
    expect(separatorFor('x.csv')).toBe(',');
  });

  it('draws both panels, one series per target, marks the knee and clips the demand line', async () => {
    const a = summarizeTarget({ ...TARGET, name: 'domU' }, [await step(20, { capacity: 200 }), await step(40, { capacity: 200 }), await step(80, { capacity: 200 })]);
    const b = summarizeTarget({ ...TARGET, name: 'bare' }, [await step(20, { capacity: 400 }), await step(40, { capacity: 400 }), await step(80, { capacity: 400 }), await step(160, { capacity: 400 })]);
    const doc = docOf([a, b]);
    const svg = renderSweepSvg(doc);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<path /g)!.length).toBe(4);
    expect(svg).toContain('knee 40/s');
    expect(svg).toContain('knee 80/s');
    expect(svg.match(/stroke-dasharray="6,4"/g)!.length).toBe(4);
    expect(svg).toContain('p99 response time (log scale)');
    // The demand diagonal (800 replies/s at 160/s) ends on the plot's top edge (y = 60), not above it.
    const diagonal = /<line x1="[\d.]+" y1="[\d.]+" x2="([\d.]+)" y2="([\d.]+)" stroke="#999"/.exec(svg)!;
    expect(Number(diagonal[2])).toBeGreaterThanOrEqual(60);
    expect(Number(diagonal[1])).toBeLessThanOrEqual(470);
    expect(niceTicks(87)).toEqual([0, 20, 40, 60, 80, 100]);
  });

  it('puts p50, errors, CPU, steal and every reason in the HTML table', async () => {
    const failing = await step(10, { capacity: 1000 }, { targets: [{ ...TARGET, metricsUrl: 'http://127.0.0.1:1/metrics' }], metricsTimeoutMs: 500 });
    const html = renderSweepHtml({ ...docOf([summarizeTarget(TARGET, [await step(10, { capacity: 1000 }), failing])]), interrupted: true });
    for (const th of ['p50', 'errors', 'generator CPU', 'target CPU', 'steal']) expect(html).toContain(`<th>${th}</th>`);
    expect(html).toMatch(/<b>FAIL<\/b>: target metrics unavailable: /);
    expect(html).toContain('Interrupted: this sweep is partial');
    expect(html).toContain('step = warm-up ≥ 1.2 × session lifetime');
  });

  it('says conn/s in connection mode: table, verdict, CSV (dem_req_rate = calls x rate), chart and progress line', async () => {
    const steps = [await step(60, { capacity: 400 }, { shape: CONNECTIONS }), await step(100, { capacity: 400 }, { shape: CONNECTIONS })];
    expect(steps[0]!.demanded).toEqual({ unit: 'connection', sessionRate: null, connectionRate: 60, requestRate: 300, replyRate: 300 });
    // No session check in connection mode: the reasons name replies and requests only.
    expect(steps[1]!.reasons[0]).toBe('reply rate 80% of demand (request 80%)');
    const target = summarizeTarget(TARGET, steps);
    expect(target.knee).toEqual({ rate: 60, unit: 'connection', sessionRate: 60, replyRate: 300 });
    expect(target.verdict).toMatch(/^knee: 60 connections\/s \(300 replies\/s\) · /);
    expect(formatStepHeader('connection')).toMatch(/^target\s+conn\/s\s+warm-up/);
    expect(formatStepDesign({ mode: 'drain', duration: 10, samples: 2, warmup: null, unit: 'connection' })).toMatch(/^step = warm-up ≥ 1\.2 × connection lifetime/);
    const [header, row] = formatSweepCsv([target], ',', 'connection').split('\n');
    const columns = header!.split(',');
    expect(columns.slice(10, 12)).toEqual(['dem_conn_rate', 'p50_ms_127.0.0.1']);
    expect(columns).not.toContain('sess_rate_127.0.0.1');
    expect(row!.split(',').length).toBe(columns.length);
    expect([row!.split(',')[0], row!.split(',')[10]]).toEqual(['300', '60']);
    const doc = { ...docOf([target]), options: { ...docOf([]).options, unit: 'connection' as const } };
    expect(renderSweepSvg(doc)).toContain('demanded connection rate (connections/s)');
    expect(renderSweepHtml(doc)).toContain('<th>connections/s</th>');
    expect(formatProgress({ target: TARGET, index: 0, total: 2, rate: 60, unit: 'connection', stage: 'warm-up', endsAt: 2_000, achievedReplyRate: null }, 1_000)).toBe('127.0.0.1: step 1 of 2, 60 connections/s, warm-up, 1 s left');
  });

  it('prints the step design, one table line per step and a live progress line', async () => {
    expect(formatStepDesign({ mode: 'staircase', duration: 30, samples: 6, warmup: null })).toBe(
      'step = warm-up ≥ 1.2 × session lifetime (probed), in whole 5-s samples + measurement window 30 s (--duration; needs 6 complete 5-s samples) · staircase: arrivals never stop, the previous step drains in the warm-up',
    );
    expect(formatStepLine('127.0.0.1', await step(100, { capacity: 440 }))).toMatch(/^127\.0\.0\.1\s+100\s+5 s\s+500\s+440\s+88%.*FAIL: reply rate 88% of demand/);
    expect(formatProgress({ target: TARGET, index: 1, total: 4, rate: 20, unit: 'session', stage: 'measuring', endsAt: 12_000, achievedReplyRate: 99.5 }, 1_500)).toBe(
      '127.0.0.1: step 2 of 4, 20 sessions/s, measuring, 11 s left, achieved 99.5 replies/s so far',
    );
  });
});
