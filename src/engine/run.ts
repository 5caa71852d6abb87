/**
 * Run one replay: create sessions on the arrival schedule (open loop: a slow server never
 * delays the next arrival, it only shows up as start lag), sample every 5 s, stop when the
 * N-th session is destroyed or the caller aborts, and return the results document.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { ReplayOptions } from '../options.js';
import { Recorder } from '../record/recorder.js';
import { slotOf } from '../results/fine-timeline.js';
import { assembleDocument, describeRun } from '../results/document.js';
import { summarize } from '../results/histogram.js';
import { HISTOGRAM_NAMES, type HistogramName, type HistogramSummary, type ResultsDocument, type StartLateness, type TimelineSample } from '../results/schema.js';
import { createArrivalSchedule, type ArrivalSchedule } from '../schedule/arrivals.js';
import { ArrivalPacer, timerDelayMs } from '../schedule/pacer.js';
import type { SessionFile } from '../session/model.js';
import { clearLongTimeout, setLongTimeout, type LongTimeout } from '../util/timers.js';
import type { EngineContext, PreparedTemplate, Target, Watched } from './context.js';
import { prepareTemplates, resolveTarget } from './plan.js';
import { Session } from './session.js';
import { intendedStart, waitUntil, wallClockMs } from './start-at.js';
import { StallNotice } from './stall.js';
import { Tracer } from '../workload/trace.js';

export interface ReplayHooks {
  /** Called with each 5-s sample as it is taken, and the recorder it was cut from (the sweep
   *  snapshots its counters and histograms at step boundaries). */
  onSample?: (sample: TimelineSample, recorder: Recorder) => void;
  /** Aborting ends the run early; what was measured is returned (run.ended = 'interrupted'). */
  signal?: AbortSignal;
}

/** httperf's reply-rate sampling period. */
const SAMPLE_MS = 5000;
/** Event-loop delay sampling resolution; Node reports the timer's whole period, so we subtract it. */
const LOOP_DELAY_RESOLUTION_MS = 10;

/** A loop-delay histogram value (ns) as ms of delay beyond the sampling period. */
function loopDelayMs(ns: number): number {
  return Math.max(0, ns / 1e6 - LOOP_DELAY_RESOLUTION_MS);
}

/** Run one httperf-style session replay in this process. */
export async function runReplay(options: ReplayOptions, sessions: SessionFile, hooks: ReplayHooks = {}): Promise<ResultsDocument> {
  const target = await resolveTarget(options);
  const templates = prepareTemplates(sessions, options);
  return new Run(options, target, templates, hooks).execute();
}

class Run implements EngineContext {
  readonly recorder = new Recorder();
  readonly replyTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly watched: Set<Watched> | null;
  readonly maxResends: number;
  readonly trace: Tracer | null;
  private readonly schedule: ArrivalSchedule;
  private readonly pacer: ArrivalPacer;
  private readonly live = new Set<Session>();
  private created = 0;
  private destroyed = 0;
  private t0 = 0;
  /** performance.now() of the next arrival (Infinity: none left, or sequential), for the cheap check after each read. */
  private nextDueAt = Infinity;
  private arrivalTimer: LongTimeout | null = null;
  /** performance.now() the armed arrival timer is due at (Infinity: none armed). */
  private arrivalTimerAt = Infinity;
  private sampleTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private stallNotice: StallNotice | null = null;
  private lastSampleAt = 0;
  private sampleIndex = 0;
  private finished = false;
  private resolve!: (doc: ResultsDocument) => void;
  private startedAt = new Date();
  private cancelWait: (() => void) | null = null;
  private startLateness: StartLateness | undefined;
  private cpu0 = process.cpuUsage();
  private readonly loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  /** Fine-timeline feed: a timer at each bucket boundary, with the loop delay and CPU of the bucket. */
  private bucketTimer: NodeJS.Timeout | null = null;
  private readonly bucketLoopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  private bucketCpu = process.cpuUsage();

  constructor(
    readonly options: ReplayOptions,
    readonly target: Target,
    private readonly templates: PreparedTemplate[],
    private readonly hooks: ReplayHooks,
  ) {
    this.replyTimeoutMs = (options.timeout + options.thinkTimeout) * 1000;
    this.connectTimeoutMs = options.timeout * 1000;
    this.watched = options.timeout > 0 ? new Set() : null;
    this.maxResends = Math.max(3, options.retryOnFailure ? options.maxRetries : 0);
    this.schedule = createArrivalSchedule(options.arrival, options.seed);
    const print = options.workload;
    this.trace = print?.printRequest || print?.printReply ? new Tracer(print.printRequest, print.printReply, (text) => process.stdout.write(text)) : null;
    this.pacer = new ArrivalPacer(this.schedule, options.sessions);
  }

  execute(): Promise<ResultsDocument> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      const { signal } = this.hooks;
      if (signal?.aborted) {
        this.t0 = performance.now();
        this.finish('interrupted');
        return;
      }
      signal?.addEventListener('abort', this.onAbort, { once: true });
      const { startAt, arrival, client } = this.options;
      if (startAt === undefined) this.begin();
      else this.cancelWait = waitUntil(intendedStart(startAt, arrival, client), () => this.begin(startAt));
    });
  }

  /** Start the clock and the first arrival; with --start-at, record how late that is. */
  private begin(startAt?: number): void {
    this.cancelWait = null;
    if (startAt !== undefined) {
      const late = wallClockMs() - intendedStart(startAt, this.options.arrival, this.options.client);
      this.startLateness = { startAt: new Date(startAt).toISOString(), minMs: late, maxMs: late, generators: 1 };
    }
    this.startedAt = new Date();
    this.loopDelay.enable();
    this.cpu0 = process.cpuUsage();
    this.t0 = performance.now();
    this.lastSampleAt = this.t0;
    this.scheduleSample();
    this.startBuckets();
    if (this.watched) {
      const tick = Math.min(100, Math.max(5, this.connectTimeoutMs / 20));
      this.watchdog = setInterval(this.checkDeadlines, tick);
    } else {
      this.stallNotice = new StallNotice(this.recorder, this.anyAwaitingReply);
    }
    if (this.schedule.sequential) this.createSession(this.t0);
    else this.pumpArrivals();
  }

  private readonly onAbort = (): void => {
    // Stopped while waiting for --start-at: nothing ran, the run lasted no time.
    if (this.cancelWait) {
      this.cancelWait();
      this.t0 = performance.now();
    }
    this.finish('interrupted');
  };

  private readonly anyAwaitingReply = (): boolean => {
    for (const session of this.live) if (session.awaitingReply) return true;
    return false;
  };

  /** EngineContext: a session ended (its result is recorded). */
  sessionDestroyed(session: object): void {
    this.live.delete(session as Session);
    this.destroyed++;
    if (this.destroyed >= this.sessionLimit()) {
      this.finish('completed');
    } else if (this.schedule.sequential && this.created < this.options.sessions) {
      // httperf starts the next sequential session in the handler that destroyed the last one.
      this.createSession(performance.now());
    }
  }

  /** Sessions this run creates: N, or fewer when a finite schedule runs out of arrivals first. */
  private sessionLimit(): number {
    return this.schedule.sequential ? this.options.sessions : this.pacer.total;
  }

  /**
   * EngineContext: called after each socket read. While the loop is busy with replies, a session
   * that fell due starts here, at most one read late, instead of after the loop's whole I/O phase.
   */
  arrivalsDue(): void {
    // Sequential runs (no --rate) and runs past their last arrival read no clock here.
    if (this.nextDueAt !== Infinity && performance.now() >= this.nextDueAt) this.pumpArrivals();
  }

  /** Create every session that is due (catching up after a busy turn), then arm the one timer. */
  private readonly pumpArrivals = (): void => {
    if (this.finished) return;
    const now = performance.now();
    this.pacer.take(now - this.t0, this.startDue);
    if (this.finished) return;
    this.nextDueAt = this.t0 + this.pacer.nextDueMs;
    if (this.pacer.nextDueMs === Infinity && this.destroyed >= this.created) {
      this.finish('completed');
      return;
    }
    // One timer: keep it when it already fires before the next arrival (reads may get there first).
    if (this.nextDueAt < this.arrivalTimerAt) {
      clearLongTimeout(this.arrivalTimer);
      const delay = timerDelayMs(this.nextDueAt - now);
      this.arrivalTimerAt = now + delay;
      this.arrivalTimer = setLongTimeout(this.onArrivalTimer, delay);
    }
  };

  private readonly onArrivalTimer = (): void => {
    this.arrivalTimer = null;
    this.arrivalTimerAt = Infinity;
    this.pumpArrivals();
  };

  private readonly startDue = (intendedMs: number): boolean => {
    this.createSession(this.t0 + intendedMs);
    return !this.finished;
  };

  private createSession(intended: number): void {
    const template = this.templates[this.created % this.templates.length]!;
    this.created++;
    const now = performance.now();
    this.recorder.sessionStarted(now - intended);
    const session = new Session(this, template, intended, now);
    this.live.add(session);
    session.start();
  }

  /** First sample at (id+1)*5/N s (httperf --client offset), then every 5 s. */
  private scheduleSample(): void {
    const { id, count } = this.options.client;
    const firstMs = ((id + 1) * SAMPLE_MS) / count;
    const dueAt = this.t0 + firstMs + this.sampleIndex * SAMPLE_MS;
    this.sampleTimer = setTimeout(this.takeSample, Math.max(0, dueAt - performance.now()));
  }

  private readonly takeSample = (): void => {
    const now = performance.now();
    const sample = this.recorder.sample((now - this.t0) / 1000, (now - this.lastSampleAt) / 1000);
    this.lastSampleAt = now;
    this.sampleIndex++;
    this.hooks.onSample?.(sample, this.recorder);
    if (!this.finished) this.scheduleSample();
  };

  private startBuckets(): void {
    this.bucketLoopDelay.enable();
    this.bucketCpu = process.cpuUsage();
    this.recorder.startBuckets(wallClockMs());
    this.scheduleBucket();
  }

  /** Next cut at the next multiple of the (possibly coarsened) bucket width on the wall clock. */
  private scheduleBucket(): void {
    const width = this.recorder.fine.bucketMs;
    const now = wallClockMs();
    this.bucketTimer = setTimeout(this.cutBucket, slotOf(now, width) + width - now);
  }

  private readonly cutBucket = (): void => {
    const cpu = process.cpuUsage(this.bucketCpu);
    this.bucketCpu = process.cpuUsage();
    const measured = this.bucketLoopDelay.count > 0;
    this.recorder.closeBucket(wallClockMs(), {
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      loopDelayP99Ms: measured ? loopDelayMs(this.bucketLoopDelay.percentile(99)) : 0,
      loopDelayMaxMs: measured ? loopDelayMs(this.bucketLoopDelay.max) : 0,
    });
    this.bucketLoopDelay.reset();
    if (!this.finished) this.scheduleBucket();
  };

  private readonly checkDeadlines = (): void => {
    const now = performance.now();
    // Copy first: a timeout closes connections, which removes them from the set.
    for (const conn of [...this.watched!]) conn.checkDeadline(now);
  };

  private finish(ended: 'completed' | 'interrupted'): void {
    if (this.finished) return;
    this.finished = true;
    const end = performance.now();
    // A caller may share one signal across many runs (sweep steps): leave no listener behind.
    this.hooks.signal?.removeEventListener('abort', this.onAbort);
    clearLongTimeout(this.arrivalTimer);
    for (const timer of [this.sampleTimer, this.bucketTimer]) if (timer) clearTimeout(timer);
    if (this.watchdog) clearInterval(this.watchdog);
    this.stallNotice?.stop();
    // Sessions still running at an interrupt appear in no session figure (as in httperf).
    for (const session of this.live) session.abandon();
    this.live.clear();
    const cpu = process.cpuUsage(this.cpu0);
    this.loopDelay.disable();
    this.cutBucket();
    this.bucketLoopDelay.disable();
    const duration = Math.max(0, (end - this.t0) / 1000);
    const { counters, timeline } = this.recorder;
    const histograms = {} as Record<HistogramName, HistogramSummary>;
    for (const name of HISTOGRAM_NAMES) histograms[name] = summarize(this.recorder.histograms[name]);
    const hasDelay = this.loopDelay.count > 0;
    this.resolve(
      assembleDocument({
        run: describeRun(this.options, this.templates.map((t) => t.requestCount), this.schedule.rate, ended),
        startedAt: this.startedAt.toISOString(),
        endedAt: new Date(this.startedAt.getTime() + duration * 1000).toISOString(),
        duration,
        counters,
        generator: {
          cpuUserSeconds: cpu.user / 1e6,
          cpuSystemSeconds: cpu.system / 1e6,
          eventLoopDelayP50Ms: hasDelay ? loopDelayMs(this.loopDelay.percentile(50)) : 0,
          eventLoopDelayP99Ms: hasDelay ? loopDelayMs(this.loopDelay.percentile(99)) : 0,
          eventLoopDelayMaxMs: hasDelay ? loopDelayMs(this.loopDelay.max) : 0,
          lateSessions: this.recorder.lateSessions,
        },
        timeline,
        fineTimeline: this.recorder.fineTimeline(),
        histograms,
        ...(this.startLateness ? { startLateness: this.startLateness } : {}),
      }),
    );
  }
}
