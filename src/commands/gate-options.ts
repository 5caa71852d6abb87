/**
 * The gate options shared by the replay, sweep and gate commands (`--assert`, `--baseline`,
 * `--max-regression`, `--junit`, `--markdown`) and the one-call entry `runGates` that evaluates,
 * prints the verdict table and writes the reports.
 */
import type { Argv } from 'yargs';
import { EXIT_OK, UsageError } from '../errors.js';
import { evaluateGates, gateExitCode, type BaselineSpec } from '../gate/evaluate.js';
import { parseAssertion, type Assertion } from '../gate/expression.js';
import { isSweepDocument, type GateDocument } from '../gate/metrics.js';
import { readGateDocument } from '../gate/read.js';
import { notEvaluated, partialVerdict } from '../gate/partial.js';
import { parseRegression } from '../gate/regression.js';
import { formatVerdictTable, writeGateReports } from '../gate/report.js';

/** Add the gate options to a yargs instance. */
export function addGateOptions<T>(y: Argv<T>) {
  return y
    // Not `array: true`: that would swallow a results file after `--assert EXPR`; repeated options
    // still collect into a list (yargs' duplicate-arguments-array).
    .option('assert', {
      type: 'string',
      requiresArg: true,
      describe: "gate: 'METRIC OP VALUE', e.g. 'response_time.p99 < 50ms', 'reply_rate >= 0.95*target' (repeatable)",
    })
    .option('baseline', { type: 'string', requiresArg: true, describe: 'results file of an earlier run to compare with (needs --max-regression)' })
    .option('max-regression', {
      type: 'string',
      requiresArg: true,
      describe: "allowed change from --baseline: 'response_time.p99=+10%', 'reply_rate=-5%' (repeatable)",
    })
    .option('junit', { type: 'string', requiresArg: true, describe: 'write the gate verdicts as JUnit XML to this file' })
    .option('markdown', { type: 'string', requiresArg: true, describe: 'write a Markdown summary of the gates to this file' })
    .option('allow-partial', { type: 'boolean', default: false, describe: 'gate an interrupted (partial) run too; by default its gates are not evaluated' });
}

/** Parsed gates ready to evaluate (everything a user could get wrong is checked when it is built). */
export interface GateSpec {
  assertions: Assertion[];
  baseline?: BaselineSpec;
  /** Where the baseline was read from (for messages). */
  baselinePath?: string;
  junit?: string;
  markdown?: string;
  /** --allow-partial: gate interrupted documents too. */
  allowPartial?: boolean;
}

/** Parsed argv as yargs gives it (only the gate fields are read). */
export type GateArgv = Record<string, unknown>;

/** A repeatable option's values: yargs gives an array, a config file may give one string. */
function stringList(value: unknown, option: string): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (typeof item !== 'string') {
      throw new UsageError(`--${option} takes text such as 'response_time.p99 < 50ms', not ${JSON.stringify(item)} (quote it in YAML)`);
    }
    return item;
  });
}

function optionalPath(value: unknown, option: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${option} needs a file name`);
  return value;
}

/**
 * Build the gates from parsed arguments, before any load is generated, so a typo fails fast with
 * exit 2. Reads the baseline file. Returns null when no gate was asked for.
 */
export async function prepareGates(argv: GateArgv): Promise<GateSpec | null> {
  const assertions = stringList(argv.assert, 'assert').map(parseAssertion);
  const regressions = stringList(argv['max-regression'], 'max-regression').map(parseRegression);
  const baselinePath = optionalPath(argv.baseline, 'baseline');
  const junit = optionalPath(argv.junit, 'junit');
  const markdown = optionalPath(argv.markdown, 'markdown');
  if (baselinePath !== undefined && regressions.length === 0) {
    throw new UsageError("--baseline needs at least one --max-regression, e.g. --max-regression 'response_time.p99=+10%'");
  }
  if (baselinePath === undefined && regressions.length > 0) throw new UsageError('--max-regression needs --baseline FILE');
  if (assertions.length === 0 && regressions.length === 0) {
    if (junit !== undefined || markdown !== undefined) throw new UsageError('--junit and --markdown report gates: add --assert or --baseline');
    return null;
  }
  const spec: GateSpec = { assertions };
  if (baselinePath !== undefined) {
    spec.baseline = { doc: await readGateDocument(baselinePath), regressions };
    spec.baselinePath = baselinePath;
  }
  if (junit !== undefined) spec.junit = junit;
  if (markdown !== undefined) spec.markdown = markdown;
  if (argv['allow-partial'] === true) spec.allowPartial = true;
  return spec;
}

/** Options of `runGates`. */
export interface RunGatesOptions {
  /** JUnit suite name and Markdown title prefix; default 'loadgen'. */
  suiteName?: string;
  /** Where the verdict table goes; default process.stdout. */
  output?: NodeJS.WritableStream;
  /** Print a blank line before the table (to separate it from a report above); default true. */
  separate?: boolean;
  /** A signal stopped the command (e.g. between --repeat runs): the runs are partial. */
  stopped?: boolean;
}

function isGateSpec(value: GateArgv | GateSpec | null): value is GateSpec {
  return value !== null && Array.isArray((value as GateSpec).assertions);
}

/**
 * Evaluate the gates of `argv` (or of a spec from `prepareGates`) on the documents (medians when
 * several), print the verdict table, write the JUnit/Markdown reports and `$GITHUB_STEP_SUMMARY`.
 * Resolves to the exit code: 0 every gate passed (or none was asked for), 1 a gate failed,
 * 2 a gate could not be evaluated on these documents (e.g. `knee` on a replay result),
 * 3 a document measured nothing, 4 a document is partial (interrupted; see partial.ts).
 */
export async function runGates(docs: readonly GateDocument[], argv: GateArgv | GateSpec | null, options: RunGatesOptions = {}): Promise<number> {
  const spec = isGateSpec(argv) ? argv : argv === null ? null : await prepareGates(argv);
  if (spec === null) return EXIT_OK;
  if (docs.some(isSweepDocument) && docs.length > 1) throw new UsageError('a sweep document is gated on its own, not with other documents');
  const partial = partialVerdict(docs, spec.allowPartial === true, options.stopped === true);
  const evaluated = evaluateGates(docs, spec.assertions, spec.baseline);
  const results = partial ? notEvaluated(evaluated, partial) : evaluated;
  (options.output ?? process.stdout).write(`${options.separate === false ? '' : '\n'}${formatVerdictTable(results)}`);
  const first = docs[0];
  const junitOptions =
    first !== undefined && !isSweepDocument(first)
      ? { time: docs.reduce((sum, d) => sum + (isSweepDocument(d) ? 0 : d.duration), 0), timestamp: first.startedAt }
      : {};
  await writeGateReports(results, {
    ...(spec.junit !== undefined ? { junit: spec.junit } : {}),
    ...(spec.markdown !== undefined ? { markdown: spec.markdown } : {}),
    suiteName: options.suiteName ?? 'loadgen',
    junitOptions,
  });
  return partial ? partial.exitCode : gateExitCode(results);
}
