import { describe, expect, it } from 'vitest';
import { createArrivalSchedule } from '../src/schedule/arrivals.js';
import { ArrivalPacer, timerDelayMs } from '../src/schedule/pacer.js';

/** A pacer over fixed arrivals every `intervalS` seconds, with a log of what it started. */
function fixedPacer(intervalS: number, limit: number): { pacer: ArrivalPacer; started: number[]; start: (ms: number) => boolean } {
  const pacer = new ArrivalPacer(createArrivalSchedule({ kind: 'fixed', interval: intervalS }, 0), limit);
  const started: number[] = [];
  return { pacer, started, start: (ms) => (started.push(ms), true) };
}

describe('arrival pacer (injected clock)', () => {
  it('starts nothing before an arrival is due and the first one at 0', () => {
    const { pacer, started, start } = fixedPacer(0.01, 5);
    expect(pacer.take(-0.5, start)).toBe(0);
    expect(pacer.take(0, start)).toBe(1);
    expect(started).toEqual([0]);
    expect(pacer.nextDueMs).toBeCloseTo(10, 9);
    expect(pacer.take(9.999, start)).toBe(0);
  });

  it('catches up after a stall with every missed arrival, in order, each with its own intended time', () => {
    const { pacer, started, start } = fixedPacer(0.001, 100);
    pacer.take(0, start);
    expect(pacer.take(7.5, start)).toBe(7);
    expect(started.map((t) => Math.round(t * 1000) / 1000)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(pacer.started).toBe(8);
  });

  it('never hands out more than the session count, then reports no next arrival', () => {
    const { pacer, started, start } = fixedPacer(0.001, 3);
    expect(pacer.take(1000, start)).toBe(3);
    expect(started).toHaveLength(3);
    expect(pacer.nextDueMs).toBe(Infinity);
    expect(pacer.total).toBe(3);
    expect(pacer.take(2000, start)).toBe(0);
  });

  it('stops at once when the run ends inside a start', () => {
    const { pacer } = fixedPacer(0.001, 50);
    const seen: number[] = [];
    const n = pacer.take(40, (ms) => (seen.push(ms), seen.length < 2));
    expect(n).toBe(2);
    expect(seen).toHaveLength(2);
    expect(pacer.started).toBe(2);
  });

  it('counts a finite schedule that runs out before the session count as the total', () => {
    const schedule = createArrivalSchedule({ kind: 'variable', segments: [{ interval: 0.1, duration: 0.3 }], cycle: false }, 0);
    const pacer = new ArrivalPacer(schedule, 1000);
    const started: number[] = [];
    pacer.take(10_000, (ms) => (started.push(ms), true));
    expect(started.map((t) => Math.round(t))).toEqual([0, 100, 200]);
    expect(pacer.total).toBe(3);
    expect(pacer.nextDueMs).toBe(Infinity);
  });

  it('a session count of 0 has no arrival at all', () => {
    const { pacer, start } = fixedPacer(0.001, 0);
    expect(pacer.nextDueMs).toBe(Infinity);
    expect(pacer.take(100, start)).toBe(0);
    expect(pacer.total).toBe(0);
  });
});

describe('timerDelayMs', () => {
  it('asks Node for whole milliseconds, never less than 1, never before the wait', () => {
    expect(timerDelayMs(-5)).toBe(1);
    expect(timerDelayMs(0)).toBe(1);
    expect(timerDelayMs(0.3)).toBe(1);
    expect(timerDelayMs(1)).toBe(1);
    expect(timerDelayMs(1.01)).toBe(2);
    expect(timerDelayMs(4.5)).toBe(5);
    for (const w of [0.2, 1.7, 9.99, 250.5]) expect(timerDelayMs(w)).toBeGreaterThanOrEqual(w);
  });
});
