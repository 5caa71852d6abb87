#!/usr/bin/env -S node --expose-gc
/**
 * Memory of a 1-hour run's fine timeline, measured through the real recorder (dist/, so run
 * `npm run build` first): 3600 simulated seconds of RATE replies/s (reply times 1-500 ms, a
 * long tail) with one session start and one error kind per second, the bucket cut every
 * wall-clock second as in a run. Prints the bucket count and width, the retained heap of the
 * timeline (heap after a forced GC, with and without it), its size in the results document,
 * and the slowest bucket cut (the coarsening pass happens inside one).
 *   node --expose-gc tools/fine-timeline-memory.mjs [RATE]
 */
import { performance } from 'node:perf_hooks';
import { Recorder } from '../dist/record/recorder.js';

const rate = Number(process.argv[2] ?? 200);
const gc = globalThis.gc;
if (!gc) throw new Error('run with node --expose-gc');
let state = 42;
const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;

gc();
const before = process.memoryUsage().heapUsed;
const recorder = new Recorder();
const origin = 1_800_000_000_000;
recorder.startBuckets(origin);
const cuts = [];
for (let s = 0; s < 3600; s++) {
  for (let i = 0; i < rate; i++) {
    const ms = 1 + 20 * -Math.log(1 - random() * 0.999) + (random() < 0.01 ? 400 * random() : 0);
    recorder.replyStarted(ms * 0.6);
    recorder.replyCompleted(200, 200, 2000, 0, ms, ms * 0.4);
  }
  recorder.sessionStarted(random() * 3);
  if (s % 10 === 0) recorder.error('connReset');
  // As the engine does: cut at each boundary of the current (possibly coarsened) width.
  const now = origin + (s + 1) * 1000;
  if (now % recorder.fine.bucketMs !== 0) continue;
  const t0 = performance.now();
  recorder.closeBucket(now, { cpuSeconds: 0.2, loopDelayP99Ms: 1, loopDelayMaxMs: 4 });
  cuts.push(performance.now() - t0);
}
cuts.sort((a, b) => a - b);
const at = (q) => cuts[Math.min(cuts.length - 1, Math.floor(q * cuts.length))].toFixed(2);
const timeline = recorder.fineTimeline();
gc();
const withTimeline = process.memoryUsage().heapUsed;
const jsonBytes = JSON.stringify(timeline).length;
const buckets = timeline.buckets.length;
timeline.buckets.length = 0;
gc();
const without = process.memoryUsage().heapUsed;
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
console.log(`rate ${rate} replies/s for 3600 s: ${buckets} buckets of ${timeline.bucketMs / 1000} s`);
console.log(`timeline heap: ${kb(withTimeline - without)} (recorder with its histograms: ${kb(withTimeline - before)})`);
console.log(`in the results document: ${kb(jsonBytes)} of JSON (${(jsonBytes / buckets).toFixed(0)} bytes per bucket)`);
console.log(`bucket cut time: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms over ${cuts.length} cuts (old buckets are merged a few per cut after a doubling)`);
