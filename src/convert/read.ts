/**
 * Reading access logs: files or stdin, gzip detected by its magic bytes (not the name), cut on
 * the raw bytes into blocks of whole lines handed synchronously to a callback as latin1 strings
 * (no per-line strings or stream objects), and several files (rotated logs) read in the order of
 * their first timestamp. Plain files are read synchronously into one reused buffer; gzip data,
 * stdin and pipes go through streams.
 *
 * A piece of a block kept for long (a client key, a URI in an open session) would keep the whole
 * block alive (the reason split2 was dropped: 425 MB for 1M lines): the sessionizer keeps only
 * own copies or cached strings (intern.ts); records waiting in the reorder window hold their
 * block for a window's worth of input, which is bounded.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isAscii } from 'node:buffer';
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
 * Largest block handed out: a string this small is allocated in the young generation, where it
 * dies cheaply; a larger one goes to the large-object space and brings full collections on.
 */
const BLOCK_BYTES = 32 * 1024;

/** Hand `bytes` (whole lines) to `onBlock` as latin1 strings of at most about BLOCK_BYTES, cut after a LF. */
function deliverBlocks(bytes: Buffer, onBlock: (text: string, ascii: boolean) => void): void {
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.length;
    if (end - start > BLOCK_BYTES) {
      const nl = bytes.lastIndexOf(0x0a, start + BLOCK_BYTES - 1);
      end = nl >= start ? nl + 1 : bytes.indexOf(0x0a, start + BLOCK_BYTES) + 1 || bytes.length;
    }
    const block = bytes.subarray(start, end);
    onBlock(block.toString('latin1'), isAscii(block));
    start = end;
  }
}

/**
 * A writable end that cuts bytes into blocks of whole lines and hands each block to `onBlock` as
 * one latin1 string (one character per byte, so a block costs a memcpy, not a UTF-8 decode, and
 * no string is made per line). Every line of a block ends with LF except possibly the very last
 * line of the input, delivered at the end. Only a line that straddles two chunks is copied.
 */
export class BlockSplitter extends Writable {
  private readonly cutter: BlockCutter;

  /** `onBlock(text, ascii)`: `ascii` is true when the block has no byte above 0x7f (checked natively). */
  constructor(onBlock: (text: string, ascii: boolean) => void) {
    super({ highWaterMark: 256 * 1024 });
    this.cutter = new BlockCutter(onBlock);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      this.cutter.push(chunk);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    try {
      this.cutter.end();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }
}

/** BlockSplitter's work without a stream: `push` chunks (which may be reused afterwards), then `end`. */
class BlockCutter {
  private rest: Buffer | undefined;

  constructor(private readonly onBlock: (text: string, ascii: boolean) => void) {}

  push(chunk: Buffer): void {
    const last = chunk.lastIndexOf(0x0a);
    if (last < 0) {
      this.rest = this.rest === undefined ? Buffer.from(chunk) : Buffer.concat([this.rest, chunk]);
      return;
    }
    let start = 0;
    if (this.rest !== undefined) {
      const nl = chunk.indexOf(0x0a);
      deliverBlocks(Buffer.concat([this.rest, chunk.subarray(0, nl + 1)]), this.onBlock);
      this.rest = undefined;
      start = nl + 1;
    }
    if (start <= last) deliverBlocks(chunk.subarray(start, last + 1), this.onBlock);
    if (last + 1 < chunk.length) this.rest = Buffer.from(chunk.subarray(last + 1));
  }

  end(): void {
    if (this.rest !== undefined && this.rest.length > 0) deliverBlocks(this.rest, this.onBlock);
    this.rest = undefined;
  }
}

/** Bytes read at a time from a plain file. */
const READ_BYTES = 256 * 1024;

/**
 * `readBlocks` for a regular, uncompressed file: synchronous reads into one reused buffer (no
 * stream machinery, no buffer per chunk). Returns false, having read nothing, for anything else
 * (gzip data, pipes, devices): the stream path handles those.
 */
function readPlainFileBlocks(path: string, onBlock: (text: string, ascii: boolean) => void): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new UsageError(`convert: can't read ${path}: ${describe(err)}`);
  }
  try {
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    const read = (): number => {
      try {
        return readSync(fd, buffer, 0, buffer.length, null);
      } catch (err) {
        throw new UsageError(`convert: can't read ${path}: ${describe(err)}`);
      }
    };
    if (!fstatSync(fd).isFile()) return false;
    let n = read();
    if (n >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b) return false;
    const cutter = new BlockCutter(onBlock);
    while (n > 0) {
      cutter.push(buffer.subarray(0, n));
      n = read();
    }
    cutter.end();
    return true;
  } finally {
    closeSync(fd);
  }
}

/**
 * Call `onBlock(text)` for every block of whole lines of `path` (see BlockSplitter: latin1, one
 * character per byte; the reader decodes lines with non-ASCII bytes as UTF-8 itself).
 * Read errors become UsageError naming the file; errors thrown by `onBlock` pass through.
 */
export async function readBlocks(path: string, onBlock: (text: string, ascii: boolean) => void): Promise<void> {
  if (path !== '-' && readPlainFileBlocks(path, onBlock)) return;
  let input: Readable;
  try {
    input = await openDecoded(path);
  } catch (err) {
    throw new UsageError(`convert: can't read ${path === '-' ? 'stdin' : path}: ${describe(err)}`);
  }
  let fromCallback: unknown;
  const splitter = new BlockSplitter((text, ascii) => {
    try {
      onBlock(text, ascii);
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
