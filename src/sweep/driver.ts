/**
 * The sweep loop. Before a target's first step, an unmeasured probe (probe.ts) warms up and
 * measures session lifetimes. Then, in 'staircase' mode, one run per target whose arrival rate
 * steps up through the rates without stopping (the previous step's sessions drain in the next
 * step's warm-up); in 'drain' mode one run per step, every target at every rate interleaved step
 * by step with `--cooldown` between. Each step is judged as soon as its window closes, so the
 * table fills in live and `--stop-after` failing steps end the run. `--refine` bisects between
 * each target's knee and its first failing rate, one single-step run per bisection step.
 *
 * The measurement itself is injected (`ScheduleRunner`), so the loop is tested with a modelled
 * server and no network.
 */
import { RunFailedError } from '../errors.js';
import type { ArrivalSegment } from '../options.js';
import type { Recorder } from '../record/recorder.js';
import type { ResultsDocument, TimelineSample } from '../results/schema.js';
import type { SessionShape } from './demand.js';
import type { StepCriteria } from './evaluate.js';
import type { TimingRules } from './plan.js';
import { PROBE_SECONDS, sessionLifetime } from './probe.js';
import { roundRate, type TargetSpec } from './spec.js';
import type { SweepStep } from './schema.js';
import { linkedController, StepRun } from './steprun.js';
import type { GeneratorGauge } from './window.js';
import type { RateUnit } from '../workload/demand.js';

/** One run the loop asks for: arrival segments against a target. */
export interface RunRequest {
  target: TargetSpec;
  segments: ArrivalSegment[];
  /** Units (sessions or connections) the segments create. */
  sessions: number;
  /** The probe: replay the templates without their think times. */
  probe: boolean;
}

/** Hooks a runner passes to the replay engine. */
export interface RunHooks {
  onSample: (sample: TimelineSample, recorder: Pick<Recorder, 'counters' | 'histograms'>) => void;
  signal: AbortSignal;
}

/** Runs one arrival schedule and resolves with its results document. */
export type ScheduleRunner = (request: RunRequest, hooks: RunHooks) => Promise<ResultsDocument>;

/** Where a step stands, for a live progress line. */
export interface StepProgress {
  target: TargetSpec;
  /** 0-based step of this run, and the run's step count. */
  index: number;
  total: number;
  rate: number;
  /** What `rate` counts. */
  unit: RateUnit;
  /** 'warm-up' before the window opens, then 'measuring'. */
  stage: 'warm-up' | 'measuring';
  /** Date.now() at which the step's window closes. */
  endsAt: number;
  /** Reply rate of the complete samples in the window so far. */
  achievedReplyRate: number | null;
}

/** Most bisection steps per target, whatever the precision (a guard, never reached in practice). */
const MAX_REFINE_STEPS = 12;

/** Inputs of a sweep. */
export interface SweepLoopInput {
  targets: readonly TargetSpec[];
  rates: readonly number[];
  mode: 'staircase' | 'drain';
  timing: TimingRules;
  /** Seconds between runs (drain mode: between steps). */
  cooldown: number;
  refine: boolean;
  /** Bisection stops when (bad - good) <= precision x good. */
  precision: number;
  stopAfter: number;
  shape: SessionShape;
  criteria: StepCriteria;
  runner: ScheduleRunner;
  /** Waits between runs; injectable for tests. */
  sleep?: (seconds: number) => Promise<void>;
  /** Called after each step is judged (for the terminal table). */
  onStep?: (target: TargetSpec, step: SweepStep) => void;
  /** Called at the start of each step and at each sample (for the live line). */
  onProgress?: (progress: StepProgress) => void;
  /** Metrics scrape timeout, ms. */
  metricsTimeoutMs?: number;
  /** Aborting stops the sweep: the step being measured is recorded as interrupted. */
  signal?: AbortSignal;
  /** The generator's health gauge per run (default: this process); injectable for tests. */
  gauge?: () => GeneratorGauge;
}

/** What the loop found for one target. */
export interface TargetOutcome {
  target: TargetSpec;
  steps: SweepStep[];
  runs: ResultsDocument[];
  /** The probe's figures (null when it measured nothing). */
  probe: { sessions: number; seconds: number; lifetime: number } | null;
}

/** What the loop keeps per target while it runs (a step run updates it). */
export interface TargetState extends TargetOutcome {
  failures: number;
  /** Session lifetime the next warm-up is derived from, seconds. */
  lifetime: number;
}

const defaultSleep = (seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000));

/** Run the sweep; resolves with every target's steps in the order they ran. */
export async function runSweepLoop(input: SweepLoopInput): Promise<TargetOutcome[]> {
  const sleep = input.sleep ?? defaultSleep;
  const states: TargetState[] = [];
  let runsDone = 0;
  const aborted = () => input.signal?.aborted === true;
  const run = async (state: TargetState, rates: number[], phase: SweepStep['phase']) => {
    if (runsDone++ > 0 && input.cooldown > 0) await sleep(input.cooldown);
    if (!aborted()) await new StepRun(input, state, rates, phase).execute();
  };

  for (const target of input.targets) {
    if (aborted()) break;
    states.push(await probeTarget(input, target));
  }
  if (input.mode === 'staircase') {
    for (const state of states) if (!aborted()) await run(state, [...input.rates], 'linear');
  } else {
    for (const rate of input.rates) {
      for (const state of states.filter((s) => s.failures < input.stopAfter)) if (!aborted()) await run(state, [rate], 'linear');
    }
  }
  if (input.refine) {
    for (let round = 0; round < MAX_REFINE_STEPS && !aborted(); round++) {
      let ranAny = false;
      for (const state of states) {
        const bounds = kneeBounds(state.steps);
        if (aborted() || !bounds || bounds.bad - bounds.good <= input.precision * bounds.good) continue;
        const mid = roundRate((bounds.good + bounds.bad) / 2);
        if (mid <= bounds.good || mid >= bounds.bad) continue;
        await run(state, [mid], 'refine');
        ranAny = true;
      }
      if (!ranAny) break;
    }
  }
  return states.map(({ target, steps, runs, probe }) => ({ target, steps, runs, probe }));
}

/** The unmeasured warm-up of a target: sessions without think times at the first rate. */
async function probeTarget(input: SweepLoopInput, target: TargetSpec): Promise<TargetState> {
  const rate = input.rates[0]!;
  const sessions = Math.max(1, Math.round(rate * PROBE_SECONDS));
  const state: TargetState = { target, steps: [], runs: [], probe: null, failures: 0, lifetime: input.shape.maxThinkSeconds };
  const controller = linkedController(input.signal);
  try {
    const doc = await input.runner({ target, segments: [{ interval: 1 / rate, duration: PROBE_SECONDS }], sessions, probe: true }, { onSample: () => {}, signal: controller.signal });
    const h = doc.histograms.sessionLifetime;
    if (h.count > 0) {
      state.lifetime = sessionLifetime(input.shape, h.p99 / 1e6);
      state.probe = { sessions: h.count, seconds: doc.duration, lifetime: state.lifetime };
    }
  } catch (err) {
    if (!(err instanceof RunFailedError)) throw err;
  } finally {
    controller.dispose();
  }
  return state;
}

/**
 * The knee's bracket: the highest passing rate (good) and the lowest failing rate above it (bad);
 * undefined when no step passed or none failed above the highest pass.
 */
export function kneeBounds(steps: readonly SweepStep[]): { good: number; bad: number } | undefined {
  const passing = steps.filter((s) => s.passed).map((s) => s.rate);
  if (passing.length === 0) return undefined;
  const good = Math.max(...passing);
  const failingAbove = steps.filter((s) => !s.passed && !s.unmeasured && s.rate > good).map((s) => s.rate);
  if (failingAbove.length === 0) return undefined;
  return { good, bad: Math.min(...failingAbove) };
}
