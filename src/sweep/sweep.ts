/**
 * A whole sweep as a library call: run the loop over every target and rate, then summarise each
 * target (knee, saturation, verdict) and compare them, giving the sweep document.
 */
import type { SessionShape } from './demand.js';
import { runSweepLoop, type ScheduleRunner, type StepProgress } from './driver.js';
import type { StepCriteria } from './evaluate.js';
import type { TimingRules } from './plan.js';
import type { TargetSpec } from './spec.js';
import { SWEEP_SCHEMA_VERSION, type SweepDocument, type SweepSettings, type SweepStep } from './schema.js';
import { compareTargets, summarizeTarget } from './verdict.js';
import type { GeneratorGauge } from './window.js';

/** Everything a sweep needs besides the step runner. */
export interface SweepConfig {
  settings: SweepSettings;
  targets: readonly TargetSpec[];
  shape: SessionShape;
  criteria: StepCriteria;
  timing: TimingRules;
  toolVersion: string;
}

/** Hooks for progress output, waiting and stopping. */
export interface SweepHooks {
  onStep?: (target: TargetSpec, step: SweepStep) => void;
  onProgress?: (progress: StepProgress) => void;
  sleep?: (seconds: number) => Promise<void>;
  signal?: AbortSignal;
  metricsTimeoutMs?: number;
  /** The generator's health gauge per run (tests inject a steady one). */
  gauge?: () => GeneratorGauge;
}

/** Run the sweep and build its document. */
export async function runSweep(config: SweepConfig, runner: ScheduleRunner, hooks: SweepHooks = {}): Promise<SweepDocument> {
  const startedAt = new Date().toISOString();
  const s = config.settings;
  const perTarget = await runSweepLoop({
    targets: config.targets,
    rates: s.rates,
    mode: s.mode,
    timing: config.timing,
    cooldown: s.cooldown,
    refine: s.refine,
    precision: s.precision,
    stopAfter: s.stopAfter,
    shape: config.shape,
    criteria: config.criteria,
    runner,
    ...(hooks.sleep ? { sleep: hooks.sleep } : {}),
    ...(hooks.onStep ? { onStep: hooks.onStep } : {}),
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    ...(hooks.gauge ? { gauge: hooks.gauge } : {}),
    ...(hooks.metricsTimeoutMs !== undefined ? { metricsTimeoutMs: hooks.metricsTimeoutMs } : {}),
  });
  const interrupted = hooks.signal?.aborted === true;
  const targets = perTarget.map(({ target, steps, runs }) => summarizeTarget(target, steps, runs, interrupted));
  const probe = perTarget.find((t) => t.probe)?.probe ?? null;
  return {
    schemaVersion: SWEEP_SCHEMA_VERSION,
    kind: 'loadgen-sweep',
    tool: { name: 'loadgen', version: config.toolVersion },
    startedAt,
    endedAt: new Date().toISOString(),
    options: s,
    targets,
    comparison: compareTargets(targets),
    interrupted,
    probe,
  };
}

/** True when at least one run of any target received a reply (otherwise exit 3). */
export function measuredAnything(doc: SweepDocument): boolean {
  return doc.targets.some((t) => t.runs.some((r) => r.counters.replies > 0));
}
