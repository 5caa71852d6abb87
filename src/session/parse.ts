/**
 * The wsesslog session-file grammar, text -> model: `parseSessionFile`, plus `loadSessionFile`
 * (read from disk, then parse). The other way, model -> text, is format.ts `formatSessionFile`
 * (re-exported here).
 *
 * The grammar is httperf 0.9.0's (shared spec section 2) with loadgen's documented changes:
 * strict `method=` and `think=`, the per-request `headers=` extension, CR of a CRLF line never
 * inside a value, no line-length or template-count limits, and every problem reported as an
 * `InputError` with FILE:LINE:COL instead of a crash or a line-less message.
 *
 * The parser works on the file's bytes (decoded as latin1, one char per byte) and keeps them:
 * URIs, header values and bodies in the model are the file's bytes (see model.ts), so they are
 * sent byte for byte whatever their encoding. A URI byte HTTP forbids in a request target
 * (a control character or DEL) is an error unless `rawUriBytes` is set. Columns in messages
 * count UTF-8 characters, not bytes.
 */
import { InputError } from '../errors.js';
import type { Burst, HttpMethod, SessionFile, SessionRequest, SessionTemplate } from './model.js';
import { readInputFile } from '../util/files.js';

export { formatSessionFile } from './format.js';

/** Methods accepted by `method=` (case-insensitive in the file, stored upper-case). */
export const SESSION_METHODS: readonly HttpMethod[] = [
  'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'PROPFIND', 'REPORT',
];

/** Attribute names a request line may carry after its URI. */
export const SESSION_ATTRIBUTES = ['method', 'think', 'contents', 'headers'] as const;

/**
 * Headers `headers=` may not set: their value is derived from the body, and a wrong one would
 * break the framing of every request that follows on the connection.
 */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding']);

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const SPACE = 0x20;
const HASH = 0x23;
const BACKSLASH = 0x5c;
const SINGLE_QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;
const UTF8_BOM = '\xEF\xBB\xBF';

/** A full non-negative decimal number: `1`, `0.25`, `.5`, `2.`, `1e-3`. No sign, no junk. */
const THINK_TIME_PATTERN = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** RFC 7230 `tchar`: the characters a header name (token) may hold. */
const TOKEN_CHAR_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;

/** Longest piece of user text quoted back in a message (a URI may be 100 KB). */
const MAX_QUOTED_IN_MESSAGE = 60;

/** Whitespace between tokens: space, tab, CR, VT, FF (C `isspace` without LF, which ends lines). */
function isSpace(code: number): boolean {
  return code === SPACE || code === TAB || code === CR || code === 0x0b || code === 0x0c;
}

/**
 * Parse the text of a session file into the session model.
 * `path` is used only in messages. Throws `InputError(path, line, column, reason)` for the first
 * problem in file order; never anything else for any input.
 */
export function parseSessionFile(text: string | Buffer, path: string, options: SessionParseOptions = {}): SessionFile {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return new SessionFileParser(bytes.toString('latin1'), path, options.rawUriBytes === true).parse();
}

/** How strict the parser is. */
export interface SessionParseOptions {
  /**
   * Accept control bytes (0x00-0x1f other than the whitespace that ends a URI) and DEL in URIs and
   * send them as they are (`--raw-uri-bytes`): for testing servers with requests HTTP forbids.
   */
  readonly rawUriBytes?: boolean;
}

/**
 * Read and parse the session file at `path`. A file that cannot be read (missing, unreadable, a
 * directory) is `UsageError("can't open PATH: <reason>")`; bad content is an `InputError`.
 */
export async function loadSessionFile(path: string, options: SessionParseOptions = {}): Promise<SessionFile> {
  return parseSessionFile(await readInputFile(path), path, options);
}

/** Burst under construction (the model's types are read-only). */
interface BurstDraft {
  requests: SessionRequest[];
  thinkTime?: number;
}

/** Template under construction. */
interface TemplateDraft {
  line: number;
  bursts: BurstDraft[];
}

/** Attributes gathered from one request line before the request object is built. */
interface RequestAttributes {
  method: HttpMethod;
  body?: Buffer;
  headers: Array<readonly [string, string]>;
}

/** A problem found while scanning a quoted value; turned into an InputError by the parser. */
class ScanProblem {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

/**
 * The text of a `contents=`/`headers=` value and, for messages, where each of its characters came
 * from in the file. Literal runs map one to one; an escape or a continuation maps to its backslash.
 */
class ScannedValue {
  /** @param trackSources keep the source map (only `headers=` needs it, for its messages). */
  constructor(private readonly trackSources: boolean) {}

  private readonly parts: string[] = [];
  private length = 0;
  private readonly pieceStart: number[] = [];
  private readonly pieceSource: number[] = [];
  private readonly pieceIsLiteral: boolean[] = [];

  /** Append `text` copied verbatim from file offset `source`. */
  addLiteral(text: string, source: number): void {
    this.addPiece(text, source, true);
  }

  /** Append the one character an escape sequence starting at file offset `source` stands for. */
  addEscaped(char: string, source: number): void {
    this.addPiece(char, source, false);
  }

  /** The value so far (latin1: one char per byte). */
  text(): string {
    return this.parts.join('');
  }

  /** File offset that produced character `index` of the value. */
  sourceOf(index: number): number {
    let lo = 0;
    let hi = this.pieceStart.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.pieceStart[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    const base = this.pieceSource[lo] ?? 0;
    return this.pieceIsLiteral[lo] ? base + (index - (this.pieceStart[lo] ?? 0)) : base;
  }

  private addPiece(text: string, source: number, literal: boolean): void {
    if (text.length === 0) return;
    this.parts.push(text);
    const start = this.length;
    this.length += text.length;
    if (!this.trackSources) return;
    this.pieceStart.push(start);
    this.pieceSource.push(source);
    this.pieceIsLiteral.push(literal);
  }
}

/** One pass over the file; `pos` only moves forward, so the work is linear in the file size. */
class SessionFileParser {
  private pos: number;
  private line = 1;
  private readonly contentStart: number;
  private readonly templates: SessionTemplate[] = [];
  private current: TemplateDraft | undefined;

  constructor(
    private readonly src: string,
    private readonly path: string,
    private readonly rawUriBytes: boolean,
  ) {
    // A UTF-8 byte-order mark (some Windows editors write one) is not part of the first URI.
    this.contentStart = src.startsWith(UTF8_BOM) ? UTF8_BOM.length : 0;
    this.pos = this.contentStart;
  }

  parse(): SessionFile {
    while (this.pos < this.src.length) this.parseLine();
    this.closeTemplate();
    if (this.templates.length === 0) {
      throw new InputError(this.path, 1, 1, 'no requests in session file');
    }
    return { path: this.path, templates: this.templates };
  }

  /** Parse the physical line at `pos` (and any lines a backslash continuation pulls in). */
  private parseLine(): void {
    const src = this.src;
    const lineStart = this.pos;
    if (src.charCodeAt(lineStart) === HASH) {
      this.skipRestOfLine();
      return;
    }
    let p = lineStart;
    while (p < src.length && isSpace(src.charCodeAt(p))) p++;
    if (p >= src.length || src.charCodeAt(p) === LF) {
      // Blank line: ends the template if it has requests (runs of blank lines never make empty ones).
      this.pos = p;
      this.closeTemplate();
      this.endLine();
      return;
    }

    const requestLine = this.line;
    const uriStart = p;
    while (p < src.length && !isSpace(src.charCodeAt(p)) && src.charCodeAt(p) !== LF) p++;
    if (!this.rawUriBytes) this.checkUriBytes(uriStart, p);
    const uri = src.slice(uriStart, p);
    const burst = this.burstFor(uriStart > lineStart, requestLine);
    this.pos = p;
    const attributes = this.parseAttributes(burst);
    const request: SessionRequest = {
      uri,
      method: attributes.method,
      ...(attributes.body !== undefined ? { body: attributes.body } : {}),
      ...(attributes.headers.length > 0 ? { headers: attributes.headers } : {}),
      line: requestLine,
    };
    burst.requests.push(request);
    this.endLine();
  }

  /**
   * A request target may not hold control bytes or DEL (RFC 9112 3.2; whitespace already ends the
   * URI). Non-ASCII bytes are allowed and sent verbatim, as httperf does.
   */
  private checkUriBytes(start: number, end: number): void {
    const src = this.src;
    for (let i = start; i < end; i++) {
      const code = src.charCodeAt(i);
      if (code < SPACE || code === 0x7f) {
        this.fail(i, `URI contains control character ${describeChar(src, i)} (not allowed in a request; percent-encode it, or send it as is with --raw-uri-bytes)`);
      }
    }
  }

  /**
   * The burst a request line joins: the first request of a template opens its first burst
   * whatever its indentation; later indented lines join the current burst, others open a new one.
   */
  private burstFor(indented: boolean, line: number): BurstDraft {
    if (this.current === undefined) {
      const burst: BurstDraft = { requests: [] };
      this.current = { line, bursts: [burst] };
      return burst;
    }
    const bursts = this.current.bursts;
    if (indented) return bursts[bursts.length - 1]!;
    const burst: BurstDraft = { requests: [] };
    bursts.push(burst);
    return burst;
  }

  private closeTemplate(): void {
    if (this.current === undefined) return;
    const bursts: Burst[] = this.current.bursts;
    this.templates.push({ bursts, line: this.current.line });
    this.current = undefined;
  }

  /** Attributes after the URI, in any order, up to the end of the (possibly continued) line. */
  private parseAttributes(burst: BurstDraft): RequestAttributes {
    const src = this.src;
    const attributes: RequestAttributes = { method: 'GET', headers: [] };
    for (;;) {
      while (this.pos < src.length && isSpace(src.charCodeAt(this.pos))) this.pos++;
      if (this.pos >= src.length || src.charCodeAt(this.pos) === LF) return attributes;

      const tokenStart = this.pos;
      let p = tokenStart;
      while (p < src.length && !isSpace(src.charCodeAt(p)) && src.charCodeAt(p) !== LF && src[p] !== '=') p++;
      const name = src.slice(tokenStart, p);
      if (src[p] !== '=') this.failNoEquals(tokenStart, name);
      const valueStart = p + 1;
      switch (name) {
        case 'method':
          attributes.method = this.parseMethod(tokenStart, valueStart);
          break;
        case 'think':
          burst.thinkTime = this.parseThinkTime(tokenStart, valueStart);
          break;
        case 'contents': {
          // Several contents= on one line: the last wins (as in httperf); '' means no body.
          const body = this.scanValue(tokenStart, valueStart, name).text();
          attributes.body = body.length > 0 ? Buffer.from(body, 'latin1') : undefined;
          break;
        }
        case 'headers':
          // One by one: spreading a huge list into push() would overflow the call stack.
          for (const header of this.parseHeaders(tokenStart, valueStart)) attributes.headers.push(header);
          break;
        default:
          this.fail(
            tokenStart,
            `unknown attribute "${quoteForMessage(name)}" (known attributes: ${knownAttributesList()})`,
          );
      }
    }
  }

  /** A token after the URI without `=`: a known name missing its value, or junk. */
  private failNoEquals(tokenStart: number, name: string): never {
    if ((SESSION_ATTRIBUTES as readonly string[]).includes(name)) {
      this.fail(tokenStart, `attribute "${name}" needs a value: write ${name}=VALUE`);
    }
    this.fail(
      tokenStart,
      `unknown attribute "${quoteForMessage(name)}" (known attributes: ${knownAttributesList()}; ` +
        'a URI cannot contain spaces)',
    );
  }

  /** The unquoted word after `name=`, which must not be empty. Leaves `pos` after it. */
  private readWord(tokenStart: number, valueStart: number, name: string): string {
    const src = this.src;
    let p = valueStart;
    while (p < src.length && !isSpace(src.charCodeAt(p)) && src.charCodeAt(p) !== LF) p++;
    if (p === valueStart) this.fail(tokenStart, `${name}= needs a value`);
    this.pos = p;
    return src.slice(valueStart, p);
  }

  private parseMethod(tokenStart: number, valueStart: number): HttpMethod {
    const word = this.readWord(tokenStart, valueStart, 'method');
    const method = word.toUpperCase();
    if (!(SESSION_METHODS as readonly string[]).includes(method)) {
      this.fail(
        valueStart,
        `unknown method "${quoteForMessage(word)}" (allowed: ${SESSION_METHODS.join(', ')})`,
      );
    }
    return method as HttpMethod;
  }

  private parseThinkTime(tokenStart: number, valueStart: number): number {
    const word = this.readWord(tokenStart, valueStart, 'think');
    const seconds = THINK_TIME_PATTERN.test(word) ? Number(word) : Number.NaN;
    if (!Number.isFinite(seconds)) {
      this.fail(
        valueStart,
        `bad think time "${quoteForMessage(word)}": expected a non-negative number of seconds, e.g. think=0.5`,
      );
    }
    return seconds;
  }

  /**
   * Scan a `contents=`/`headers=` value with httperf's quoting: `'..'` and `".."` concatenate
   * shell-style; backslash escapes (`\n` `\r` `\t`, anything else stands for itself) work inside
   * and outside quotes; a backslash before the newline continues the value on the next physical
   * line (keeping an LF). Outside quotes the value ends at whitespace or the end of the line; the
   * CR of a CRLF line end is never part of it. Leaves `pos` just after the value.
   */
  private scanValue(tokenStart: number, valueStart: number, name: string): ScannedValue {
    const value = new ScannedValue(false);
    const problem = this.scanValueInto(value, tokenStart, valueStart, name);
    if (problem !== undefined) this.fail(problem.offset, problem.reason);
    return value;
  }

  /** Scanner body of `scanValue`; reports a problem instead of throwing so callers can order them. */
  private scanValueInto(
    value: ScannedValue,
    tokenStart: number,
    valueStart: number,
    name: string,
  ): ScanProblem | undefined {
    const src = this.src;
    const end = src.length;
    if (this.isLineEnd(valueStart) || isSpace(src.charCodeAt(valueStart))) {
      return new ScanProblem(
        tokenStart,
        `${name}= needs a value (write ${name}='' for ${name === 'contents' ? 'no body' : 'none'})`,
      );
    }
    let p = valueStart;
    let quote = 0;
    let quoteStart = 0;
    for (;;) {
      if (this.isLineEnd(p)) {
        if (quote !== 0) {
          return new ScanProblem(quoteStart, `unterminated ${String.fromCharCode(quote)} quote in ${name}= value`);
        }
        break;
      }
      const code = src.charCodeAt(p);
      if (code === BACKSLASH) {
        const after = this.scanEscape(value, p);
        if (after instanceof ScanProblem) return after;
        p = after;
        continue;
      }
      if (quote !== 0 && code === quote) {
        quote = 0;
        p++;
        continue;
      }
      if (quote === 0 && (code === SINGLE_QUOTE || code === DOUBLE_QUOTE)) {
        quote = code;
        quoteStart = p;
        p++;
        continue;
      }
      if (quote === 0 && isSpace(code)) break;
      // A run of ordinary characters, copied in one slice.
      const runStart = p;
      p++;
      while (p < end && !this.endsLiteralRun(p, quote)) p++;
      value.addLiteral(src.slice(runStart, p), runStart);
    }
    this.pos = p;
    return undefined;
  }

  /**
   * The backslash at `p` inside a value: an escaped character, or a continuation on the next
   * physical line (an LF in the value). Returns where scanning goes on, or the problem.
   */
  private scanEscape(value: ScannedValue, p: number): number | ScanProblem {
    const src = this.src;
    const end = src.length;
    if (p + 1 >= end) return new ScanProblem(p, 'backslash continuation at end of file');
    if (!this.isLineEnd(p + 1)) {
      value.addEscaped(unescapeChar(src[p + 1]!), p);
      return p + 2;
    }
    // Continuation: the value goes on at the start of the next physical line, with an LF.
    const next = src.indexOf('\n', p + 1);
    if (next === -1 || next + 1 >= end) return new ScanProblem(p, 'backslash continuation at end of file');
    value.addEscaped('\n', p);
    this.line++;
    return next + 1;
  }

  /** True where a literal run inside a value must stop for the scanner to look closer. */
  private endsLiteralRun(p: number, quote: number): boolean {
    const code = this.src.charCodeAt(p);
    if (code === BACKSLASH || code === LF || code === CR) return true;
    if (quote !== 0) return code === quote;
    return code === SINGLE_QUOTE || code === DOUBLE_QUOTE || isSpace(code);
  }

  /** End of the physical line: EOF, LF, or the CR of a CRLF (or of a final CR without LF). */
  private isLineEnd(p: number): boolean {
    const src = this.src;
    if (p >= src.length) return true;
    const code = src.charCodeAt(p);
    if (code === LF) return true;
    return code === CR && (p + 1 >= src.length || src.charCodeAt(p + 1) === LF);
  }

  /**
   * `headers=VALUE`: one or more `Name: value` lines separated by LF (written `\n`). Names must be
   * RFC 7230 tokens; values are visible bytes (ASCII or not: RFC 9110 obs-text, sent verbatim)
   * with no control characters, trimmed of spaces and tabs.
   */
  private parseHeaders(tokenStart: number, valueStart: number): Array<readonly [string, string]> {
    const value = new ScannedValue(true);
    const problem = this.scanValueInto(value, tokenStart, valueStart, 'headers');
    if (problem !== undefined) {
      // Report a bad header line that lies before the scan problem first (file order).
      this.checkHeaderLines(value, false, problem.offset);
      this.fail(problem.offset, problem.reason);
    }
    return this.checkHeaderLines(value, true, Number.POSITIVE_INFINITY);
  }

  /**
   * Validate the header lines of a scanned `headers=` value and return them as [name, value].
   * With `complete` false only LF-terminated lines are checked, and only problems located before
   * file offset `before` are thrown (the value was cut short by a later scan problem).
   */
  private checkHeaderLines(
    value: ScannedValue,
    complete: boolean,
    before: number,
  ): Array<readonly [string, string]> {
    const text = value.text();
    const headers: Array<readonly [string, string]> = [];
    const failAt = (index: number, reason: string): void => {
      const offset = value.sourceOf(index);
      if (offset < before) this.fail(offset, reason);
    };
    let start = 0;
    while (start <= text.length) {
      let stop = text.indexOf('\n', start);
      if (stop === -1) {
        if (!complete) break;
        stop = text.length;
      }
      if (stop > start) {
        const header = this.checkHeaderLine(text, start, stop, failAt);
        if (header !== undefined) headers.push(header);
      }
      start = stop + 1;
    }
    return headers;
  }

  /** Check one `Name: value` line `text[start, stop)`; undefined when a problem was skipped. */
  private checkHeaderLine(
    text: string,
    start: number,
    stop: number,
    failAt: (index: number, reason: string) => void,
  ): readonly [string, string] | undefined {
    const line = text.slice(start, stop);
    const colon = line.indexOf(':');
    if (colon === -1) {
      failAt(start, `bad header "${quoteForMessage(decodeUtf8(line))}" in headers=: expected "Name: value"`);
      return undefined;
    }
    if (colon === 0) {
      failAt(start, `bad header "${quoteForMessage(decodeUtf8(line))}" in headers=: the name is empty`);
      return undefined;
    }
    for (let i = 0; i < colon; i++) {
      if (!TOKEN_CHAR_PATTERN.test(line[i]!)) {
        failAt(start + i, `invalid character ${describeChar(line, i)} in header name "${quoteForMessage(decodeUtf8(line.slice(0, colon)))}"`);
        return undefined;
      }
    }
    const name = line.slice(0, colon);
    if (FRAMING_HEADERS.has(name.toLowerCase())) {
      failAt(start, `header "${name}" cannot be set with headers=: loadgen derives it from contents=`);
      return undefined;
    }
    let valueStart = colon + 1;
    let valueStop = line.length;
    while (valueStart < valueStop && (line.charCodeAt(valueStart) === SPACE || line.charCodeAt(valueStart) === TAB)) valueStart++;
    while (valueStop > valueStart && (line.charCodeAt(valueStop - 1) === SPACE || line.charCodeAt(valueStop - 1) === TAB)) valueStop--;
    for (let i = valueStart; i < valueStop; i++) {
      const code = line.charCodeAt(i);
      if (code === CR) {
        failAt(start + i, `header "${name}" value contains a carriage return (CR)`);
        return undefined;
      }
      if ((code < SPACE && code !== TAB) || code === 0x7f) {
        failAt(start + i, `header "${name}" value contains control character ${describeChar(line, i)}`);
        return undefined;
      }
    }
    return [name, line.slice(valueStart, valueStop)];
  }

  /** Move past the LF ending the current line, if any. */
  private endLine(): void {
    if (this.pos < this.src.length && this.src.charCodeAt(this.pos) === LF) {
      this.pos++;
      this.line++;
    }
  }

  private skipRestOfLine(): void {
    const next = this.src.indexOf('\n', this.pos);
    if (next === -1) {
      this.pos = this.src.length;
    } else {
      this.pos = next + 1;
      this.line++;
    }
  }

  /** Throw an InputError located at file offset `offset` (line and character column, 1-based). */
  private fail(offset: number, reason: string): never {
    const src = this.src;
    let line = 1;
    let lineStart = this.contentStart;
    for (let nl = src.indexOf('\n'); nl !== -1 && nl < offset; nl = src.indexOf('\n', nl + 1)) {
      line++;
      lineStart = nl + 1;
    }
    const column = Array.from(decodeUtf8(src.slice(lineStart, offset))).length + 1;
    throw new InputError(this.path, line, column, reason);
  }
}

/** What an escaped character stands for: `\n` LF, `\r` CR, `\t` TAB, anything else itself. */
function unescapeChar(char: string): string {
  switch (char) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    default:
      return char;
  }
}

const NON_ASCII = /[^\x00-\x7f]/;

/** Turn a latin1 "byte string" back into the text it encodes as UTF-8. */
function decodeUtf8(byteString: string): string {
  // Most URIs are ASCII, whose bytes and characters are the same: skip the round trip.
  if (!NON_ASCII.test(byteString)) return byteString;
  return Buffer.from(byteString, 'latin1').toString('utf8');
}

function knownAttributesList(): string {
  return SESSION_ATTRIBUTES.map((name) => `${name}=`).join(', ');
}

/** User text for a message: cut short, control characters made visible. */
function quoteForMessage(text: string): string {
  const cut = text.length > MAX_QUOTED_IN_MESSAGE ? `${text.slice(0, MAX_QUOTED_IN_MESSAGE)}...` : text;
  return JSON.stringify(cut).slice(1, -1);
}

function describeChar(text: string, index: number): string {
  const code = text.charCodeAt(index);
  return code > SPACE && code < 0x7f ? `'${text[index]}'` : `0x${code.toString(16).padStart(2, '0')}`;
}
