/**
 * Reading access logs: files or stdin, gzip detected by its magic bytes (not the name), lines
 * split on the raw bytes and handed synchronously to a callback (no per-line stream objects),
 * and several files (rotated logs) read in the order of their first timestamp.
 *
 * Why not split2: split2 decodes each chunk into one string and splits it, so every line is a
 * slice of a 64-256 KB chunk string, and any piece of a line that is kept (a client key, a URI
 * in an open session) keeps the whole chunk alive. On a 1M-line log that held 380 MB; decoding
 * each line from the bytes on its own makes lines independent strings (and is 2x faster).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { UsageError } from '../errors.js';
import { ParseFailure, type LineParser } from './record.js';

/** Bytes read from each file to find its first timestamp. */
const PEEK_BYTES = 64 * 1024;

/** Friendlier words for errno codes met when naming a file. */
const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  Z_DATA_ERROR: 'corrupt gzip data',
  Z_BUF_ERROR: 'truncated gzip data',
};

function describe(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && Object.hasOwn(REASONS, code)) return REASONS[code]!;
  return err instanceof Error ? err.message : String(err);
}

/** The bytes of `path` ('-' is stdin), decompressed when they start with the gzip magic. */
async function openDecoded(path: string): Promise<Readable> {
  const source: Readable = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 256 * 1024 });
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await iterator.next();
  const head = first.done === true ? undefined : first.value;
  const rest = Readable.from(
    (async function* () {
      if (head !== undefined) yield head;
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) return;
        yield next.value;
      }
    })(),
    { objectMode: false },
  );
  if (head !== undefined && head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    rest.on('error', (err) => gunzip.destroy(err));
    return rest.pipe(gunzip);
  }
  return rest;
}

/** Check that every input can be opened (a clear message before any work). */
export async function checkInputs(paths: readonly string[]): Promise<void> {
  if (paths.filter((p) => p === '-').length > 0 && paths.length > 1) {
    throw new UsageError('convert: stdin (-) cannot be combined with files');
  }
  for (const path of paths) {
    if (path === '-') continue;
    try {
      const info = await stat(path);
      if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    } catch (err) {
      throw new UsageError(`convert: can't open ${path}: ${describe(err)}`);
    }
  }
}

/**
 * A writable end that splits bytes into lines (LF or CRLF) and calls `onLine` for each, in order,
 * with 1-based numbers. A last line without a terminator is delivered at the end.
 */
export class LineSplitter extends Writable {
  private rest: Buffer | undefined;
  private line = 0;

  constructor(private readonly onLine: (text: string, line: number) => void) {
    super({ highWaterMark: 256 * 1024 });
  }

  private deliver(bytes: Buffer, start: number, end: number): void {
    let stop = end;
    if (stop > start && bytes[stop - 1] === 0x0d) stop--;
    this.line++;
    this.onLine(bytes.toString('utf8', start, stop), this.line);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      let start = 0;
      let nl = chunk.indexOf(0x0a);
      if (this.rest !== undefined && nl >= 0) {
        // Only the line that straddles two chunks is copied.
        const joined = Buffer.concat([this.rest, chunk.subarray(0, nl)]);
        this.rest = undefined;
        this.deliver(joined, 0, joined.length);
        start = nl + 1;
        nl = chunk.indexOf(0x0a, start);
      }
      while (nl >= 0) {
        this.deliver(chunk, start, nl);
        start = nl + 1;
        nl = chunk.indexOf(0x0a, start);
      }
      if (start < chunk.length) {
        const tail = chunk.subarray(start);
        this.rest = this.rest === undefined ? Buffer.from(tail) : Buffer.concat([this.rest, tail]);
      }
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    try {
      if (this.rest !== undefined && this.rest.length > 0) this.deliver(this.rest, 0, this.rest.length);
      this.rest = undefined;
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }
}

/**
 * Call `onLine(text, lineNumber)` for every line of `path` (1-based numbers; CR of CRLF removed).
 * Read errors become UsageError naming the file; errors thrown by `onLine` pass through.
 */
export async function readLines(path: string, onLine: (text: string, line: number) => void): Promise<void> {
  let input: Readable;
  try {
    input = await openDecoded(path);
  } catch (err) {
    throw new UsageError(`convert: can't read ${path === '-' ? 'stdin' : path}: ${describe(err)}`);
  }
  let fromCallback: unknown;
  const splitter = new LineSplitter((text, line) => {
    try {
      onLine(text, line);
    } catch (err) {
      fromCallback = err;
      throw err;
    }
  });
  try {
    await pipeline(input, splitter);
  } catch (err) {
    if (fromCallback !== undefined) throw fromCallback;
    throw new UsageError(`convert: can't read ${path === '-' ? 'stdin' : path}: ${describe(err)}`);
  }
}

/** The first lines of a file (up to about 64 KB), for format detection and ordering. */
export async function peekLines(path: string, maxLines = 50): Promise<string[]> {
  const lines: string[] = [];
  let bytes = 0;
  try {
    const input = await openDecoded(path);
    let tail = '';
    for await (const chunk of input) {
      const text = tail + (chunk as Buffer).toString('utf8');
      const parts = text.split(/\r?\n/);
      tail = parts.pop()!;
      for (const part of parts) if (part.trim().length > 0 && lines.length < maxLines) lines.push(part);
      bytes += (chunk as Buffer).length;
      if (lines.length >= maxLines || bytes >= PEEK_BYTES) break;
    }
    if (lines.length < maxLines && tail.trim().length > 0 && bytes < PEEK_BYTES) lines.push(tail);
    input.destroy();
  } catch (err) {
    throw new UsageError(`convert: can't read ${path}: ${describe(err)}`);
  }
  return lines;
}

/**
 * Order files by the time of their first parseable line (rotated logs: `access.log.2.gz`,
 * `access.log.1`, `access.log`), keeping the given order for ties and for files with none.
 */
export async function orderByFirstTime(paths: readonly string[], parser: LineParser): Promise<string[]> {
  if (paths.length < 2) return [...paths];
  const keyed = await Promise.all(
    paths.map(async (path, index) => {
      let first = Number.POSITIVE_INFINITY;
      for (const text of await peekLines(path)) {
        const result = parser.parse(text, 0, 0, 0);
        if (!(result instanceof ParseFailure)) {
          first = result.time;
          break;
        }
      }
      return { path, index, first };
    }),
  );
  keyed.sort((a, b) => a.first - b.first || a.index - b.index);
  return keyed.map((k) => k.path);
}
