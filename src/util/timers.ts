/**
 * Timers for delays of any length. Node's setTimeout fires after 1 ms (with a
 * TimeoutOverflowWarning) when asked for more than 2^31-1 ms (about 24.8 days), so a long think
 * time or a very low arrival rate would fire at once. `setLongTimeout` waits in steps of at most
 * that much; every timer whose delay comes from user input (think times, arrivals) goes through it.
 * Reply and connect timeouts need none: they are deadlines compared by the run's watchdog, which
 * ticks every 5-100 ms whatever --timeout is.
 */
import { performance } from 'node:perf_hooks';

/** The longest delay Node's setTimeout honours, in ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A pending long timeout; pass it to `clearLongTimeout` to cancel it. */
export interface LongTimeout {
  /** The Node timer of the current step (replaced at each step). */
  handle: NodeJS.Timeout;
}

/**
 * Call `callback` after `delayMs` ms (any finite or infinite non-negative value; Infinity never
 * fires, NaN and negatives fire at the next timer turn).
 */
export function setLongTimeout(callback: () => void, delayMs: number): LongTimeout {
  // The common case (any think time under 24 days) costs one Node timer and no closure.
  if (!(delayMs > MAX_TIMER_MS)) return { handle: setTimeout(callback, stepMs(delayMs)) };
  const dueAt = performance.now() + delayMs;
  const timer: LongTimeout = { handle: setTimeout(step, stepMs(delayMs)) };
  function step(): void {
    const left = dueAt - performance.now();
    if (left > 0) timer.handle = setTimeout(step, stepMs(left));
    else callback();
  }
  return timer;
}

/** Cancel a timeout from `setLongTimeout` (no-op for null). */
export function clearLongTimeout(timer: LongTimeout | null): void {
  if (timer !== null) clearTimeout(timer.handle);
}

/** One step: at most MAX_TIMER_MS; 0 for NaN or negatives. */
function stepMs(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}
