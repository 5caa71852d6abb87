import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RunFailedError, UsageError } from '../src/errors.js';
import { parseSessionFile } from '../src/session/parse.js';
import { formatSweepCsv, separatorFor } from '../src/sweep/csv.js';
import { connectionsForTemplate, demandedRates, sessionShape, templateThinkSeconds } from '../src/sweep/demand.js';
import { kneeBounds, runSweepLoop, type StepRunner } from '../src/sweep/driver.js';
import { evaluateStep, formatMs, type StepCriteria } from '../src/sweep/evaluate.js';
import { parsePercent, parseRates, parseSlo, parseTargets, splitHostPort, type TargetSpec } from '../src/sweep/spec.js';
import { achievedRates, steadySamples } from '../src/sweep/steady.js';
import { renderSweepHtml, renderSweepSvg, niceTicks } from '../src/sweep/svg.js';
import { runSweep } from '../src/sweep/sweep.js';
import { formatStepLine } from '../src/sweep/table.js';
import { compareTargets, summarizeTarget } from '../src/sweep/verdict.js';
import type { SweepStep } from '../src/sweep/schema.js';
import { syntheticDoc } from './fixtures/sweep/synthetic.js';

const FIVE_REQUESTS = parseSessionFile('/index.html\n  /a.css\n  /b.js\n  /c.png\n  /d.png\n', 'five.txt');
const SHAPE = sessionShape(FIVE_REQUESTS, { httpVersion: '1.1', maxConnections: 4, maxPipedCalls: 32, thinkTime: 0 });
const CRITERIA: StepCriteria = { tolerance: 0.95, maxErrors: 0.01, slos: [] };
const TARGET: TargetSpec = { server: '127.0.0.1', port: 8080, name: '127.0.0.1' };

/** A step against the modelled server (capacity in requests/s). */
function step(rate: number, capacity: number, extra: Partial<Parameters<typeof syntheticDoc>[0]> = {}, duration = 30, criteria = CRITERIA): SweepStep {
  const sessions = Math.round(rate * duration);
  const doc = syntheticDoc({ rate, sessions, requestsPerSession: 5, capacity, ...extra });
  return evaluateStep({ rate, sessions, phase: 'linear', shape: SHAPE, criteria, doc });
}

/** A runner over modelled servers: capacity per target name. */
function modelRunner(capacities: Record<string, number>, calls: string[] = []): StepRunner {
  return async (target, rate, sessions) => {
    calls.push(`${target.name}@${rate}`);
    return syntheticDoc({ rate, sessions, requestsPerSession: 5, capacity: capacities[target.name]! });
  };
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
    expect(connectionsForTemplate(a!, { httpVersion: '1.1', maxConnections: 4, maxPipedCalls: 32 })).toBe(1);
    expect(connectionsForTemplate(a!, { httpVersion: '1.0', maxConnections: 4, maxPipedCalls: 1 })).toBe(5);
    const shape = sessionShape(file, { httpVersion: '1.1', maxConnections: 4, maxPipedCalls: 32, thinkTime: 0.5 });
    expect(shape).toEqual({ requestsPerSession: 3, connectionsPerSession: 1, maxThinkSeconds: 3 });
    expect(demandedRates(10, shape)).toEqual({ sessionRate: 10, connectionRate: 10, requestRate: 30, replyRate: 30 });
  });
  it('follows httperf slot rules for a burst of 6 with --max-piped-calls 1 (4 connections)', () => {
    const file = parseSessionFile('/p0\n  /p1\n  /p2\n  /p3\n  /p4\n  /p5\n', 'b.txt');
    expect(connectionsForTemplate(file.templates[0]!, { httpVersion: '1.1', maxConnections: 4, maxPipedCalls: 1 })).toBe(4);
    expect(connectionsForTemplate(file.templates[0]!, { httpVersion: '1.1', maxConnections: 2, maxPipedCalls: 2 })).toBe(2);
  });
});

describe('steady-state window', () => {
  it('drops the sample overlapping the ramp-up and samples after the last arrival', () => {
    const doc = syntheticDoc({ rate: 10, sessions: 300, requestsPerSession: 5, capacity: 1000, lifetimeMs: 6000 });
    // Window: from the 6 s median lifetime to 30 s: samples ending at 15, 20, 25, 30 remain.
    expect(steadySamples(doc.timeline, { from: 6, to: 30 }).map((s) => s.t)).toEqual([15, 20, 25, 30]);
    const notes: string[] = [];
    const a = achievedRates(doc, 10, 300, 0, notes);
    expect(a.basis).toBe('steady-state');
    expect(a.window).toEqual({ from: 6, to: 30 });
    expect(a.replyRate.samples).toBe(4);
    expect(a.replyRate.avg).toBeCloseTo(50);
    expect(notes).toEqual([]);
  });
  it('uses the longest template think time when it is longer than the lifetime', () => {
    const doc = syntheticDoc({ rate: 10, sessions: 300, requestsPerSession: 5, capacity: 1000, lifetimeMs: 50 });
    const a = achievedRates(doc, 10, 300, 12, []);
    expect(a.window.from).toBe(12);
    expect(a.replyRate.samples).toBe(3);
  });
  it('falls back to whole-run averages (and says so) when no sample is steady', () => {
    const doc = syntheticDoc({ rate: 20, sessions: 120, requestsPerSession: 5, capacity: 1000, lifetimeMs: 40 });
    const notes: string[] = [];
    const a = achievedRates(doc, 20, 120, 0, notes);
    expect(a.basis).toBe('whole-run');
    expect(notes[0]).toMatch(/whole-run averages/);
    // 600 replies over duration 6 s - 32 ms shortest lifetime + 50 ms gap: within 1% of 100/s.
    expect(a.replyRate.avg / 100).toBeGreaterThan(0.99);
    expect(a.replyRate.avg / 100).toBeLessThan(1.01);
  });
  it('whole-run fallback shows an overloaded server below demand (the drain stretches the run)', () => {
    const doc = syntheticDoc({ rate: 40, sessions: 240, requestsPerSession: 5, capacity: 100, lifetimeMs: 40 });
    const a = achievedRates(doc, 40, 240, 0, []);
    expect(a.replyRate.avg).toBeLessThan(105);
  });
});

describe('judging a step', () => {
  it('passes below capacity', () => {
    const s = step(10, 1000);
    expect(s.passed).toBe(true);
    expect(s.reasons).toEqual([]);
    expect(s.demanded.replyRate).toBe(50);
    expect(s.achieved!.replyRate.avg).toBeCloseTo(50);
  });
  it('fails above capacity and names the rate that fell short', () => {
    const s = step(100, 440);
    expect(s.passed).toBe(false);
    expect(s.reasons[0]).toBe('reply rate 88% of demand (session 88%, request 88%, connection 88%)');
  });
  it('fails on errors, naming the categories', () => {
    const s = step(10, 1000, { errorPercent: 3 });
    expect(s.reasons.some((r) => /^errors 3\.\d% > 1\.0% \(connreset \d+\)$/.test(r))).toBe(true);
  });
  it('fails on an SLO', () => {
    const s = step(10, 1000, { p99Ms: 1900 }, 30, { ...CRITERIA, slos: [parseSlo('p99<500ms')] });
    expect(s.reasons).toContain('p99 1.9 s > 500 ms');
  });
  it('flags a generator that keeps falling behind its schedule, not one short pause', () => {
    const late = syntheticDoc({ rate: 10, sessions: 300, requestsPerSession: 5, capacity: 1000 });
    late.histograms.startLag = { ...late.histograms.startLag, p90: 80_000, p99: 400_000 };
    const s = evaluateStep({ rate: 10, sessions: 300, phase: 'linear', shape: SHAPE, criteria: CRITERIA, doc: late });
    expect(s.reasons).toEqual(['generator-limited: session start lag p90 80 ms > 50 ms']);
    const pause = syntheticDoc({ rate: 10, sessions: 300, requestsPerSession: 5, capacity: 1000 });
    pause.histograms.startLag = { ...pause.histograms.startLag, p90: 2_000, p99: 200_000 };
    expect(evaluateStep({ rate: 10, sessions: 300, phase: 'linear', shape: SHAPE, criteria: CRITERIA, doc: pause }).passed).toBe(true);
  });
  it('marks a saturated generator and never lets the step pass', () => {
    const s = step(10, 1000, { generatorCpu: 0.97 });
    expect(s.generatorLimited).toBe(true);
    expect(s.passed).toBe(false);
    expect(s.reasons.join()).toMatch(/generator-limited: generator CPU 97% of a core/);
  });
  it('formats times for people', () => {
    expect(formatMs(1900)).toBe('1.9 s');
    expect(formatMs(480.4)).toBe('480 ms');
    expect(formatMs(2.345)).toBe('2.3 ms');
  });
});

describe('the sweep loop', () => {
  const base = { duration: 30, cooldown: 0, refine: false, precision: 0.05, stopAfter: 2, shape: SHAPE, criteria: CRITERIA };

  it('finds the knee of a modelled server and stops after two failing steps', async () => {
    const calls: string[] = [];
    const [result] = await runSweepLoop({ ...base, targets: [TARGET], rates: [20, 40, 60, 80, 100, 120, 140], runner: modelRunner({ '127.0.0.1': 400 }, calls) });
    expect(calls).toEqual(['127.0.0.1@20', '127.0.0.1@40', '127.0.0.1@60', '127.0.0.1@80', '127.0.0.1@100', '127.0.0.1@120']);
    const summary = summarizeTarget(TARGET, result!.steps);
    expect(summary.knee).toEqual({ sessionRate: 80, replyRate: 400 });
    expect(summary.saturation.replyRate).toBeCloseTo(400);
    expect(summary.firstFailingRate).toBe(100);
  });

  it('bisects between the knee and the first failing rate until within --precision', async () => {
    const calls: string[] = [];
    const [result] = await runSweepLoop({ ...base, refine: true, targets: [TARGET], rates: [20, 40, 80, 160], runner: modelRunner({ '127.0.0.1': 500 }, calls) });
    const bounds = kneeBounds(result!.steps)!;
    // Capacity 500 req/s = 100 sessions/s; tolerance 0.95 lets up to 105.3 sessions/s pass.
    expect(bounds.good).toBeLessThanOrEqual(105.3);
    expect(bounds.bad).toBeGreaterThan(105.2);
    expect(bounds.bad - bounds.good).toBeLessThanOrEqual(0.05 * bounds.good);
    expect(result!.steps.filter((s) => s.phase === 'refine').length).toBeLessThanOrEqual(6);
    expect(bounds.good).toBeGreaterThan(100);
  });

  it('interleaves targets step by step and compares them', async () => {
    const a: TargetSpec = { server: '127.0.0.1', port: 1, name: 'domU' };
    const b: TargetSpec = { server: '127.0.0.1', port: 2, name: 'bare' };
    const calls: string[] = [];
    const sleeps: number[] = [];
    const doc = await runSweep(
      {
        settings: { rates: [20, 40, 80, 160], duration: 30, cooldown: 3, refine: false, precision: 0.05, stopAfter: 1, tolerance: 0.95, maxErrors: 0.01, slo: [], sessionFile: 'five.txt', thinkTime: 0 },
        targets: [a, b],
        shape: SHAPE,
        criteria: CRITERIA,
        toolVersion: 'test',
      },
      modelRunner({ domU: 200, bare: 400 }, calls),
      { sleep: async (s) => void sleeps.push(s) },
    );
    expect(calls).toEqual(['domU@20', 'bare@20', 'domU@40', 'bare@40', 'domU@80', 'bare@80', 'bare@160']);
    expect(sleeps).toEqual([3, 3, 3, 3, 3, 3]);
    expect(doc.targets.map((t) => t.knee?.sessionRate)).toEqual([40, 80]);
    expect(doc.comparison).toEqual(['bare / domU: knee 2.00×, saturation 2.00×']);
    expect(doc.kind).toBe('loadgen-sweep');
  });

  it('records a run that fails before measuring as a failed step and goes on', async () => {
    let n = 0;
    const runner: StepRunner = async (target, rate, sessions) => {
      if (n++ === 0) throw new RunFailedError('connection refused');
      return syntheticDoc({ rate, sessions, requestsPerSession: 5, capacity: 1000 });
    };
    const [result] = await runSweepLoop({ ...base, targets: [TARGET], rates: [10, 20], runner });
    expect(result!.steps[0]!.reasons).toEqual(['run failed: connection refused']);
    expect(result!.steps[1]!.passed).toBe(true);
  });
});

describe('verdict', () => {
  it('names the knee, the saturation point and why the first failing step failed', () => {
    const steps = [step(40, 400), step(80, 400), step(100, 400, {}, 30, { ...CRITERIA, slos: [parseSlo('p99<100ms')] })];
    steps[2]!.metrics = { interval: 30, cpu: { busy: 97, user: 60, system: 25, iowait: 0, steal: 12, idle: 3, cpus: 2 }, notes: [] };
    const r = summarizeTarget(TARGET, steps);
    expect(r.verdict).toBe('knee: 80 sessions/s (400 replies/s) · saturates at 400 replies/s · first failing step 100/s: reply rate 80%' +
      ' of demand (session 80%, request 80%, connection 80%), p99 200 ms > 100 ms · target CPU 97% (steal 12%)');
  });
  it('says when no step passed and when none failed', () => {
    expect(summarizeTarget(TARGET, [step(200, 100)]).verdict).toMatch(/^knee: none \(no step passed; lower --rates\) · saturates at 100 replies\/s · first step 200\/s: reply rate 10% of demand/);
    const r = summarizeTarget(TARGET, [step(10, 1000), step(20, 1000)]);
    expect(r.verdict).toBe('knee: ≥ 20 sessions/s (100 replies/s) · saturates at 100 replies/s · no step failed up to 20/s (raise --rates to find the knee)');
  });
  it('says so when the generator was the limit', () => {
    const r = summarizeTarget(TARGET, [step(10, 1000), step(20, 1000, { generatorCpu: 0.99 })]);
    expect(r.knee?.sessionRate).toBe(10);
    expect(r.verdict).toMatch(/first failing step 20\/s: generator-limited: generator CPU 99% of a core · the load generator was the limit/);
  });
  it('compares several targets', () => {
    const a = summarizeTarget({ ...TARGET, name: 'a' }, [step(10, 100)]);
    const b = summarizeTarget({ ...TARGET, name: 'b' }, [step(10, 1000), step(20, 1000)]);
    expect(compareTargets([a, b])).toEqual(['b / a: knee 2.00×, saturation 2.00×']);
  });
});

describe('outputs', () => {
  const sample = readFileSync(new URL('./fixtures/httperf-samples/11-autobench-sweep-vs-nginx/results.tsv', import.meta.url), 'utf8');

  it('writes autobench\'s header and row layout (sample 11)', () => {
    const target = summarizeTarget(TARGET, [step(20, 1000, {}, 10), step(40, 1000, {}, 10), step(60, 1000, {}, 10)]);
    const csv = formatSweepCsv([target], '\t');
    const lines = csv.split('\n');
    const autobenchHeader = sample.split('\n')[0]!.split('\t');
    expect(lines[0]!.split('\t').slice(0, 10)).toEqual(autobenchHeader);
    expect(csv).toBe(readFileSync(new URL('./fixtures/sweep/golden-one-target.tsv', import.meta.url), 'utf8'));
    // Each row has as many cells as the header and autobench's number shapes.
    for (const row of lines.slice(1, -1)) {
      const cells = row.split('\t');
      expect(cells.length).toBe(lines[0]!.split('\t').length);
      expect(cells[0]).toMatch(/^\d+$/);
      for (const cell of cells.slice(1, 9)) expect(cell).toMatch(/^\d+\.\d$/);
    }
    expect(lines.at(-1)).toBe('');
  });

  it('puts two targets side by side with autobench\'s errors percentage (101 without replies)', () => {
    const a = summarizeTarget({ ...TARGET, name: 'a' }, [step(20, 1000, { errorPercent: 2 })]);
    const b = summarizeTarget({ ...TARGET, name: 'b' }, [evaluateStep({ rate: 20, sessions: 600, phase: 'linear', shape: SHAPE, criteria: CRITERIA, doc: { ...syntheticDoc({ rate: 20, sessions: 600, requestsPerSession: 5, capacity: 1000 }), counters: { ...syntheticDoc({ rate: 20, sessions: 600, requestsPerSession: 5, capacity: 1000 }).counters, replies: 0 } } })]);
    const csv = formatSweepCsv([a, b], ',');
    const [header, row] = csv.split('\n');
    const names = header!.split(',');
    expect(names.slice(0, 19)).toEqual(['dem_req_rate', ...['req_rate', 'con_rate', 'min_rep_rate', 'avg_rep_rate', 'max_rep_rate', 'stddev_rep_rate', 'resp_time', 'net_io', 'errors'].flatMap((c) => [`${c}_a`]), ...['req_rate', 'con_rate', 'min_rep_rate', 'avg_rep_rate', 'max_rep_rate', 'stddev_rep_rate', 'resp_time', 'net_io', 'errors'].map((c) => `${c}_b`)]);
    const cells = row!.split(',');
    expect(cells[names.indexOf('errors_a')]).toBe('2.04081632653061');
    expect(cells[names.indexOf('errors_b')]).toBe('101');
    expect(separatorFor('x.tsv')).toBe('\t');
    expect(separatorFor('x.csv')).toBe(',');
  });

  it('draws both panels, one series per target, and marks the knee', () => {
    const a = summarizeTarget({ ...TARGET, name: 'domU' }, [step(20, 200), step(40, 200), step(80, 200)]);
    const b = summarizeTarget({ ...TARGET, name: 'bare' }, [step(20, 400), step(40, 400), step(80, 400), step(160, 400)]);
    const doc = { schemaVersion: 1 as const, kind: 'loadgen-sweep' as const, tool: { name: 'loadgen' as const, version: 't' }, startedAt: 's', endedAt: 'e', options: {} as never, targets: [a, b], comparison: [] };
    const svg = renderSweepSvg(doc);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<path /g)!.length).toBe(4);
    expect(svg).toContain('knee 40/s');
    expect(svg).toContain('knee 80/s');
    expect(svg.match(/stroke-dasharray="6,4"/g)!.length).toBe(4);
    expect(svg).toContain('p99 response time (log scale)');
    expect(renderSweepHtml(doc)).toContain('<table>');
    expect(niceTicks(87)).toEqual([0, 20, 40, 60, 80, 100]);
  });

  it('prints one table line per step', () => {
    expect(formatStepLine('127.0.0.1', step(100, 440))).toMatch(/^127\.0\.0\.1\s+100\s+500\s+440\s+88%.*FAIL: reply rate 88% of demand/);
  });
});
