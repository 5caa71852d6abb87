/**
 * What a run measured inside one step's window, cut from the run's 5-s samples.
 *
 * At every sample the tracker snapshots the recorder's running counters, the latency, lifetime
 * and start-lag histograms, the generator's CPU time and the event-loop delay. A step's window
 * figures are the difference between the snapshot at the end of its last complete sample and the
 * one at the start of its first: every figure comes from the replies inside the window, never
 * from a whole-run division. Snapshots older than the earliest window still to be measured are
 * dropped, so a long staircase keeps only a few.
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { Recorder } from '../record/recorder.js';
import { emptyCounters } from '../record/recorder.js';
import { newHistogram, summarize, type Histogram } from '../results/histogram.js';
import type { Counters, ErrorCounters, HistogramSummary, TimelineSample } from '../results/schema.js';
import { SAMPLE_SECONDS } from './plan.js';
import type { WindowCounts } from './schema.js';

/** Seconds a sample may end after the window's end and still count (the sample timer's lateness). */
export const EDGE_SLACK_SECONDS = 0.5;
/** Seconds a sample may start before the window (a timer may fire a few ms before it is due). */
export const EARLY_SLACK_SECONDS = 0.1;

/** True when the sample lies inside the window (with the slack above). */
export function insideWindow(s: TimelineSample, window: { from: number; to: number }): boolean {
  return s.t - s.interval >= window.from - EARLY_SLACK_SECONDS && s.t <= window.to + EDGE_SLACK_SECONDS;
}

/** The histograms a step reports. */
const WINDOW_HISTOGRAMS = ['responseTime', 'replyTime', 'sessionLifetime', 'startLag'] as const;
type WindowHistogramName = (typeof WINDOW_HISTOGRAMS)[number];

/** The running totals at one sample's end. */
interface Snapshot {
  counters: Counters;
  histograms: Record<WindowHistogramName, Histogram>;
  cpuSeconds: number;
}

/** Everything measured inside one window. */
export interface WindowMeasure {
  /** The complete samples inside the window. */
  samples: TimelineSample[];
  counts: WindowCounts;
  errors: ErrorCounters;
  status5xx: number;
  histograms: Record<WindowHistogramName, HistogramSummary>;
  /** Generator CPU seconds spent in the window. */
  cpuSeconds: number;
  /** Event-loop delay p99 over the window, ms. */
  loopDelayP99Ms: number;
}

function copy(h: Histogram): Histogram {
  const c = newHistogram();
  c.add(h);
  return c;
}

/** The generator's own health, read at each sample. */
export interface GeneratorGauge {
  /** CPU seconds (user + system) this process used so far. */
  cpuSeconds(): number;
  /** Event-loop delays (ns) since the previous call. */
  loopDelay(): RecordableHistogram;
  stop(): void;
}

/** Period of the event-loop delay probe, ms (as the engine's monitor: 10 ms). */
const LOOP_PROBE_MS = 10;

/**
 * The real gauge: process.cpuUsage(), and the event-loop delay as the gaps between the ticks of
 * a 10-ms timer (perf_hooks' monitor cannot be merged across samples; these histograms can).
 */
export function processGauge(): GeneratorGauge {
  let current = createHistogram();
  current.recordDelta();
  const timer = setInterval(() => current.recordDelta(), LOOP_PROBE_MS);
  timer.unref();
  return {
    cpuSeconds: () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    },
    loopDelay: () => {
      const done = current;
      current = createHistogram();
      current.recordDelta();
      return done;
    },
    stop: () => clearInterval(timer),
  };
}

/** p99 of the merged per-sample delays, ms: each tick's gap minus the probe's own period. */
function windowLoopDelayP99(parts: readonly RecordableHistogram[]): number {
  const all = createHistogram();
  for (const h of parts) if (h.count > 0) all.add(h);
  return all.count > 0 ? Math.max(0, all.percentile(99) / 1e6 - LOOP_PROBE_MS) : 0;
}

function emptySnapshot(cpuSeconds: number): Snapshot {
  const histograms = Object.fromEntries(WINDOW_HISTOGRAMS.map((n) => [n, newHistogram()])) as Record<WindowHistogramName, Histogram>;
  return { counters: emptyCounters(), histograms, cpuSeconds };
}

function errorDelta(a: ErrorCounters, b: ErrorCounters): ErrorCounters {
  const out = { ...b };
  for (const key of Object.keys(out) as Array<keyof ErrorCounters>) out[key] = b[key] - a[key];
  return out;
}

function bytes(c: Counters): number {
  return c.requestBytes + c.replyHeaderBytes + c.replyContentBytes + c.replyFooterBytes;
}

/** Samples a run's recorder and measures windows of it. */
export class WindowTracker {
  private readonly entries: Array<{ sample: TimelineSample; snap: Snapshot; loopDelay: RecordableHistogram }> = [];
  /** Snapshot before the first kept entry. */
  private base: Snapshot;

  constructor(private readonly gauge: GeneratorGauge = processGauge()) {
    this.base = emptySnapshot(gauge.cpuSeconds());
  }

  /** Record a sample as the run takes it (ReplayHooks.onSample). */
  readonly record = (sample: TimelineSample, recorder: Pick<Recorder, 'counters' | 'histograms'>): void => {
    const histograms = Object.fromEntries(WINDOW_HISTOGRAMS.map((n) => [n, copy(recorder.histograms[n])])) as Record<WindowHistogramName, Histogram>;
    const snap: Snapshot = { counters: structuredClone(recorder.counters), histograms, cpuSeconds: this.gauge.cpuSeconds() };
    this.entries.push({ sample, snap, loopDelay: this.gauge.loopDelay() });
  };

  /** Stop the gauge (call once the run is over). */
  stop(): void {
    this.gauge.stop();
  }

  /** Complete samples inside [from, to]: index range into the kept entries. */
  private range(window: { from: number; to: number }): [number, number] {
    let first = -1;
    let last = -1;
    this.entries.forEach(({ sample: s }, i) => {
      const inside = insideWindow(s, window) && s.interval <= SAMPLE_SECONDS + EDGE_SLACK_SECONDS;
      if (!inside) return;
      if (first < 0) first = i;
      last = i;
    });
    return [first, last];
  }

  /** Figures of the window, or null when no complete sample lies inside it. */
  measure(window: { from: number; to: number }): WindowMeasure | null {
    const [first, last] = this.range(window);
    if (first < 0) return null;
    const start = first === 0 ? this.base : this.entries[first - 1]!.snap;
    const kept = this.entries.slice(first, last + 1);
    const end = kept.at(-1)!.snap;
    const samples = kept.map((e) => e.sample);
    const a = start.counters;
    const b = end.counters;
    const histograms = Object.fromEntries(
      WINDOW_HISTOGRAMS.map((n) => {
        const h = copy(end.histograms[n]);
        h.subtract(start.histograms[n]);
        return [n, summarize(h)];
      }),
    ) as Record<WindowHistogramName, HistogramSummary>;
    const first0 = samples[0]!;
    return {
      samples,
      counts: {
        seconds: samples.at(-1)!.t - (first0.t - first0.interval),
        replies: b.replies - a.replies,
        requests: b.requests - a.requests,
        connections: b.connections - a.connections,
        sessionsSucceeded: b.sessionsSucceeded - a.sessionsSucceeded,
        sessionsFailed: b.sessionsFailed - a.sessionsFailed,
        bytes: bytes(b) - bytes(a),
        responseTimeSumMs: b.responseTimeSumMs - a.responseTimeSumMs,
        responseTimeCount: b.responseTimeCount - a.responseTimeCount,
      },
      errors: errorDelta(a.errors, b.errors),
      status5xx: b.status[4]! - a.status[4]!,
      histograms,
      cpuSeconds: end.cpuSeconds - start.cpuSeconds,
      loopDelayP99Ms: windowLoopDelayP99(kept.map((e) => e.loopDelay)),
    };
  }

  /** Drop snapshots no window starting at or after `t` needs. */
  forget(t: number): void {
    while (this.entries.length > 0 && this.entries[0]!.sample.t <= t - EARLY_SLACK_SECONDS) this.base = this.entries.shift()!.snap;
  }

  /** Reply rate of the complete samples in the window so far (for the progress line). */
  replyRateSoFar(window: { from: number; to: number }): number | null {
    const inside = this.entries.filter(({ sample: s }) => insideWindow(s, window));
    const seconds = inside.reduce((sum, e) => sum + e.sample.interval, 0);
    return seconds > 0 ? inside.reduce((sum, e) => sum + e.sample.replies, 0) / seconds : null;
  }
}
