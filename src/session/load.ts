/**
 * Reading a session file from disk. Kept apart from the grammar (parse.ts) so the parser stays a
 * pure function of bytes; `loadSessionFile` in parse.ts joins the two.
 */
import { readInputFile } from '../util/files.js';

/**
 * Read the raw bytes of the session file at `path`. Any failure to read it (missing, unreadable,
 * a directory, ...) becomes `UsageError("can't open PATH: <reason>")`, the wording httperf used.
 */
export function readSessionSource(path: string): Promise<Buffer> {
  return readInputFile(path);
}
