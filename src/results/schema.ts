/**
 * The results document written by `--json FILE`, read back by `loadgen gate`, `loadgen sweep`
 * and by merging tools. It holds *raw, additive* figures (counts, sums, histograms) from which
 * every derived figure of the report (rates, means, percentiles) is computed, so documents from
 * several generators can be merged exactly: add the counters, add the histograms, take the
 * earliest start and the latest end.
 *
 * schemaVersion 1, schemaMinorVersion 1. Units: times in the histograms are microseconds; other
 * times are seconds unless a name ends in Ms; byte counts are bytes. The counters, error kinds,
 * timeline counts and generator figures, with their merge rules, are tables in fields.ts.
 *
 * Minor versions only add optional fields, so a reader of version 1 reads every 1.x document
 * and this reader reads 1.0 documents (which have no `schemaMinorVersion` and no `fineTimeline`).
 * 1.1 added `fineTimeline` (docs/results-schema.md).
 */

export const RESULTS_SCHEMA_VERSION = 1 as const;
/** Minor version written by this loadgen (1.0 documents have no schemaMinorVersion field). */
export const RESULTS_SCHEMA_MINOR_VERSION = 1 as const;

export type { Counters, ErrorCounters, FineBucket, GeneratorStats, TimelineSample } from './fields.js';
import type { Counters, FineBucket, GeneratorStats, TimelineSample } from './fields.js';

/** Per-bucket summary of one latency histogram of the fine timeline (microseconds). */
export interface BucketHistogram {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  /** Exact largest value recorded in the bucket (0 when count is 0). */
  max: number;
  /** HdrHistogram V2 compressed base64 at 2 significant digits ('' when count is 0); merged exactly. */
  encoded: string;
}

/** Names of the latency histograms kept per fine-timeline bucket. */
export type BucketHistogramName = 'responseTime' | 'replyTime' | 'startLag';

/** The bucket histograms, in the order they are written. */
export const BUCKET_HISTOGRAM_NAMES: readonly BucketHistogramName[] = ['responseTime', 'replyTime', 'startLag'];

/**
 * The fine timeline (schema 1.1): 1-s buckets with per-bucket HDR percentiles for plotting.
 * Bounded in memory: when a run has more than `maxBuckets` buckets, neighbouring pairs are
 * merged exactly and `bucketMs` doubles (2 s, 4 s, ...).
 */
export interface FineTimeline {
  /** Bucket width, ms: 1000 * 2^k. */
  bucketMs: number;
  /** Bucket count past which the width doubles. */
  maxBuckets: number;
  /** In time order, without gaps between the first and the last. */
  buckets: FineBucket[];
}

/** Names of the recorded HDR histograms. All values are microseconds. */
export type HistogramName =
  /** connect() start -> connected, per connection. */
  | 'connectTime'
  /** Request send start -> first byte of the status line, per reply ("response" in httperf). */
  | 'responseTime'
  /** Request send start -> last byte of the reply, per reply. */
  | 'replyTime'
  /** Successful session lifetime, created -> destroyed. */
  | 'sessionLifetime'
  /** Session start lag: actual start - intended start on the arrival schedule. */
  | 'startLag'
  /** First call of each session, measured from the *intended* session start to its complete
   *  reply (coordinated-omission corrected: a late generator cannot hide a slow server). */
  | 'correctedFirstReply'
  /** Connection lifetime of connections that delivered a reply. */
  | 'connectionLifetime';

export const HISTOGRAM_NAMES: readonly HistogramName[] = [
  'connectTime',
  'responseTime',
  'replyTime',
  'sessionLifetime',
  'startLag',
  'correctedFirstReply',
  'connectionLifetime',
];

/** A histogram's summary (derived) and its exact content (HdrHistogram compressed base64). */
export interface HistogramSummary {
  /** Always 'us'. */
  unit: 'us';
  count: number;
  min: number;
  max: number;
  mean: number;
  stddev: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  p9999: number;
  /** HdrHistogram V2 compressed encoding, base64 (hdr-histogram-js `encodeIntoCompressedBase64`). */
  encoded: string;
}

/** Summary of the reply-rate or session-rate samples (httperf's min/avg/max/stddev line). */
export interface SampleStats {
  min: number;
  avg: number;
  max: number;
  stddev: number;
  samples: number;
}

/** Figures derived from the counters, stored for readers that do not want to recompute them. */
export interface DerivedRates {
  /** Connections / duration. */
  connectionRate: number;
  requestRate: number;
  /** Replies / duration (the overall mean; `replyRateSamples.avg` is the mean of 5-s samples). */
  replyRate: number;
  replyRateSamples: SampleStats;
  /** Successful sessions / duration. */
  sessionRate: number;
  sessionRateSamples: SampleStats;
  /** (request + reply header + reply content bytes) / duration / 1024. */
  netIoKBps: number;
  /** Errors total / (requests or 1): fraction 0..1. */
  errorRate: number;
}

/**
 * `--start-at`: how late the first arrival began after its intended instant (wall clock, ms).
 * One generator: minMs = maxMs. Merged: the earliest and latest generator (maxMs - minMs is the
 * spread of the shared start) and how many generators recorded it.
 */
export interface StartLateness {
  /** The requested instant, ISO 8601. */
  startAt: string;
  minMs: number;
  maxMs: number;
  generators: number;
}

/** The whole results document. */
export interface ResultsDocument {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  /** 1 for documents with a fine timeline; absent in 1.0 documents. */
  schemaMinorVersion?: number;
  tool: { name: 'loadgen'; version: string };
  /** What was run: the replay options, the httperf-style echo line, the session file's shape. */
  run: {
    commandLine: string;
    options: import('../options.js').ReplayOptions;
    /** Requests per session template, for the demanded request rate of sweeps. */
    templateRequestCounts: number[];
    /** Target session rate (sessions/s), 0 for sequential. */
    targetSessionRate: number;
    /** How the run ended: all sessions done, or stopped by a signal/--duration. */
    ended: 'completed' | 'interrupted';
  };
  /** ISO time stamps and test-duration in seconds (first session created -> run end). */
  startedAt: string;
  endedAt: string;
  duration: number;
  counters: Counters;
  rates: DerivedRates;
  generator: GeneratorStats;
  timeline: TimelineSample[];
  /** Since 1.1: the fine timeline; absent in 1.0 documents. */
  fineTimeline?: FineTimeline;
  histograms: Record<HistogramName, HistogramSummary>;
  /** Present when the run was given --start-at (optional: older documents lack it). */
  startLateness?: StartLateness;
}
