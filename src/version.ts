/**
 * loadgen's version, read from package.json (the one place it is stated), written into results
 * documents and printed by --version.
 */
import { readFileSync } from 'node:fs';

/** The package version, e.g. `0.1.0`. dist/version.js sits one folder below package.json. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** `loadgen --version` (and -V, on every command): loadgen's version and the httperf it stands in for. */
export function versionLine(): string {
  return `loadgen ${VERSION} (httperf 0.9.0 compatible command line)`;
}
