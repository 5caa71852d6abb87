/**
 * `--start-at TIME`: a wall-clock instant at which a generator begins its arrival schedule, so N
 * generators started at different moments by a scheduler (Kubernetes pods, hosts, `--workers`)
 * begin together. Times are wall-clock (epoch ms): the only clock separate hosts share (NTP).
 */
import { performance } from 'node:perf_hooks';
import { UsageError } from '../errors.js';
import type { ArrivalPattern } from '../options.js';

/** Furthest ahead a start may be: farther is almost always a typo (wrong day or unit). */
export const MAX_START_AHEAD_MS = 24 * 3600 * 1000;
/** Furthest back a start may be: a generator that late did not take part in the shared start. */
export const MAX_START_BEHIND_MS = 3600 * 1000;
/** Below this an all-digit value would be before 1973: epoch seconds given where ms are expected. */
const SMALLEST_EPOCH_MS = 1e11;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Now as epoch ms with sub-millisecond resolution, from the monotonic clock (fine-timeline buckets of generators on one host line up). */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Parse `--start-at`: RFC 3339 with a zone (`2026-01-31T12:00:00Z`, `...+01:00`) or epoch
 * milliseconds. Rejects malformed values, epoch seconds, instants more than 1 h past or 24 h ahead.
 */
export function parseStartAt(text: string, now: number = Date.now()): number {
  const value = text.trim();
  const bad = (why: string): UsageError => new UsageError(`--start-at '${text}': ${why}`);
  let ms: number;
  if (/^\d+$/.test(value)) {
    ms = Number(value);
    if (ms < SMALLEST_EPOCH_MS) throw bad(`epoch times are milliseconds (did you mean ${value}000?)`);
  } else {
    const m = RFC3339.exec(value);
    if (!m) throw bad('expected an RFC 3339 time with a zone (2026-01-31T12:00:00Z) or epoch milliseconds');
    ms = Date.parse(value.replace(' ', 'T'));
    // Date.parse rolls 02-30 over to March: the calendar fields must read back unchanged.
    const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
    const sameFields = date.getUTCMonth() === Number(m[2]) - 1 && date.getUTCDate() === Number(m[3]) && Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 60;
    if (!Number.isFinite(ms) || !sameFields) throw bad('not a valid date and time');
  }
  if (ms - now > MAX_START_AHEAD_MS) throw bad(`is ${hours(ms - now)} ahead; at most 24 h is allowed (wrong day or zone?)`);
  if (now - ms > MAX_START_BEHIND_MS) throw bad(`was ${hours(now - ms)} ago; at most 1 h in the past is allowed (the run then starts at once, late)`);
  return ms;
}

function hours(ms: number): string {
  const h = ms / 3600_000;
  return h >= 48 ? `${(h / 24).toFixed(1)} days` : `${h.toFixed(1)} h`;
}

/**
 * The instant generator `client.id` of `client.count` begins: `startAt`, plus id/count of a fixed
 * interval so that N fixed schedules, each at 1/N of the rate, interleave into the demanded one
 * instead of arriving in bursts of N.
 */
export function intendedStart(startAt: number, arrival: ArrivalPattern, client: { id: number; count: number }): number {
  return arrival.kind === 'fixed' ? startAt + (client.id / client.count) * arrival.interval * 1000 : startAt;
}

/**
 * Call `begin` at wall-clock `at` (on the next turn when it has passed; never synchronously, so
 * the caller holds the cancel function first); returns a cancel function.
 */
export function waitUntil(at: number, begin: () => void): () => void {
  let timer: NodeJS.Timeout | null = null;
  const check = (): void => {
    // Timers run on the monotonic clock: re-check the wall clock and sleep again if early.
    const wait = at - wallClockMs();
    if (wait <= 0) {
      timer = null;
      begin();
    } else timer = setTimeout(check, Math.ceil(wait));
  };
  timer = setTimeout(check, Math.max(0, Math.ceil(at - wallClockMs())));
  return () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
}
