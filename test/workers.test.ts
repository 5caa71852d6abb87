import { describe, expect, it } from 'vitest';
import { workerShare } from '../src/commands/workers.js';
import { DEFAULT_REPLAY_OPTIONS, type ReplayOptions } from '../src/options.js';

const base: ReplayOptions = { ...DEFAULT_REPLAY_OPTIONS, sessionFile: 's.txt', sessions: 10, thinkTime: 0, arrival: { kind: 'fixed', interval: 0.01 } };

describe('workerShare', () => {
  it('splits sessions and slows each schedule so the shares add up to the demand', () => {
    const shares = [0, 1, 2].map((i) => workerShare(base, i, 3));
    expect(shares.map((s) => s.options.sessions)).toEqual([4, 3, 3]);
    expect(shares.every((s) => s.options.arrival.kind === 'fixed' && Math.abs(s.options.arrival.interval - 0.03) < 1e-12)).toBe(true);
    // Fixed schedules interleave: worker i starts i intervals late.
    expect(shares.map((s) => s.startDelayMs)).toEqual([0, 10, 20]);
    expect(shares.map((s) => s.options.client)).toEqual([
      { id: 0, count: 3 },
      { id: 1, count: 3 },
      { id: 2, count: 3 },
    ]);
  });

  it('keeps Poisson arrivals Poisson at 1/K of the rate, with distinct seeds', () => {
    const shares = [0, 1].map((i) => workerShare({ ...base, arrival: { kind: 'exponential', mean: 0.5 } }, i, 2));
    expect(shares.map((s) => s.options.arrival)).toEqual([
      { kind: 'exponential', mean: 1 },
      { kind: 'exponential', mean: 1 },
    ]);
    expect(shares[0]!.options.seed).not.toBe(shares[1]!.options.seed);
    expect(shares.map((s) => s.startDelayMs)).toEqual([0, 0]);
  });
});
