/**
 * The sweep loop: every target at every rate, interleaved step by step (so drift on the load
 * machine hits all targets alike), `--stop-after` failing steps per target, then optional
 * bisection (`--refine`) between each target's knee and its first failing rate.
 *
 * The measurement itself is injected (`StepRunner`), so the loop is tested with synthetic
 * results documents and no network.
 */
import { RunFailedError } from '../errors.js';
import type { ResultsDocument } from '../results/schema.js';
import { startStepScrape } from '../metrics/node.js';
import type { SessionShape } from './demand.js';
import { evaluateStep, failedStep, type StepCriteria } from './evaluate.js';
import { roundRate, type TargetSpec } from './spec.js';
import type { SweepStep } from './schema.js';

/** Runs one step: `sessions` sessions at `rate` sessions/s against `target`. */
export type StepRunner = (target: TargetSpec, rate: number, sessions: number) => Promise<ResultsDocument>;

/** Most bisection steps per target, whatever the precision (a guard, never reached in practice). */
const MAX_REFINE_STEPS = 12;

/** Inputs of a sweep. */
export interface SweepLoopInput {
  targets: readonly TargetSpec[];
  rates: readonly number[];
  /** Seconds of arrivals per step: sessions = round(rate x duration). */
  duration: number;
  /** Seconds between consecutive steps. */
  cooldown: number;
  refine: boolean;
  /** Bisection stops when (bad - good) <= precision x good. */
  precision: number;
  stopAfter: number;
  shape: SessionShape;
  criteria: StepCriteria;
  runner: StepRunner;
  /** Waits between steps; injectable for tests. */
  sleep?: (seconds: number) => Promise<void>;
  /** Called after each step (for the terminal table). */
  onStep?: (target: TargetSpec, step: SweepStep) => void;
  /** Metrics scrape timeout, ms. */
  metricsTimeoutMs?: number;
  /** Aborting stops the sweep after the current step. */
  signal?: AbortSignal;
}

/** Per-target state of the loop. */
interface TargetState {
  target: TargetSpec;
  steps: SweepStep[];
  failures: number;
}

const defaultSleep = (seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000));

/** Run the sweep; resolves with every target's steps in the order they ran. */
export async function runSweepLoop(input: SweepLoopInput): Promise<Array<{ target: TargetSpec; steps: SweepStep[] }>> {
  const sleep = input.sleep ?? defaultSleep;
  const states: TargetState[] = input.targets.map((target) => ({ target, steps: [], failures: 0 }));
  let stepsRun = 0;

  const measure = async (state: TargetState, rate: number, phase: SweepStep['phase']): Promise<SweepStep> => {
    if (stepsRun > 0 && input.cooldown > 0) await sleep(input.cooldown);
    stepsRun++;
    const step = await measureStep(input, state.target, rate, phase);
    state.steps.push(step);
    input.onStep?.(state.target, step);
    return step;
  };

  for (const rate of input.rates) {
    const active = states.filter((s) => s.failures < input.stopAfter);
    if (active.length === 0 || input.signal?.aborted) break;
    for (const state of active) {
      if (input.signal?.aborted) break;
      const step = await measure(state, rate, 'linear');
      if (!step.passed) state.failures++;
    }
  }

  if (input.refine) {
    for (let round = 0; round < MAX_REFINE_STEPS; round++) {
      let ranAny = false;
      for (const state of states) {
        if (input.signal?.aborted) break;
        const bounds = kneeBounds(state.steps);
        if (!bounds || bounds.bad - bounds.good <= input.precision * bounds.good) continue;
        const mid = roundRate((bounds.good + bounds.bad) / 2);
        if (mid <= bounds.good || mid >= bounds.bad) continue;
        await measure(state, mid, 'refine');
        ranAny = true;
      }
      if (!ranAny) break;
    }
  }
  return states.map((s) => ({ target: s.target, steps: s.steps }));
}

/**
 * The knee's bracket: the highest passing rate (good) and the lowest failing rate above it (bad);
 * undefined when no step passed or none failed above the highest pass.
 */
export function kneeBounds(steps: readonly SweepStep[]): { good: number; bad: number } | undefined {
  const passing = steps.filter((s) => s.passed).map((s) => s.rate);
  if (passing.length === 0) return undefined;
  const good = Math.max(...passing);
  const failingAbove = steps.filter((s) => !s.passed && s.rate > good).map((s) => s.rate);
  if (failingAbove.length === 0) return undefined;
  return { good, bad: Math.min(...failingAbove) };
}

/** One step: scrape metrics, run, scrape again, judge. A failed run is a failed step, not a crash. */
async function measureStep(input: SweepLoopInput, target: TargetSpec, rate: number, phase: SweepStep['phase']): Promise<SweepStep> {
  const sessions = Math.max(1, Math.round(rate * input.duration));
  const scrape = target.metricsUrl ? await startStepScrape(target.metricsUrl, input.metricsTimeoutMs) : undefined;
  let doc: ResultsDocument;
  try {
    doc = await input.runner(target, rate, sessions);
  } catch (err) {
    if (!(err instanceof RunFailedError)) throw err;
    const metrics = scrape ? await scrape.finish() : undefined;
    return failedStep(rate, phase, input.shape, `run failed: ${err.message}`, metrics);
  }
  const metrics = scrape ? await scrape.finish() : undefined;
  return evaluateStep({ rate, sessions, phase, shape: input.shape, criteria: input.criteria, doc, ...(metrics ? { metrics } : {}) });
}
