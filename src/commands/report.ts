/**
 * `loadgen report RESULTS.json...`: print the httperf report and percentiles of saved results.
 * Several files (e.g. one per generator of a distributed run, `--client I/N`) are merged
 * exactly first: counters and histograms are added, never averaged. `--json OUT` writes the
 * merged document so it can be gated (`loadgen gate OUT`) or merged again. `--html OUT` writes a
 * page that shows every file as its own run, overlaid for comparison.
 */
import { formatExtras } from '../report/extras.js';
import { formatHttperfReport } from '../report/httperf.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { mergeResults } from '../results/merge.js';
import { readResultsFile, writeResultsFile } from '../results/io.js';
import { labelsFromFiles, writeHtmlReport } from '../report/html/index.js';
import { commandParser, wantsHelp } from './yargs-common.js';

const USAGE = `loadgen report RESULTS.json [MORE.json ...] [--json MERGED.json] [--html PAGE.html] [--quiet]

Prints the httperf-style report of saved results; several files are merged exactly first.
--html writes one self-contained page with every file as its own run (a comparison); to see
the merge of a distributed run as one run, write it with --json first and report that file.`;

export async function run(args: string[]): Promise<number> {
  const argv = (await commandParser(args, USAGE, { positionals: true })
    .option('json', { type: 'string', requiresArg: true, describe: 'write the (merged) results document to this file' })
    .option('html', { type: 'string', requiresArg: true, describe: 'write an HTML page comparing the runs (one per file)' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'print only the httperf report' })
    .parseAsync()) as { _: (string | number)[]; json?: string; html?: string; quiet: boolean };
  if (wantsHelp(args)) return EXIT_OK;
  const files = argv._.map(String);
  if (files.length === 0) throw new UsageError('report needs at least one results file (written by --json)');
  const docs = [];
  for (const file of files) docs.push(await readResultsFile(file));
  const doc = docs.length === 1 ? docs[0]! : mergeResults(docs);
  process.stdout.write(`${doc.run.commandLine}${docs.length > 1 ? ` (merged from ${docs.length} results)` : ''}\n`);
  process.stdout.write(formatHttperfReport(doc));
  if (!argv.quiet) process.stdout.write(formatExtras(doc));
  if (argv.json !== undefined) await writeResultsFile(argv.json, doc);
  if (argv.html !== undefined) await writeHtmlReport(argv.html, docs, labelsFromFiles(files));
  return EXIT_OK;
}
