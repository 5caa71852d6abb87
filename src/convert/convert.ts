/**
 * The conversion pipeline, independent of files and streams: lines go in, session-file text
 * comes out through a sink, and a profile is collected on the way.
 *
 *   line -> parser (formats/) -> filters (filter.ts) -> reorder window (reorder.ts)
 *        -> sessions and bursts (sessionize.ts) -> session filters -> text (write.ts)
 *
 * `convertText` runs it over an in-memory log (tests, small inputs); the command (command.ts)
 * feeds it from files with bounded memory.
 *
 * The hot path (`pushBlock`) takes blocks of many lines as latin1 strings (one character per
 * byte) and parses each line in place: no string per line, and records come from a pool (the
 * reorder window hands them back once the sessionizer has copied what it keeps). A line with
 * a non-ASCII byte is decoded as UTF-8 on its own first, so it reads exactly as before.
 */
import { isAscii } from 'node:buffer';
import { InputError, UsageError } from '../errors.js';
import { filterRecord } from './filter.js';
import { DETECT_SAMPLE_LINES, detectFormat, resolveFormat } from './formats/index.js';
import { convertOptions, type ConvertOptions } from './options.js';
import { ProfileCollector, clientFraction, formatProfile, type ProfileJson } from './profile.js';
import { ParseFailure, emptyRecord, type LineParser, type LogRecord } from './record.js';
import { ownCopy } from './intern.js';
import { MAX_LINE_BYTES } from './read.js';
import { ReorderWindow } from './reorder.js';
import { Sessionizer, type CompactSession, type ConvertedSession } from './sessionize.js';
import { appendSession, formatHeader, formatSession } from './write.js';

/** A line waiting for format detection. */
interface PendingLine {
  text: string;
  file: number;
  line: number;
  /** Set for a line too long to be read (read.ts MAX_LINE_BYTES): its length in bytes; `text` is ''. */
  tooLong?: number;
}

/** Where session text goes (called once per session, in output order). */
export type SessionSink = ((text: string, session: ConvertedSession) => void) | PiecesSink;

/**
 * A sink that takes the session text as pieces (write.ts `appendSession`) pushed onto `pieces`,
 * then `appended()` is called (e.g. to write them out once there are many): no string per session.
 */
export interface PiecesSink {
  readonly pieces: string[];
  appended(): void;
}

/** Result of a finished conversion. */
export interface ConvertSummary {
  readonly profile: ProfileJson;
  /** Header comment to put before the session text. */
  readonly header: string;
  readonly sessions: number;
}

/** Records kept for reuse at most (more are in flight only with a wide, busy reorder window). */
const MAX_POOLED_RECORDS = 65_536;

/** A byte that is not ASCII, in a latin1 block. */
const NON_ASCII = /[\x80-\xff]/g;

/**
 * The format `sample` (non-empty lines) is in, named `NAME (detected)` as the header and the
 * profile report it; undefined when no format reads any line. The one detection step of both the
 * converter and the command (which detects each input up front to order several by time).
 */
export function detectParser(sample: readonly string[], jsonFields: readonly string[]): LineParser | undefined {
  const parser = detectFormat(sample, jsonFields);
  // The parsers' methods do not use `this`: they can be taken under another name.
  return parser === undefined ? undefined : { name: `${parser.name} (detected)`, parse: parser.parse, parseRange: parser.parseRange };
}

/** Methods httperf 0.9.0 does not know (loadgen replays them). */
const LOADGEN_ONLY_METHODS = new Set(['PATCH', 'PROPFIND', 'REPORT']);

/** Feeds lines through the pipeline. One instance per conversion. */
export class Converter {
  readonly profile = new ProfileCollector();
  /** The parser `--format` names, or undefined for auto-detection (then each input detects its own). */
  private readonly fixed: LineParser | undefined;
  /** The parser of the current input (undefined until detected). */
  private parser: LineParser | undefined;
  private readonly pending: PendingLine[] = [];
  private pendingNonBlank = 0;
  private readonly sources: Array<{ path: string; lines: number }> = [];
  /** Name of the format of each input (parallel to `sources`; '' while undetected). */
  private readonly formats: string[] = [];
  private readonly reorder: ReorderWindow;
  private readonly sessionizer: Sessionizer;
  private seq = 0;
  private written = 0;
  /** Records to parse into: the next one, and those the reorder window gave back. */
  private spare: LogRecord = emptyRecord();
  private readonly pool: LogRecord[] = [];
  private readonly release = (record: LogRecord): void => {
    this.sessionizer.add(record);
    // Bounded: parsers that make their own records (JSON lines) would otherwise grow it forever.
    if (this.pool.length < MAX_POOLED_RECORDS) this.pool.push(record);
  };

  /** `options` as validated by the command. Throws UsageError for a bad `--format` string. */
  constructor(
    readonly options: ConvertOptions,
    private readonly sink: SessionSink,
  ) {
    let choice;
    try {
      choice = resolveFormat(options.format, options.jsonFields);
    } catch (err) {
      throw new UsageError(`convert: ${(err as Error).message}`);
    }
    if (choice.kind === 'fixed') this.fixed = choice.parser;
    this.reorder = new ReorderWindow(options.reorderWindow);
    this.sessionizer = new Sessionizer(options, {
      sessionStarted: (time, client, newClient) => this.profile.sessionStarted(time, client, newClient),
      sessionsClosed: (sessions) => this.emit(sessions),
    });
  }

  /**
   * Start the next input; returns its index for `pushLine`. `parser` is its format when the
   * caller detected it already (the command does, to order files by time); else the `--format`
   * one, or with auto-detection the input's own first lines decide (each input on its own: a
   * common and a combined log can be converted together).
   */
  beginSource(path: string, parser?: LineParser): number {
    this.endSource();
    this.sources.push({ path, lines: 0 });
    this.parser = parser ?? this.fixed;
    this.formats.push(this.parser?.name ?? '');
    return this.sources.length - 1;
  }

  /**
   * Name of the format in use ('' until detected): one name when every input has the same
   * format, else each input's, as `NAME for PATH; ...`.
   */
  get formatName(): string {
    const named = this.formats.map((format, i) => ({ format, path: this.sources[i]!.path })).filter((f) => f.format !== '');
    const distinct = new Set(named.map((f) => f.format));
    if (distinct.size <= 1) return [...distinct][0] ?? '';
    return named.map((f) => `${f.format} for ${f.path}`).join('; ');
  }

  /**
   * A line of input `file` longer than read.ts reads (MAX_LINE_BYTES; its `bytes` were skipped):
   * numbered and counted as unparseable ("line too long"), or the error with `--strict`.
   */
  pushLongLine(file: number, bytes: number): void {
    const line = ++this.sources[file]!.lines;
    if (this.parser === undefined) this.pending.push({ text: '', file, line, tooLong: bytes });
    else this.longLine(file, line, bytes);
  }

  private longLine(file: number, line: number, bytes: number): void {
    this.profile.linesRead++;
    const path = this.sources[file]!.path;
    if (this.options.strict) throw new InputError(path, line, 0, `line too long: ${bytes} bytes, more than the ${MAX_LINE_BYTES} a line may have`);
    this.profile.skipAt('unparseable', 'line too long', path, line);
  }

  /** Feed one line (without its terminator) of input `file` (1-based `line`). */
  pushLine(text: string, file: number, line: number): void {
    this.sources[file]!.lines++;
    this.lineAt(text, 0, text.length, file, line);
  }

  /**
   * Feed a block of whole lines of input `file` as a latin1 string (one character per byte, as
   * read.ts `readBlocks` delivers them): every line ends with LF (a CR before it is dropped),
   * except possibly the last line of the input. Lines are numbered on from the previous block.
   * `ascii` (the reader checked the bytes) says no line needs UTF-8 decoding.
   */
  pushBlock(text: string, file: number, ascii = false): void {
    const source = this.sources[file]!;
    const n = text.length;
    NON_ASCII.lastIndex = 0;
    let wide = ascii || !NON_ASCII.test(text) ? n : NON_ASCII.lastIndex - 1;
    let start = 0;
    while (start < n) {
      const nl = text.indexOf('\n', start);
      const next = nl < 0 ? n : nl + 1;
      let stop = nl < 0 ? n : nl;
      if (stop > start && text.charCodeAt(stop - 1) === 0x0d) stop--;
      const line = ++source.lines;
      if (wide < next) {
        // This line has non-ASCII bytes: decode it as UTF-8, as a line read on its own would be.
        const decoded = Buffer.from(text.slice(start, stop), 'latin1').toString('utf8');
        this.lineAt(decoded, 0, decoded.length, file, line);
        NON_ASCII.lastIndex = next;
        wide = NON_ASCII.test(text) ? NON_ASCII.lastIndex - 1 : n;
      } else {
        this.lineAt(text, start, stop, file, line);
      }
      start = next;
    }
  }

  private lineAt(text: string, start: number, stop: number, file: number, line: number): void {
    if (this.parser === undefined) {
      // Kept until detection: a copy, not a slice that would keep the block alive.
      const own = start === 0 && stop === text.length ? text : ownCopy(text.slice(start, stop));
      this.pending.push({ text: own, file, line });
      if (own.trim().length > 0) this.pendingNonBlank++;
      if (this.pendingNonBlank >= DETECT_SAMPLE_LINES) this.detect();
      return;
    }
    this.processLine(text, start, stop, file, line);
  }

  private detect(): void {
    const sample = this.pending.filter((p) => p.text.trim().length > 0).map((p) => p.text);
    const parser = detectParser(sample, this.options.jsonFields);
    if (parser === undefined) {
      const first = this.pending.find((p) => p.text.trim().length > 0);
      const where = first !== undefined ? `${this.sources[first.file]!.path}:${first.line}` : this.sources[0]?.path ?? 'input';
      throw new UsageError(
        `convert: cannot detect the log format of ${where} (not common, combined, nginx or JSON lines): give --format`,
      );
    }
    this.parser = parser;
    this.formats[this.formats.length - 1] = parser.name;
    this.processPending();
  }

  /** The lines kept while detecting, through the pipeline in order. */
  private processPending(): void {
    const lines = this.pending.splice(0);
    this.pendingNonBlank = 0;
    for (const p of lines) {
      if (p.tooLong !== undefined) this.longLine(p.file, p.line, p.tooLong);
      else this.processLine(p.text, 0, p.text.length, p.file, p.line);
    }
  }

  /** End of the current input: detect its format from what it has, if it had too few lines. */
  private endSource(): void {
    if (this.parser !== undefined || this.pending.length === 0) return;
    if (this.pendingNonBlank > 0) this.detect();
    else this.processPending();
  }

  /** The line `text[start, stop)`. */
  private processLine(text: string, start: number, stop: number, file: number, line: number): void {
    const profile = this.profile;
    profile.linesRead++;
    if (stop === start || (text.charCodeAt(start) <= 0x20 && text.slice(start, stop).trim().length === 0)) {
      profile.blankLines++;
      return;
    }
    const result = this.parser!.parseRange(text, start, stop, file, line, this.seq++, this.spare);
    if (result instanceof ParseFailure) {
      if (this.options.strict) throw new InputError(this.sources[file]!.path, line, result.column, result.detail);
      profile.skipAt('unparseable', result.reason, this.sources[file]!.path, line);
      return;
    }
    profile.parsed++;
    const reason = filterRecord(result, this.options);
    if (reason !== undefined) {
      profile.skipAt('filtered', reason, this.sources[file]!.path, line);
      return;
    }
    const late = this.reorder.lateness(result);
    if (late > 0) {
      if (this.options.strict) {
        throw new InputError(
          this.sources[file]!.path,
          line,
          0,
          `line is ${late} s older than lines already placed in time order (raise --reorder-window, now ${this.options.reorderWindow} s)`,
        );
      }
      profile.late++;
      profile.skipAt('filtered', 'too late for --reorder-window', this.sources[file]!.path, line);
      return;
    }
    profile.used(result.time);
    // The record now waits in the window (its strings are slices of the block: the block lives
    // as long, a window's worth of input); parse the next line into another record.
    if (result === this.spare) this.spare = this.pool.pop() ?? emptyRecord();
    this.reorder.push(result, this.release);
  }

  /** Session filters, then the sink. */
  private emit(sessions: CompactSession[]): void {
    const o = this.options;
    const profile = this.profile;
    for (const session of sessions) {
      if (session.requestCount < o.minRequests) {
        profile.droppedMinRequests++;
        continue;
      }
      if (o.sample < 1 && clientFraction(session.key) >= o.sample) {
        profile.droppedSample++;
        continue;
      }
      if (o.maxSessions !== undefined && this.written >= o.maxSessions) {
        profile.droppedMaxSessions++;
        continue;
      }
      this.written++;
      profile.sessionWritten(session, o.minThink, o.maxThink);
      const sink = this.sink;
      if (typeof sink === 'function') sink(`${this.written > 1 ? '\n' : ''}${formatSession(session, this.written)}`, session);
      else {
        if (this.written > 1) sink.pieces.push('\n');
        appendSession(session, this.written, sink.pieces);
        sink.appended();
      }
    }
  }

  /**
   * End of input: flush everything, and build the header and the profile. `output` is the path
   * of the session file ('-' for stdout), `optionWords` the effective options for the header.
   * Throws UsageError when no session could be written (a log with no usable line).
   */
  finish(output: string, optionWords: readonly string[]): ConvertSummary {
    this.endSource();
    this.reorder.drain(this.release);
    this.sessionizer.finishAll();
    const notes = this.notes();
    const profile = this.profile.toJson(this.sources, this.formatName || 'none', output, notes);
    const header = formatHeader({
      sources: this.sources,
      format: profile.format,
      options: optionWords,
      sessions: profile.sessions.written,
      bursts: profile.bursts,
      requests: profile.requests,
      linesRead: profile.lines.read,
      linesUsed: profile.lines.used,
      linesSkipped: profile.lines.unparseable + profile.lines.filtered + profile.lines.blank,
      notes,
      replayCommand: profile.replayCommand,
    });
    return { profile, header, sessions: this.written };
  }

  private notes(): string[] {
    const notes: string[] = [];
    const methods = [...this.profile.methods.keys()];
    const withBody = methods.filter((m) => m !== 'GET' && m !== 'HEAD');
    if (withBody.length > 0) {
      notes.push(`request bodies are not in access logs: ${withBody.join(', ')} requests are replayed without a body`);
    }
    const loadgenOnly = methods.filter((m) => LOADGEN_ONLY_METHODS.has(m));
    if (loadgenOnly.length > 0) notes.push(`httperf 0.9.0 rejects method ${loadgenOnly.join(', ')}; loadgen replays it`);
    if (this.written > 1000) {
      notes.push(`httperf 0.9.0 reads at most 1000 sessions per file (this one has ${this.written}); loadgen has no limit. For httperf add --max-sessions 1000 or --sample`);
    }
    return notes;
  }
}

/** Result of `convertText`. */
export interface ConvertTextResult {
  /** The whole session file: header and sessions. */
  readonly text: string;
  readonly sessions: ConvertedSession[];
  readonly profile: ProfileJson;
  /** The profile as printed on stderr. */
  readonly profileText: string;
}

/** Convert an in-memory log (`path` is used in messages). Throws like the command does. */
export function convertText(log: string, partial: Partial<ConvertOptions> = {}, path = 'input', output = '-'): ConvertTextResult {
  const options = convertOptions(partial);
  const sessions: ConvertedSession[] = [];
  const parts: string[] = [];
  const converter = new Converter(options, (text, session) => {
    parts.push(text);
    sessions.push(session);
  });
  const file = converter.beginSource(path);
  // The same path as files take: the bytes as one latin1 block.
  if (log.length > 0) {
    const bytes = Buffer.from(log, 'utf8');
    converter.pushBlock(bytes.toString('latin1'), file, isAscii(bytes));
  }
  const summary = converter.finish(output, []);
  if (summary.sessions === 0) throw noUsableLine(summary.profile);
  return { text: summary.header + parts.join(''), sessions, profile: summary.profile, profileText: formatProfile(summary.profile) };
}

/** The error for a conversion that produced no session. */
export function noUsableLine(profile: ProfileJson): UsageError {
  const where = profile.sources.map((s) => s.path).join(', ') || 'input';
  const reasons = [...Object.entries(profile.unparseable), ...Object.entries(profile.filtered)]
    .sort((a, b) => b[1].count - a[1].count)
    .slice(0, 3)
    .map(([reason, entry]) => `${entry.count} ${reason}`);
  const found = profile.sessions.found > 0 ? `; ${profile.sessions.found} sessions found, none kept by --min-requests/--sample/--max-sessions` : '';
  return new UsageError(
    `convert: no usable line in ${where}: ${profile.lines.read} lines read` +
      `${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}${found}`,
  );
}
