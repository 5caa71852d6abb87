/**
 * One run of the sweep: `rates` as consecutive steps of one arrival schedule (a whole staircase,
 * or a single step). Each step is judged as soon as a sample closes its window: its figures are
 * cut from the window (window.ts), its target metrics scraped at the window's edges. The run is
 * stopped after `--stop-after` failures, or as soon as the last window closes (no waiting for the
 * sessions to drain); a run ended by a signal records the step it was in as interrupted.
 */
import { RunFailedError } from '../errors.js';
import type { Recorder } from '../record/recorder.js';
import type { ResultsDocument, TimelineSample } from '../results/schema.js';
import { startStepScrape, type StepScrape } from '../metrics/node.js';
import type { SweepLoopInput, TargetState } from './driver.js';
import { evaluateStep } from './evaluate.js';
import { planRun, SAMPLE_SECONDS, type PlannedStep, type RunPlan } from './plan.js';
import type { SweepStep } from './schema.js';
import { EARLY_SLACK_SECONDS, WindowTracker } from './window.js';

/** An AbortController that also aborts with `parent`; dispose() removes the link. */
export function linkedController(parent: AbortSignal | undefined): AbortController & { dispose(): void } {
  const controller = new AbortController();
  const forward = () => controller.abort();
  if (parent?.aborted) controller.abort();
  else parent?.addEventListener('abort', forward, { once: true });
  return Object.assign(controller, { dispose: () => parent?.removeEventListener('abort', forward) });
}

/** One run of consecutive steps against one target. */
export class StepRun {
  private readonly plan: RunPlan;
  private readonly tracker: WindowTracker;
  private readonly controller: ReturnType<typeof linkedController>;
  private readonly runIndex: number;
  /** Index of the step whose window closes next. */
  private next = 0;
  private scrape: Promise<StepScrape> | undefined;
  /** Judgements in order (metrics scrapes make them asynchronous). */
  private judged: Promise<void> = Promise.resolve();
  /** The sweep stopped the run itself (stop-after, or every window closed). */
  private stopped = false;

  constructor(
    private readonly input: SweepLoopInput,
    private readonly state: TargetState,
    rates: number[],
    private readonly phase: SweepStep['phase'],
  ) {
    this.plan = planRun(rates, state.lifetime, input.timing);
    this.tracker = new WindowTracker(input.gauge?.());
    this.controller = linkedController(input.signal);
    this.runIndex = state.runs.length;
  }

  /** Run, judge every step, and resolve when the last judgement is recorded. */
  async execute(): Promise<void> {
    const { input, state, plan } = this;
    // One closing arrival at the end keeps the run going until the last window's sample is cut.
    const segments = [...plan.segments, { interval: SAMPLE_SECONDS, duration: SAMPLE_SECONDS }];
    if (plan.steps[0]!.timing.window.from === 0) this.startScrape();
    this.progress(0);
    let doc: ResultsDocument | undefined;
    try {
      doc = await input.runner({ target: state.target, segments, sessions: plan.sessions + 1, probe: false }, { onSample: this.onSample, signal: this.controller.signal });
    } catch (err) {
      if (!(err instanceof RunFailedError)) throw err;
      const planned = plan.steps[this.next]!;
      this.judged = this.judged.then(() => this.recordRunFailure(planned, err.message));
    } finally {
      this.controller.dispose();
      this.tracker.stop();
    }
    if (doc) {
      state.runs.push(doc);
      // The run ended before the sweep stopped it (a signal, or its last sessions ended before the
      // last sample): the step it was in is judged on what its window holds; later ones never ran.
      const current = plan.steps[this.next];
      if (current && !this.stopped && doc.duration > current.timing.start) this.judge(current, doc.duration < current.timing.window.to - EARLY_SLACK_SECONDS);
    }
    await this.judged;
  }

  private startScrape(): void {
    const url = this.state.target.metricsUrl;
    if (url && !this.scrape) this.scrape = startStepScrape(url, this.input.metricsTimeoutMs);
  }

  private stop(): void {
    this.stopped = true;
    this.controller.abort();
  }

  /** ReplayHooks.onSample: record, open and close windows, update the live line. */
  private readonly onSample = (sample: TimelineSample, recorder: Pick<Recorder, 'counters' | 'histograms'>): void => {
    this.tracker.record(sample, recorder);
    for (let planned = this.plan.steps[this.next]; planned; planned = this.plan.steps[this.next]) {
      const w = planned.timing.window;
      if (sample.t < w.to - EARLY_SLACK_SECONDS) {
        if (sample.t >= w.from - EARLY_SLACK_SECONDS) this.startScrape();
        break;
      }
      this.judge(planned, false);
      this.next++;
    }
    // Every window closed: stop the run instead of waiting for its sessions to drain.
    if (this.next >= this.plan.steps.length) this.stop();
    this.progress(sample.t);
  };

  /** Measure the step's window now; evaluate it once its metrics scrape has finished. */
  private judge(planned: PlannedStep, interrupted: boolean): void {
    const { input, state } = this;
    const measure = this.tracker.measure(planned.timing.window);
    this.tracker.forget(planned.timing.window.to);
    const pending = this.scrape;
    this.scrape = undefined;
    this.judged = this.judged.then(async () => {
      const metrics = pending ? await (await pending).finish() : undefined;
      const step = evaluateStep({ rate: planned.rate, phase: this.phase, timing: planned.timing, shape: input.shape, criteria: input.criteria, measure, run: this.runIndex, interrupted, ...(metrics ? { metrics } : {}) });
      state.steps.push(step);
      input.onStep?.(state.target, step);
      const lifetime = measure?.histograms.sessionLifetime;
      if (step.passed && lifetime && lifetime.count > 0) state.lifetime = Math.max(state.lifetime, lifetime.p99 / 1e6);
      if (!step.passed && ++state.failures >= input.stopAfter) this.stop();
    });
  }

  private recordRunFailure(planned: PlannedStep, message: string): void {
    const { input, state } = this;
    const step = evaluateStep({ rate: planned.rate, phase: this.phase, timing: planned.timing, shape: input.shape, criteria: input.criteria, measure: null, run: null });
    step.reasons.splice(0, step.reasons.length, `run failed: ${message}`);
    state.steps.push(step);
    state.failures++;
    input.onStep?.(state.target, step);
  }

  private progress(t: number): void {
    const planned = this.plan.steps[this.next];
    if (!planned || !this.input.onProgress) return;
    const w = planned.timing.window;
    this.input.onProgress({
      target: this.state.target,
      index: this.next,
      total: this.plan.steps.length,
      rate: planned.rate,
      unit: this.input.shape.unit,
      stage: t < w.from - EARLY_SLACK_SECONDS ? 'warm-up' : 'measuring',
      endsAt: Date.now() + (w.to - t) * 1000,
      achievedReplyRate: this.tracker.replyRateSoFar(w),
    });
  }
}
