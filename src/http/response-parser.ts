/**
 * Incremental HTTP/1.x response parser for the load engine's hot path. It works on the bytes
 * as they arrive (any split, including a shared read buffer that is reused after each call),
 * copies only partial header blocks and chunk-size lines, and reports per reply exactly the
 * figures httperf accounts (spec 4.5): header bytes (status line + headers + blank line),
 * content bytes (body without chunk framing) and footer bytes (chunked trailer + final CRLF).
 *
 * Framing rules: HEAD, 1xx, 204, 304 and Content-Length: 0 have no body; Content-Length: n;
 * Transfer-Encoding: chunked; otherwise the body runs until the server closes. Interim 1xx
 * replies (100 Continue) are skipped, not counted (httperf mis-parses them).
 */

/** What the parser tells its owner. One sink per connection: calls stay monomorphic. */
export interface ReplySink {
  /**
   * First byte of a new reply arrived, with `available` bytes of the current read from there on;
   * return true when the request was HEAD (no body). The sink may drop the connection instead.
   */
  onReplyStart(available: number): boolean;
  /** Reply complete. `keepAlive` false means the server will close the connection. */
  onReplyComplete(status: number, headerBytes: number, contentBytes: number, footerBytes: number, keepAlive: boolean, cookie: string | undefined): void;
  /** The byte stream is not HTTP: the connection must be dropped. */
  onProtocolError(reason: string): void;
}

const enum State {
  Idle,
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailer,
  UntilClose,
}

const CR = 13;
const LF = 10;
/** Larger header blocks are a broken or hostile server, not a web page. */
const MAX_HEADER_BYTES = 256 * 1024;

export class ResponseParser {
  private state = State.Idle;
  private partial: Buffer | null = null;
  private status = 0;
  private isHead = false;
  private keepAlive = true;
  private cookie: string | undefined = undefined;
  private headerBytes = 0;
  private contentBytes = 0;
  private footerBytes = 0;
  private remaining = 0;
  /** What the head being parsed said: keep-alive, Content-Length (-1: none), chunked. */
  private headKeepAlive = true;
  private headLength = -1;
  private headChunked = false;
  private lineAcc = '';
  /** Set by reset(): the owner dropped the connection, so stop feeding the rest of a read. */
  private detached = false;

  constructor(
    private readonly sink: ReplySink,
    /** Whether the request was HTTP/1.0 (then keep-alive needs an explicit header). */
    private readonly http10: boolean,
    /** Whether to extract Set-Cookie (only with --session-cookies). */
    private readonly wantCookie: boolean,
  ) {}

  /** True while a close-delimited body is being read: EOF then completes the reply. */
  get readingUntilClose(): boolean {
    return this.state === State.UntilClose;
  }

  /** Feed bytes [start, end) of `buf`. The buffer may be reused by the caller afterwards. */
  feed(buf: Buffer, start: number, end: number): void {
    let i = start;
    this.detached = false;
    while (i < end && !this.detached) {
      switch (this.state) {
        case State.Idle:
          this.beginReply(end - i);
          break;
        case State.Head:
          i = this.feedHead(buf, i, end);
          break;
        case State.Length: {
          const take = Math.min(this.remaining, end - i);
          this.contentBytes += take;
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.complete();
          break;
        }
        case State.ChunkSize:
        case State.Trailer:
          i = this.feedLine(buf, i, end);
          break;
        case State.ChunkData: {
          const take = Math.min(this.remaining, end - i);
          this.contentBytes += take;
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) {
            this.state = State.ChunkDataEnd;
            this.remaining = 2;
          }
          break;
        }
        case State.ChunkDataEnd: {
          // The CRLF after chunk data is framing: counted nowhere (httperf does the same).
          const take = Math.min(this.remaining, end - i);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = State.ChunkSize;
          break;
        }
        case State.UntilClose:
          this.contentBytes += end - i;
          i = end;
          break;
      }
    }
  }

  /** The server closed the connection. Returns true when that completed a reply. */
  finishOnClose(): boolean {
    if (this.state !== State.UntilClose) return false;
    this.keepAlive = false;
    this.complete();
    return true;
  }

  /** Forget any reply in progress (the connection is gone). */
  reset(): void {
    this.detached = true;
    this.state = State.Idle;
    this.partial = null;
    this.lineAcc = '';
  }

  private beginReply(available: number): void {
    this.state = State.Head;
    this.headerBytes = 0;
    this.contentBytes = 0;
    this.footerBytes = 0;
    this.cookie = undefined;
    // The sink may reject the bytes (no request outstanding) and reset us.
    this.isHead = this.sink.onReplyStart(available);
  }

  /** Collect the header block up to the blank line, then parse it. */
  private feedHead(buf: Buffer, i: number, end: number): number {
    if (this.partial === null) {
      const blank = findBlankLine(buf, i, end);
      if (blank < 0) return this.keepPartial(buf, i, end, end);
      const stop = blankLineEnd(buf, blank);
      if (!this.parseHead(buf, i, blank, stop)) return end;
      return stop;
    }
    // Rare: the header block was split across reads. Join with the new bytes.
    const prevLen = this.partial.length;
    const block = Buffer.concat([this.partial, buf.subarray(i, end)]);
    this.partial = null;
    const blank = findBlankLine(block, 0, block.length);
    if (blank < 0) return this.keepPartial(block, 0, block.length, end);
    const stop = blankLineEnd(block, blank);
    if (!this.parseHead(block, 0, blank, stop)) return end;
    return i + stop - prevLen;
  }

  private keepPartial(block: Buffer, start: number, stop: number, end: number): number {
    if (stop - start > MAX_HEADER_BYTES) {
      this.fail(`reply header larger than ${MAX_HEADER_BYTES} bytes`);
      return end;
    }
    this.partial = Buffer.from(block.subarray(start, stop));
    return end;
  }

  /**
   * Parse status line and headers in block[start, stop); the blank line that ends them starts at
   * `blank`. Returns false on a protocol error. Lines may end in CRLF or a bare LF (RFC 9112 2.2).
   * Works on bytes: only the values of Connection, Transfer-Encoding and Set-Cookie become strings.
   */
  private parseHead(block: Buffer, start: number, blank: number, stop: number): boolean {
    const status = this.statusOf(block, start, stop);
    if (status < 0) return false;
    const replyIs10 = block[start + 7] === 48; // "HTTP/1.0"
    this.headKeepAlive = !(this.http10 || replyIs10);
    this.headLength = -1;
    this.headChunked = false;
    if (!this.scanHeaders(block, block.indexOf(LF, start) + 1, blank)) return false;
    this.headerBytes += stop - start;
    if (status < 200 && status !== 101) {
      // Interim reply: its bytes are header bytes of the final reply; keep reading headers.
      this.state = State.Head;
      return true;
    }
    this.status = status;
    this.keepAlive = this.headKeepAlive;
    this.startBody(status);
    return true;
  }

  /** The status code of the status line at block[start, stop), or -1 (reported) when it is invalid. */
  private statusOf(block: Buffer, start: number, stop: number): number {
    const d0 = block[start + 9]! - 48;
    const d1 = block[start + 10]! - 48;
    const d2 = block[start + 11]! - 48;
    if (stop - start < 14 || !startsWithHttp1(block, start) || d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9 || block[start + 8] !== 32) {
      this.fail(`invalid status line '${firstLine(block, start, stop)}'`);
      return -1;
    }
    return d0 * 100 + d1 * 10 + d2;
  }

  /**
   * Read the header lines from `lineStart` to the blank line into headKeepAlive, headLength,
   * headChunked and the cookie. Returns false (reported) on a bad or conflicting Content-Length.
   */
  private scanHeaders(block: Buffer, lineStart: number, blank: number): boolean {
    while (lineStart > 0 && lineStart < blank) {
      const lineEnd = block.indexOf(LF, lineStart);
      const valueEnd = block[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
      // Only a few headers matter; test the first letter before comparing names.
      const first = block[lineStart]! | 0x20;
      if (first === 0x63 /* c */) {
        if (!this.cHeader(block, lineStart, valueEnd)) return false;
      } else if (first === 0x74 /* t */) {
        const at = nameEnd(block, lineStart, valueEnd, TRANSFER_ENCODING);
        if (at > 0) this.headChunked = containsLower(block, at, valueEnd, CHUNKED);
      } else if (first === 0x73 /* s */ && this.wantCookie) {
        const at = nameEnd(block, lineStart, valueEnd, SET_COOKIE);
        if (at > 0) {
          const value = block.toString('latin1', at, valueEnd).trim();
          const semi = value.indexOf(';');
          this.cookie = semi < 0 ? value : value.slice(0, semi);
        }
      }
      lineStart = lineEnd + 1;
    }
    return true;
  }

  /** A header line starting with `c`: Content-Length or Connection. False (reported) on a bad length. */
  private cHeader(block: Buffer, lineStart: number, valueEnd: number): boolean {
    let at = nameEnd(block, lineStart, valueEnd, CONTENT_LENGTH);
    if (at > 0) {
      const value = parseDecimal(block, at, valueEnd);
      if (value < 0) {
        this.fail('invalid Content-Length');
        return false;
      }
      // Two different lengths: no way to know where the reply ends (RFC 9112 6.3).
      if (this.headLength >= 0 && value !== this.headLength) {
        this.fail(`two different Content-Length values (${this.headLength} and ${value})`);
        return false;
      }
      this.headLength = value;
    } else if ((at = nameEnd(block, lineStart, valueEnd, CONNECTION)) > 0) {
      // Compared as bytes: a string per reply here was ~8% of the engine's allocation.
      if (containsLower(block, at, valueEnd, CLOSE)) this.headKeepAlive = false;
      else if (containsLower(block, at, valueEnd, KEEP_ALIVE)) this.headKeepAlive = true;
    }
    return true;
  }

  /** After the head of a final reply: how its body is framed (RFC 9112 6.3). */
  private startBody(status: number): void {
    if (this.isHead || status === 204 || status === 304 || status < 200) {
      this.complete();
    } else if (this.headChunked) {
      this.state = State.ChunkSize;
      this.lineAcc = '';
    } else if (this.headLength >= 0) {
      if (this.headLength === 0) this.complete();
      else {
        this.state = State.Length;
        this.remaining = this.headLength;
      }
    } else {
      this.state = State.UntilClose;
      this.keepAlive = false;
    }
  }

  /** Read a CRLF-terminated line (chunk size or trailer line). */
  private feedLine(buf: Buffer, i: number, end: number): number {
    const lf = buf.indexOf(LF, i);
    if (lf < 0 || lf >= end) {
      if (this.lineAcc.length + (end - i) > 8192) {
        this.fail('chunk-size or trailer line too long');
        return end;
      }
      this.lineAcc += buf.toString('latin1', i, end);
      return end;
    }
    const line = this.lineAcc + buf.toString('latin1', i, lf + 1);
    this.lineAcc = '';
    if (this.state === State.ChunkSize) {
      const size = parseChunkSize(line);
      if (size < 0) {
        this.fail(`invalid chunk size line '${JSON.stringify(line.trim().slice(0, 40)).slice(1, -1)}'`);
        return end;
      }
      if (size === 0) this.state = State.Trailer;
      else {
        this.state = State.ChunkData;
        this.remaining = size;
      }
    } else {
      this.footerBytes += line.length;
      if (line === '\r\n' || line === '\n') this.complete();
    }
    return lf + 1;
  }

  private complete(): void {
    this.state = State.Idle;
    this.sink.onReplyComplete(this.status, this.headerBytes, this.contentBytes, this.footerBytes, this.keepAlive, this.cookie);
  }

  private fail(reason: string): void {
    this.reset();
    this.sink.onProtocolError(reason);
  }
}

/** Lower-case header names the parser looks for, as bytes. */
const CONTENT_LENGTH = Buffer.from('content-length');
const CONNECTION = Buffer.from('connection');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding');
const SET_COOKIE = Buffer.from('set-cookie');
const CLOSE = Buffer.from('close');
const KEEP_ALIVE = Buffer.from('keep-alive');
const CHUNKED = Buffer.from('chunked');
const HTTP1 = Buffer.from('HTTP/1.');

/**
 * Index of the blank line that ends the header block starting at `start`, or -1 when it has not
 * arrived yet. A line ends at LF, with or without CR before it, so the block ends at the first
 * LF followed by LF or by CR LF.
 */
function findBlankLine(block: Buffer, start: number, end: number): number {
  let lf = block.indexOf(LF, start);
  while (lf >= 0 && lf < end) {
    const next = lf + 1;
    if (next >= end) return -1;
    if (block[next] === LF) return next;
    if (block[next] === CR) {
      if (next + 1 >= end) return -1;
      if (block[next + 1] === LF) return next;
    }
    lf = block.indexOf(LF, next);
  }
  return -1;
}

/** Index just after the blank line at `blank` (LF or CR LF). */
function blankLineEnd(block: Buffer, blank: number): number {
  return block[blank] === CR ? blank + 2 : blank + 1;
}

/** The largest chunk a reply may announce: more hex digits than this is a broken server. */
const MAX_CHUNK_SIZE_DIGITS = 12;
const CHUNK_SIZE_LINE = /^([0-9a-fA-F]+)[ \t]*(?:;[^\r\n]*)?\r?\n$/;

/**
 * Size in a chunk-size line (`1a3f`, `1a3f;ext=1`, CRLF or LF), or -1 when the line is not one:
 * junk after the digits (`2g`), no digits, or more than 12 significant hex digits (a 256 GB chunk).
 */
function parseChunkSize(line: string): number {
  const match = CHUNK_SIZE_LINE.exec(line);
  if (match === null) return -1;
  const digits = match[1]!.replace(/^0+(?=.)/, '');
  return digits.length > MAX_CHUNK_SIZE_DIGITS ? -1 : parseInt(digits, 16);
}

function startsWithHttp1(block: Buffer, start: number): boolean {
  for (let i = 0; i < HTTP1.length; i++) if (block[start + i] !== HTTP1[i]) return false;
  return true;
}

/**
 * If the header line at `start` is `name:` (case-insensitive), the index just after the colon;
 * otherwise -1.
 */
function nameEnd(block: Buffer, start: number, end: number, name: Buffer): number {
  const n = name.length;
  if (end - start <= n || block[start + n] !== 0x3a /* : */) return -1;
  for (let i = 0; i < n; i++) if ((block[start + i]! | 0x20) !== name[i]) return -1;
  return start + n + 1;
}

/** Whether block[start, end) contains `needle` (lower-case bytes), ignoring ASCII case. */
function containsLower(block: Buffer, start: number, end: number, needle: Buffer): boolean {
  const n = needle.length;
  for (let i = start; i + n <= end; i++) {
    let j = 0;
    while (j < n && (block[i + j]! | 0x20) === needle[j]) j++;
    if (j === n) return true;
  }
  return false;
}

/** The status line for messages (at most 60 characters). */
function firstLine(block: Buffer, start: number, stop: number): string {
  const lf = block.indexOf(LF, start);
  const end = Math.min(lf < 0 || lf > stop ? stop : lf, start + 60);
  return block.toString('latin1', start, end).trim();
}

/** Parse a non-negative decimal in block[start, end), ignoring spaces and tabs; -1 if invalid. */
function parseDecimal(block: Buffer, start: number, end: number): number {
  let n = 0;
  let digits = 0;
  for (let i = start; i < end; i++) {
    const c = block[i]!;
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      digits++;
    } else if (c !== 32 && c !== 9) return -1;
  }
  return digits > 0 && Number.isSafeInteger(n) ? n : -1;
}
