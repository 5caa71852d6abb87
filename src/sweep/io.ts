/**
 * Atomic writes of the sweep's output files: write a temporary file next to the target, then
 * rename it over the target, so a reader (or a crash) never sees half a file.
 */
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';

/** Write `text` to `path` atomically; a file that cannot be written is a UsageError naming it. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, path);
  } catch (err) {
    await unlink(temporary).catch(() => undefined);
    throw new UsageError(`can't write ${path}: ${(err as Error).message}`);
  }
}
