/**
 * The one value that crosses from the line parsers to the rest of `loadgen convert`: a parsed
 * access-log request. Parsers return a `LogRecord` or a `ParseFailure` (never throw), so a bad
 * line costs one small object and is counted by its reason.
 */

/** A request read from one access-log line. */
export interface LogRecord {
  /** When the request started, in seconds since the epoch (fractional when the log has it). */
  time: number;
  /** Client address or host name as logged (`%h`, `$remote_addr`). */
  client: string;
  /** User-Agent as logged; '' when the format has none or it is `-`. */
  userAgent: string;
  /** Request method, upper-case as logged (`GET`). */
  method: string;
  /** Request target, normalised: log escapes decoded, unsafe bytes percent-encoded (see uri.ts). */
  uri: string;
  /** HTTP status, 0 when the log has none (`-`). */
  status: number;
  /** Referer as a normalised origin-form target (`/page?q=1`), '' when absent or `-`. */
  referer: string;
  /** Index of the input file in the order they are read, and the 1-based line in it. */
  file: number;
  line: number;
  /** Position in the whole input (ties in time keep log order). */
  seq: number;
}

/** Why a line could not be parsed: a short fixed reason (the counting key) and a detail. */
export class ParseFailure {
  constructor(
    /** Short, fixed wording used to group skipped lines, e.g. `bad request line`. */
    readonly reason: string,
    /** 1-based column where the problem was found (0 when not meaningful). */
    readonly column: number,
    /** Longer explanation for `--strict` messages. */
    readonly detail: string,
  ) {}
}

/** A compiled line parser for one log format. Its methods do not use `this`: they may be called detached. */
export interface LineParser {
  /** Human name of the format (for the header comment and the profile). */
  readonly name: string;
  /** Parse one line (without its line terminator). `file`/`line`/`seq` are copied into the record. */
  parse(text: string, file: number, line: number, seq: number): LogRecord | ParseFailure;
  /**
   * The hot path: parse the line `text[start, stop)` (a line inside a block of many lines, so no
   * string is made per line) and fill `into` (a pooled record) when given, else a new record.
   * Returns the record filled (`into` or a new one) or a ParseFailure.
   */
  parseRange(text: string, start: number, stop: number, file: number, line: number, seq: number, into?: LogRecord): LogRecord | ParseFailure;
}

/** An empty record, for pools of records that parsers fill (`LineParser.parseRange`). */
export function emptyRecord(): LogRecord {
  return { time: 0, client: '', userAgent: '', method: '', uri: '', status: 0, referer: '', file: 0, line: 0, seq: 0 };
}
