/**
 * The live progress line on a terminal's stderr: running totals since the start, the reply rate
 * of the latest 5-s sample, and the time left. With --workers it adds up the samples the worker
 * processes send (each worker samples on its own clock; totals are as of each one's last sample).
 */
import type { ReplayOptions } from '../options.js';
import type { TimelineSample } from '../results/schema.js';
import { createArrivalSchedule } from '../schedule/arrivals.js';

/** Running totals of one generator process, from its samples. */
interface Totals {
  t: number;
  replies: number;
  sessionsStarted: number;
  sessionsDone: number;
  errors: number;
  /** Replies/s of the latest sample. */
  rate: number;
}

/** Collects samples (from one or several generators) and formats the line. */
export class ProgressLine {
  private readonly totals: Totals[] = [];
  /** Sessions/s the arrival schedule demands; 0 for one session after another. */
  private readonly demandedRate: number;

  /** `generators`: processes whose samples are added (--workers). */
  constructor(
    private readonly options: ReplayOptions,
    private readonly generators = 1,
  ) {
    this.demandedRate = createArrivalSchedule(options.arrival, options.seed).rate;
  }

  /** Add generator `index`'s next sample; returns the line to write (with \r and clear-line). */
  add(sample: TimelineSample, index = 0): string {
    const t = (this.totals[index] ??= { t: 0, replies: 0, sessionsStarted: 0, sessionsDone: 0, errors: 0, rate: 0 });
    t.t = sample.t;
    t.replies += sample.replies;
    t.sessionsStarted += sample.sessionsStarted;
    t.sessionsDone += sample.sessionsSucceeded + sample.sessionsFailed;
    t.errors += sample.errors;
    t.rate = sample.interval > 0 ? sample.replies / sample.interval : 0;
    return `\r\x1b[K${this.format()}`;
  }

  /** `[25s] 1990 replies (80.2/s in the latest sample), sessions 400 started, 380 done of 400, 0 errors, all sessions started` */
  format(): string {
    const all = this.totals.filter((t) => t !== undefined);
    const sum = (pick: (t: Totals) => number): number => all.reduce((total, t) => total + pick(t), 0);
    const elapsed = Math.max(...all.map((t) => t.t));
    const done = sum((t) => t.sessionsDone);
    const n = this.options.sessions;
    // The rate is a sum over generators: shown once each has sent a sample, never a partial sum.
    const rate = all.length < this.generators ? 'rate after every worker reports' : `${sum((t) => t.rate).toFixed(1)}/s in the latest sample`;
    return `[${elapsed.toFixed(0)}s] ${sum((t) => t.replies)} replies (${rate}), sessions ${sum((t) => t.sessionsStarted)} started, ${done} done of ${n}, ${plural(sum((t) => t.errors), 'error')}, ${this.timeLeft(elapsed, done)}`;
  }

  /**
   * With a rate, the schedule says when the last session starts (those still running end later:
   * their length is not known ahead). One session after another: remaining sessions at the
   * pace of those done so far.
   */
  private timeLeft(elapsed: number, done: number): string {
    const n = this.options.sessions;
    if (this.demandedRate > 0) {
      const arrivalsEnd = n / this.demandedRate;
      return elapsed < arrivalsEnd ? `last session starts in ${(arrivalsEnd - elapsed).toFixed(0)} s` : 'all sessions started';
    }
    if (done === 0) return 'time left not known yet';
    return `about ${(((n - done) * elapsed) / done).toFixed(0)} s left`;
  }
}

/** `1 error`, `2 errors`. */
function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
