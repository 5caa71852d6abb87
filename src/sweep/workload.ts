/**
 * What a sweep replays: any of httperf's workload generators. --wsesslog and --wsess sweep
 * sessions/s; --uri (or --wlog, --wset) with --num-calls sweeps connections/s, each connection
 * a "unit" doing its calls, as autobench does. The N of --wsesslog, --wsess and --num-conns is
 * replaced in every run by the units its arrival schedule creates (rate × step length); the
 * templates of a generated workload are planned per run, since --wset's depend on that count.
 */
import { runReplay } from '../engine/run.js';
import { UsageError } from '../errors.js';
import type { ReplayOptions } from '../options.js';
import type { SessionFile } from '../session/model.js';
import { planWorkload } from '../workload/plan.js';
import type { Generator } from '../workload/spec.js';
import type { ScheduleRunner } from './driver.js';
import { withoutThinkTimes } from './probe.js';

/** The workload as the sweep plans it. */
export interface SweepWorkload {
  /** Templates planned from the options as given (their demand and think times shape the steps). */
  file: SessionFile;
  /** httperf's options for it, N standing for the units the sweep plans. */
  description: string;
}

/** The options with the workload's number of units (sessions or connections) set to `units`. */
export function withUnits(options: ReplayOptions, units: number): ReplayOptions {
  const workload = options.workload;
  const g = workload?.generator;
  if (workload === undefined || g === undefined || g.kind === 'wsesslog') return { ...options, sessions: units };
  const generator: Generator = g.kind === 'connections' ? { ...g, connections: units } : { ...g, sessions: units };
  return { ...options, sessions: units, workload: { ...workload, generator } };
}

/** Plan the sweep's workload once (reads the session or --wlog file; bad input is a UsageError). */
export async function planSweepWorkload(options: ReplayOptions): Promise<SweepWorkload> {
  const g = options.workload?.generator;
  if (g && g.kind !== 'wsesslog' && g.uris.kind === 'wlog' && !g.uris.loop) {
    throw new UsageError(`loadgen sweep needs --wlog=y,${g.uris.file}: a sweep creates as many ${g.kind === 'connections' ? 'connections' : 'sessions'} as its rates ask for, and a list that does not start over runs out`);
  }
  const plan = await planWorkload(options);
  return { file: plan.file, description: describe(options, plan.file.path) };
}

function describe(options: ReplayOptions, source: string): string {
  const g = options.workload?.generator;
  if (g === undefined || g.kind === 'wsesslog') return `--wsesslog=N,${options.thinkTime},${options.sessionFile}`;
  if (g.kind === 'wsess') return `--wsess=N,${g.calls},${g.thinkTime} ${source} --burst-length=${g.burstLength}`;
  return `--num-conns=N ${source} --num-calls=${g.calls} --burst-length=${g.burstLength}`;
}

/**
 * The real runner: an in-process replay of the planned arrival segments. A session file is
 * the same for every run; a generated workload is planned for each run's number of units.
 */
export function replayRunner(base: ReplayOptions, planned: SweepWorkload): ScheduleRunner {
  const generated = base.workload !== undefined && base.workload.generator.kind !== 'wsesslog';
  return async (request, hooks) => {
    const options: ReplayOptions = {
      ...withUnits(base, request.sessions),
      server: request.target.server,
      port: request.target.port,
      arrival: { kind: 'variable', segments: request.segments, cycle: false },
    };
    const file = generated ? (await planWorkload(options)).file : planned.file;
    return runReplay(options, request.probe ? withoutThinkTimes(file) : file, hooks);
  };
}
