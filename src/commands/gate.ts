/**
 * `loadgen gate RESULTS.json [MORE.json ...] --assert EXPR ... [--baseline OLD.json
 * --max-regression SPEC ...] [--junit FILE] [--markdown FILE] [--config FILE]`: gate saved results.
 * Several results files are gated on the median of each metric. Exit codes: 0 all gates passed,
 * 1 a gate failed, 2 usage or input error (including no gate at all).
 */
import yargs from 'yargs';
import { addReplayOptions } from './replay-args.js';
import { addReplayCommandOptions } from './replay.js';
import { commandParser, wantsHelp } from './yargs-common.js';
import { addConfigOption } from '../config/load.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { METRICS } from '../gate/metrics.js';
import { addGateOptions, prepareGates, runGates } from './gate-options.js';
import { readGateDocument } from '../gate/read.js';
import { unitsFor } from '../gate/units.js';

const USAGE = `loadgen gate RESULTS.json [MORE.json ...] --assert EXPR ... [options]

Checks saved results (--json FILE of a replay, or a sweep document) against performance gates.
With several results files each metric is the median across them.
Exit codes: 0 all gates passed, 1 a gate failed, 2 usage or input error.`;

/** Options of the replay command, which a config file shared with `loadgen --config` may hold. */
function replayOnlyKeys(): Set<string> {
  // The replay command's own parser is the one list of its keys (aliases included).
  // getOptions() is part of yargs' API but missing from its type definitions.
  const described = addReplayCommandOptions(addReplayOptions(yargs([]).version(false))) as unknown as {
    getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> };
  };
  const { key, alias } = described.getOptions();
  const names = [...Object.keys(key), ...Object.values(alias).flat()];
  return new Set(names.filter((k) => k !== 'help' && k !== 'version'));
}

/** The metric catalogue as printed by `--list-metrics`. */
export function formatMetricList(): string {
  const width = Math.max(...METRICS.map((m) => m.name.length));
  const lines = METRICS.map((m) => {
    const units = unitsFor(m.kind).filter((u) => u !== '');
    const unitText = units.length > 0 ? units.join(' ') : 'count';
    return `${m.name.padEnd(width)}  ${m.kind.padEnd(9)}  ${unitText.padEnd(10)}  ${m.description}${m.target !== undefined ? ' (N*target allowed)' : ''}`;
  });
  return `${lines.join('\n')}\n`;
}

/** Run `loadgen gate`; resolves to the exit code. */
export async function run(args: string[]): Promise<number> {
  // The same config file the replay command reads, its replay-only options left out instead of
  // rejected; unknown keys stay, so a misspelt gate option is still an error.
  const replayOnly = replayOnlyKeys();
  const parser = addConfigOption(addGateOptions(commandParser(args, USAGE, { positionals: true })), (key) => !replayOnly.has(key))
    .option('list-metrics', { type: 'boolean', describe: 'list every metric name with its units and exit' });
  const argv = (await parser.parseAsync()) as Record<string, unknown> & { _: Array<string | number> };
  if (wantsHelp(args)) return EXIT_OK;
  if (argv['list-metrics'] === true) {
    process.stdout.write(formatMetricList());
    return EXIT_OK;
  }
  const files = argv._.map(String);
  if (files.length === 0) throw new UsageError('loadgen gate needs a results file: loadgen gate RESULTS.json --assert EXPR (try --help)');
  const spec = await prepareGates(argv);
  if (spec === null) {
    throw new UsageError("no gate given: add --assert 'METRIC OP VALUE' or --baseline FILE --max-regression 'METRIC=+N%' (or put them in --config FILE)");
  }
  const docs = [];
  for (const file of files) docs.push(await readGateDocument(file));
  return runGates(docs, spec, { suiteName: `loadgen gate ${files.join(' ')}`, separate: false });
}
