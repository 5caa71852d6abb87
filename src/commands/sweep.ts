/**
 * `loadgen sweep --wsesslog=N,X,FILE | --wsess=N1,N2,X | --uri U --num-calls C [--burst-length B]
 * --server HOST[:PORT] [--server ...] --rates LOW:HIGH:STEP [--samples N] [--duration S]
 * [--mode staircase|drain] [--refine] [--csv FILE] [--json FILE] ...`: raise the session (or, in
 * connection mode, connection) rate step by step until the server stops keeping up, find the
 * knee and say why it stopped. Takes every replay option; N of --wsesslog, --wsess and
 * --num-conns is ignored (the sweep plans its runs).
 * Exit codes: 0 done (and every gate passed), 1 a gate failed, 2 usage, 3 nothing measured,
 * 130/143 stopped by SIGINT/SIGTERM (partial outputs written, gates not evaluated).
 */
import { commandParser } from './yargs-common.js';
import { addReplayOptions, parseGetopt, toReplayOptions } from './replay-args.js';
import { addConfigOption } from '../config/load.js';
import { RunFailedError, signalExitCode, stopOnSignals, UsageError } from '../errors.js';
import { addGateOptions, prepareGates, runGates } from './gate-options.js';
import { VERSION } from '../version.js';
import { formatSweepCsv, separatorFor } from '../sweep/csv.js';
import { sessionShape } from '../sweep/demand.js';
import { measurementSeconds, SAMPLE_SECONDS, warmupSeconds, type TimingRules } from '../sweep/plan.js';
import { progressLine } from '../sweep/progress.js';
import { writeFileAtomic } from '../util/files.js';
import { parsePercent, parseRates, parseSlo, parseTargets } from '../sweep/spec.js';
import { renderSweepHtml, renderSweepSvg } from '../sweep/svg.js';
import { measuredAnything, runSweep } from '../sweep/sweep.js';
import type { SweepSettings } from '../sweep/schema.js';
import { formatStepDesign, formatStepHeader, formatStepLine, formatVerdicts } from '../sweep/table.js';
import { planSweepWorkload, replayRunner } from '../sweep/workload.js';
import { rateUnit } from '../workload/demand.js';

const USAGE = `loadgen sweep --wsesslog=N,X,FILE --server HOST[:PORT] --rates LOW:HIGH:STEP [options]
loadgen sweep --uri URI --num-calls C [--burst-length B] --server HOST[:PORT] --rates ... [options]

Runs the workload at increasing rates, finds the knee (highest rate the server keeps up with)
and says why the next step failed. The rates are sessions/s for --wsesslog and --wsess, and
connections/s for --uri (or --wlog/--wset) with --num-calls, each connection doing C calls
(autobench's mode: demanded requests/s = C x rate). N of --wsesslog/--wsess/--num-conns is
ignored. Each step warms up for about one session (or connection) lifetime (measured), then
measures --samples complete 5-s samples (or --duration s).
Give --server more than once to measure several targets side by side.
Exit codes: 0 done (and every gate passed), 1 a gate failed, 2 usage error, 3 nothing measured,
130/143 stopped by SIGINT/SIGTERM (partial outputs written, gates not evaluated).`;

function parser() {
  // The sweep prints its own --help after parsing (its option list depends on the replay options).
  const y = commandParser([], USAGE).scriptName('loadgen sweep').help(false);
  return addConfigOption(addGateOptions(addReplayOptions(y)))
    .option('server', { type: 'string', array: true, describe: 'target HOST, HOST:PORT or [IPv6]:PORT; repeat to sweep several targets side by side' })
    .option('port', { type: 'number', array: true, describe: 'TCP port; repeat to pair with each --server by position' })
    // The sweep sets each step's rate: --rate/--period are refused, so keep them out of --help.
    .option('rate', { hidden: true })
    .option('period', { hidden: true })
    .option('rates', { type: 'string', describe: 'rates: LOW:HIGH:STEP (autobench) or a list 5,10,20,40 (sessions/s; connections/s in connection mode)' })
    .option('mode', { type: 'string', choices: ['staircase', 'drain'], default: 'staircase', describe: 'staircase: one run, arrivals never stop between steps; drain: one run per step with --cooldown between' })
    .option('samples', { type: 'number', default: 6, describe: 'complete 5-s samples each step must measure' })
    .option('duration', { type: 'number', describe: 'measurement window per step, seconds, rounded up to whole 5-s samples (default: --samples x 5)' })
    .option('warmup', { type: 'number', describe: 'fixed warm-up per step, seconds (default: 1.2 x the measured session or connection lifetime)' })
    .option('cooldown', { type: 'number', default: 5, describe: 'seconds of rest between runs (drain mode: between steps)' })
    .option('refine', { type: 'boolean', default: false, describe: 'bisect between the knee and the first failing rate until within --precision' })
    .option('precision', { type: 'string', default: '5', describe: 'with --refine: stop when the bracket is within this percentage' })
    .option('stop-after', { type: 'number', default: 2, describe: 'stop a target after this many failing steps' })
    .option('tolerance', { type: 'number', default: 0.95, describe: 'a step passes when every achieved rate is at least this fraction of demand' })
    .option('max-errors', { type: 'string', default: '1', describe: 'a step fails above this error percentage' })
    .option('slo', { type: 'string', array: true, describe: "latency objective a step must meet, e.g. 'p99<500ms' (repeatable)" })
    .option('metrics-url', { type: 'string', array: true, describe: 'Prometheus/node_exporter URL of each target, paired by position with --server' })
    .option('metrics-timeout', { type: 'number', default: 2, describe: 'seconds to wait for a metrics scrape' })
    .option('csv', { type: 'string', requiresArg: true, describe: 'write autobench-compatible rows (tab-separated for .tsv, else commas)' })
    .option('json', { type: 'string', requiresArg: true, describe: 'write the sweep document (every step with its full results)' })
    .option('svg', { type: 'string', requiresArg: true, describe: 'write a chart: achieved rate and p99 against demanded rate, knee marked' })
    .option('html', { type: 'string', requiresArg: true, describe: 'write an HTML page with the chart, the verdicts and the steps' })
    .option('quiet', { type: 'boolean', default: false, describe: 'print only the verdicts' })
    .option('help', { alias: 'h', type: 'boolean', describe: 'show this help' });
}

/** A repeatable option's values as a list (yargs gives a value, an array or undefined). */
function list<T>(value: unknown): T[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as T[];
}

function positive(value: unknown, name: string, allowZero = false): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new UsageError(`${name} must be a number ${allowZero ? '>= 0' : '> 0'}, not '${String(value)}'`);
  return n;
}

/** Options that name a workload; without one the sweep would replay httperf's default (one call to /). */
const WORKLOAD_OPTIONS = ['wsesslog', 'wsess', 'uri', 'wlog', 'wset', 'num-calls', 'num-conns'] as const;

/** Settings, targets and base replay options from the parsed arguments (all validation here). */
export function sweepArguments(argv: Record<string, unknown>, rawArgs: readonly string[]) {
  if (WORKLOAD_OPTIONS.every((name) => argv[name] === undefined)) {
    throw new UsageError('loadgen sweep needs a workload: --wsesslog=N,X,FILE or --wsess=N1,N2,X (rates in sessions/s), or --uri URI --num-calls C [--burst-length B] (rates in connections/s; --wlog/--wset for the URIs)');
  }
  if (argv.rates === undefined) throw new UsageError('--rates is required, e.g. --rates 10:100:10 or --rates 5,10,20,40');
  if (argv.rate !== undefined || argv.period !== undefined) throw new UsageError('loadgen sweep sets the rate of each step: use --rates instead of --rate/--period');
  const servers = list<string>(argv.server);
  const ports = list<unknown>(argv.port).map((p) => {
    const n = typeof p === 'number' ? p : /^\d+$/.test(String(p).trim()) ? Number(p) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--port must be a whole number from 1 to 65535, not '${String(p)}'`);
    return n;
  });
  const ssl = argv.ssl === true;
  const targets = parseTargets(servers.length ? servers : ['localhost'], ports, list<string>(argv['metrics-url']), ssl ? 443 : 80);
  const base = toReplayOptions({ ...argv, server: targets[0]!.server, port: targets[0]!.port }, rawArgs);
  const stopAfter = positive(argv['stop-after'], '--stop-after');
  if (!Number.isInteger(stopAfter)) throw new UsageError(`--stop-after must be a whole number > 0, not '${String(argv['stop-after'])}'`);
  const tolerance = positive(argv.tolerance, '--tolerance');
  if (tolerance > 1) throw new UsageError(`--tolerance is a fraction of demand from 0 to 1, e.g. 0.95, not '${tolerance}'`);
  const precision = parsePercent(argv.precision, '--precision');
  if (precision === 0) throw new UsageError('--precision must be above 0%');
  const slos = list<string>(argv.slo).map(parseSlo);
  const samples = positive(argv.samples, '--samples');
  if (!Number.isInteger(samples)) throw new UsageError(`--samples must be a whole number > 0, not '${String(argv.samples)}'`);
  const duration = argv.duration === undefined ? null : positive(argv.duration, '--duration');
  const warmup = argv.warmup === undefined ? null : positive(argv.warmup, '--warmup', true);
  const measure = measurementSeconds(duration, samples);
  // The workload's description is added once it is planned (run()).
  const settings: Omit<SweepSettings, 'workload'> = {
    unit: rateUnit(base.workload),
    rates: parseRates(String(argv.rates)),
    mode: argv.mode === 'drain' ? 'drain' : 'staircase',
    duration: measure,
    samples,
    warmup: warmup === null ? null : warmupSeconds(0, warmup),
    cooldown: positive(argv.cooldown, '--cooldown', true),
    refine: argv.refine === true,
    precision,
    stopAfter,
    tolerance,
    maxErrors: parsePercent(argv['max-errors'], '--max-errors'),
    slo: slos.map((s) => s.text),
    sessionFile: base.sessionFile,
    thinkTime: base.thinkTime,
  };
  const { id, count } = base.client;
  const timing: TimingRules = { warmup: settings.warmup, measure, samplesNeeded: samples, firstSampleAt: ((id + 1) * SAMPLE_SECONDS) / count };
  return { settings, targets, base, slos, timing, metricsTimeoutMs: positive(argv['metrics-timeout'], '--metrics-timeout') * 1000 };
}

/** Run `loadgen sweep`; resolves to the exit code. */
export async function run(args: string[]): Promise<number> {
  // The replay options are read as httperf reads them (getopt_long), as in `loadgen` itself.
  const y = parser();
  const { argv, words } = await parseGetopt(y, args);
  if (argv.help === true) {
    process.stdout.write(`${await y.getHelp()}\n`);
    return 0;
  }
  const { settings: parsed, targets, base, slos, timing, metricsTimeoutMs } = sweepArguments(argv, words);
  const gates = await prepareGates(argv);
  const workload = await planSweepWorkload(base);
  const settings: SweepSettings = { ...parsed, workload: workload.description };
  const shape = sessionShape(workload.file, base);
  const quiet = argv.quiet === true;
  if (settings.duration < settings.samples * SAMPLE_SECONDS) {
    process.stderr.write(
      `loadgen sweep: warning: a ${settings.duration}-s window holds ${settings.duration / SAMPLE_SECONDS} of the ${settings.samples} samples --samples asks for: every step will fail (raise --duration to ${settings.samples * SAMPLE_SECONDS} or lower --samples)\n`,
    );
  }

  const stops = stopOnSignals();
  const live = quiet ? null : progressLine(process.stderr);
  let doc;
  try {
    if (!quiet) process.stdout.write(`${formatStepDesign(settings)}\n${formatStepHeader(settings.unit)}\n`);
    doc = await runSweep(
      { settings, targets, shape, criteria: { tolerance: settings.tolerance, maxErrors: settings.maxErrors, slos }, timing, toolVersion: VERSION },
      replayRunner(base, workload),
      {
        signal: stops.signal,
        metricsTimeoutMs,
        onStep: (target, step) => {
          live?.clear();
          if (!quiet) process.stdout.write(`${formatStepLine(target.name, step)}\n`);
        },
        ...(live ? { onProgress: live.update } : {}),
      },
    );
  } finally {
    live?.stop();
    stops.dispose();
  }
  process.stdout.write(`${quiet ? '' : '\n'}${formatVerdicts(doc.targets, doc.comparison)}`);
  if (typeof argv.csv === 'string') await writeFileAtomic(argv.csv, formatSweepCsv(doc.targets, separatorFor(argv.csv), settings.unit));
  if (typeof argv.json === 'string') await writeFileAtomic(argv.json, `${JSON.stringify(doc, null, 2)}\n`);
  if (typeof argv.svg === 'string') await writeFileAtomic(argv.svg, renderSweepSvg(doc));
  if (typeof argv.html === 'string') await writeFileAtomic(argv.html, renderSweepHtml(doc));
  const { stoppedBy } = stops;
  if (!measuredAnything(doc) && !stoppedBy) throw new RunFailedError('nothing could be measured at any step (no replies): is the server running?');
  const gated = await runGates([doc], gates, { suiteName: 'loadgen sweep' });
  return stoppedBy ? signalExitCode(stoppedBy) : gated;
}
