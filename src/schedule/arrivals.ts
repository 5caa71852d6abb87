/**
 * The session arrival schedule: a pure generator of intended start offsets (seconds from the
 * start of the run). Session 0 is due at 0; session k at the sum of the first k gaps. It never
 * looks at a clock, so it is tested without waiting (vegeta's Pacer idea).
 */
import type { ArrivalPattern, ArrivalSegment } from '../options.js';
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
  if (pattern.kind === 'variable') return variableSchedule(pattern.segments, pattern.cycle);
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

/** Arrivals a segment holds: k * interval < duration (a tolerance keeps 10 x 0.1 s at 10). */
export function segmentArrivals(segment: ArrivalSegment): number {
  return Math.max(1, Math.ceil(segment.duration / segment.interval - 1e-9));
}

/** Mean rate of a variable pattern: its arrivals over its length. */
export function variableRate(segments: readonly ArrivalSegment[]): number {
  const arrivals = segments.reduce((n, s) => n + segmentArrivals(s), 0);
  const seconds = segments.reduce((t, s) => t + s.duration, 0);
  return seconds > 0 ? arrivals / seconds : 0;
}

/**
 * Segment i starts at the sum of the earlier durations; its k-th arrival is at start + k x
 * interval (multiplied, not summed, so long segments do not drift). Past the last segment the
 * schedule cycles, or returns Infinity (no more arrivals).
 */
function variableSchedule(segments: readonly ArrivalSegment[], cycle: boolean): ArrivalSchedule {
  let index = 0;
  let k = 0;
  let segmentStart = 0;
  return {
    sequential: false,
    rate: variableRate(segments),
    next(): number {
      for (;;) {
        const segment = segments[index];
        if (!segment) return Infinity;
        if (k < segmentArrivals(segment)) return segmentStart + k++ * segment.interval;
        segmentStart += segment.duration;
        k = 0;
        index++;
        if (index === segments.length && cycle) index = 0;
      }
    },
  };
}

function gapFunction(pattern: Exclude<ArrivalPattern, { kind: 'sequential' | 'variable' }>, random: Erand48): () => number {
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
