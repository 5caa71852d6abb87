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
import { Readable, Writable, pipeline as streamPipeline } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isAscii } from 'node:buffer';
import { createGunzip } from 'node:zlib';
import { UsageError } from '../errors.js';
import { fsReason } from '../util/files.js';
import { ParseFailure, type LineParser } from './record.js';

/** Bytes read from each file to find its first timestamp. */
const PEEK_BYTES = 64 * 1024;


/** The bytes of `path` ('-' is stdin), decompressed when they start with the gzip magic. */
async function openDecoded(path: string): Promise<Readable> {
  const source: Readable = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 256 * 1024 });
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await iterator.next();
  const head = first.done === true ? undefined : first.value;
  const rest = Readable.from(
    (async function* () {
      try {
        if (head !== undefined) yield head;
        for (;;) {
          const next = await iterator.next();
          if (next.done === true) return;
          yield next.value;
        }
      } finally {
        // Destroying `rest` early (peekLines stops after 64 KB) must close the file too: the
        // manual next() calls above do not pass the generator's return on to the source.
        await iterator.return?.();
      }
    })(),
    { objectMode: false },
  );
  if (head !== undefined && head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    // pipeline, not pipe: an error or early destroy of either end destroys the other (and the file).
    return streamPipeline(rest, createGunzip(), () => undefined);
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
      throw new UsageError(`convert: can't open ${path}: ${fsReason(err)}`);
    }
  }
}

/**
 * Largest block handed out: a string this small is allocated in the young generation, where it
 * dies cheaply; a larger one goes to the large-object space and brings full collections on.
 */
const BLOCK_BYTES = 32 * 1024;

/**
 * Longest line read, in bytes before its LF. A longer line is not kept: its bytes are skipped as
 * they stream past and it is reported as one "line too long" (no access-log line is this long;
 * a file without line breaks, such as a compressed file of zeros, must not be held whole).
 */
export const MAX_LINE_BYTES = 1024 * 1024;

/** Receives what the reader cuts: blocks of whole lines, and lines too long to be read. */
export interface BlockHandler {
  /** A block as a latin1 string; `ascii` is true when it has no byte above 0x7f (checked natively). */
  block(text: string, ascii: boolean): void;
  /** A line longer than MAX_LINE_BYTES was skipped (`bytes` long before its LF), in its place in the order. */
  longLine(bytes: number): void;
}

/** `onBlock` alone, for callers with no use for long lines (which are then dropped silently). */
function asHandler(onBlock: BlockHandler | ((text: string, ascii: boolean) => void)): BlockHandler {
  return typeof onBlock === 'function' ? { block: onBlock, longLine: () => undefined } : onBlock;
}

/**
 * A writable end that cuts bytes into blocks of whole lines and hands each block to `onBlock` as
 * one latin1 string (one character per byte, so a block costs a memcpy, not a UTF-8 decode, and
 * no string is made per line). Every line of a block ends with LF except possibly the very last
 * line of the input, delivered at the end. Only a line that straddles two chunks is copied.
 */
export class BlockSplitter extends Writable {
  private readonly cutter: BlockCutter;

  /** `onBlock(text, ascii)` or a handler that also hears of lines too long to read. */
  constructor(onBlock: BlockHandler | ((text: string, ascii: boolean) => void)) {
    super({ highWaterMark: 256 * 1024 });
    this.cutter = new BlockCutter(asHandler(onBlock));
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

/**
 * BlockSplitter's work without a stream: `push` chunks (which may be reused afterwards), then `end`.
 * Linear in the input: a line that straddles chunks is collected as a list of copies and joined
 * once, at its LF; past MAX_LINE_BYTES its bytes are only counted.
 */
class BlockCutter {
  /** Copies of the pieces of the line begun in earlier chunks, and their total length. */
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** Bytes of a line begun earlier that is already too long (its bytes are skipped), or -1. */
  private skipped = -1;

  constructor(private readonly handler: BlockHandler) {}

  push(chunk: Buffer): void {
    const first = chunk.indexOf(0x0a);
    if (first < 0) {
      this.hold(chunk);
      return;
    }
    let start = 0;
    if (this.partBytes > 0 || this.skipped >= 0) {
      this.endHeldLine(chunk.subarray(0, first + 1));
      start = first + 1;
    }
    const last = chunk.lastIndexOf(0x0a);
    if (start <= last) this.deliver(chunk.subarray(start, last + 1));
    if (last + 1 < chunk.length) this.hold(chunk.subarray(last + 1));
  }

  end(): void {
    if (this.skipped >= 0) this.handler.longLine(this.skipped);
    else if (this.partBytes > 0) this.deliver(Buffer.concat(this.parts, this.partBytes));
    this.parts = [];
    this.partBytes = 0;
    this.skipped = -1;
  }

  /** Keep `piece` (no LF in it) as part of the line being collected, or count it once too long. */
  private hold(piece: Buffer): void {
    if (this.skipped >= 0) this.skipped += piece.length;
    else if (this.partBytes + piece.length > MAX_LINE_BYTES) {
      this.skipped = this.partBytes + piece.length;
      this.parts = [];
      this.partBytes = 0;
    } else if (piece.length > 0) {
      this.parts.push(Buffer.from(piece));
      this.partBytes += piece.length;
    }
  }

  /** The held line ends with `head` (up to and including its LF). */
  private endHeldLine(head: Buffer): void {
    const bytes = (this.skipped >= 0 ? this.skipped : this.partBytes) + head.length - 1;
    if (this.skipped >= 0 || bytes > MAX_LINE_BYTES) this.handler.longLine(bytes);
    else {
      this.parts.push(head);
      this.deliver(Buffer.concat(this.parts, this.partBytes + head.length));
    }
    this.parts = [];
    this.partBytes = 0;
    this.skipped = -1;
  }

  /**
   * Hand `bytes` (whole lines; the last may lack its LF only at the end of input) on as latin1
   * blocks of at most about BLOCK_BYTES, cut after a LF. A block longer than that is one line:
   * past MAX_LINE_BYTES it is reported as too long instead.
   */
  private deliver(bytes: Buffer): void {
    const handler = this.handler;
    let start = 0;
    while (start < bytes.length) {
      let end = bytes.length;
      if (end - start > BLOCK_BYTES) {
        const nl = bytes.lastIndexOf(0x0a, start + BLOCK_BYTES - 1);
        end = nl >= start ? nl + 1 : bytes.indexOf(0x0a, start + BLOCK_BYTES) + 1 || bytes.length;
        if (nl < start) {
          // One line of more than BLOCK_BYTES.
          const length = bytes[end - 1] === 0x0a ? end - start - 1 : end - start;
          if (length > MAX_LINE_BYTES) {
            handler.longLine(length);
            start = end;
            continue;
          }
        }
      }
      const block = bytes.subarray(start, end);
      handler.block(block.toString('latin1'), isAscii(block));
      start = end;
    }
  }
}

/** Bytes read at a time from a plain file. */
const READ_BYTES = 256 * 1024;

/**
 * `readBlocks` for a regular, uncompressed file: synchronous reads into one reused buffer (no
 * stream machinery, no buffer per chunk). Returns false, having read nothing, for anything else
 * (gzip data, pipes, devices): the stream path handles those.
 */
function readPlainFileBlocks(path: string, handler: BlockHandler): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new UsageError(`convert: can't read ${path}: ${fsReason(err)}`);
  }
  try {
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    const read = (): number => {
      try {
        return readSync(fd, buffer, 0, buffer.length, null);
      } catch (err) {
        throw new UsageError(`convert: can't read ${path}: ${fsReason(err)}`);
      }
    };
    if (!fstatSync(fd).isFile()) return false;
    let n = read();
    if (n >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b) return false;
    const cutter = new BlockCutter(handler);
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
 * character per byte; the reader decodes lines with non-ASCII bytes as UTF-8 itself), or the
 * handler's `block` and `longLine`. Read errors become UsageError naming the file; errors thrown
 * by the handler pass through.
 */
export async function readBlocks(path: string, onBlock: BlockHandler | ((text: string, ascii: boolean) => void)): Promise<void> {
  const handler = asHandler(onBlock);
  if (path !== '-' && readPlainFileBlocks(path, handler)) return;
  let input: Readable;
  try {
    input = await openDecoded(path);
  } catch (err) {
    throw new UsageError(`convert: can't read ${path === '-' ? 'stdin' : path}: ${fsReason(err)}`);
  }
  let fromCallback: unknown;
  const passing = <A extends unknown[]>(call: (...args: A) => void) => (...args: A): void => {
    try {
      call(...args);
    } catch (err) {
      fromCallback = err;
      throw err;
    }
  };
  const splitter = new BlockSplitter({
    block: passing((text: string, ascii: boolean) => handler.block(text, ascii)),
    longLine: passing((bytes: number) => handler.longLine(bytes)),
  });
  try {
    await pipeline(input, splitter);
  } catch (err) {
    if (fromCallback !== undefined) throw fromCallback;
    throw new UsageError(`convert: can't read ${path === '-' ? 'stdin' : path}: ${fsReason(err)}`);
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
    throw new UsageError(`convert: can't read ${path}: ${fsReason(err)}`);
  }
  return lines;
}

/**
 * Order files by the time of their first parseable line (rotated logs: `access.log.2.gz`,
 * `access.log.1`, `access.log`), each read with its own parser (`parsers[i]` for `paths[i]`),
 * keeping the given order for ties and for files with no parser or no parseable line.
 */
export async function orderByFirstTime(
  paths: readonly string[],
  parsers: ReadonlyArray<LineParser | undefined>,
): Promise<Array<{ path: string; parser: LineParser | undefined }>> {
  const keyed = await Promise.all(
    paths.map(async (path, index) => {
      const parser = parsers[index];
      let first = Number.POSITIVE_INFINITY;
      if (parser !== undefined) {
        for (const text of await peekLines(path)) {
          const result = parser.parse(text, 0, 0, 0);
          if (!(result instanceof ParseFailure)) {
            first = result.time;
            break;
          }
        }
      }
      return { path, parser, index, first };
    }),
  );
  keyed.sort((a, b) => a.first - b.first || a.index - b.index);
  return keyed.map(({ path, parser }) => ({ path, parser }));
}
