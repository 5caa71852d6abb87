/**
 * The sweep document written by `loadgen sweep --json FILE` and read by `loadgen gate`.
 * schemaVersion 2 (2: step windows, step timing, runs kept once per target, `interrupted`; later
 * additions: `options.unit`, `options.workload`, `knee.rate`/`knee.unit`, `demanded.unit`). Rates are per second; times in milliseconds unless a name says otherwise.
 * The gate reads `kind`, `targets[i].knee` and `targets[i].saturation`: keep those names.
 */
import type { ErrorCounters, ResultsDocument, SampleStats } from '../results/schema.js';
import type { NodeMetrics } from '../metrics/node.js';
import type { DemandedRates, RateUnit } from '../workload/demand.js';

export const SWEEP_SCHEMA_VERSION = 2 as const;

/**
 * Rates a step asks for, from its rate and the planned templates (src/workload/demand.ts, the
 * definition the gate's `target` uses too). `unit` says what the rate counts; `sessionRate` is
 * null in connection mode. Documents written before connection mode have no `unit` (sessions).
 */
export type { DemandedRates } from '../workload/demand.js';

/** min/avg/max/stddev of the complete 5-s samples inside the measurement window (httperf's sample summary). */
export type RateStats = SampleStats;

/** Rates a step achieved: only from complete 5-s samples inside its measurement window. */
export interface AchievedRates {
  connectionRate: RateStats;
  requestRate: RateStats;
  replyRate: RateStats;
  /** Units that completed: sessions, or in connection mode connections that did all their calls. */
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

/** When a step ran inside its run, seconds since that run started (see docs/sweep.md). */
export interface StepTiming {
  /** Arrivals at this step's rate begin. */
  start: number;
  /** Warm-up seconds (unmeasured: the previous step's sessions drain, this step's fill up). */
  warmup: number;
  /** Measurement window [from, to]: only complete 5-s samples inside it count. */
  window: { from: number; to: number };
  /** Complete samples the window must hold (--samples). */
  samplesNeeded: number;
  /** Session lifetime the warm-up was derived from, seconds. */
  lifetime: number;
}

/** What happened inside a step's measurement window (differences of the run's counters). */
export interface WindowCounts {
  /** Seconds between the first sample's start and the last sample's end (0 without samples). */
  seconds: number;
  replies: number;
  requests: number;
  connections: number;
  sessionsSucceeded: number;
  sessionsFailed: number;
  /** Bytes sent and received. */
  bytes: number;
  responseTimeSumMs: number;
  responseTimeCount: number;
}

/** One measured step: one target at one rate. */
export interface SweepStep {
  /** Arrival rate, in `demanded.unit`s/s. */
  rate: number;
  /** 'linear' for the --rates steps, 'refine' for bisection steps. */
  phase: 'linear' | 'refine';
  /** Index into the target's `runs` of the run this step was part of (null: no run). */
  run: number | null;
  timing: StepTiming;
  /** Counts inside the measurement window (null when no complete sample fell in it). */
  counts: WindowCounts | null;
  demanded: DemandedRates;
  /** Null when the window held no complete sample (see reasons). */
  achieved: AchievedRates | null;
  latency: LatencyFigures | null;
  errors: StepErrors | null;
  generator: GeneratorHealth | null;
  passed: boolean;
  /** Why the step failed (empty when it passed). */
  reasons: string[];
  /** The load generator, not the server, was the limit: never reported as the server's knee. */
  generatorLimited: boolean;
  /** The step could not be measured honestly (too few samples, no steady state, generator-limited,
   *  metrics unavailable, interrupted): it failed, but says nothing about the server's capacity. */
  unmeasured: boolean;
  /** Remarks that are not failures. */
  notes: string[];
  /** Target metrics scraped at the window's edges (--metrics-url), or why they are missing. */
  metrics?: NodeMetrics | { unavailable: string };
}

/** Results of one target across the sweep. */
export interface SweepTargetResult {
  /** Display name (host, or host:port when hosts repeat). */
  name: string;
  server: string;
  port: number;
  metricsUrl?: string;
  /**
   * Highest passing rate (`rate`, in `unit`s/s), with the reply rate it achieved; null when no
   * step passed. `sessionRate` repeats `rate` in either unit: it is the name `loadgen gate`
   * reads for `knee` (kept so sweep documents stay readable by every version).
   */
  knee: { rate: number; unit: RateUnit; sessionRate: number; replyRate: number } | null;
  /** Highest achieved reply rate of any step. */
  saturation: { replyRate: number };
  /** Lowest failing rate above the knee (null when no step failed). */
  firstFailingRate: number | null;
  /** One-line verdict (the text printed at the end). */
  verdict: string;
  /** Steps in the order they were run. */
  steps: SweepStep[];
  /** Full results document of every run (a staircase is one run holding many steps). */
  runs: ResultsDocument[];
}

/** Settings of the sweep itself (the replay options are stored in each step's results). */
export interface SweepSettings {
  /** What the rates count: sessions/s (--wsesslog, --wsess) or connections/s (--uri/--wlog/--wset). */
  unit: RateUnit;
  /** The workload as given, e.g. `--wsesslog=…,shop.txt` or `--uri=/ --num-calls=5 --burst-length=1`. */
  workload: string;
  /** Rates to try, in `unit`s/s. */
  rates: number[];
  /** 'staircase': one run, the rate steps up and arrivals never stop; 'drain': one run per step. */
  mode: 'staircase' | 'drain';
  /** Measurement window per step, seconds (a whole number of 5-s samples). */
  duration: number;
  /** Complete 5-s samples a window must hold. */
  samples: number;
  /** Fixed warm-up per step, seconds; null: derived from the session lifetime. */
  warmup: number | null;
  cooldown: number;
  refine: boolean;
  precision: number;
  stopAfter: number;
  tolerance: number;
  /** Maximum error rate, 0..1. */
  maxErrors: number;
  slo: string[];
  /** The --wsesslog file ('' for generated workloads). */
  sessionFile: string;
  /** Default think time (--wsesslog's X, --wsess's X; 0 in connection mode). */
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
  /** True when a signal stopped the sweep: the document is partial and gates are not evaluated. */
  interrupted: boolean;
  /** The unmeasured warm-up before the first step (JIT, and the session lifetime probe). */
  probe: { sessions: number; seconds: number; lifetime: number } | null;
}
