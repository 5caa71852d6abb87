/**
 * `loadgen [options] --wsesslog=N,X,FILE`: the httperf-compatible session replay.
 * parse options -> load the session file -> run (optionally --repeat times) -> print the
 * httperf report and loadgen's percentiles -> write --json/--hgrm -> evaluate gates.
 */
import { EXIT_RUN_FAILED, signalExitCode, UsageError } from '../errors.js';
import { runReplay } from '../engine/run.js';
import { runWorkers } from './workers.js';
import { ProgressLine } from './progress.js';
import { addConfigOption } from '../config/load.js';
import { addGateOptions, prepareGates, runGates } from '../gate/index.js';
import type { ReplayOptions } from '../options.js';
import { formatExtras } from '../report/extras.js';
import { formatEchoLine, formatHttperfReport, formatRateSampleLines } from '../report/httperf.js';
import { formatHgrm } from '../results/hgrm.js';
import { writeResultsFile } from '../results/io.js';
import { writeHtmlReport } from '../report/html/index.js';
import type { ResultsDocument, TimelineSample } from '../results/schema.js';
import { loadSessionFile } from '../session/parse.js';
import { writeFileAtomic } from '../util/files.js';
import { addReplayOptions, ignoredOptionWarnings, toReplayOptions } from './replay-args.js';
import { commandParser, wantsHelp } from './yargs-common.js';

const USAGE = `loadgen --server HOST [--port P] --wsesslog=N,X,FILE [--rate R | --period=eT] [options]

Replays N sessions from FILE (httperf --wsesslog format) against HOST, starting them at
--rate sessions/s, and prints httperf's report followed by latency percentiles.

Other commands (each has --help):
  loadgen demo      replay sessions/bookofxen.txt against the built-in target
  loadgen serve     a demo target with a modelled capacity
  loadgen convert   access logs to session files
  loadgen sweep     rising rates until the server stops keeping up: the capacity knee
  loadgen gate      CI gates on saved results
  loadgen report    print (and merge) saved results`;

/** Run the replay command; resolves to the exit code. */
export async function run(args: string[]): Promise<number> {
  const parser = addConfigOption(addGateOptions(addReplayOptions(commandParser(args, USAGE))))
    .option('json', { type: 'string', requiresArg: true, describe: 'write the results document (JSON, schemaVersion 1) to this file' })
    .option('html', { type: 'string', requiresArg: true, describe: 'write a self-contained HTML report (rates, latency over time, percentile plots) to this file' })
    .option('hgrm', { type: 'string', requiresArg: true, describe: 'write the reply-time distribution in HdrHistogram .hgrm format' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'print only the httperf report' })
    .option('repeat', { type: 'number', default: 1, describe: 'run N times and gate on the median of each metric' })
    .option('workers', { type: 'number', default: 1, describe: 'spread the load over K generator processes (one core each); results are merged exactly' });
  const argv = (await parser.parseAsync()) as Record<string, unknown>;
  if (wantsHelp(args)) return 0;

  const options = toReplayOptions(argv, args);
  const quiet = argv.quiet === true;
  const repeat = Number(argv.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 100) throw new UsageError('--repeat must be a whole number from 1 to 100');
  const workers = Number(argv.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new UsageError('--workers must be a whole number from 1 to 256');
  const gates = await prepareGates(argv);
  const sessions = await loadSessionFile(options.sessionFile, { rawUriBytes: options.rawUriBytes });
  if (!quiet) for (const warning of ignoredOptionWarnings(argv)) process.stderr.write(`${warning}\n`);

  const docs: ResultsDocument[] = [];
  const stop: StopSignal = {};
  for (let i = 0; i < repeat; i++) {
    if (repeat > 1 && !quiet) process.stdout.write(`${i > 0 ? '\n' : ''}loadgen: run ${i + 1} of ${repeat}\n`);
    const doc = await replayOnce(options, sessions, quiet, workers, stop);
    docs.push(doc);
    await saveOutputs(doc, argv, repeat > 1 ? i + 1 : 0);
    if (doc.run.ended === 'interrupted') break;
  }

  const failed = docs.find(nothingMeasured);
  if (failed !== undefined) {
    process.stderr.write(`loadgen: ${describeUnreachable(failed)}\n`);
    return EXIT_RUN_FAILED;
  }
  const gated = await runGates(docs, gates);
  // A signal ended the run: the partial report is printed and its gates were not evaluated.
  return stop.signal ? signalExitCode(stop.signal) : gated;
}

/** Which signal, if any, stopped a run. */
interface StopSignal {
  signal?: 'SIGINT' | 'SIGTERM';
}

/** One run with its console output (echo line first, report at the end, as httperf). */
async function replayOnce(options: ReplayOptions, sessions: Awaited<ReturnType<typeof loadSessionFile>>, quiet: boolean, workers: number, stop: StopSignal): Promise<ResultsDocument> {
  process.stdout.write(`${formatEchoLine(options)}\n`);
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    stop.signal ??= signal === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = !quiet && options.verbose === 0 && process.stderr.isTTY === true;
  const line = new ProgressLine(options, workers);
  const onSample = (sample: TimelineSample, worker = 0): void => {
    if (options.verbose > 0 && workers === 1) process.stdout.write(`${formatRateSampleLines(sample)}\n`);
    else if (progress) process.stderr.write(line.add(sample, worker));
  };
  try {
    const doc =
      workers > 1 ? await runWorkers(options, workers, controller.signal, onSample) : await runReplay(options, sessions, { signal: controller.signal, onSample: (sample) => onSample(sample) });
    if (progress) process.stderr.write('\r\x1b[K');
    process.stdout.write(formatHttperfReport(doc));
    if (!quiet) process.stdout.write(formatExtras(doc));
    return doc;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
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

