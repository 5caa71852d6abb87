/**
 * The conversion pipeline, independent of files and streams: lines go in, session-file text
 * comes out through a sink, and a profile is collected on the way.
 *
 *   line -> parser (formats/) -> filters (filter.ts) -> reorder window (reorder.ts)
 *        -> sessions and bursts (sessionize.ts) -> session filters -> text (write.ts)
 *
 * `convertText` runs it over an in-memory log (tests, small inputs); the command (command.ts)
 * feeds it from files with bounded memory.
 */
import { InputError, UsageError } from '../errors.js';
import { filterRecord } from './filter.js';
import { DETECT_SAMPLE_LINES, detectFormat, resolveFormat } from './formats/index.js';
import { convertOptions, type ConvertOptions } from './options.js';
import { ProfileCollector, clientFraction, formatProfile, type ProfileJson } from './profile.js';
import { ParseFailure, type LineParser, type LogRecord } from './record.js';
import { ReorderWindow } from './reorder.js';
import { Sessionizer, type ConvertedSession } from './sessionize.js';
import { formatHeader, formatSession } from './write.js';

/** A line waiting for format detection. */
interface PendingLine {
  text: string;
  file: number;
  line: number;
}

/** Where session text goes (called once per session, in output order). */
export type SessionSink = (text: string, session: ConvertedSession) => void;

/** Result of a finished conversion. */
export interface ConvertSummary {
  readonly profile: ProfileJson;
  /** Header comment to put before the session text. */
  readonly header: string;
  readonly sessions: number;
}

/** Methods httperf 0.9.0 does not know (loadgen replays them). */
const LOADGEN_ONLY_METHODS = new Set(['PATCH', 'PROPFIND', 'REPORT']);

/** Feeds lines through the pipeline. One instance per conversion. */
export class Converter {
  readonly profile = new ProfileCollector();
  private parser: LineParser | undefined;
  private readonly pending: PendingLine[] = [];
  private pendingNonBlank = 0;
  private readonly sources: Array<{ path: string; lines: number }> = [];
  private readonly reorder: ReorderWindow;
  private readonly sessionizer: Sessionizer;
  private seq = 0;
  private written = 0;
  private readonly release = (record: LogRecord): void => this.sessionizer.add(record);

  /**
   * `options` as validated by the command; `parser`, when given, replaces `--format` (the command
   * detects the format itself when it must order several files). Throws UsageError for a bad
   * `--format` string.
   */
  constructor(
    readonly options: ConvertOptions,
    private readonly sink: SessionSink,
    parser?: LineParser,
  ) {
    let choice;
    try {
      choice = resolveFormat(options.format, options.jsonFields);
    } catch (err) {
      throw new UsageError(`convert: ${(err as Error).message}`);
    }
    if (parser !== undefined) this.parser = parser;
    else if (choice.kind === 'fixed') this.parser = choice.parser;
    this.reorder = new ReorderWindow(options.reorderWindow);
    this.sessionizer = new Sessionizer(options, {
      sessionStarted: (time, client) => this.profile.sessionStarted(time, client),
      sessionsClosed: (sessions) => this.emit(sessions),
    });
  }

  /** Start the next input; returns its index for `pushLine`. */
  beginSource(path: string): number {
    this.sources.push({ path, lines: 0 });
    return this.sources.length - 1;
  }

  /** Name of the format in use ('' until detected). */
  get formatName(): string {
    return this.parser?.name ?? '';
  }

  /** Feed one line (without its terminator) of input `file` (1-based `line`). */
  pushLine(text: string, file: number, line: number): void {
    this.sources[file]!.lines++;
    if (this.parser === undefined) {
      this.pending.push({ text, file, line });
      if (text.trim().length > 0) this.pendingNonBlank++;
      if (this.pendingNonBlank >= DETECT_SAMPLE_LINES) this.detect();
      return;
    }
    this.processLine(text, file, line);
  }

  private detect(): void {
    const sample = this.pending.filter((p) => p.text.trim().length > 0).map((p) => p.text);
    const parser = detectFormat(sample, this.options.jsonFields);
    if (parser === undefined) {
      const first = this.pending.find((p) => p.text.trim().length > 0);
      const where = first !== undefined ? `${this.sources[first.file]!.path}:${first.line}` : this.sources[0]?.path ?? 'input';
      throw new UsageError(
        `convert: cannot detect the log format of ${where} (not common, combined, nginx or JSON lines): give --format`,
      );
    }
    this.parser = { name: `${parser.name} (detected)`, parse: parser.parse.bind(parser) };
    const lines = this.pending.splice(0);
    for (const p of lines) this.processLine(p.text, p.file, p.line);
  }

  private processLine(text: string, file: number, line: number): void {
    const profile = this.profile;
    profile.linesRead++;
    if (text.length === 0 || (text.charCodeAt(0) <= 0x20 && text.trim().length === 0)) {
      profile.blankLines++;
      return;
    }
    const result = this.parser!.parse(text, file, line, this.seq++);
    if (result instanceof ParseFailure) {
      if (this.options.strict) throw new InputError(this.sources[file]!.path, line, result.column, result.detail);
      profile.skip('unparseable', result.reason, `${this.sources[file]!.path}:${line}`);
      return;
    }
    profile.parsed++;
    const reason = filterRecord(result, this.options);
    if (reason !== undefined) {
      profile.skip('filtered', reason, `${this.sources[file]!.path}:${line}`);
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
      profile.skip('filtered', 'too late for --reorder-window', `${this.sources[file]!.path}:${line}`);
      return;
    }
    profile.used(result.time);
    this.reorder.push(result, this.release);
  }

  /** Session filters, then the sink. */
  private emit(sessions: ConvertedSession[]): void {
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
      this.sink(`${this.written > 1 ? '\n' : ''}${formatSession(session, this.written)}`, session);
    }
  }

  /**
   * End of input: flush everything, and build the header and the profile. `output` is the path
   * of the session file ('-' for stdout), `optionWords` the effective options for the header.
   * Throws UsageError when no session could be written (a log with no usable line).
   */
  finish(output: string, optionWords: readonly string[]): ConvertSummary {
    if (this.parser === undefined) {
      if (this.pending.some((p) => p.text.trim().length > 0)) this.detect();
      else this.pending.splice(0).forEach((p) => this.processLine(p.text, p.file, p.line));
    }
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
  const lines = log.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => converter.pushLine(line, file, i + 1));
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
