/**
 * `loadgen [httperf options]`: the httperf-compatible run of any httperf workload generator
 * (--wsesslog, --wsess, --num-conns/--num-calls with --uri, --wlog or --wset).
 * getopt_long words -> parse options -> plan the workload -> run (optionally --repeat times) ->
 * print the httperf report and loadgen's percentiles -> write --json/--hgrm -> evaluate gates.
 */
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { EXIT_OK, EXIT_RUN_FAILED, signalExitCode, stopOnSignals, UsageError } from '../errors.js';
import { runReplay } from '../engine/run.js';
import { runWorkers } from './workers.js';
import { ProgressLine } from './progress.js';
import { addConfigOption } from '../config/load.js';
import { addGateOptions, prepareGates, runGates } from './gate-options.js';
import type { ReplayOptions } from '../options.js';
import { formatExtras } from '../report/extras.js';
import { formatEchoLine, formatHttperfReport, formatRateSampleLines } from '../report/httperf.js';
import { formatHgrm } from '../results/hgrm.js';
import { writeResultsFile } from '../results/io.js';
import { writeHtmlReport } from '../report/html/index.js';
import type { ResultsDocument, TimelineSample } from '../results/schema.js';
import type { SessionFile } from '../session/model.js';
import { writeFileAtomic } from '../util/files.js';
import { versionLine } from '../version.js';
import { planWorkload } from '../workload/plan.js';
import { isSessionWorkload } from '../workload/spec.js';
import { addReplayOptions, ignoredOptionWarnings, parseGetopt, toReplayOptions } from './replay-args.js';
import { commandParser, wantsHelp } from './yargs-common.js';

/** httperf -v's `maximum number of open descriptors` line, from this process's soft limit. */
function openFilesLine(): string {
  let limit = 'unknown';
  try {
    const m = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) limit = m[1]!;
  } catch {
    // Not Linux: say it is unknown rather than guess.
  }
  return `loadgen: maximum number of open descriptors = ${limit}`;
}

const USAGE = `loadgen --server HOST [--port P] WORKLOAD [--rate R | --period=eT] [options]

WORKLOAD is one of httperf's generators:
  --wsesslog=N,X,FILE             N sessions replayed from FILE (httperf session format)
  --wsess=N1,N2,X                 N1 sessions of N2 calls, think time X s between bursts
  --uri U --num-conns N --num-calls C [--burst-length B]
                                  N connections of C calls each (default: 1 and 1)
  --wlog=y|n,FILE or --wset=N,X   where the calls' URIs come from, instead of --uri
Units start at --rate per second; the report is httperf's, followed by latency percentiles.
Long options may be shortened to any unique prefix, as in httperf (--num-conn, --wsesslo).

Other commands (each has --help):
  loadgen demo      replay sessions/bookofxen.txt against the built-in target
  loadgen serve     a demo target with a modelled capacity
  loadgen convert   access logs to session files
  loadgen sweep     rising rates until the server stops keeping up: the capacity knee
  loadgen gate      CI gates on saved results
  loadgen report    print (and merge) saved results; --html draws them
  loadgen kube      Kubernetes manifests: one replay over N pods (an Indexed Job)
  loadgen collect   merge the pods' results from kubectl logs into one report and gates
  loadgen pod       a replay that prints its results as one framed line (what kube's pods run)`;

/** The replay command's own options (outputs, repeats, workers), beside the httperf ones. */
export function addReplayCommandOptions<T>(y: Argv<T>) {
  return y
    .option('json', { type: 'string', requiresArg: true, describe: 'write the results document (JSON, schemaVersion 1) to this file' })
    .option('html', { type: 'string', requiresArg: true, describe: 'write a self-contained HTML report (rates, latency over time, percentile plots) to this file' })
    .option('hgrm', { type: 'string', requiresArg: true, describe: 'write the reply-time distribution in HdrHistogram .hgrm format' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'print only the httperf report' })
    .option('repeat', { type: 'number', default: 1, describe: 'run N times and gate on the median of each metric' })
    .option('workers', { type: 'number', default: 1, describe: 'spread the load over K generator processes (one core each); results are merged exactly' });
}

/** Run the replay command; resolves to the exit code. */
export async function run(args: string[]): Promise<number> {
  const parser = addReplayCommandOptions(addConfigOption(addGateOptions(addReplayOptions(commandParser([], USAGE)))));
  const { argv, words } = await parseGetopt(parser, args);
  if (wantsHelp(words)) return EXIT_OK;
  if (argv.version === true) {
    process.stdout.write(`${versionLine()}\n`);
    return EXIT_OK;
  }

  const parsed = toReplayOptions(argv, words);
  const quiet = argv.quiet === true;
  const repeat = Number(argv.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 100) throw new UsageError('--repeat must be a whole number from 1 to 100');
  const workers = Number(argv.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new UsageError('--workers must be a whole number from 1 to 256');
  const gates = await prepareGates(argv);
  const plan = await planWorkload(parsed);
  const sessions = plan.file;
  const options = plan.units === parsed.sessions ? parsed : { ...parsed, sessions: plan.units };
  if (!quiet) for (const warning of ignoredOptionWarnings(argv)) process.stderr.write(`${warning}\n`);
  if (!quiet && options !== parsed) process.stderr.write(`loadgen: the --wlog list holds calls for ${plan.units} of the ${parsed.sessions} connections/sessions asked for; running ${plan.units}\n`);

  const docs: ResultsDocument[] = [];
  // Listened for across the repeats: a signal between two runs also ends them, gates not evaluated.
  const stops = stopOnSignals();
  try {
    for (let i = 0; i < repeat && !stops.signal.aborted; i++) {
      if (repeat > 1 && !quiet) process.stdout.write(`${i > 0 ? '\n' : ''}loadgen: run ${i + 1} of ${repeat}\n`);
      const doc = await replayOnce(options, sessions, quiet, workers, stops.signal);
      docs.push(doc);
      await saveOutputs(doc, argv, repeat > 1 ? i + 1 : 0);
      if (doc.run.ended === 'interrupted') break;
    }
  } finally {
    stops.dispose();
  }

  const failed = docs.find(nothingMeasured);
  if (failed !== undefined) {
    process.stderr.write(`loadgen: ${describeUnreachable(failed)}\n`);
    return EXIT_RUN_FAILED;
  }
  const gated = await runGates(docs, gates, { stopped: stops.stoppedBy !== undefined });
  // A signal ended the run: the partial report is printed and its gates were not evaluated.
  return stops.stoppedBy ? signalExitCode(stops.stoppedBy) : gated;
}

/** One run with its console output (echo line first, report at the end, as httperf). */
async function replayOnce(options: ReplayOptions, sessions: SessionFile, quiet: boolean, workers: number, signal: AbortSignal): Promise<ResultsDocument> {
  process.stdout.write(`${formatEchoLine(options)}\n`);
  if (options.verbose > 0) process.stdout.write(`${openFilesLine()}\n`);
  const progress = !quiet && options.verbose === 0 && process.stderr.isTTY === true;
  const line = new ProgressLine(options, workers);
  const onSample = (sample: TimelineSample, worker = 0): void => {
    if (options.verbose > 0 && workers === 1) process.stdout.write(`${formatRateSampleLines(sample, isSessionWorkload(options.workload))}\n`);
    else if (progress) process.stderr.write(line.add(sample, worker));
  };
  const doc = workers > 1 ? await runWorkers(options, workers, signal, onSample) : await runReplay(options, sessions, { signal, onSample: (sample) => onSample(sample) });
  if (progress) process.stderr.write('\r\x1b[K');
  process.stdout.write(formatHttperfReport(doc));
  if (!quiet) process.stdout.write(formatExtras(doc));
  return doc;
}

/** --json, --hgrm and --html; with --repeat the run number goes before the extension (r.json -> r.2.json). */
async function saveOutputs(doc: ResultsDocument, argv: Record<string, unknown>, runNumber: number): Promise<void> {
  const name = (path: string): string => (runNumber === 0 ? path : path.replace(/(\.[^./]+)?$/, (ext) => `.${runNumber}${ext}`));
  if (typeof argv.json === 'string') await writeResultsFile(name(argv.json), doc);
  if (typeof argv.hgrm === 'string') await writeFileAtomic(name(argv.hgrm), formatHgrm(doc.histograms.replyTime));
  if (typeof argv.html === 'string') await writeHtmlReport(name(argv.html), [doc], [runNumber === 0 ? 'this run' : `run ${runNumber}`]);
}

/** Nothing could be measured: no connection ever succeeded and no reply came back. */
function nothingMeasured(doc: ResultsDocument): boolean {
  return doc.counters.replies === 0 && doc.counters.connected === 0 && doc.counters.connections > 0;
}

function describeUnreachable(doc: ResultsDocument): string {
  const { server, port } = doc.run.options;
  const e = doc.counters.errors;
  const parts = Object.entries(e).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
  return `the run could not be carried out: no connection to ${server}:${port} succeeded (${doc.counters.connections} attempts; ${parts.join(', ') || 'no error reported'})`;
}

