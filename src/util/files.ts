/**
 * Writing the files a user names (--json, --hgrm, --csv, --junit, ...). One writer for all of them:
 * - `-` is standard output;
 * - a path that is not a regular file (a character device such as /dev/null, a FIFO, a socket)
 *   is written in place: renaming over it would replace the device with a regular file;
 * - a regular file (or a new one) is written atomically through a temporary sibling renamed over
 *   it, so a reader or a crash never sees half a file and an existing file survives a failed write.
 * Errors name the file instead of giving a stack trace.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.js';

/** The path that means standard output. */
export const STDOUT_PATH = '-';

/** Plain words for the errno codes a user meets when naming a file (Node's text repeats the path). */
const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a component of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'file name too long',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  Z_DATA_ERROR: 'corrupt gzip data',
  Z_BUF_ERROR: 'truncated gzip data',
};

/** Short reason of a file-system error, the same words for every file loadgen reads or writes. */
export function fsReason(err: unknown): string {
  const error = err as NodeJS.ErrnoException | undefined;
  const code = error?.code;
  if (code !== undefined && Object.hasOwn(FS_REASONS, code)) return FS_REASONS[code]!;
  const message = error?.message ?? String(err);
  // Node messages repeat the syscall and path: keep just "CODE: text".
  const match = /^([A-Z]+: [^,]+)/.exec(message);
  return match ? match[1]! : message;
}

/** The message of every failed read: `can't open [WHAT ]PATH: reason`. */
export function cannotOpen(path: string, err: unknown, what = ''): UsageError {
  return new UsageError(`can't open ${what === '' ? '' : `${what} `}${path}: ${fsReason(err)}`);
}

/** Read a file a user named, as bytes; failures are `cannotOpen` usage errors (exit 2). */
export async function readInputFile(path: string, what = ''): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw cannotOpen(path, err, what);
  }
}

/** Read a text file a user named (UTF-8, a leading byte-order mark dropped). */
export async function readInputText(path: string, what = ''): Promise<string> {
  const text = (await readInputFile(path, what)).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Write `data` to the output `path` (`-`, a device or FIFO in place; a regular file atomically).
 * A missing directory is created. Failures are `UsageError("can't write PATH: reason")`.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  try {
    if (path === STDOUT_PATH) return await writeToStdout(data);
    if (await isSpecialFile(path)) return await writeInPlace(path, data);
  } catch (err) {
    throw new UsageError(`can't write ${path}: ${fsReason(err)}`);
  }
  await writeRegularFile(path, data);
}

/** True when `path` exists and is not a regular file (directories fail later with EISDIR). */
async function isSpecialFile(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    return !info.isFile() && !info.isDirectory();
  } catch {
    return false;
  }
}

/** Write to standard output, waiting until the data has been handed to the OS. */
function writeToStdout(data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

/** Open an existing device or FIFO for writing (no create, no truncate of what it is) and write. */
async function writeInPlace(path: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
}

/** Temporary sibling, flushed to disk, renamed over `path`. */
async function writeRegularFile(path: string, data: string | Uint8Array): Promise<void> {
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
