import { describe, expect, it } from 'vitest';
import { createArrivalSchedule } from '../src/schedule/arrivals.js';
import { Erand48 } from '../src/schedule/erand48.js';

/** Gaps between the first n+1 intended starts. */
function gaps(pattern: Parameters<typeof createArrivalSchedule>[0], seed: number, n: number): number[] {
  const schedule = createArrivalSchedule(pattern, seed);
  const starts = Array.from({ length: n + 1 }, () => schedule.next());
  return starts.slice(1).map((t, i) => t - starts[i]!);
}

describe('arrival schedule', () => {
  it('starts the first session at once and spaces fixed arrivals exactly', () => {
    const schedule = createArrivalSchedule({ kind: 'fixed', interval: 0.2 }, 0);
    const starts = Array.from({ length: 6 }, () => schedule.next());
    expect(starts[0]).toBe(0);
    starts.forEach((t, k) => expect(t).toBeCloseTo(k * 0.2, 12));
    expect(schedule.rate).toBeCloseTo(5, 12);
  });

  it('does not drift over a million fixed arrivals', () => {
    const schedule = createArrivalSchedule({ kind: 'fixed', interval: 1 / 3 }, 0);
    let t = 0;
    for (let k = 0; k <= 1_000_000; k++) t = schedule.next();
    expect(t).toBeCloseTo(1_000_000 / 3, 6);
  });

  it('reproduces httperf --period=e0.25 gaps (erand48, client 0)', () => {
    // The spec's exact erand48 re-computation of httperf's observed gaps.
    const expected = [0.413, 0.081, 0.023, 0.141, 0.256, 0.079, 0.043];
    const got = gaps({ kind: 'exponential', mean: 0.25 }, 0, expected.length);
    got.forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 2));
  });

  it('reproduces httperf --period=u0.1,0.4 gaps within the 1 ms timer resolution', () => {
    const observed = [0.345, 0.181, 0.127, 0.229, 0.295, 0.18, 0.148];
    const got = gaps({ kind: 'uniform', min: 0.1, max: 0.4 }, 0, observed.length);
    got.forEach((g, i) => expect(Math.abs(g - observed[i]!)).toBeLessThan(0.004));
  });

  it('gives different sequences for different seeds and the same for the same seed', () => {
    const a = gaps({ kind: 'exponential', mean: 1 }, 1, 20);
    const b = gaps({ kind: 'exponential', mean: 1 }, 1, 20);
    const c = gaps({ kind: 'exponential', mean: 1 }, 2, 20);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('has the requested mean rate for Poisson arrivals', () => {
    const g = gaps({ kind: 'exponential', mean: 0.01 }, 7, 20000);
    const mean = g.reduce((s, x) => s + x, 0) / g.length;
    expect(mean).toBeGreaterThan(0.0095);
    expect(mean).toBeLessThan(0.0105);
  });

  it('is sequential for rate 0', () => {
    const schedule = createArrivalSchedule({ kind: 'sequential' }, 0);
    expect(schedule.sequential).toBe(true);
    expect(schedule.rate).toBe(0);
  });

  it('erand48 stays in [0, 1)', () => {
    const r = new Erand48(12345);
    for (let i = 0; i < 10000; i++) {
      const x = r.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});

describe('variable arrival schedule (--period=v, the sweep staircase)', () => {
  it('spaces each segment at its own interval and starts each segment on time', () => {
    const schedule = createArrivalSchedule({ kind: 'variable', cycle: false, segments: [{ interval: 0.5, duration: 2 }, { interval: 0.25, duration: 1 }] }, 0);
    const starts = Array.from({ length: 9 }, () => schedule.next());
    expect(starts.slice(0, 8)).toEqual([0, 0.5, 1, 1.5, 2, 2.25, 2.5, 2.75]);
    expect(starts[8]).toBe(Infinity);
    expect(schedule.rate).toBeCloseTo(8 / 3, 12);
  });

  it('cycles through its segments when asked', () => {
    const schedule = createArrivalSchedule({ kind: 'variable', cycle: true, segments: [{ interval: 1, duration: 2 }, { interval: 0.5, duration: 1 }] }, 0);
    const starts = Array.from({ length: 8 }, () => schedule.next());
    expect(starts).toEqual([0, 1, 2, 2.5, 3, 4, 5, 5.5]);
  });

  it('counts 10 x 0.1 s as ten arrivals despite rounding', () => {
    const schedule = createArrivalSchedule({ kind: 'variable', cycle: false, segments: [{ interval: 0.1, duration: 1 }] }, 0);
    const starts: number[] = [];
    for (let t = schedule.next(); Number.isFinite(t); t = schedule.next()) starts.push(t);
    expect(starts).toHaveLength(10);
  });
});
