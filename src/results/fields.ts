/**
 * The fields of a results document, each stated once: the counters with their merge rule, the
 * error kinds with their httperf report label, gate metric name and chart name, the 5-s timeline
 * counts, the fine-bucket counts and the generator-health figures. The document's types
 * (schema.ts), the zero values (the recorder), the exact merge (merge.ts, fine-timeline.ts), the
 * validation of files (io.ts), httperf's `Errors:` lines and the gate's error metrics all derive
 * from these tables, so a new counter is one row here plus the code that counts it.
 */
import type { BucketHistogram, BucketHistogramName } from './schema.js';

// ---------------------------------------------------------------------------------------------
// Error kinds

/** One of httperf's error counters (spec 5.2). */
export interface ErrorKindInfo {
  /** Field of ErrorCounters. */
  readonly key: string;
  /** Label in httperf's `Errors:` lines. */
  readonly label: string;
  /** Gate metric name after `errors.`. */
  readonly metric: string;
  /** Words for charts and tables. */
  readonly name: string;
}

/**
 * httperf's eight error counters, in its report order. The first four share the `Errors: total`
 * line, the rest are on the second `Errors:` line.
 */
export const ERROR_KINDS = [
  /** Reply watchdog expiries (--timeout). */
  { key: 'clientTimeout', label: 'client-timo', metric: 'client_timeout', name: 'client timeout' },
  /** ETIMEDOUT from the OS. */
  { key: 'socketTimeout', label: 'socket-timo', metric: 'socket_timeout', name: 'socket timeout' },
  /** ECONNREFUSED. */
  { key: 'connRefused', label: 'connrefused', metric: 'conn_refused', name: 'connection refused' },
  /** ECONNRESET, EPIPE and premature EOF. */
  { key: 'connReset', label: 'connreset', metric: 'conn_reset', name: 'connection reset' },
  /** EMFILE / EINVAL: no file descriptor for a socket. */
  { key: 'fdUnavail', label: 'fd-unavail', metric: 'fd_unavail', name: 'no file descriptor' },
  /** EADDRNOTAVAIL: no local port (httperf never counts it; loadgen does). */
  { key: 'addrUnavail', label: 'addrunavail', metric: 'addr_unavail', name: 'no local address' },
  /** ENFILE. */
  { key: 'ftabFull', label: 'ftab-full', metric: 'ftab_full', name: 'file table full' },
  /** Any other error (e.g. DNS failure, TLS failure). */
  { key: 'other', label: 'other', metric: 'other', name: 'other error' },
] as const satisfies readonly ErrorKindInfo[];

/** httperf's error categories, keyed by the field of ErrorCounters. */
export type ErrorKind = (typeof ERROR_KINDS)[number]['key'];

/** httperf's eight error counters (spec 5.2), one per ERROR_KINDS entry. */
export type ErrorCounters = Record<ErrorKind, number>;

/** The error kinds' keys, in report order. */
export const ERROR_KEYS: readonly ErrorKind[] = ERROR_KINDS.map((kind) => kind.key);

/** Error counters with every kind at zero. */
export function zeroErrors(): ErrorCounters {
  return Object.fromEntries(ERROR_KEYS.map((key) => [key, 0])) as ErrorCounters;
}

/** httperf's `Errors: total`: the sum of the eight error counters. */
export function errorTotal(errors: ErrorCounters): number {
  let total = 0;
  for (const key of ERROR_KEYS) total += errors[key];
  return total;
}

/** Error counters added kind by kind. */
export function addErrors(all: readonly ErrorCounters[]): ErrorCounters {
  const sum = zeroErrors();
  for (const errors of all) for (const key of ERROR_KEYS) sum[key] += errors[key];
  return sum;
}

// ---------------------------------------------------------------------------------------------
// Counters

/**
 * How a counter starts and how documents combine it:
 * - `sum`: a number, added;
 * - `max`: a peak (not additive), the largest is kept;
 * - `lifetimeMin` / `lifetimeMax`: min / max over the documents that had connections with a
 *   reply (`connectionsWithReply > 0`), 0 when none had;
 * - `statusClasses`: five numbers (1xx..5xx), added element-wise;
 * - `lengths`: a histogram by index starting as [0], added element-wise;
 * - `errors`: ErrorCounters, added kind by kind;
 * - `reasons`: counts by reason text, added reason by reason.
 */
export type CounterRule = 'sum' | 'max' | 'lifetimeMin' | 'lifetimeMax' | 'statusClasses' | 'lengths' | 'errors' | 'reasons';

interface CounterField {
  readonly rule: CounterRule;
  /** Added by a later version: older documents may lack it (validated only when present). */
  readonly optional?: true;
}

/** Every counter of a run, in the order it is written. */
export const COUNTER_FIELDS = {
  /** Connection attempts (includes reconnects, refused and timed-out attempts). */
  connections: { rule: 'sum' },
  /** Connections that reached "connected". */
  connected: { rule: 'sum' },
  /** Connections that delivered at least one reply. */
  connectionsWithReply: { rule: 'sum' },
  /** Requests completely written (includes re-sends). */
  requests: { rule: 'sum' },
  /** Replies fully received (sum of status classes). */
  replies: { rule: 'sum' },
  /** Replies by status class: index 0 = 1xx ... 4 = 5xx. */
  status: { rule: 'statusClasses' },
  /** Request bytes written (header + body, re-sends included). */
  requestBytes: { rule: 'sum' },
  /** Reply bytes: status line + headers + blank line. */
  replyHeaderBytes: { rule: 'sum' },
  /** Reply body bytes (chunk framing excluded). */
  replyContentBytes: { rule: 'sum' },
  /** Chunked trailer bytes including the final empty line. */
  replyFooterBytes: { rule: 'sum' },
  /** Sum over replies of (status line received - send start), ms; count = responseTimeCount. */
  responseTimeSumMs: { rule: 'sum' },
  responseTimeCount: { rule: 'sum' },
  /** Sum over replies of (reply complete - status line received), ms. */
  transferTimeSumMs: { rule: 'sum' },
  /** Sum over connections that reached "connected" of connect time, ms. */
  connectTimeSumMs: { rule: 'sum' },
  /** Connection lifetime stats over connectionsWithReply, ms. */
  connectionLifetimeSumMs: { rule: 'sum' },
  connectionLifetimeSumSqMs: { rule: 'sum' },
  connectionLifetimeMinMs: { rule: 'lifetimeMin' },
  connectionLifetimeMaxMs: { rule: 'lifetimeMax' },
  /** Most connections alive at once (the largest of merged runs: the sum would only bound it). */
  maxConcurrentConnections: { rule: 'max' },
  /** Most connects in one event-loop turn. */
  maxConnectBurst: { rule: 'max' },
  /** Errors by httperf kind. */
  errors: { rule: 'errors' },
  /** Sessions created, and those destroyed as succeeded or failed; the rest were cut off by a stop. */
  sessionsCreated: { rule: 'sum' },
  sessionsSucceeded: { rule: 'sum' },
  sessionsFailed: { rule: 'sum' },
  /** Sum over successful sessions of their connections that reached "connected". */
  sessionsSucceededConnections: { rule: 'sum' },
  /** Sum of lifetimes of successful / failed sessions, seconds. */
  sessionLifetimeSum: { rule: 'sum' },
  sessionFailtimeSum: { rule: 'sum' },
  /** Index i = number of destroyed sessions (succeeded or failed) that received exactly i replies. */
  sessionLengthHistogram: { rule: 'lengths' },
  /** Calls re-sent after a connection failure (httperf semantics) or --retry-on-failure. */
  retries: { rule: 'sum' },
  /** Reconnects after a server close that were not errors (Connection: close, idle keep-alive close). */
  quietReconnects: { rule: 'sum' },
  /**
   * Bytes that arrived after a complete reply and answered no request (a server sending more than
   * it announced, or a reply nobody asked for); dropped with their connection.
   */
  extraReplyBytes: { rule: 'sum', optional: true },
  /** TLS handshake failures by reason (`CODE: message`); each is also an `other` error. */
  tlsFailures: { rule: 'reasons', optional: true },
} as const satisfies Readonly<Record<string, CounterField>>;

type CounterTable = typeof COUNTER_FIELDS;
/** The value type of a counter with rule R. */
type CounterValue<R extends CounterRule> = R extends 'statusClasses'
  ? [number, number, number, number, number]
  : R extends 'lengths'
    ? number[]
    : R extends 'errors'
      ? ErrorCounters
      : R extends 'reasons'
        ? Record<string, number>
        : number;
type OptionalCounter = { [K in keyof CounterTable]: CounterTable[K] extends { optional: true } ? K : never }[keyof CounterTable];

/**
 * Every count of a run (COUNTER_FIELDS as a type). Optional counters are absent in older documents.
 */
export type Counters = { -readonly [K in Exclude<keyof CounterTable, OptionalCounter>]: CounterValue<CounterTable[K]['rule']> } & {
  -readonly [K in OptionalCounter]?: CounterValue<CounterTable[K]['rule']>;
};

/** The counters' names, in the order they are written. */
export const COUNTER_NAMES = Object.keys(COUNTER_FIELDS) as (keyof CounterTable)[];

/** The starting value of a counter of each rule. */
function zeroOf(rule: CounterRule): unknown {
  switch (rule) {
    case 'statusClasses':
      return [0, 0, 0, 0, 0];
    case 'lengths':
      return [0];
    case 'errors':
      return zeroErrors();
    case 'reasons':
      return {};
    default:
      return 0;
  }
}

/** Counters of a run that has done nothing yet (optional counters included, at zero). */
export function emptyCounters(): Counters {
  return Object.fromEntries(COUNTER_NAMES.map((name) => [name, zeroOf(COUNTER_FIELDS[name].rule)])) as Counters;
}

/** Element-wise sum of number arrays of any lengths (the result is as long as the longest). */
function addArrays(arrays: readonly (readonly number[])[]): number[] {
  const length = Math.max(0, ...arrays.map((a) => a.length));
  const sum = new Array<number>(length).fill(0);
  for (const array of arrays) array.forEach((value, i) => (sum[i]! += value));
  return sum;
}

/** Add counts reason by reason. */
function addReasons(all: readonly (Record<string, number> | undefined)[]): Record<string, number> {
  const merged: Record<string, number> = {};
  for (const reasons of all) for (const [reason, n] of Object.entries(reasons ?? {})) merged[reason] = (merged[reason] ?? 0) + n;
  return merged;
}

/** One counter of several documents combined by its rule (see CounterRule). */
function mergeCounter(rule: CounterRule, values: readonly unknown[], withLifetimes: readonly boolean[]): unknown {
  const numbers = values as readonly (number | undefined)[];
  const lifetimes = numbers.filter((_, i) => withLifetimes[i]) as number[];
  switch (rule) {
    case 'sum':
      return numbers.reduce<number>((total, n) => total + (n ?? 0), 0);
    case 'max':
      return Math.max(...(numbers as number[]));
    case 'lifetimeMin':
      return lifetimes.length > 0 ? Math.min(...lifetimes) : 0;
    case 'lifetimeMax':
      return lifetimes.length > 0 ? Math.max(...lifetimes) : 0;
    case 'statusClasses':
    case 'lengths':
      return addArrays(values as number[][]);
    case 'errors':
      return addErrors(values as ErrorCounters[]);
    case 'reasons':
      return addReasons(values as (Record<string, number> | undefined)[]);
  }
}

/** Counters of several documents merged exactly, field by field (optional counters always present). */
export function mergeCounters(all: readonly Counters[]): Counters {
  const withLifetimes = all.map((c) => c.connectionsWithReply > 0);
  return Object.fromEntries(
    COUNTER_NAMES.map((name) => [name, mergeCounter(COUNTER_FIELDS[name].rule, all.map((c) => c[name]), withLifetimes)]),
  ) as Counters;
}

// ---------------------------------------------------------------------------------------------
// Timelines

/**
 * The per-interval counts of a 5-s timeline sample, in the order they are written:
 * replies, requests, connections, sessions started / succeeded / failed, errors (all kinds) and
 * replies with a status >= 500. Added sample by sample when documents merge.
 */
export const TIMELINE_COUNTS = [
  'replies',
  'requests',
  'connections',
  'sessionsStarted',
  'sessionsSucceeded',
  'sessionsFailed',
  'errors',
  'replies5xx',
] as const;

/** The counts of a timeline sample (also the running totals samples are differences of). */
export type TimelineCounts = Record<(typeof TIMELINE_COUNTS)[number], number>;

/** Timeline counts all at zero. */
export function zeroTimelineCounts(): TimelineCounts {
  return Object.fromEntries(TIMELINE_COUNTS.map((name) => [name, 0])) as TimelineCounts;
}

/** One 5-s sample (httperf's reply-rate sampling), plus the other per-interval counts. */
export type TimelineSample = {
  /** End of the interval, seconds since the run started. */
  t: number;
  /** Interval length, seconds (about 5; exact value used for rates). */
  interval: number;
} & TimelineCounts;

/**
 * The counts of a fine-timeline bucket that are added when buckets merge: requests, replies,
 * replies with status 5xx, connections, sessions started / succeeded / failed, and the generator
 * CPU seconds (user + system, summed over generators).
 */
export const FINE_BUCKET_COUNTS = [
  'requests',
  'replies',
  'replies5xx',
  'connections',
  'sessionsStarted',
  'sessionsSucceeded',
  'sessionsFailed',
  'cpuSeconds',
] as const;

/**
 * Event-loop delay of a fine bucket, ms (p99 and max): per process, so a merge keeps the worst
 * generator's.
 */
export const FINE_BUCKET_PEAKS = ['loopDelayP99Ms', 'loopDelayMaxMs'] as const;

/**
 * One bucket of the fine timeline. Its nominal slot is [start, start + bucketMs) on the wall
 * clock (Unix ms, a multiple of bucketMs, so buckets of generators on one machine line up);
 * [from, to) is the part of the slot in which the run was measuring (the first and last
 * buckets of a run are partial). Rates of a bucket are counts / (to - from).
 */
export type FineBucket = { start: number; from: number; to: number } & Record<(typeof FINE_BUCKET_COUNTS)[number], number> & {
    /** Errors by httperf kind. */
    errors: ErrorCounters;
  } & Record<(typeof FINE_BUCKET_PEAKS)[number], number> &
  Record<BucketHistogramName, BucketHistogram>;

// ---------------------------------------------------------------------------------------------
// Generator health

/** A session that starts more than this many ms after its intended time is late. */
export const LATE_SESSION_THRESHOLD_MS = 10;

/**
 * Generator health figures and how merged documents combine them: CPU seconds and late sessions
 * are added; event-loop delays are per process and cannot be combined exactly, so the worst
 * (largest) is kept.
 */
export const GENERATOR_FIELDS = {
  /** CPU seconds used by the generator process during the run. */
  cpuUserSeconds: 'sum',
  cpuSystemSeconds: 'sum',
  /** Event-loop delay, ms (from perf_hooks.monitorEventLoopDelay). */
  eventLoopDelayP50Ms: 'max',
  eventLoopDelayP99Ms: 'max',
  eventLoopDelayMaxMs: 'max',
  /** Sessions that started more than LATE_SESSION_THRESHOLD_MS after their intended time. */
  lateSessions: 'sum',
} as const satisfies Readonly<Record<string, 'sum' | 'max'>>;

/** Generator health: proof that the load generator itself was not the bottleneck. */
export type GeneratorStats = { -readonly [K in keyof typeof GENERATOR_FIELDS]: number };

/** Generator health of several generators, field by field (see GENERATOR_FIELDS). */
export function mergeGenerators(all: readonly GeneratorStats[]): GeneratorStats {
  const names = Object.keys(GENERATOR_FIELDS) as (keyof GeneratorStats)[];
  return Object.fromEntries(
    names.map((name) => {
      const values = all.map((g) => g[name]);
      return [name, GENERATOR_FIELDS[name] === 'sum' ? values.reduce((a, b) => a + b, 0) : Math.max(...values)];
    }),
  ) as GeneratorStats;
}
