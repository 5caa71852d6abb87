/**
 * `loadgen convert [options] [FILE...]`: access logs to a wsesslog session file.
 *
 * Reads the logs (stdin without FILE; gzip transparently; several files in time order), writes
 * the session file to stdout or `-o FILE` (atomically: a temporary file renamed at the end) and
 * prints the workload profile on stderr (and to `--profile-json FILE`). The sessions are
 * streamed to a temporary body file while the logs are read, so memory does not grow with the
 * input; the header comment, which records the final counts, is written before the body at the end.
 */
import { closeSync, createReadStream, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../util/files.js';
import { pipeline } from 'node:stream/promises';
import { commandParser } from './yargs-common.js';
import { EXIT_OK, UsageError } from '../errors.js';
import type { HttpMethod } from '../session/model.js';
import { SESSION_METHODS } from '../session/parse.js';
import { Converter, detectParser, noUsableLine, type PiecesSink } from '../convert/convert.js';
import { DETECT_SAMPLE_LINES, resolveFormat } from '../convert/formats/index.js';
import { DEFAULT_ASSET_EXTENSIONS, DEFAULT_CONVERT_OPTIONS, type ClientKey, type ConvertOptions } from '../convert/options.js';
import { formatProfile } from '../convert/profile.js';
import { checkInputs, orderByFirstTime, peekLines, readBlocks } from '../convert/read.js';
import type { LineParser } from '../convert/record.js';

/** What `parseConvertArgs` returns. */
export interface ConvertSettings {
  readonly options: ConvertOptions;
  readonly inputs: readonly string[];
  /** '-' for stdout. */
  readonly output: string;
  readonly profileJson?: string;
  readonly quiet: boolean;
  /** The effective options as command-line words (header comment). */
  readonly optionWords: readonly string[];
}

/** `30`, `30s`, `500ms`, `30m`, `2h` to seconds; NaN when malformed. */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') return text;
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (m === null) return Number.NaN;
  const value = Number(m[1]);
  const unit = m[2] ?? 's';
  return unit === 'ms' ? value / 1000 : unit === 'm' ? value * 60 : unit === 'h' ? value * 3600 : value;
}

function seconds(name: string, value: string | number | undefined, fallback: number, allowZero = true): number {
  if (value === undefined) return fallback;
  const s = parseDuration(value);
  if (!Number.isFinite(s) || s < 0 || (!allowZero && s === 0)) {
    throw new UsageError(`convert: --${name} must be a duration ${allowZero ? '>= 0' : '> 0'} (seconds, or with ms/s/m/h), got "${value}"`);
  }
  return s;
}

function wholeNumber(name: string, value: number | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min) throw new UsageError(`convert: --${name} must be a whole number >= ${min}, got ${value}`);
  return value;
}

function list(values: ReadonlyArray<string | number> | undefined): string[] {
  return (values ?? []).flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
}

function regexes(name: string, values: ReadonlyArray<string | number> | undefined): RegExp[] {
  return (values ?? []).map((v) => {
    try {
      return new RegExp(String(v));
    } catch (err) {
      throw new UsageError(`convert: --${name} ${JSON.stringify(String(v))} is not a valid regular expression: ${(err as Error).message}`);
    }
  });
}

function dateOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`convert: --${name} "${value}" is not a date (use ISO 8601, e.g. 2015-05-18T12:00:00Z)`);
  return ms / 1000;
}

/** The option table of `loadgen convert`, parsed by yargs (values still unchecked). */
async function readConvertArgs(argv: string[]) {
  const d = DEFAULT_CONVERT_OPTIONS;
  return commandParser(
    argv,
    'loadgen convert [options] [FILE...]\n\nTurn Apache/nginx access logs (stdin without FILE, .gz read transparently) into a wsesslog session file.\nRules and examples: docs/convert.md',
    { command: 'convert', positionals: true },
  )
    .option('output', { alias: 'o', type: 'string', describe: 'session file to write (default: stdout)' })
    .option('format', { type: 'string', default: d.format, describe: 'auto | common | combined | nginx | json | an Apache LogFormat (%...) | an nginx log_format ($...)' })
    .option('field', { type: 'string', array: true, describe: 'JSON lines: NAME=KEY (client, time, request, method, uri, status, referer, user-agent, duration); KEY may be a.b.c' })
    .option('client-key', { type: 'string', choices: ['ip', 'ip+ua'], default: d.clientKey, describe: 'what identifies a client' })
    .option('idle-timeout', { type: 'string', default: String(d.idleTimeout), describe: 'a gap longer than this starts a new session (seconds, or 30m, 1h)' })
    .option('reorder-window', { type: 'string', default: String(d.reorderWindow), describe: 'how far (s) a line may lag behind newer ones and still be placed in order' })
    .option('burst-window', { type: 'string', default: String(d.burstWindow), describe: 'seconds after the previous request of a burst within which a resource joins it' })
    .option('asset-ext', { type: 'string', describe: 'embedded-resource extensions, comma-separated; start with + to add to the defaults' })
    .option('min-think', { type: 'string', default: '0', describe: 'lower bound of think times written (seconds)' })
    .option('max-think', { type: 'string', describe: 'upper bound of think times written (seconds; default none)' })
    .option('think-scale', { type: 'number', default: 1, describe: 'multiply think times by this (before the bounds)' })
    .option('methods', { type: 'string', default: 'GET,HEAD', describe: `methods to keep (of ${SESSION_METHODS.join(',')})` })
    .option('status', { type: 'string', describe: 'statuses to keep: classes and codes, e.g. 2xx,3xx,404 (default: all)' })
    .option('include', { type: 'string', array: true, describe: 'keep only URIs matching this regular expression (repeatable)' })
    .option('exclude', { type: 'string', array: true, describe: 'drop URIs matching this regular expression (repeatable)' })
    .option('exclude-bots', { type: 'boolean', default: false, describe: 'drop requests from common crawler user agents' })
    .option('strip-query', { type: 'boolean', default: false, describe: 'drop query strings' })
    .option('since', { type: 'string', describe: 'drop requests before this time (ISO 8601)' })
    .option('until', { type: 'string', describe: 'drop requests at or after this time (ISO 8601)' })
    .option('max-sessions', { type: 'number', describe: 'write at most this many sessions' })
    .option('sample', { type: 'number', default: 1, describe: 'keep this fraction of clients (0-1, deterministic by client)' })
    .option('min-requests', { type: 'number', default: d.minRequests, describe: 'drop sessions with fewer requests' })
    .option('max-uri-length', { type: 'number', default: d.maxUriLength, describe: 'drop requests with a longer URI (httperf 0.9.0 reads lines of < 10000 bytes)' })
    .option('strict', { type: 'boolean', default: false, describe: 'stop at the first unusable line (FILE:LINE: reason, exit 2)' })
    .option('profile-json', { type: 'string', describe: 'also write the workload profile as JSON to this file' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'do not print the profile on stderr' })
    .parseAsync();
}

type ConvertArgs = Awaited<ReturnType<typeof readConvertArgs>>;

/** `--methods`: replayable methods, upper-cased; at least one. */
function parseMethods(text: string): Set<HttpMethod> {
  const methods = new Set<HttpMethod>();
  for (const m of list([text])) {
    const upper = m.toUpperCase();
    if (!(SESSION_METHODS as readonly string[]).includes(upper)) {
      throw new UsageError(`convert: --methods ${m}: cannot be replayed (replayable: ${SESSION_METHODS.join(', ')})`);
    }
    methods.add(upper as HttpMethod);
  }
  if (methods.size === 0) throw new UsageError('convert: --methods needs at least one method');
  return methods;
}

/** `--status`: status classes (2xx) and codes (404) to keep. */
function parseStatuses(text: string | undefined): { statusClasses: Set<number>; statusCodes: Set<number> } {
  const statusClasses = new Set<number>();
  const statusCodes = new Set<number>();
  for (const s of list(text === undefined ? [] : [text])) {
    if (/^[1-5]xx$/i.test(s)) statusClasses.add(Number(s[0]));
    else if (/^[1-9]\d\d$/.test(s)) statusCodes.add(Number(s));
    else throw new UsageError(`convert: --status ${s}: expected a class like 2xx or a code like 404`);
  }
  return { statusClasses, statusCodes };
}

/** `--asset-ext`: the extensions (replacing the defaults, or added to them with `+`). */
function parseAssetExtensions(text: string | undefined): Set<string> {
  if (text === undefined) return new Set(DEFAULT_ASSET_EXTENSIONS);
  const items = list([text]).map((e) => e.replace(/^\+?\.?/, (m) => (m.startsWith('+') ? '+' : '')).toLowerCase());
  const adding = items.length > 0 && items.every((e) => e.startsWith('+'));
  const names = items.map((e) => e.replace(/^\+/, '').replace(/^\./, ''));
  return adding ? new Set([...DEFAULT_ASSET_EXTENSIONS, ...names]) : new Set(names);
}

/** The checked conversion options of parsed arguments; bad values throw UsageError. */
function convertOptions(args: ConvertArgs): ConvertOptions {
  const d = DEFAULT_CONVERT_OPTIONS;
  // Checked in this order, so the first bad option named is the same whatever else is wrong.
  const methods = parseMethods(args.methods);
  const statuses = parseStatuses(args.status);
  const assetExtensions = parseAssetExtensions(args['asset-ext']);
  const sample = args.sample;
  if (!(sample > 0 && sample <= 1)) throw new UsageError(`convert: --sample must be a fraction in (0, 1], got ${sample}`);
  const thinkScale = args['think-scale'];
  if (!(thinkScale >= 0) || !Number.isFinite(thinkScale)) throw new UsageError(`convert: --think-scale must be a number >= 0, got ${thinkScale}`);
  const minThink = seconds('min-think', args['min-think'], 0);
  const maxThink = seconds('max-think', args['max-think'], Number.POSITIVE_INFINITY);
  if (maxThink < minThink) throw new UsageError('convert: --max-think must not be below --min-think');
  const maxUriLength = wholeNumber('max-uri-length', args['max-uri-length'], 1)!;
  const since = dateOption('since', args.since);
  const until = dateOption('until', args.until);

  return {
    format: args.format,
    jsonFields: list(args.field),
    clientKey: args['client-key'] as ClientKey,
    idleTimeout: seconds('idle-timeout', args['idle-timeout'], d.idleTimeout, false),
    reorderWindow: seconds('reorder-window', args['reorder-window'], d.reorderWindow),
    burstWindow: seconds('burst-window', args['burst-window'], d.burstWindow),
    assetExtensions,
    minThink,
    maxThink,
    thinkScale,
    methods,
    ...statuses,
    include: regexes('include', args.include),
    exclude: regexes('exclude', args.exclude),
    excludeBots: args['exclude-bots'],
    stripQuery: args['strip-query'],
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(args['max-sessions'] !== undefined ? { maxSessions: wholeNumber('max-sessions', args['max-sessions'], 1)! } : {}),
    sample,
    minRequests: wholeNumber('min-requests', args['min-requests'], 1)!,
    maxUriLength,
    strict: args.strict,
  };
}

/** Parse and validate `loadgen convert` arguments; bad ones throw UsageError. */
export async function parseConvertArgs(argv: string[]): Promise<ConvertSettings | 'help'> {
  const args = await readConvertArgs(argv);
  if (args.help === true) return 'help';
  const options = convertOptions(args);
  try {
    resolveFormat(options.format, options.jsonFields);
  } catch (err) {
    throw new UsageError(`convert: ${(err as Error).message}`);
  }
  const inputs = args._.map(String);
  return {
    options,
    inputs: inputs.length > 0 ? inputs : ['-'],
    output: args.output ?? '-',
    ...(args['profile-json'] !== undefined ? { profileJson: args['profile-json'] } : {}),
    quiet: args.quiet,
    optionWords: optionWords(options),
  };
}

/** The effective options as words for the header comment (defaults included, so it is complete). */
function optionWords(o: ConvertOptions): string[] {
  const words = [
    `--format ${o.format.includes(' ') ? JSON.stringify(o.format) : o.format}`,
    ...o.jsonFields.map((f) => `--field ${f}`),
    `--client-key ${o.clientKey}`,
    `--idle-timeout ${o.idleTimeout}`,
    `--reorder-window ${o.reorderWindow}`,
    `--burst-window ${o.burstWindow}`,
    `--min-think ${o.minThink}`,
    ...(Number.isFinite(o.maxThink) ? [`--max-think ${o.maxThink}`] : []),
    `--think-scale ${o.thinkScale}`,
    `--methods ${[...o.methods].join(',')}`,
  ];
  const defaults = new Set(DEFAULT_ASSET_EXTENSIONS);
  if (o.assetExtensions.size !== defaults.size || [...o.assetExtensions].some((e) => !defaults.has(e))) {
    words.push(`--asset-ext ${[...o.assetExtensions].join(',')}`);
  }
  if (o.statusClasses.size + o.statusCodes.size > 0) {
    words.push(`--status ${[...[...o.statusClasses].map((c) => `${c}xx`), ...o.statusCodes].join(',')}`);
  }
  for (const re of o.include) words.push(`--include ${JSON.stringify(re.source)}`);
  for (const re of o.exclude) words.push(`--exclude ${JSON.stringify(re.source)}`);
  if (o.excludeBots) words.push('--exclude-bots');
  if (o.stripQuery) words.push('--strip-query');
  if (o.since !== undefined) words.push(`--since ${new Date(o.since * 1000).toISOString()}`);
  if (o.until !== undefined) words.push(`--until ${new Date(o.until * 1000).toISOString()}`);
  if (o.maxSessions !== undefined) words.push(`--max-sessions ${o.maxSessions}`);
  if (o.sample < 1) words.push(`--sample ${o.sample}`);
  if (o.minRequests > 1) words.push(`--min-requests ${o.minRequests}`);
  words.push(`--max-uri-length ${o.maxUriLength}`);
  return words;
}

/**
 * Buffered synchronous writer of the session body to a temporary file: the converter pushes
 * pieces of text (a PiecesSink), joined and written once there are many.
 */
class BodyFile implements PiecesSink {
  private readonly fd: number;
  pieces: string[] = [];

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  appended(): void {
    // Small enough for the array and the joined text to live and die in the young generation.
    if (this.pieces.length >= 8 * 1024) this.flush();
  }

  flush(): void {
    if (this.pieces.length === 0) return;
    // Session text is ASCII by construction (URIs are percent-encoded, comments made printable):
    // latin1 writes it byte for byte, without a UTF-8 encoding pass.
    writeSync(this.fd, this.pieces.join(''), null, 'latin1');
    this.pieces = [];
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/**
 * Each input's line parser, chosen before reading when several files must be ordered by time:
 * the `--format` one, or with auto-detection each file's own (undefined for a file whose first
 * lines match no format: the converter then says so, naming the file and line).
 */
async function parsersForOrdering(settings: ConvertSettings): Promise<Array<LineParser | undefined>> {
  const choice = resolveFormat(settings.options.format, settings.options.jsonFields);
  if (choice.kind === 'fixed') return settings.inputs.map(() => choice.parser);
  return Promise.all(
    // peekLines leaves out blank lines already.
    settings.inputs.map(async (path) => detectParser(await peekLines(path, DETECT_SAMPLE_LINES), settings.options.jsonFields)),
  );
}

/** Run a conversion with validated settings; resolves to the exit code. */
export async function runConvert(settings: ConvertSettings): Promise<number> {
  await checkInputs(settings.inputs);
  // One input needs no ordering, and its format is detected from the lines as they are read.
  const inputs =
    settings.inputs.length < 2
      ? settings.inputs.map((path) => ({ path, parser: undefined }))
      : await orderByFirstTime(settings.inputs, await parsersForOrdering(settings));
  const workDir = mkdtempSync(join(tmpdir(), 'loadgen-convert-'));
  try {
    const body = new BodyFile(join(workDir, 'sessions.body'));
    const converter = new Converter(settings.options, body);
    let summary;
    try {
      for (const { path, parser } of inputs) {
        const file = converter.beginSource(path === '-' ? 'stdin' : path, parser);
        await readBlocks(path, {
          block: (text, ascii) => converter.pushBlock(text, file, ascii),
          longLine: (bytes) => converter.pushLongLine(file, bytes),
        });
      }
      summary = converter.finish(settings.output, settings.optionWords);
    } finally {
      body.close();
    }
    if (!settings.quiet) process.stderr.write(formatProfile(summary.profile));
    if (settings.profileJson !== undefined) {
      await writeFileAtomic(settings.profileJson, `${JSON.stringify(summary.profile, null, 2)}\n`);
    }
    if (summary.sessions === 0) throw noUsableLine(summary.profile);
    await writeOutput(settings.output, summary.header, body.path);
    return EXIT_OK;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Write `header` then the bytes of file `bodyPath` to a new file `path`: synchronous reads and
 * writes of 1 MB (a stream of 64 KB chunks costs about three times the CPU for a large body).
 */
function appendFileCopy(path: string, header: string, bodyPath: string): void {
  const out = openSync(path, 'w');
  try {
    writeSync(out, header);
    const body = openSync(bodyPath, 'r');
    try {
      const buffer = Buffer.allocUnsafe(1024 * 1024);
      for (let n = readSync(body, buffer, 0, buffer.length, null); n > 0; n = readSync(body, buffer, 0, buffer.length, null)) {
        for (let done = 0; done < n; ) done += writeSync(out, buffer, done, n - done);
      }
    } finally {
      closeSync(body);
    }
  } finally {
    closeSync(out);
  }
}

/** Header then body, to stdout or atomically to a file. */
async function writeOutput(output: string, header: string, bodyPath: string): Promise<void> {
  if (output === '-') {
    await new Promise<void>((resolve, reject) => process.stdout.write(header, (err) => (err ? reject(err) : resolve())));
    await pipeline(createReadStream(bodyPath), process.stdout, { end: false });
    return;
  }
  const temporary = join(dirname(output), `.${process.pid}.loadgen-convert.tmp`);
  try {
    appendFileCopy(temporary, header, bodyPath);
    await rename(temporary, output);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw new UsageError(`convert: can't write ${output}: ${(err as Error).message}`);
  }
}

/** `loadgen convert` entry point (see cli.ts). */
export async function run(argv: string[]): Promise<number> {
  const settings = await parseConvertArgs(argv);
  if (settings === 'help') return EXIT_OK;
  return runConvert(settings);
}
