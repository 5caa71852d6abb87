/**
 * The sweep document written by `loadgen sweep --json FILE` and read by `loadgen gate`.
 * schemaVersion 1. Rates are per second; times in milliseconds unless a name says otherwise.
 * The gate reads `kind`, `targets[i].knee` and `targets[i].saturation`: keep those names.
 */
import type { ErrorCounters, ResultsDocument } from '../results/schema.js';
import type { NodeMetrics } from '../metrics/node.js';

export const SWEEP_SCHEMA_VERSION = 1 as const;

/** Rates a step asks for, derived from the session rate and the session file. */
export interface DemandedRates {
  /** Session arrival rate (sessions/s): the step's rate. */
  sessionRate: number;
  /** Implied connection rate: sessions/s x connections a session opens (see demand.ts). */
  connectionRate: number;
  /** Implied request rate: sessions/s x mean requests per session (autobench's dem_req_rate). */
  requestRate: number;
  /** Implied reply rate: one reply per request. */
  replyRate: number;
}

/** min/avg/max/stddev of the 5-s samples inside the steady-state window. */
export interface RateStats {
  min: number;
  avg: number;
  max: number;
  stddev: number;
  samples: number;
}

/** Rates a step achieved, over its steady-state window. */
export interface AchievedRates {
  /** Where the figures come from: steady-state 5-s samples, or whole-run totals (fallback). */
  basis: 'steady-state' | 'whole-run';
  /** Steady-state window, seconds since the step's run started ([0, 0] for whole-run). */
  window: { from: number; to: number };
  connectionRate: RateStats;
  requestRate: RateStats;
  replyRate: RateStats;
  sessionRate: RateStats;
}

/** Response-time figures of a step (httperf's "response": send start -> status line), ms. */
export interface LatencyFigures {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  /** Reply time (send start -> last byte) p99, ms. */
  replyP99: number;
}

/** Errors of a step by category (httperf's counters plus 5xx replies). */
export interface StepErrors extends ErrorCounters {
  /** Replies with status 5xx (not httperf errors, but failures for the server's capacity). */
  status5xx: number;
  /** Failed attempts (errors + 5xx replies) / (replies + errors), 0..1. */
  rate: number;
}

/** Load-generator health of a step. */
export interface GeneratorHealth {
  /** Generator CPU seconds / step duration (1 = one core busy). */
  cpu: number;
  eventLoopDelayP99Ms: number;
  /** 90th percentile of session start lag (actual - intended start), ms. */
  startLagP90Ms: number;
}

/** One measured step: one target at one rate. */
export interface SweepStep {
  rate: number;
  /** 'linear' for the --rates steps, 'refine' for bisection steps. */
  phase: 'linear' | 'refine';
  demanded: DemandedRates;
  /** Null when the step could not be run at all (see reasons). */
  achieved: AchievedRates | null;
  latency: LatencyFigures | null;
  errors: StepErrors | null;
  generator: GeneratorHealth | null;
  passed: boolean;
  /** Why the step failed (empty when it passed). */
  reasons: string[];
  /** The load generator, not the server, was the limit: never reported as the server's knee. */
  generatorLimited: boolean;
  /** Remarks that are not failures (fallback to whole-run averages, metrics unavailable ...). */
  notes: string[];
  /** Target metrics scraped around the step (--metrics-url), or why they are missing. */
  metrics?: NodeMetrics | { unavailable: string };
  /** Full results document of the step's run; null when the run failed before measuring. */
  results: ResultsDocument | null;
}

/** Results of one target across the sweep. */
export interface SweepTargetResult {
  /** Display name (host, or host:port when hosts repeat). */
  name: string;
  server: string;
  port: number;
  metricsUrl?: string;
  /** Highest passing rate, with the reply rate it achieved; null when no step passed. */
  knee: { sessionRate: number; replyRate: number } | null;
  /** Highest achieved reply rate of any step. */
  saturation: { replyRate: number };
  /** Lowest failing rate above the knee (null when no step failed). */
  firstFailingRate: number | null;
  /** One-line verdict (the text printed at the end). */
  verdict: string;
  /** Steps in the order they were run. */
  steps: SweepStep[];
}

/** Settings of the sweep itself (the replay options are stored in each step's results). */
export interface SweepSettings {
  rates: number[];
  duration: number;
  cooldown: number;
  refine: boolean;
  precision: number;
  stopAfter: number;
  tolerance: number;
  /** Maximum error rate, 0..1. */
  maxErrors: number;
  slo: string[];
  sessionFile: string;
  thinkTime: number;
}

/** The whole sweep document. */
export interface SweepDocument {
  schemaVersion: typeof SWEEP_SCHEMA_VERSION;
  kind: 'loadgen-sweep';
  tool: { name: 'loadgen'; version: string };
  startedAt: string;
  endedAt: string;
  options: SweepSettings;
  targets: SweepTargetResult[];
  /** Lines comparing the targets (ratios), empty with one target. */
  comparison: string[];
}
