/**
 * Writing converted sessions in the wsesslog grammar (shared spec section 2), the same text the
 * project's serializer `formatSessionFile` writes (with its request-line writer), so loadgen's
 * parser reads it back. Each session is preceded by a comment line; the file starts with a header comment
 * recording the sources, the options and the counts (comments start with `#` in column 1, which
 * httperf and loadgen both skip, also between the lines of a session).
 */
import { pushRequestLine, thinkText } from '../session/format.js';
import { CompactSession, type ConvertedSession } from './sessionize.js';

/** Printable ASCII only: comment lines must not carry control characters or line breaks. */
function commentSafe(text: string): string {
  // Checked first by char codes (a client address almost always passes): no regex run per session.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return text.replace(/[^\x20-\x7e]/g, '?');
  }
  return text;
}

let cachedDay = Number.NaN;
let cachedDate = '';

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** ISO 8601 UTC time to the second (`2015-05-17T10:05:03Z`); the date part is cached per day. */
function iso(seconds: number): string {
  const whole = Math.floor(seconds);
  const day = Math.floor(whole / 86400);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDate = new Date(day * 86_400_000).toISOString().slice(0, 11);
  }
  const rest = whole - day * 86400;
  return `${cachedDate}${two(Math.floor(rest / 3600))}:${two(Math.floor(rest / 60) % 60)}:${two(rest % 60)}Z`;
}

let cachedMinute = Number.NaN;
/** ` from ` and the minute part of the ISO time (`2015-05-17T10:05:`). */
let cachedFromMinute = '';
/** `00Z` to `60Z`. */
const SECONDS_Z = Array.from({ length: 61 }, (_, s) => `${two(s)}Z`);

/** `, B burst(s), ` for the usual burst counts, made once. */
const BURSTS_TEXT = Array.from({ length: 64 }, (_, b) => `, ${b} burst${b === 1 ? '' : 's'}, `);
/** `R request(s)` and the line end for the usual request counts, made once. */
const REQUESTS_TEXT = Array.from({ length: 256 }, (_, r) => `${r} request${r === 1 ? '' : 's'}\n`);

/** `# session N: CLIENT from TIME, B bursts, R requests` as pieces (few: the writer joins them). */
function pushCommentLine(session: ConvertedSession, bursts: number, number: number, pieces: string[]): void {
  const whole = Math.floor(session.start);
  const minute = Math.floor(whole / 60);
  if (minute !== cachedMinute) {
    cachedMinute = minute;
    cachedFromMinute = ` from ${iso(minute * 60).slice(0, -3)}`;
  }
  const requests = session.requestCount;
  pieces.push('# session ', String(number), ': ', commentSafe(session.client), cachedFromMinute, SECONDS_Z[whole - minute * 60]!);
  pieces.push(
    bursts < BURSTS_TEXT.length ? BURSTS_TEXT[bursts]! : `, ${bursts} bursts, `,
    requests < REQUESTS_TEXT.length ? REQUESTS_TEXT[requests]! : `${requests} requests\n`,
  );
}

/** A URI as a request-line token: a `#` in column 1 would make the line a comment. */
function tokenUri(uri: string): string {
  return uri.charCodeAt(0) === 0x23 ? `%23${uri.slice(1)}` : uri;
}

/** `think=` value: whole milliseconds, no exponent, no trailing zeros (`think=1.5`). */
function formatThink(seconds: number): string {
  return thinkText(Math.round(seconds * 1000) / 1000);
}

/** A session as parallel arrays: what the writer reads (a CompactSession already is one). */
interface SessionArrays {
  readonly uris: readonly string[];
  /** Method of each request; undefined while every request is a GET. */
  readonly methods: readonly string[] | undefined;
  /** Index in `uris` of each burst's first request. */
  readonly burstStarts: readonly number[];
  /** Think time after each burst (undefined or missing for none). */
  readonly thinks: readonly (number | undefined)[];
}

/** The arrays of a session given as burst objects (tests, the in-memory conversion). */
function arraysOf(session: ConvertedSession): SessionArrays {
  const uris: string[] = [];
  const methods: string[] = [];
  const burstStarts: number[] = [];
  for (const burst of session.bursts) {
    burstStarts.push(uris.length);
    for (const request of burst.requests) {
      uris.push(request.uri);
      methods.push(request.method);
    }
  }
  return { uris, methods, burstStarts, thinks: session.bursts.map((burst) => burst.think) };
}

/**
 * The text of one session: its comment line, then its request lines, no trailing blank line.
 * This is the grammar `formatSessionFile` (session/format.ts) writes, restricted to what a log
 * gives (no bodies, no headers), with its request-line writer: a burst's first request in
 * column 1 with its `think=`, the members indented by a tab, `method=` for anything but GET.
 */
export function formatSession(session: ConvertedSession, number: number): string {
  const pieces: string[] = [];
  appendSession(session, number, pieces);
  return pieces.join('');
}

/**
 * `formatSession`, as pieces pushed onto `pieces` (the writer joins many sessions at once: no
 * string is made per request). A CompactSession is read straight from its arrays.
 */
export function appendSession(session: ConvertedSession, number: number, pieces: string[]): void {
  const { uris, methods, burstStarts: starts, thinks } = session instanceof CompactSession ? session : arraysOf(session);
  pushCommentLine(session, starts.length, number, pieces);
  for (let b = 0; b < starts.length; b++) {
    const first = starts[b]!;
    const stop = b + 1 < starts.length ? starts[b + 1]! : uris.length;
    const think = thinks[b];
    pushRequestLine(pieces, '', tokenUri(uris[first]!), methods?.[first] ?? 'GET', think === undefined ? undefined : formatThink(think));
    pieces.push('\n');
    for (let r = first + 1; r < stop; r++) {
      pushRequestLine(pieces, '\t', uris[r]!, methods?.[r] ?? 'GET', undefined);
      pieces.push('\n');
    }
  }
}

/** What the header comment records. */
export interface HeaderFacts {
  readonly sources: ReadonlyArray<{ readonly path: string; readonly lines: number }>;
  readonly format: string;
  /** The effective options, as command-line words. */
  readonly options: readonly string[];
  readonly sessions: number;
  readonly bursts: number;
  readonly requests: number;
  readonly linesRead: number;
  readonly linesUsed: number;
  readonly linesSkipped: number;
  readonly notes: readonly string[];
  /** The command that replays the file at the real traffic's busiest-minute session rate. */
  readonly replayCommand: string;
}

/** The header comment block (ends with a blank line). */
export function formatHeader(facts: HeaderFacts): string {
  const lines = [
    '# wsesslog session file written by loadgen convert (httperf --wsesslog grammar)',
    ...facts.sources.map((s) => `# source: ${commentSafe(s.path)} (${s.lines} lines)`),
    `# format: ${commentSafe(facts.format)}`,
    ...(facts.options.length > 0 ? [`# options: ${commentSafe(facts.options.join(' '))}`] : []),
    `# counts: ${facts.sessions} sessions, ${facts.bursts} bursts, ${facts.requests} requests from ` +
      `${facts.linesRead} lines (${facts.linesUsed} used, ${facts.linesSkipped} skipped or filtered)`,
    '# order: sessions are written as they end in log time (checked once per log minute),',
    '#   each batch sorted by first request time, then client key',
    `# replay at the real peak (1x): ${commentSafe(facts.replayCommand)}`,
    ...facts.notes.map((note) => `# note: ${commentSafe(note)}`),
  ];
  return `${lines.join('\n')}\n\n`;
}
