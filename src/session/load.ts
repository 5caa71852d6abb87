/**
 * Reading a session file from disk. Kept apart from the grammar (parse.ts) so the parser stays a
 * pure function of bytes; `loadSessionFile` in parse.ts joins the two.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';

/** Friendlier words for the errno codes a user is likely to meet when naming a file. */
const OPEN_FAILURE_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a component of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'file name too long',
};

/**
 * Read the raw bytes of the session file at `path`. Any failure to read it (missing, unreadable,
 * a directory, ...) becomes `UsageError("can't open PATH: <reason>")`, the wording httperf used.
 */
export async function readSessionSource(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new UsageError(`can't open ${path}: ${describeOpenFailure(err)}`);
  }
}

/** A short human reason for a failed read, without Node's "ENOENT: ..., open 'x'" noise. */
function describeOpenFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && Object.hasOwn(OPEN_FAILURE_REASONS, code)) return OPEN_FAILURE_REASONS[code]!;
  if (err instanceof Error) return code !== undefined ? `${code}: ${err.message}` : err.message;
  return String(err);
}
