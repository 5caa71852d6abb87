/** Running the built CLI (or any program) from the fault tests, bounded to 30 s. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** The loadgen entry point the tests run (the built dist/ through bin/). */
export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'loadgen.js');

/** Exit code, stdout and stderr of `command args` with `env` added to the environment. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 30_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Run loadgen with `args`. */
export function loadgen(args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, [BIN, ...args], env);
}
