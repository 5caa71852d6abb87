/**
 * Command-line entry. `loadgen [replay options]` replays sessions (httperf compatible);
 * the other commands are sub-commands with their own options. Each command module exports
 * `run(argv): Promise<exitCode>`; this file only dispatches and turns user errors into
 * one-line messages (never a stack trace) with the documented exit codes.
 */
import { EXIT_OK, isUserError } from './errors.js';
import { versionLine } from './version.js';

type CommandRunner = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<CommandRunner>> = {
  replay: async () => (await import('./commands/replay.js')).run,
  demo: async () => (await import('./commands/demo.js')).run,
  serve: async () => (await import('./commands/serve.js')).run,
  convert: async () => (await import('./commands/convert.js')).run,
  sweep: async () => (await import('./commands/sweep.js')).run,
  gate: async () => (await import('./commands/gate.js')).run,
  report: async () => (await import('./commands/report.js')).run,
  kube: async () => (await import('./commands/kube.js')).run,
  collect: async () => (await import('./commands/collect.js')).run,
  pod: async () => (await import('./commands/pod.js')).run,
  // Internal: one process of `--workers K`.
  __worker: async () => (await import('./commands/workers.js')).run,
};

/** Run the CLI with these arguments (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const first = argv[0];
  const name = first !== undefined && Object.hasOwn(COMMANDS, first) ? first : 'replay';
  const rest = name === first ? argv.slice(1) : argv;
  // --version on every command; the replay command parses its own (getopt prefixes, -V).
  if (name !== 'replay' && rest.includes('--version')) {
    process.stdout.write(`${versionLine()}\n`);
    return EXIT_OK;
  }
  try {
    const runner = await COMMANDS[name]!();
    return await runner(rest);
  } catch (err) {
    if (isUserError(err)) {
      process.stderr.write(`loadgen: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
