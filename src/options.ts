/**
 * Options of a session replay (`loadgen --wsesslog=...` and `runReplay()`), version 1.
 * Every field is plain data so the whole object can be stored in the results document.
 * Times are in seconds unless the name says otherwise.
 */

import type { Workload } from './workload/spec.js';

/** How session arrivals are spaced. */
export type ArrivalPattern =
  /** Fixed interval `1/rate` (httperf `--rate R` or `--period=dT`). */
  | { readonly kind: 'fixed'; readonly interval: number }
  /** Exponential inter-arrival times with this mean (`--period=eT`, a Poisson process). */
  | { readonly kind: 'exponential'; readonly mean: number }
  /** Uniform inter-arrival times on [min, max) (`--period=uT1,T2`). */
  | { readonly kind: 'uniform'; readonly min: number; readonly max: number }
  /** One session at a time: the next starts when the previous one ends (`--rate 0`). */
  | { readonly kind: 'sequential' }
  /**
   * Piecewise fixed intervals: `interval` for `duration` seconds, segment after segment
   * (httperf 0.9.1's `--period=vT1,D1,T2,D2...`, cycled when `cycle`; the sweep's staircase runs
   * its segments once). Each segment's first arrival is at the segment's start.
   */
  | { readonly kind: 'variable'; readonly segments: readonly ArrivalSegment[]; readonly cycle: boolean };

/** One segment of a variable arrival pattern. */
export interface ArrivalSegment {
  /** Seconds between arrivals inside the segment (> 0). */
  readonly interval: number;
  /** Seconds the segment lasts (> 0). */
  readonly duration: number;
}

export interface ReplayOptions {
  /** Host to connect to (name or IP literal, IPv6 allowed). */
  readonly server: string;
  /** TCP port; default 80, or 443 with `ssl`. */
  readonly port: number;
  /** Value of the Host header; defaults to `server` (httperf never appends the port). */
  readonly serverName?: string;
  /** Session file path (third field of --wsesslog). */
  readonly sessionFile: string;
  /** Number of sessions to create in the whole run (first field of --wsesslog, > 0). */
  readonly sessions: number;
  /** Default think time X between bursts (second field of --wsesslog, >= 0). */
  readonly thinkTime: number;
  /** Session arrival process. */
  readonly arrival: ArrivalPattern;
  /** Seed of the random generator used by exponential/uniform arrivals (httperf: the --client id). */
  readonly seed: number;
  /** `--client I/N`: this generator's index and the number of generators (affects seed and sampling offset). */
  readonly client: { readonly id: number; readonly count: number };
  /** Per-reply timeout (0 = none), httperf semantics (spec 4.6). */
  readonly timeout: number;
  /** Extra time added to `timeout` while waiting for a reply. */
  readonly thinkTimeout: number;
  /** Connections per session (1..4 in httperf; loadgen allows up to 64). */
  readonly maxConnections: number;
  /** Outstanding pipelined calls per connection (default 32 for HTTP/1.1, 1 for 1.0). */
  readonly maxPipedCalls: number;
  /** Whether the user set maxConnections / maxPipedCalls explicitly (they are then echoed). */
  readonly maxConnectionsSet: boolean;
  readonly maxPipedCallsSet: boolean;
  /** HTTP version of the requests. */
  readonly httpVersion: '1.1' | '1.0';
  /** A reply with this status fails the session (0 = off). */
  readonly failureStatus: number;
  /** Re-try failed connections / failure-status replies, at most `maxRetries` times per call. */
  readonly retryOnFailure: boolean;
  readonly maxRetries: number;
  /** Keep one cookie per session from Set-Cookie and send it back (httperf semantics). */
  readonly sessionCookies: boolean;
  /** Raw extra header text, already unescaped, each ending in CRLF (from repeated --add-header). */
  readonly addHeaders: readonly string[];
  /** The --add-header arguments as the user typed them (for the echo line). */
  readonly addHeadersRaw: readonly string[];
  /** TLS; `insecure` skips certificate verification. */
  readonly ssl: boolean;
  readonly insecure: boolean;
  /** Accepted for httperf compatibility; echoed. */
  readonly hog: boolean;
  readonly sendBuffer: number;
  readonly recvBuffer: number;
  /** Verbosity (httperf -v): 1 prints rate samples as they are taken. */
  readonly verbose: number;
  /** `--start-at`: wall-clock instant (epoch ms) of the first arrival; absent = start at once. */
  readonly startAt?: number;
  /** `--raw-uri-bytes`: send control bytes and DEL in session-file URIs instead of refusing the file. */
  readonly rawUriBytes?: boolean;
  /** httperf's workload generator and its extra options; absent means --wsesslog (src/workload/spec.ts). */
  readonly workload?: Workload;
}

/** Defaults identical to httperf 0.9.0 where httperf has one. */
export const DEFAULT_REPLAY_OPTIONS: Omit<ReplayOptions, 'sessionFile' | 'sessions' | 'thinkTime'> = {
  server: 'localhost',
  port: 80,
  arrival: { kind: 'sequential' },
  seed: 0,
  client: { id: 0, count: 1 },
  timeout: 0,
  thinkTimeout: 0,
  maxConnections: 4,
  maxPipedCalls: 32,
  maxConnectionsSet: false,
  maxPipedCallsSet: false,
  httpVersion: '1.1',
  failureStatus: 0,
  retryOnFailure: false,
  maxRetries: 3,
  sessionCookies: false,
  addHeaders: [],
  addHeadersRaw: [],
  ssl: false,
  insecure: false,
  hog: false,
  sendBuffer: 4096,
  recvBuffer: 16384,
  verbose: 0,
};
