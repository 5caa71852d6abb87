/**
 * Errors the user can cause, each with the exit code the CLI returns for it.
 * Exit codes are the same for every command (docs/ci.md):
 *   0 all good (and every gate passed) · 1 a gate failed · 2 usage or input error
 *   3 the run could not be carried out (nothing measured: target unreachable, ...)
 *   4 `loadgen gate` on a partial (interrupted) document: gates not evaluated
 *   130 / 143 a replay or sweep ended by SIGINT / SIGTERM (partial report printed, gates not evaluated)
 */
/** Every command's exit code when all went well (and every gate passed). */
export const EXIT_OK = 0;
/** A gate failed (`--assert`, `--max-regression`, `loadgen gate`). */
export const EXIT_GATE_FAILED = 1;
/** A usage or input error (UsageError, InputError). */
export const EXIT_USAGE = 2;
/** The run could not be carried out (RunFailedError). */
export const EXIT_RUN_FAILED = 3;

/** A bad command-line argument or option combination. Printed as one line, exit 2. */
export class UsageError extends Error {
  readonly exitCode = EXIT_USAGE;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Bad content in an input file. `toString()` gives `FILE:LINE:COL: what is wrong`
 * (LINE and COL are 1-based; COL is omitted when 0). Exit 2.
 */
export class InputError extends Error {
  readonly exitCode = EXIT_USAGE;
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}${column > 0 ? `:${column}` : ''}: ${reason}`);
    this.name = 'InputError';
  }
}

/** The run could not be carried out at all (exit 3), e.g. every connection was refused. */
export class RunFailedError extends Error {
  readonly exitCode = EXIT_RUN_FAILED;
  constructor(message: string) {
    super(message);
    this.name = 'RunFailedError';
  }
}

/** True for errors whose message is meant for the user as it is (no stack trace). */
export function isUserError(err: unknown): err is UsageError | InputError | RunFailedError {
  return err instanceof UsageError || err instanceof InputError || err instanceof RunFailedError;
}

/** Gates were not evaluated because the document is partial: its run was interrupted (exit 4). */
export const EXIT_INTERRUPTED = 4;

/** Exit code of a run ended by a signal: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
export function signalExitCode(signal: 'SIGINT' | 'SIGTERM'): number {
  return signal === 'SIGINT' ? 130 : 143;
}

/** SIGINT and SIGTERM turned into an abort, for a command that prints a partial report on them. */
export interface SignalStop {
  /** Aborted by the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** The first of them that came, if any. */
  readonly stoppedBy: 'SIGINT' | 'SIGTERM' | undefined;
  /** Stop listening (the signals' default action applies again). */
  dispose(): void;
}

/** Listen for SIGINT and SIGTERM until dispose(): each aborts `signal`, the first is kept. */
export function stopOnSignals(): SignalStop {
  const controller = new AbortController();
  let stoppedBy: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    stoppedBy ??= signal === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    get stoppedBy() {
      return stoppedBy;
    },
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
