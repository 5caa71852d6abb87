import { describe, it, expect } from 'vitest';
import { readFile } from 'node:fs/promises';
import { InputError } from '../src/errors.js';
import { Recorder, type BucketHealth } from '../src/record/recorder.js';
import { errorTotal } from '../src/results/fields.js';
import { coarsen, FINE_MAX_BUCKETS, mergeFineTimelines, slotOf, TIMER_SLACK_MS } from '../src/results/fine-timeline.js';
import { readResultsFile, validateResultsDocument } from '../src/results/io.js';
import { mergeResults } from '../src/results/merge.js';
import type { FineBucket, FineTimeline, ResultsDocument } from '../src/results/schema.js';

const HEALTH: BucketHealth = { cpuSeconds: 0.25, loopDelayP99Ms: 1, loopDelayMaxMs: 3 };
/** A wall-clock origin 300 ms past a whole second, as a real run would start. */
const ORIGIN = 1_800_000_000_300;

/** Deterministic pseudo-random numbers (no Math.random in tests). */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

/**
 * Drive a recorder through `seconds` of a run: every second `perSecond(s)` replies with
 * reply times from `latency`, one session start, an error every 7th second; the bucket timer
 * cuts at each whole second of the wall clock (`late` ms after it).
 */
function simulate(recorder: Recorder, seconds: number, perSecond: (s: number) => number, latency: () => number, late = 0): void {
  recorder.startBuckets(ORIGIN);
  for (let s = 0; s < seconds; s++) {
    recordSecond(recorder, s, perSecond(s), latency);
    recorder.closeBucket(ORIGIN - 300 + (s + 1) * 1000 + late, HEALTH);
  }
}

/** What one generator records in second `s`: `replies` replies, a session start, maybe an error. */
function recordSecond(recorder: Recorder, s: number, replies: number, latency: () => number): void {
  for (let i = 0; i < replies; i++) {
    const ms = latency();
    recorder.replyStarted(ms / 2);
    recorder.replyCompleted(200, 100, 1000, 0, ms, ms / 2);
  }
  recorder.sessionStarted(s % 3);
  if (s % 7 === 6) recorder.error('connReset');
}

/** Every count of a timeline added up. */
function totals(timeline: FineTimeline): { replies: number; errors: number; sessions: number; replyCount: number; cpu: number } {
  const sum = (pick: (b: FineBucket) => number): number => timeline.buckets.reduce((n, b) => n + pick(b), 0);
  return {
    replies: sum((b) => b.replies),
    errors: sum((b) => errorTotal(b.errors)),
    sessions: sum((b) => b.sessionsStarted),
    replyCount: sum((b) => b.replyTime.count),
    cpu: Math.round(sum((b) => b.cpuSeconds) * 1000),
  };
}

describe('fine timeline bucketing', () => {
  it('cuts one bucket per wall-clock second with that second’s counts, percentiles and error kinds', () => {
    const recorder = new Recorder();
    let n = 0;
    simulate(recorder, 5, (s) => 10 * (s + 1), () => ++n);
    const { buckets, bucketMs } = recorder.fineTimeline();
    expect(bucketMs).toBe(1000);
    expect(buckets.map((b) => b.start)).toEqual([0, 1, 2, 3, 4].map((s) => ORIGIN - 300 + s * 1000));
    expect(buckets.map((b) => b.replies)).toEqual([10, 20, 30, 40, 50]);
    // The first bucket is partial: the run began 300 ms into its slot.
    expect(buckets[0]!.from).toBe(ORIGIN);
    expect(buckets[0]!.to - buckets[0]!.from).toBe(700);
    // Second 2 recorded reply times 31..60 ms: its median and max are its own, not the run's.
    expect(buckets[2]!.replyTime.max).toBe(60_000);
    expect(buckets[2]!.replyTime.p50).toBeGreaterThanOrEqual(44_500);
    expect(buckets[2]!.replyTime.p50).toBeLessThanOrEqual(45_500);
    expect(buckets[2]!.responseTime.max).toBe(30_000);
    expect(buckets.map((b) => b.errors.connReset)).toEqual([0, 0, 0, 0, 0]);
    expect(buckets.every((b) => b.cpuSeconds === 0.25 && b.loopDelayMaxMs === 3)).toBe(true);
  });

  it('stores an empty histogram for a second without replies, so a reader can say "not measurable"', () => {
    const recorder = new Recorder();
    simulate(recorder, 4, (s) => (s === 2 ? 0 : 5), () => 10);
    const empty = recorder.fineTimeline().buckets[2]!;
    expect(empty.replies).toBe(0);
    expect(empty.replyTime).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, max: 0, encoded: '' });
  });

  it('records errors by kind in the bucket they happened in', () => {
    const recorder = new Recorder();
    simulate(recorder, 14, () => 1, () => 5);
    const kinds = recorder.fineTimeline().buckets.map((b) => b.errors.connReset);
    expect(kinds[6]).toBe(1);
    expect(kinds[13]).toBe(1);
    expect(kinds.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('a timer that fires a little early or late does not rename or split a slot', () => {
    for (const late of [-(TIMER_SLACK_MS - 5), -1, 0, 3, 200]) {
      const recorder = new Recorder();
      simulate(recorder, 6, () => 4, () => 5, late);
      const starts = recorder.fineTimeline().buckets.map((b) => b.start);
      expect(new Set(starts).size).toBe(starts.length);
      expect(starts).toEqual([0, 1, 2, 3, 4, 5].map((s) => ORIGIN - 300 + s * 1000));
      expect(totals(recorder.fineTimeline()).replies).toBe(24);
    }
    expect(slotOf(10_999 - TIMER_SLACK_MS + 1, 1000)).toBe(11_000);
    expect(slotOf(10_999 - TIMER_SLACK_MS, 1000)).toBe(10_000);
  });
});

describe('fine timeline memory bound', () => {
  it('a 1-hour run keeps at most the cap of buckets, coarsened exactly, with every count kept', () => {
    const recorder = new Recorder();
    const random = lcg(7);
    simulate(recorder, 3600, () => 50, () => 1 + random() * 100);
    const timeline = recorder.fineTimeline();
    expect(timeline.buckets.length).toBeLessThanOrEqual(FINE_MAX_BUCKETS);
    expect(timeline.bucketMs).toBe(2000);
    expect(timeline.buckets.length).toBe(1800);
    expect(totals(timeline)).toEqual({ replies: 180_000, errors: Math.floor(3600 / 7), sessions: 3600, replyCount: 180_000, cpu: 900_000 });
    // Every slot is a multiple of the width and follows the previous one.
    timeline.buckets.forEach((b, i) => {
      expect(b.start % 2000).toBe(0);
      if (i > 0) expect(b.start - timeline.buckets[i - 1]!.start).toBe(2000);
    });
    // What a results document holds for it stays small (the figure is in docs/results-schema.md).
    const bytes = JSON.stringify(timeline).length;
    expect(bytes).toBeLessThan(2_500_000);
  });

  it('holds at most the cap (plus the open slot) at every cut while old buckets are merged a few at a time', () => {
    const recorder = new Recorder(40);
    const sizes: number[] = [];
    recorder.startBuckets(ORIGIN);
    for (let s = 0; s < 1000; s++) {
      recorder.replyCompleted(200, 1, 1, 0, 1 + (s % 50), 1);
      recorder.closeBucket(ORIGIN - 300 + (s + 1) * 1000, HEALTH);
      sizes.push(recorder.fine.size);
    }
    expect(Math.max(...sizes)).toBeLessThanOrEqual(41);
    const timeline = recorder.fineTimeline();
    expect(timeline.buckets.length).toBeLessThanOrEqual(40);
    expect(timeline.bucketMs).toBe(32_000);
    expect(totals(timeline).replies).toBe(1000);
    timeline.buckets.forEach((b, i) => {
      expect(b.start % 32_000).toBe(0);
      if (i > 0) expect(b.start).toBeGreaterThan(timeline.buckets[i - 1]!.start);
    });
    expect(Math.max(...timeline.buckets.map((b) => b.replyTime.max))).toBe(50_000);
  });

  it('coarsening adds buckets of one slot exactly: counts, maxima and histograms', () => {
    const recorder = new Recorder();
    let n = 0;
    simulate(recorder, 5, () => 10, () => ++n);
    const wide = coarsen(recorder.fineTimeline().buckets, 4000);
    // Seconds 0-3 fill one 4-s slot, second 4 begins the next.
    expect(wide.map((b) => [b.start - (ORIGIN - 300), b.replies, b.replyTime.count, b.replyTime.max])).toEqual([
      [0, 40, 40, 40_000],
      [4000, 10, 10, 50_000],
    ]);
    expect(wide[0]!.from).toBe(ORIGIN);
    expect(wide[0]!.to).toBe(ORIGIN - 300 + 4000);
  });
});

describe('fine timeline merge across generators', () => {
  /** Two generators sharing the load, and one that saw all of it. */
  function shared(): { a: Recorder; b: Recorder; all: Recorder } {
    const [a, b, all] = [new Recorder(), new Recorder(), new Recorder()];
    const rate = (s: number): number => 6 + (s % 5);
    const latencies = (seed: number): (() => number) => {
      const random = lcg(seed);
      return () => 1 + Math.floor(random() * 400);
    };
    simulate(a, 30, rate, latencies(1));
    simulate(b, 30, rate, latencies(2));
    const la = latencies(1);
    const lb = latencies(2);
    all.startBuckets(ORIGIN);
    for (let s = 0; s < 30; s++) {
      for (const latency of [la, lb]) recordSecond(all, s, rate(s), latency);
      all.closeBucket(ORIGIN - 300 + (s + 1) * 1000, { cpuSeconds: 0.5, loopDelayP99Ms: 1, loopDelayMaxMs: 3 });
    }
    return { a, b, all };
  }

  it('adds the buckets of each wall-clock slot: the merge equals one generator that saw everything', () => {
    const { a, b, all } = shared();
    const merged = mergeFineTimelines([a.fineTimeline(), b.fineTimeline()]);
    expect(merged.buckets).toHaveLength(all.fineTimeline().buckets.length);
    merged.buckets.forEach((bucket, i) => {
      const expected = all.fineTimeline().buckets[i]!;
      expect(bucket.start).toBe(expected.start);
      expect(bucket.replies).toBe(expected.replies);
      expect(bucket.errors).toEqual(expected.errors);
      expect(bucket.cpuSeconds).toBeCloseTo(expected.cpuSeconds, 9);
      for (const name of ['replyTime', 'responseTime', 'startLag'] as const) {
        const { encoded: _e1, ...got } = bucket[name];
        const { encoded: _e2, ...want } = expected[name];
        expect(got).toEqual(want);
      }
    });
  });

  it('coarsens a finer timeline to the other’s width before adding', () => {
    const { a, b, all } = shared();
    const coarse: FineTimeline = { ...b.fineTimeline(), bucketMs: 4000, buckets: coarsen(b.fineTimeline().buckets, 4000) };
    const merged = mergeFineTimelines([a.fineTimeline(), coarse]);
    expect(merged.bucketMs).toBe(4000);
    const expected = coarsen(all.fineTimeline().buckets, 4000);
    expect(merged.buckets.map((x) => [x.start, x.replies, x.replyTime.count, x.replyTime.max, x.replyTime.p99])).toEqual(
      expected.map((x) => [x.start, x.replies, x.replyTime.count, x.replyTime.max, x.replyTime.p99]),
    );
  });

  it('mergeResults keeps a fine timeline for generators that ran together and drops it for runs at different times', async () => {
    const worker = JSON.parse(await readFile('test/fixtures/html/workers.json', 'utf8')) as ResultsDocument;
    const shifted = (doc: ResultsDocument, hours: number): ResultsDocument => ({
      ...doc,
      startedAt: new Date(Date.parse(doc.startedAt) + hours * 3_600_000).toISOString(),
      endedAt: new Date(Date.parse(doc.endedAt) + hours * 3_600_000).toISOString(),
    });
    const together = mergeResults([worker, worker]);
    expect(together.schemaMinorVersion).toBe(1);
    expect(totals(together.fineTimeline!).replies).toBe(2 * totals(worker.fineTimeline!).replies);
    expect(mergeResults([worker, shifted(worker, 2)]).fineTimeline).toBeUndefined();
  });
});

describe('results schema 1.1 and readers of 1.0', () => {
  it('reads a 1.0 document (no schemaMinorVersion, no fineTimeline)', async () => {
    const doc = await readResultsFile('test/fixtures/gate/healthy.json');
    expect(doc.schemaVersion).toBe(1);
    expect(doc.fineTimeline).toBeUndefined();
  });

  it('reads the recorded 1.1 fixtures with their fine timeline', async () => {
    for (const name of ['baseline', 'degraded', 'workers']) {
      const doc = await readResultsFile(`test/fixtures/html/${name}.json`);
      expect(doc.schemaMinorVersion).toBe(1);
      expect(totals(doc.fineTimeline!).replies).toBe(doc.counters.replies);
    }
  });

  it('names a bad fine-timeline field and its line', async () => {
    const text = await readFile('test/fixtures/html/baseline.json', 'utf8');
    const doc = JSON.parse(text) as ResultsDocument;
    (doc.fineTimeline!.buckets[3] as unknown as Record<string, unknown>).replies = 'many';
    const bad = JSON.stringify(doc, null, 2);
    let error: unknown;
    try {
      validateResultsDocument(JSON.parse(bad), 'bad.json', bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    expect(String((error as Error).message)).toMatch(/^bad\.json:\d+: fineTimeline\.buckets\[3\]\.replies must be a number, found a string$/);
  });
});
