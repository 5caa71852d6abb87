/**
 * Vitest global setup: the tests that spawn the CLI run dist/, so build it once before any test
 * file starts (never from inside a test, where other files may be executing dist/ already).
 * `npm test` builds first, so this only compiles when dist/ is missing or older than src/
 * (`npx vitest run test/x.test.ts` on a fresh edit).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;

/** Newest modification time of the .ts files below `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const built = join(ROOT, 'dist', 'cli.js');
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource(join(ROOT, 'src'))) return;
  try {
    // --noEmitOnError: a failed build leaves dist/ as it was (older than src/), so the next run
    // builds again instead of taking output compiled from the broken source for up to date.
    execFileSync('npx', ['tsc', '-p', 'tsconfig.json', '--noEmitOnError'], { cwd: ROOT, stdio: 'inherit' });
  } catch {
    // tsc has printed its errors above; say what failed, not where execFileSync threw from.
    const error = new Error('test setup: the build (npx tsc -p tsconfig.json) failed; its errors are above. Fix them or run `npm run build`.');
    error.stack = error.message;
    throw error;
  }
}
