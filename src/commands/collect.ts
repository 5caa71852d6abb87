/**
 * `loadgen collect [LOG ...]`: read `kubectl logs` output (files, or stdin) of the pods of a
 * `loadgen kube` Job, merge their framed results exactly, print one report, write --json and
 * evaluate the gates on the merged result. Missing, interrupted or empty pods are named; then the
 * gates are not evaluated and the exit code is 3.
 */
import { EXIT_RUN_FAILED, UsageError } from '../errors.js';
import { addGateOptions, prepareGates, runGates } from './gate-options.js';
import { collectFrames, formatStartSpread, podName, type Collection } from '../kube/collect.js';
import { readFrames } from '../kube/frame.js';
import { formatExtras } from '../report/extras.js';
import { formatHttperfReport } from '../report/httperf.js';
import { writeResultsFile } from '../results/io.js';
import { readInputText } from '../util/files.js';
import { commandParser, wantsHelp } from './yargs-common.js';

const USAGE = `loadgen collect [LOG ...] [--parallelism N] [--json MERGED.json] [gate options]

Reads the output of the pods of a 'loadgen kube' Job (files, or stdin when no file or '-' is
given), merges their results exactly and prints one report; gates apply to the merged result.
  kubectl logs -l job-name=JOB --tail=-1 --max-log-requests=N | loadgen collect --parallelism N`;

async function readSource(source: string): Promise<string> {
  if (source === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  return readInputText(source);
}

/** The lines that name every pod that did not deliver a complete measured run. */
function shortfall(c: Collection): string[] {
  const lines = c.missing.map((i) => `${podName(i, c.count)}: no results line found (did it fail or not start? kubectl describe pod)`);
  return [...lines, ...c.problems];
}

export async function run(args: string[]): Promise<number> {
  const argv = (await addGateOptions(commandParser(args, USAGE, { command: 'collect', positionals: true }))
    .option('parallelism', { type: 'string', requiresArg: true, describe: 'pods the Job had (default: as the results say)' })
    .option('json', { type: 'string', requiresArg: true, describe: 'write the merged results document to this file' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'print only the httperf report' })
    .parseAsync()) as Record<string, unknown> & { _: (string | number)[] };
  if (wantsHelp(args)) return 0;
  const expected = argv.parallelism === undefined ? undefined : Number(argv.parallelism);
  if (expected !== undefined && (!Number.isInteger(expected) || expected < 1)) throw new UsageError(`collect: --parallelism must be a whole number >= 1, not '${String(argv.parallelism)}'`);
  const gates = await prepareGates(argv);
  const sources = argv._.length === 0 ? ['-'] : argv._.map(String);
  const frames = [];
  for (const source of sources) frames.push(...readFrames(await readSource(source), source === '-' ? '<stdin>' : source));
  const collection = collectFrames(frames, sources.map((s) => (s === '-' ? '<stdin>' : s)), expected);
  const doc = collection.merged;
  process.stdout.write(`${doc.run.commandLine} (merged from ${collection.frames.length} of ${collection.count} pods)\n`);
  process.stdout.write(formatHttperfReport(doc));
  if (argv.quiet !== true) process.stdout.write(formatExtras(doc));
  const start = formatStartSpread(doc);
  if (start !== undefined) process.stdout.write(`\n${start}\n`);
  if (typeof argv.json === 'string') await writeResultsFile(argv.json, doc);
  const missing = shortfall(collection);
  if (missing.length > 0) {
    for (const line of missing) process.stderr.write(`loadgen collect: ${line}\n`);
    const gateNote = gates === null ? '' : '; gates not evaluated';
    process.stderr.write(`loadgen collect: INCOMPLETE: ${missing.length} of ${collection.count} pods did not deliver a complete run${gateNote}\n`);
    return EXIT_RUN_FAILED;
  }
  return runGates([doc], gates);
}
