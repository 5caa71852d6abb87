/**
 * yargs settings every command shares: no process.exit, strict option names, and failures
 * turned into one-line UsageErrors (or the original InputError from a --config file).
 */
import yargs, { type Argv } from 'yargs';
import { UsageError, isUserError } from '../errors.js';

export interface CommandParserOptions {
  /** Sub-command name (`serve`, `convert`, ...): names the script and prefixes error messages. */
  readonly command?: string;
  /** The command takes positional arguments (files): only option names are checked strictly. */
  readonly positionals?: boolean;
}

/** A yargs parser for `args` that throws instead of exiting and prints help to stdout. */
export function commandParser(args: string[], usage: string, options: CommandParserOptions = {}): Argv {
  const prefix = options.command === undefined ? '' : `${options.command}: `;
  const y = yargs(args)
    .scriptName(options.command === undefined ? 'loadgen' : `loadgen ${options.command}`)
    .usage(usage)
    .parserConfiguration({ 'camel-case-expansion': false, 'duplicate-arguments-array': true, 'strip-aliased': true })
    .exitProcess(false)
    .help('help')
    .alias('help', 'h')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message: string | null, err: Error | undefined) => {
      if (err !== undefined && isUserError(err)) throw err;
      // yargs words some failures over several lines ("Invalid values:\n  Argument: ..."): one line.
      const text = (message ?? err?.message ?? 'invalid arguments').trim().replace(/:?\s*\n\s*/g, ': ');
      throw new UsageError(`${prefix}${text}`);
    });
  return options.positionals ? y.strictOptions() : y.strict();
}

/** True when the user asked for --help (yargs already printed it). */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}
