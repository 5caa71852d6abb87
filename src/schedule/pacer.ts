/**
 * The arrival pacer: which sessions are due at a given moment, and how long the arrival timer
 * should sleep. Pure (the caller passes the clock as ms elapsed since the run's start), so it is
 * tested without waiting.
 *
 * Why the engine asks it twice (from its one timer and after every socket read): under load the
 * event loop spends whole milliseconds in I/O callbacks before it reaches the timer phase, and
 * Node's timers round up to whole milliseconds of a cached clock. A session that falls due while
 * replies are being parsed starts at the next read instead of waiting for both.
 */
import type { ArrivalSchedule } from './arrivals.js';

export class ArrivalPacer {
  /** Intended start of the next arrival, ms after the run's start; Infinity when none is left. */
  private nextMs: number;
  private taken = 0;

  /** `limit`: sessions to start at most (--wsesslog N). */
  constructor(
    private readonly schedule: ArrivalSchedule,
    private readonly limit: number,
  ) {
    this.nextMs = limit > 0 ? schedule.next() * 1000 : Infinity;
  }

  /** Intended start of the next arrival (ms after the start), Infinity when no more will come. */
  get nextDueMs(): number {
    return this.nextMs;
  }

  /** Arrivals handed out so far. */
  get started(): number {
    return this.taken;
  }

  /** The sessions this run will create: `limit`, or fewer when the schedule ran out first. */
  get total(): number {
    return this.nextMs === Infinity ? this.taken : this.limit;
  }

  /**
   * Hand out, in order, every arrival due at or before `elapsedMs`, each with its intended start
   * (ms after the run's start). `start` returns false to stop at once (the run ended). Returns
   * how many were started.
   */
  take(elapsedMs: number, start: (intendedMs: number) => boolean): number {
    let n = 0;
    while (this.nextMs <= elapsedMs) {
      const intended = this.nextMs;
      this.taken++;
      this.nextMs = this.taken < this.limit ? this.schedule.next() * 1000 : Infinity;
      n++;
      if (!start(intended)) break;
    }
    return n;
  }
}

/**
 * The delay to arm Node's timer with so that it fires as soon as possible after `waitMs`, never
 * before: Node counts whole milliseconds of a clock cached at the start of the loop turn (a
 * fractional delay is rounded up, and anything under 1 becomes 1), so asking for the fraction
 * only hides that rounding.
 */
export function timerDelayMs(waitMs: number): number {
  return waitMs <= 1 ? 1 : Math.ceil(waitMs);
}
