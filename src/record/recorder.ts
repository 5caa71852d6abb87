/**
 * The recorder: every counter of the httperf report, the HDR histograms, the 5-s timeline and
 * the fine timeline (1-s buckets with their own small histograms, capped in count).
 * The engine calls its methods; it knows nothing about sockets or formatting. Counters are plain
 * number fields so recording a reply is a handful of additions and four histogram records (response
 * and reply time, each in the run's histogram and the open fine bucket's; about 40 ns in all).
 */
import { BUCKET_HISTOGRAM_NAMES, HISTOGRAM_NAMES, type BucketHistogram, type BucketHistogramName, type Counters, type ErrorCounters, type FineTimeline, type HistogramName, type TimelineSample } from '../results/schema.js';
import { msToUs, newHistogram, recordMs, recordUs, type Histogram } from '../results/histogram.js';
import { FineTimelineBuilder, newBucketHistogram, slotOf, summarizeBucket } from '../results/fine-timeline.js';
import { emptyCounters, LATE_SESSION_THRESHOLD_MS, zeroTimelineCounts, type ErrorKind, type TimelineCounts } from '../results/fields.js';

/** httperf's error categories, keyed by the field of ErrorCounters (results/fields.ts). */
export type { ErrorKind } from '../results/fields.js';

/** Map a Node.js socket error code to httperf's category (spec 5.2), in one place. */
export function errorKindOf(code: string | undefined): ErrorKind {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connRefused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return 'connReset';
    case 'ETIMEDOUT':
      return 'socketTimeout';
    case 'EMFILE':
    case 'EINVAL':
      return 'fdUnavail';
    case 'EADDRNOTAVAIL':
      return 'addrUnavail';
    case 'ENFILE':
      return 'ftabFull';
    default:
      return 'other';
  }
}

/**
 * Failures that mean no socket was ever created (out of descriptors): httperf does not count such
 * attempts as connections, and neither do we.
 */
export function isNoSocketError(kind: ErrorKind): boolean {
  return kind === 'fdUnavail' || kind === 'ftabFull';
}

/**
 * The reason of a failed TLS handshake (`CODE: message`), or undefined when `err` is a plain
 * socket error. Node gives certificate problems a code (DEPTH_ZERO_SELF_SIGNED_CERT,
 * ERR_TLS_CERT_ALTNAME_INVALID, CERT_HAS_EXPIRED, ...) and OpenSSL alerts an ERR_SSL_ code.
 */
export function tlsFailureReason(err: NodeJS.ErrnoException & { reason?: string }): string | undefined {
  const code = err.code;
  if (code === undefined || errorKindOf(code) !== 'other' || /^E[A-Z]+$/.test(code)) return undefined;
  const text = (err.reason ?? err.message).split('\n')[0]!.trim().replace(/[:,]$/, '');
  return `${code}: ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`;
}

/** Zero counters, derived from the counter table (results/fields.ts). */
export { emptyCounters } from '../results/fields.js';

/** Generator health measured by the engine over one fine bucket. */
export interface BucketHealth {
  cpuSeconds: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/**
 * The open fine bucket's histograms and their exact maxima, microseconds. One field per series
 * (not a record keyed by name): the recorder updates them on every reply.
 */
class OpenBucket {
  readonly responseTime = newBucketHistogram();
  readonly replyTime = newBucketHistogram();
  readonly startLag = newBucketHistogram();
  maxResponseTime = 0;
  maxReplyTime = 0;
  maxStartLag = 0;

  /** Summaries of the bucket's histograms, which are then emptied for the next bucket. */
  close(): Record<BucketHistogramName, BucketHistogram> {
    const out: Record<BucketHistogramName, BucketHistogram> = {
      responseTime: summarizeBucket(this.responseTime, this.maxResponseTime),
      replyTime: summarizeBucket(this.replyTime, this.maxReplyTime),
      startLag: summarizeBucket(this.startLag, this.maxStartLag),
    };
    for (const name of BUCKET_HISTOGRAM_NAMES) this[name].reset();
    this.maxResponseTime = this.maxReplyTime = this.maxStartLag = 0;
    return out;
  }
}

/** Snapshot of the running totals a timeline sample is cut from. */
type Marks = TimelineCounts;

export class Recorder {
  readonly counters: Counters = emptyCounters();
  readonly histograms = Object.fromEntries(HISTOGRAM_NAMES.map((name) => [name, newHistogram()])) as Record<HistogramName, Histogram>;
  readonly timeline: TimelineSample[] = [];
  /** The fine timeline, bounded in memory (see FineTimelineBuilder). */
  readonly fine: FineTimelineBuilder;
  /** Errors since the start (sum of the error counters), kept for sampling. */
  errorsTotal = 0;
  replies5xx = 0;
  lateSessions = 0;
  private alive = 0;
  private connectsThisTurn = 0;
  private marks: Marks = zeroTimelineCounts();
  private bucketMarks: Marks = { ...this.marks };
  private bucketErrorMarks: ErrorCounters = { ...this.counters.errors };
  private readonly openBucket = new OpenBucket();
  /** Wall-clock ms at which the open fine bucket began (NaN before startBuckets). */
  private bucketFrom = NaN;
  private readonly endTurn = (): void => {
    if (this.connectsThisTurn > this.counters.maxConnectBurst) this.counters.maxConnectBurst = this.connectsThisTurn;
    this.connectsThisTurn = 0;
  };

  /** A connect() was started. Connects within one event-loop turn form one "connect burst". */
  connectionStarted(): void {
    this.counters.connections++;
    if (++this.alive > this.counters.maxConcurrentConnections) this.counters.maxConcurrentConnections = this.alive;
    if (this.connectsThisTurn++ === 0) setImmediate(this.endTurn);
  }

  connectionEstablished(connectMs: number): void {
    this.counters.connected++;
    this.counters.connectTimeSumMs += connectMs;
    recordMs(this.histograms.connectTime, connectMs);
  }

  /** A connection object went away; lifetime counts only when it delivered replies. */
  connectionClosed(lifetimeMs: number, replies: number): void {
    this.alive--;
    if (replies === 0) return;
    const c = this.counters;
    if (c.connectionsWithReply === 0 || lifetimeMs < c.connectionLifetimeMinMs) c.connectionLifetimeMinMs = lifetimeMs;
    if (lifetimeMs > c.connectionLifetimeMaxMs) c.connectionLifetimeMaxMs = lifetimeMs;
    c.connectionsWithReply++;
    c.connectionLifetimeSumMs += lifetimeMs;
    c.connectionLifetimeSumSqMs += lifetimeMs * lifetimeMs;
    recordMs(this.histograms.connectionLifetime, lifetimeMs);
  }

  requestWritten(bytes: number): void {
    this.counters.requests++;
    this.counters.requestBytes += bytes;
  }

  /** Status line arrived `responseMs` after the request was sent. */
  replyStarted(responseMs: number): void {
    this.counters.responseTimeSumMs += responseMs;
    this.counters.responseTimeCount++;
    const us = msToUs(responseMs);
    recordUs(this.histograms.responseTime, us);
    const bucket = this.openBucket;
    recordUs(bucket.responseTime, us);
    if (us > bucket.maxResponseTime) bucket.maxResponseTime = us;
  }

  replyCompleted(status: number, headerBytes: number, contentBytes: number, footerBytes: number, replyMs: number, transferMs: number): void {
    const c = this.counters;
    c.replies++;
    let cls = ((status / 100) | 0) - 1;
    if (cls > 4) cls = 4;
    c.status[cls]!++;
    if (cls === 4) this.replies5xx++;
    c.replyHeaderBytes += headerBytes;
    c.replyContentBytes += contentBytes;
    c.replyFooterBytes += footerBytes;
    c.transferTimeSumMs += transferMs;
    const us = msToUs(replyMs);
    recordUs(this.histograms.replyTime, us);
    const bucket = this.openBucket;
    recordUs(bucket.replyTime, us);
    if (us > bucket.maxReplyTime) bucket.maxReplyTime = us;
  }

  error(kind: ErrorKind): void {
    this.counters.errors[kind]++;
    this.errorsTotal++;
  }

  /**
   * A connection attempt failed before it was connected: count the error; an attempt that never
   * got a socket (out of descriptors) is taken back out of the connection count (httperf's rule).
   */
  connectFailed(kind: ErrorKind): void {
    this.error(kind);
    if (isNoSocketError(kind)) this.counters.connections--;
  }

  /** A TLS handshake failed for `reason` (also counted as an `other` error by the caller). */
  tlsFailed(reason: string): void {
    const failures = (this.counters.tlsFailures ??= {});
    failures[reason] = (failures[reason] ?? 0) + 1;
  }

  /** `bytes` arrived after a complete reply and answered no request. */
  extraBytes(bytes: number): void {
    this.counters.extraReplyBytes = (this.counters.extraReplyBytes ?? 0) + bytes;
  }

  sessionStarted(lagMs: number): void {
    this.counters.sessionsCreated++;
    const us = msToUs(lagMs);
    recordUs(this.histograms.startLag, us);
    const bucket = this.openBucket;
    recordUs(bucket.startLag, us);
    if (us > bucket.maxStartLag) bucket.maxStartLag = us;
    if (lagMs > LATE_SESSION_THRESHOLD_MS) this.lateSessions++;
  }

  /** First reply of a session, measured from the session's intended start. */
  firstReply(correctedMs: number): void {
    recordMs(this.histograms.correctedFirstReply, correctedMs);
  }

  sessionEnded(succeeded: boolean, lifetimeMs: number, replies: number, connections: number): void {
    const c = this.counters;
    if (succeeded) {
      c.sessionsSucceeded++;
      c.sessionsSucceededConnections += connections;
      c.sessionLifetimeSum += lifetimeMs / 1000;
      recordMs(this.histograms.sessionLifetime, lifetimeMs);
    } else {
      c.sessionsFailed++;
      c.sessionFailtimeSum += lifetimeMs / 1000;
    }
    const h = c.sessionLengthHistogram;
    while (h.length <= replies) h.push(0);
    h[replies]!++;
  }

  /** The running totals that timeline samples and fine buckets are differences of. */
  private totals(): Marks {
    const c = this.counters;
    return {
      replies: c.replies,
      requests: c.requests,
      connections: c.connections,
      sessionsStarted: c.sessionsCreated,
      sessionsSucceeded: c.sessionsSucceeded,
      sessionsFailed: c.sessionsFailed,
      errors: this.errorsTotal,
      replies5xx: this.replies5xx,
    };
  }

  /** Cut a timeline sample ending at `t` seconds, covering `interval` seconds. */
  sample(t: number, interval: number): TimelineSample {
    const now = this.totals();
    const sample: TimelineSample = { t, interval, ...difference(now, this.marks) };
    this.marks = now;
    this.timeline.push(sample);
    return sample;
  }

  /** `maxBuckets` caps the fine timeline's bucket count (the default suits any run length). */
  constructor(maxBuckets?: number) {
    this.fine = new FineTimelineBuilder(maxBuckets);
  }

  /** The fine timeline so far, every bucket at one width. */
  fineTimeline(): FineTimeline {
    return this.fine.timeline();
  }

  /** The first fine bucket opens at `nowMs` (wall clock, Unix ms). */
  startBuckets(nowMs: number): void {
    this.bucketFrom = nowMs;
  }

  /**
   * Close the open fine bucket at `nowMs` (wall clock) and open the next. Its slot is the one
   * its start falls in (see slotOf), so a late or early timer never renames a slot.
   */
  closeBucket(nowMs: number, health: BucketHealth): void {
    if (Number.isNaN(this.bucketFrom)) return;
    const now = this.totals();
    const { errors: _total, ...counts } = difference(now, this.bucketMarks);
    const errors = { ...this.counters.errors };
    for (const kind of Object.keys(errors) as ErrorKind[]) errors[kind] -= this.bucketErrorMarks[kind];
    const width = this.fine.bucketMs;
    this.fine.append({
      start: slotOf(this.bucketFrom, width),
      from: this.bucketFrom,
      to: nowMs,
      ...counts,
      errors,
      ...health,
      ...this.openBucket.close(),
    });
    this.bucketMarks = now;
    this.bucketErrorMarks = { ...this.counters.errors };
    this.bucketFrom = nowMs;
  }
}

/** Per-interval counts: totals now minus totals at the interval's start. */
function difference(now: Marks, then: Marks): Marks {
  const out = {} as Marks;
  for (const key of Object.keys(now) as (keyof Marks)[]) out[key] = now[key] - then[key];
  return out;
}
