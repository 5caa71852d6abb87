/**
 * The fine timeline (schema 1.1): wall-clock-aligned buckets with per-bucket HDR percentiles.
 * Pure operations on it: summarize a bucket's histogram, merge buckets of one slot exactly,
 * coarsen to a wider bucket, cap the bucket count, and merge the timelines of generators that
 * ran together. The recorder fills it (src/record/recorder.ts); merge.ts and the HTML report read it.
 */
import * as hdr from 'hdr-histogram-js';
import { HISTOGRAM_MAX_US, type Histogram } from './histogram.js';
import { addErrors, FINE_BUCKET_COUNTS, FINE_BUCKET_PEAKS } from './fields.js';
import { BUCKET_HISTOGRAM_NAMES, type BucketHistogram, type FineBucket, type FineTimeline } from './schema.js';

/** Width of a bucket before any coarsening, ms. */
const FINE_BUCKET_MS = 1000;
/**
 * Default cap on the bucket count. A 1-hour run ends with 1800 buckets of 2 s (about 1 MB of
 * heap, docs/results-schema.md); the cap, not the run length, bounds the memory.
 */
export const FINE_MAX_BUCKETS = 2000;

/**
 * Timers may fire a little before their time (libuv's clock is not the wall clock): a cut made up
 * to this much before a boundary counts as made at the boundary.
 */
export const TIMER_SLACK_MS = 50;

/** The slot (nominal start, ms) of a bucket that begins at `fromMs`, for buckets `bucketMs` wide. */
export function slotOf(fromMs: number, bucketMs: number): number {
  return Math.floor((fromMs + TIMER_SLACK_MS) / bucketMs) * bucketMs;
}

/** Per-bucket histograms keep 2 significant digits (1 % resolution): 8x smaller than the run's. */
export function newBucketHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HISTOGRAM_MAX_US,
    numberOfSignificantValueDigits: 2,
    useWebAssembly: false,
  });
}

/** The stored form of an empty bucket histogram. */
const EMPTY_BUCKET_HISTOGRAM: BucketHistogram = Object.freeze({ count: 0, p50: 0, p90: 0, p99: 0, max: 0, encoded: '' });

/** Summary and encoding of a bucket histogram; `max` is the exact largest value recorded. */
export function summarizeBucket(histogram: Histogram, max: number): BucketHistogram {
  if (histogram.totalCount === 0) return EMPTY_BUCKET_HISTOGRAM;
  const at = (p: number): number => Math.min(max, histogram.getValueAtPercentile(p));
  return {
    count: histogram.totalCount,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max,
    encoded: hdr.encodeIntoCompressedBase64(histogram),
  };
}

/** Add bucket histograms exactly (decoded and added, percentiles taken again). */
function mergeBucketHistograms(all: readonly BucketHistogram[]): BucketHistogram {
  const present = all.filter((h) => h.count > 0);
  if (present.length === 0) return EMPTY_BUCKET_HISTOGRAM;
  if (present.length === 1) return present[0]!;
  const total = newBucketHistogram();
  for (const h of present) total.add(hdr.decodeFromCompressedBase64(h.encoded, 32, false));
  return summarizeBucket(total, Math.max(...present.map((h) => h.max)));
}

/**
 * Merge buckets into one bucket at slot `start`: counts, errors and CPU are added, histograms
 * merged exactly, the measured span is the union's hull (min from, max to), and the event-loop
 * delays (per process, not additive) take the worst.
 */
function mergeBuckets(start: number, all: readonly FineBucket[]): FineBucket {
  if (all.length === 1 && all[0]!.start === start) return all[0]!;
  const merged = { start, from: Math.min(...all.map((b) => b.from)), to: Math.max(...all.map((b) => b.to)) } as FineBucket;
  for (const field of FINE_BUCKET_COUNTS) merged[field] = all.reduce((sum, b) => sum + b[field], 0);
  merged.errors = addErrors(all.map((b) => b.errors));
  for (const field of FINE_BUCKET_PEAKS) merged[field] = Math.max(...all.map((b) => b[field]));
  for (const name of BUCKET_HISTOGRAM_NAMES) merged[name] = mergeBucketHistograms(all.map((b) => b[name]));
  return merged;
}

/** Regroup time-ordered buckets into slots of `bucketMs` (a multiple of their width). */
export function coarsen(buckets: readonly FineBucket[], bucketMs: number): FineBucket[] {
  const out: FineBucket[] = [];
  let group: FineBucket[] = [];
  let slot = NaN;
  for (const bucket of buckets) {
    const s = Math.floor(bucket.start / bucketMs) * bucketMs;
    if (s !== slot && group.length > 0) {
      out.push(mergeBuckets(slot, group));
      group = [];
    }
    slot = s;
    group.push(bucket);
  }
  if (group.length > 0) out.push(mergeBuckets(slot, group));
  return out;
}

/** Double the width until the bucket count is within the cap (in place; for merges after a run). */
function enforceCap(timeline: FineTimeline): void {
  while (timeline.buckets.length > timeline.maxBuckets) {
    timeline.bucketMs *= 2;
    timeline.buckets = coarsen(timeline.buckets, timeline.bucketMs);
  }
}

/** Slot groups coarsened per appended bucket while a coarsening is under way (about 1 ms each). */
const COARSEN_STEPS_PER_APPEND = 4;

/**
 * Builds a fine timeline as a run goes, bounded in memory. When the bucket count passes the cap,
 * the width doubles at once for new buckets, but the older buckets are merged into the new width
 * a few slots per appended bucket, so no single bucket cut stalls the generator's event loop
 * (merging all 2000 buckets at once takes about a second). `timeline()` finishes any merge left.
 */
export class FineTimelineBuilder {
  private width = FINE_BUCKET_MS;
  /** Oldest first: buckets already at `width`, buckets still at width/2, newest at `width`. */
  private head: FineBucket[] = [];
  private pending: FineBucket[] = [];
  private tail: FineBucket[] = [];

  constructor(private readonly maxBuckets = FINE_MAX_BUCKETS) {}

  /** Width for the next bucket, ms. */
  get bucketMs(): number {
    return this.width;
  }

  /** Buckets held now (the memory bound: at most maxBuckets + 1). */
  get size(): number {
    return this.head.length + this.pending.length + this.tail.length;
  }

  /**
   * Add a closed bucket (its start is a slot of the current width). A bucket whose slot is the
   * newest one's (after a doubling, the open bucket began inside the last slot) is merged into it.
   */
  append(bucket: FineBucket): void {
    const last = this.tail.at(-1);
    const lastHead = this.pending.length === 0 && this.tail.length === 0 ? this.head.at(-1) : undefined;
    if (last !== undefined && last.start === bucket.start) this.tail[this.tail.length - 1] = mergeBuckets(bucket.start, [last, bucket]);
    else if (lastHead !== undefined && lastHead.start === bucket.start) this.head[this.head.length - 1] = mergeBuckets(bucket.start, [lastHead, bucket]);
    else this.tail.push(bucket);
    this.step(COARSEN_STEPS_PER_APPEND);
    if (this.size > this.maxBuckets) {
      this.step(Infinity); // only with a very small cap can a new doubling come before the last finished
      this.pending = [...this.head, ...this.tail];
      this.head = [];
      this.tail = [];
      this.width *= 2;
    }
  }

  /** Merge up to `groups` slots of pending buckets into the current width. */
  private step(groups: number): void {
    for (let done = 0; done < groups && this.pending.length > 0; done++) {
      const slot = Math.floor(this.pending[0]!.start / this.width) * this.width;
      let n = 1;
      while (n < this.pending.length && this.pending[n]!.start < slot + this.width) n++;
      const group = this.pending.splice(0, n);
      // The last pending slot can be the first new bucket's (the doubling came mid-slot).
      if (this.pending.length === 0 && this.tail[0]?.start === slot) group.push(this.tail.shift()!);
      this.head.push(mergeBuckets(slot, group));
    }
  }

  /** The timeline so far, every bucket at one width (finishes a coarsening under way). */
  timeline(): FineTimeline {
    this.step(Infinity);
    this.head.push(...this.tail);
    this.tail = [];
    return { bucketMs: this.width, maxBuckets: this.maxBuckets, buckets: this.head };
  }
}

/**
 * Merge the fine timelines of generators that ran at the same time on clocks that agree
 * (`--workers`, or `--client I/N` on synchronized hosts): every timeline is coarsened to the
 * widest bucket, buckets of one wall-clock slot are added, and the cap is applied again.
 */
export function mergeFineTimelines(all: readonly FineTimeline[]): FineTimeline {
  const bucketMs = Math.max(...all.map((t) => t.bucketMs));
  const maxBuckets = Math.max(...all.map((t) => t.maxBuckets));
  const bySlot = new Map<number, FineBucket[]>();
  for (const timeline of all) {
    for (const bucket of coarsen(timeline.buckets, bucketMs)) {
      const group = bySlot.get(bucket.start);
      if (group) group.push(bucket);
      else bySlot.set(bucket.start, [bucket]);
    }
  }
  const slots = [...bySlot.keys()].sort((a, b) => a - b);
  const merged: FineTimeline = { bucketMs, maxBuckets, buckets: slots.map((slot) => mergeBuckets(slot, bySlot.get(slot)!)) };
  enforceCap(merged);
  return merged;
}
