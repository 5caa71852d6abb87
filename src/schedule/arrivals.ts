/**
 * The session arrival schedule: a pure generator of intended start offsets (seconds from the
 * start of the run). Session 0 is due at 0; session k at the sum of the first k gaps. It never
 * looks at a clock, so it is tested without waiting (vegeta's Pacer idea).
 */
import type { ArrivalPattern } from '../options.js';
import { Erand48 } from './erand48.js';

export interface ArrivalSchedule {
  /** Intended start offset of the next session, seconds; sequential schedules return NaN. */
  next(): number;
  readonly sequential: boolean;
  /** Mean sessions per second (0 when sequential). */
  readonly rate: number;
}

/** Build the schedule for a pattern; `seed` drives erand48 for random patterns. */
export function createArrivalSchedule(pattern: ArrivalPattern, seed: number): ArrivalSchedule {
  if (pattern.kind === 'sequential') return { next: () => NaN, sequential: true, rate: 0 };
  const gap = gapFunction(pattern, new Erand48(seed));
  let due = 0;
  let first = true;
  const rate = pattern.kind === 'fixed' ? 1 / pattern.interval : pattern.kind === 'exponential' ? 1 / pattern.mean : 2 / (pattern.min + pattern.max);
  return {
    sequential: false,
    rate,
    next(): number {
      if (first) {
        first = false;
        return 0;
      }
      due += gap();
      return due;
    },
  };
}

function gapFunction(pattern: Exclude<ArrivalPattern, { kind: 'sequential' }>, random: Erand48): () => number {
  switch (pattern.kind) {
    case 'fixed': {
      // Multiply instead of summing so long runs do not drift by accumulated rounding.
      let k = 0;
      let last = 0;
      return () => {
        k += 1;
        const t = k * pattern.interval;
        const g = t - last;
        last = t;
        return g;
      };
    }
    case 'exponential':
      return () => -pattern.mean * Math.log(1 - random.next());
    case 'uniform':
      return () => pattern.min + (pattern.max - pattern.min) * random.next();
  }
}
