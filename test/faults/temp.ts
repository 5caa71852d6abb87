/** A temporary folder for one fault-test file, removed after the file's tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** Create `loadgen-<name>-XXXXXX` under the OS temp folder; it is removed in afterAll. */
export function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `loadgen-${name}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
