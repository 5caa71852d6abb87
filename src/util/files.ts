/**
 * Writing the files a user names (--json, --hgrm, --csv, --junit, ...): atomically, so a reader
 * or a crash never sees half a file and an existing file survives a failed write, and with
 * errors that name the file instead of a stack trace.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.js';

/** Short reason of a file-system error (`ENOENT: no such file or directory`). */
export function fsReason(err: unknown): string {
  const error = err as NodeJS.ErrnoException;
  const message = error?.message ?? String(err);
  // Node messages repeat the syscall and path: keep just "CODE: text".
  const match = /^([A-Z]+: [^,]+)/.exec(message);
  return match ? match[1]! : message;
}

/**
 * Write `data` to `path` through a temporary sibling that is flushed to disk and renamed over
 * `path`. A missing directory is created. Failures are `UsageError("can't write PATH: reason")`.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    await mkdir(directory, { recursive: true });
    const handle = await open(temporary, 'wx');
    created = true;
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
    created = false;
  } catch (err) {
    if (created) await unlink(temporary).catch(() => undefined);
    throw new UsageError(`can't write ${path}: ${fsReason(err)}`);
  }
  await syncDirectory(directory);
}

/** Flush the directory entry of the rename (best effort: not every platform allows it). */
async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Directories cannot be opened or fsynced on some systems; the rename is still atomic.
  }
}
