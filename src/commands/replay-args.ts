/**
 * The replay options on the command line: httperf 0.9.0's names, defaults and workload
 * generators, validated into a `ReplayOptions`. Shared by the replay command and `loadgen sweep`.
 * The option table has one line per option; `replayGrammar` turns it into the getopt_long
 * grammar (src/commands/getopt.ts) so unique prefixes work as in httperf.
 *
 * Differences from httperf, on purpose: every bad value is a one-line usage error with exit 2
 * (httperf hangs on `--wsesslog=0,...` and accepts `think=0.3abc`); options httperf silently
 * ignores in a mode are accepted with a warning.
 */
import type { Argv, Options } from 'yargs';
import { UsageError } from '../errors.js';
import { parseStartAt } from '../engine/start-at.js';
import { DEFAULT_REPLAY_OPTIONS, type ArrivalPattern, type ReplayOptions } from '../options.js';
import type { Generator, PrintParts, UriSource, Workload } from '../workload/spec.js';
import { TRACE_CALL_LIMIT } from '../workload/trace.js';
import { canonicalArgs, grammarOf, type DeclaredOptions, type OptionGrammar } from './getopt.js';

/** Every replay option, one per line: [name, yargs settings]. */
const REPLAY_OPTIONS: ReadonlyArray<readonly [string, Options]> = [
  ['server', { type: 'string', default: DEFAULT_REPLAY_OPTIONS.server, describe: 'host to connect to (name, IPv4 or IPv6)' }],
  ['port', { type: 'string', describe: 'TCP port (default 80, 443 with --ssl)' }],
  ['server-name', { type: 'string', describe: 'value of the Host header (default: --server)' }],
  ['uri', { type: 'string', describe: 'URI of every call (--num-conns/--wsess), prefix of --wset (default /)' }],
  ['wsesslog', { type: 'string', describe: 'N,X,FILE: N sessions, default think time X seconds, session file' }],
  ['wsess', { type: 'string', describe: 'N1,N2,X: N1 sessions of N2 calls, bursts of --burst-length, think time X s' }],
  ['num-conns', { type: 'string', describe: 'connections to create, each doing --num-calls calls (default 1)' }],
  ['num-calls', { type: 'string', describe: 'calls per connection (default 1)' }],
  ['burst-length', { type: 'string', describe: 'calls sent back to back (pipelined) per burst (default 1)' }],
  ['method', { type: 'string', describe: 'request method of --num-conns/--wsess calls (default GET)' }],
  ['wlog', { type: 'string', describe: 'y|n,FILE: URIs from FILE (separated by NUL bytes), y = start over at the end' }],
  ['wset', { type: 'string', describe: 'N,X: a working set of N files, moving to the next with probability X per call' }],
  ['rate', { type: 'string', describe: 'session/connection arrival rate per second (0 = one at a time)' }],
  ['period', { type: 'string', describe: 'inter-arrival time: [d]T fixed, eT exponential, uT1,T2 uniform, vT1,D1,T2,D2... variable' }],
  ['seed', { type: 'string', describe: 'seed of the arrival generator for --period=e/u (default: --client id, as httperf)' }],
  ['client', { type: 'string', default: '0/1', describe: 'I/N: this generator is number I of N' }],
  ['timeout', { type: 'string', default: '0', describe: 'seconds allowed for connect and for each whole reply (0 = none)' }],
  ['think-timeout', { type: 'string', default: '0', describe: 'extra seconds added to --timeout while waiting for a reply' }],
  ['max-connections', { type: 'string', describe: 'connections per session (default 4)' }],
  ['max-piped-calls', { type: 'string', describe: 'pipelined calls per connection in sessions (default 32; 1 with HTTP/1.0)' }],
  ['http-version', { type: 'string', default: '1.1', describe: '1.1 or 1.0' }],
  ['failure-status', { type: 'string', default: '0', describe: 'a reply with this status fails its session' }],
  ['retry-on-failure', { type: 'boolean', default: false, describe: 'retry failed connections and failure-status replies (bounded by --max-retries)' }],
  ['max-retries', { type: 'string', default: String(DEFAULT_REPLAY_OPTIONS.maxRetries), describe: 'retries per call with --retry-on-failure' }],
  ['session-cookies', { type: 'boolean', default: false, describe: 'keep one cookie per session and send it back' }],
  ['add-header', { type: 'string', array: true, describe: 'extra request header text (httperf escapes: \\n = CRLF); repeatable' }],
  ['no-host-hdr', { type: 'boolean', default: false, describe: 'send no Host header' }],
  ['close-with-reset', { type: 'boolean', default: false, describe: 'close connections with a TCP RST instead of a FIN' }],
  ['ssl', { type: 'boolean', default: false, describe: 'use TLS (certificate verified)' }],
  ['insecure', { type: 'boolean', default: false, describe: 'with --ssl: do not verify the certificate' }],
  ['ssl-ciphers', { type: 'string', describe: 'OpenSSL cipher list for --ssl' }],
  ['ssl-no-reuse', { type: 'boolean', default: false, describe: 'accepted: loadgen never resumes TLS sessions (a full handshake per connection)' }],
  ['print-request', { type: 'string', describe: `[=header|body] print requests (SH/SB/SS lines; first ${TRACE_CALL_LIMIT} calls)` }],
  ['print-reply', { type: 'string', describe: `[=header|body] print replies (RH/RB/RS lines; first ${TRACE_CALL_LIMIT} calls)` }],
  ['hog', { type: 'boolean', default: false, describe: 'accepted for httperf compatibility' }],
  ['send-buffer', { type: 'string', default: String(DEFAULT_REPLAY_OPTIONS.sendBuffer), describe: 'accepted for httperf compatibility' }],
  ['recv-buffer', { type: 'string', default: String(DEFAULT_REPLAY_OPTIONS.recvBuffer), describe: 'accepted for httperf compatibility' }],
  ['start-at', { type: 'string', requiresArg: true, describe: 'begin at this instant: RFC 3339 (2026-01-31T12:00:00Z) or epoch ms; N generators start together' }],
  ['raw-uri-bytes', { type: 'boolean', default: false, describe: 'send control bytes and DEL in session-file URIs as they are (refused otherwise)' }],
  ['debug', { alias: 'd', type: 'string', describe: 'accepted for httperf compatibility (does nothing)' }],
  ['verbose', { alias: 'v', type: 'count', describe: 'print rate samples as they are taken' }],
  ['version', { alias: 'V', type: 'boolean', describe: 'print the version and exit' }],
];

/** httperf 0.9.0's long options: a prefix matching one of these and a loadgen-only option means httperf's. */
const HTTPERF_OPTION_NAMES: ReadonlySet<string> = new Set(
  ('add-header burst-length client close-with-reset debug failure-status help hog http-version max-connections max-piped-calls ' +
    'method no-host-hdr num-calls num-conns period port print-reply print-request rate recv-buffer retry-on-failure send-buffer ' +
    'server server-name session-cookies ssl ssl-ciphers ssl-no-reuse think-timeout timeout uri verbose version wlog wsess wsesslog wset').split(' '),
);

/** Options whose argument is optional (only in the `--opt=value` form, as getopt_long). */
const OPTIONAL_ARGUMENT: ReadonlySet<string> = new Set(['print-request', 'print-reply']);

/** Options httperf ignores in --wsesslog mode; we accept them and say so. */
const IGNORED_IN_WSESSLOG = ['uri', 'method', 'num-conns', 'num-calls', 'burst-length', 'wset', 'wlog', 'wsess'] as const;

/** Add every replay option to a yargs instance. */
export function addReplayOptions<T>(y: Argv<T>): Argv<T> {
  let out = y;
  for (const [name, settings] of REPLAY_OPTIONS) out = out.option(name, settings) as Argv<T>;
  return out;
}

/** The getopt_long grammar of a parser built with addReplayOptions (and any other options on it). */
export function replayGrammar(parser: Argv): OptionGrammar {
  const declared = (parser as unknown as { getOptions(): DeclaredOptions }).getOptions();
  return grammarOf(declared, OPTIONAL_ARGUMENT, HTTPERF_OPTION_NAMES);
}

/**
 * yargs settings after getopt: words are already canonical, and `--no-host-hdr` is an option of
 * its own, not the negation of a `--host-hdr`.
 */
const GETOPT_YARGS_CONFIGURATION = {
  'camel-case-expansion': false,
  'duplicate-arguments-array': true,
  'strip-aliased': true,
  'boolean-negation': false,
} as const;

/**
 * Parse `args` as httperf does (getopt_long: unique prefixes, `-vv`, `--opt value`) with a parser
 * holding the replay options; returns the parsed options and the canonical words.
 */
export async function parseGetopt(parser: Argv, args: readonly string[]): Promise<{ argv: ReplayArgv; words: string[] }> {
  parser.parserConfiguration(GETOPT_YARGS_CONFIGURATION);
  const words = canonicalArgs(args, replayGrammar(parser));
  return { argv: (await parser.parseAsync(words)) as ReplayArgv, words };
}

/** Parsed argv as yargs gives it (only the fields read here). */
export type ReplayArgv = Record<string, unknown>;

/** Warnings for options that do nothing in the chosen mode (httperf ignores them silently). */
export function ignoredOptionWarnings(argv: ReplayArgv): string[] {
  const warn = (name: string, mode: string): string => `loadgen: warning: --${name} is ignored in ${mode} mode (as in httperf)`;
  if (argv.wsesslog !== undefined) return IGNORED_IN_WSESSLOG.filter((name) => argv[name] !== undefined).map((name) => warn(name, '--wsesslog'));
  const out: string[] = [];
  if (argv.wsess !== undefined) for (const name of ['num-conns', 'num-calls'] as const) if (argv[name] !== undefined) out.push(warn(name, '--wsess'));
  if (argv.wsess === undefined && argv['max-connections'] !== undefined) {
    out.push('loadgen: warning: --max-connections does not cap open connections in connection mode (httperf drops arrivals beyond it; loadgen keeps arrivals open-loop)');
  }
  if (argv.debug !== undefined) out.push('loadgen: warning: --debug does nothing (accepted for httperf compatibility)');
  return out;
}

/**
 * Validate and convert parsed arguments. `rawArgs` is the argument list (canonical, from
 * getopt), used only to find which of --rate/--period and of --wlog/--wset came last (httperf:
 * the last one wins).
 */
export function toReplayOptions(args: ReplayArgv, rawArgs: readonly string[] = []): ReplayOptions {
  const argv = lastValues(args);
  const ssl = argv.ssl === true;
  const httpVersion = String(argv['http-version']);
  if (httpVersion !== '1.1' && httpVersion !== '1.0') throw new UsageError(`--http-version must be 1.1 or 1.0, not '${httpVersion}'`);
  const client = parseClient(String(argv.client));
  const maxConnections = argv['max-connections'] === undefined ? DEFAULT_REPLAY_OPTIONS.maxConnections : integer(argv['max-connections'], '--max-connections', 1, 64);
  const defaultPiped = httpVersion === '1.0' ? 1 : DEFAULT_REPLAY_OPTIONS.maxPipedCalls;
  const maxPipedCalls = argv['max-piped-calls'] === undefined ? defaultPiped : integer(argv['max-piped-calls'], '--max-piped-calls', 1, 1024);
  const addHeadersRaw = ([] as unknown[]).concat(argv['add-header'] ?? []).map(String);
  const failureStatus = integer(argv['failure-status'], '--failure-status', 0, 999);
  if (failureStatus !== 0 && failureStatus < 100) throw new UsageError(`--failure-status must be an HTTP status (100-999), not ${failureStatus}`);
  const workload = workloadFrom(argv, rawArgs);
  const g = workload.generator;
  if (argv['session-cookies'] === true && g.kind === 'connections') {
    throw new UsageError('--session-cookies requires a session workload (--wsess or --wsesslog), as in httperf');
  }
  const wsesslog = g.kind === 'wsesslog' ? parseWsesslog(String(argv.wsesslog)) : undefined;
  return {
    server: nonEmpty(argv.server, '--server'),
    port: argv.port === undefined ? (ssl ? 443 : 80) : integer(argv.port, '--port', 1, 65535),
    serverName: argv['server-name'] === undefined ? undefined : nonEmpty(argv['server-name'], '--server-name'),
    sessionFile: wsesslog?.file ?? '',
    sessions: wsesslog?.sessions ?? (g.kind === 'connections' ? g.connections : g.kind === 'wsess' ? g.sessions : 0),
    thinkTime: wsesslog?.thinkTime ?? (g.kind === 'wsess' ? g.thinkTime : 0),
    arrival: arrivalFrom(argv, rawArgs),
    seed: argv.seed === undefined ? client.id : integer(argv.seed, '--seed', 0, 2 ** 31 - 1),
    client,
    timeout: nonNegative(argv.timeout, '--timeout'),
    thinkTimeout: nonNegative(argv['think-timeout'], '--think-timeout'),
    maxConnections,
    maxPipedCalls,
    maxConnectionsSet: argv['max-connections'] !== undefined,
    maxPipedCallsSet: argv['max-piped-calls'] !== undefined,
    httpVersion,
    failureStatus,
    retryOnFailure: argv['retry-on-failure'] === true,
    maxRetries: integer(argv['max-retries'], '--max-retries', 0, 1000),
    sessionCookies: argv['session-cookies'] === true,
    addHeaders: addHeadersRaw.map(unescapeHeader),
    addHeadersRaw,
    ssl,
    insecure: argv.insecure === true,
    hog: argv.hog === true,
    sendBuffer: integer(argv['send-buffer'], '--send-buffer', 0, 2 ** 31 - 1),
    recvBuffer: integer(argv['recv-buffer'], '--recv-buffer', 0, 2 ** 31 - 1),
    verbose: typeof argv.verbose === 'number' ? argv.verbose : 0,
    ...(argv['start-at'] === undefined ? {} : { startAt: parseStartAt(String(argv['start-at'])) }),
    rawUriBytes: argv['raw-uri-bytes'] === true,
    workload,
  };
}

/** The workload generator and the httperf options that go with it. */
function workloadFrom(argv: ReplayArgv, rawArgs: readonly string[]): Workload {
  const uri = argv.uri === undefined ? '/' : nonEmpty(argv.uri, '--uri');
  const method = argv.method === undefined ? undefined : methodName(String(argv.method));
  return {
    generator: generatorFrom(argv, rawArgs, uri),
    uri,
    ...(method === undefined ? {} : { method }),
    closeWithReset: argv['close-with-reset'] === true,
    noHostHeader: argv['no-host-hdr'] === true,
    ...(argv['ssl-ciphers'] === undefined ? {} : { sslCiphers: nonEmpty(argv['ssl-ciphers'], '--ssl-ciphers') }),
    sslNoReuse: argv['ssl-no-reuse'] === true,
    ...printOption(argv, 'print-request', 'printRequest'),
    ...printOption(argv, 'print-reply', 'printReply'),
  };
}

function generatorFrom(argv: ReplayArgv, rawArgs: readonly string[], uri: string): Generator {
  if (argv.wsesslog !== undefined) return { kind: 'wsesslog' };
  const burstLength = argv['burst-length'] === undefined ? 1 : integer(argv['burst-length'], '--burst-length', 1, 1_000_000);
  const uris = uriSourceFrom(argv, rawArgs, uri);
  if (argv.wsess !== undefined) {
    const [sessions, calls, thinkTime] = parseTriple(String(argv.wsess), '--wsess', 'N1,N2,X (sessions, calls per session, think time in seconds)');
    return { kind: 'wsess', sessions, calls, thinkTime, burstLength, uris };
  }
  const connections = argv['num-conns'] === undefined ? 1 : integer(argv['num-conns'], '--num-conns', 1, 2 ** 31 - 1);
  const calls = argv['num-calls'] === undefined ? 1 : integer(argv['num-calls'], '--num-calls', 1, 2 ** 31 - 1);
  return { kind: 'connections', connections, calls, burstLength, uris };
}

/** --uri, or --wlog / --wset (the one given last wins, as in httperf). */
function uriSourceFrom(argv: ReplayArgv, rawArgs: readonly string[], uri: string): UriSource {
  const useWlog = argv.wlog !== undefined && (argv.wset === undefined || lastIndexOf(rawArgs, '--wlog') > lastIndexOf(rawArgs, '--wset'));
  if (useWlog) {
    const value = String(argv.wlog);
    const m = /^([yYnN]),(.+)$/.exec(value);
    if (!m) throw new UsageError(`--wlog=${value}: expected y,FILE or n,FILE (y = start over at the end of the list)`);
    return { kind: 'wlog', loop: m[1]!.toLowerCase() === 'y', file: m[2]! };
  }
  if (argv.wset !== undefined) {
    const value = String(argv.wset);
    const parts = value.split(',');
    const files = parts.length === 2 ? cNumber(parts[0]!) : NaN;
    const missRate = parts.length === 2 ? strictNumber(parts[1]!) : NaN;
    if (!Number.isSafeInteger(files) || files < 1) throw new UsageError(`--wset=${value}: expected N,X with N a whole number of files >= 1`);
    if (!(missRate >= 0 && missRate <= 1)) throw new UsageError(`--wset=${value}: the target miss rate X must be from 0 to 1`);
    return { kind: 'wset', files, missRate, prefix: uri };
  }
  return { kind: 'fixed', uri };
}

/** `--print-request[=header|body]`: httperf reads the first letter (h, b, anything else = both). */
function printOption(argv: ReplayArgv, name: string, key: 'printRequest' | 'printReply'): Partial<Record<typeof key, PrintParts>> {
  const value = argv[name];
  if (value === undefined) return {};
  const first = String(value).charAt(0).toLowerCase();
  return { [key]: first === 'h' ? 'header' : first === 'b' ? 'body' : 'all' };
}

/** A request method token (httperf sends whatever it is given; loadgen checks it is a token). */
function methodName(value: string): string {
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value)) throw new UsageError(`--method must be an HTTP method token (e.g. GET, POST), not '${value}'`);
  return value;
}

/** Options given twice keep the last value (as httperf); --add-header stays a list. */
function lastValues(argv: ReplayArgv): ReplayArgv {
  const out: ReplayArgv = {};
  for (const [key, value] of Object.entries(argv)) out[key] = Array.isArray(value) && key !== 'add-header' ? value.at(-1) : value;
  return out;
}

/** `--wsesslog=N,X,FILE` (a trailing comma is allowed, as in httperf). */
export function parseWsesslog(value: string): { sessions: number; thinkTime: number; file: string } {
  const parts = value.split(',');
  if (parts.length === 4 && parts[3] === '') parts.pop();
  if (parts.length !== 3) {
    throw new UsageError(`--wsesslog=${value}: expected N,X,FILE (sessions, think time in seconds, session file)`);
  }
  const [n, x, file] = parts as [string, string, string];
  const sessions = cNumber(n);
  if (!Number.isSafeInteger(sessions) || sessions <= 0) {
    throw new UsageError(`--wsesslog=${value}: the number of sessions must be a whole number > 0, not '${n}'`);
  }
  const thinkTime = strictNumber(x);
  if (!Number.isFinite(thinkTime) || thinkTime < 0) {
    throw new UsageError(`--wsesslog=${value}: the think time must be a number of seconds >= 0, not '${x}'`);
  }
  if (file === '') throw new UsageError(`--wsesslog=${value}: the session file name is missing`);
  return { sessions, thinkTime, file };
}

/** `--wsess=N1,N2,X`: two whole numbers > 0 (strtoul base 0, as httperf) and a think time >= 0. */
function parseTriple(value: string, option: string, expected: string): [number, number, number] {
  const parts = value.split(',');
  if (parts.length !== 3) throw new UsageError(`${option}=${value}: expected ${expected}`);
  const [a, b] = [cNumber(parts[0]!), cNumber(parts[1]!)];
  const x = strictNumber(parts[2]!);
  if (!Number.isSafeInteger(a) || a < 1) throw new UsageError(`${option}=${value}: the number of sessions must be a whole number > 0, not '${parts[0]}'`);
  if (!Number.isSafeInteger(b) || b < 1) throw new UsageError(`${option}=${value}: the number of calls per session must be a whole number > 0, not '${parts[1]}'`);
  if (!Number.isFinite(x) || x < 0) throw new UsageError(`${option}=${value}: the think time must be a number of seconds >= 0, not '${parts[2]}'`);
  return [a, b, x];
}

/** C strtoul(s, 0): decimal, 0x hexadecimal or 0 octal; NaN for anything else. */
function cNumber(text: string): number {
  const t = text.trim();
  if (/^0x[0-9a-f]+$/i.test(t)) return Number(t);
  if (/^0[0-7]+$/.test(t)) return parseInt(t, 8);
  return /^\d+$/.test(t) ? Number(t) : NaN;
}

/** The arrival pattern from --rate / --period; the one given last wins, as in httperf. */
function arrivalFrom(argv: ReplayArgv, rawArgs: readonly string[]): ArrivalPattern {
  const hasRate = argv.rate !== undefined;
  const hasPeriod = argv.period !== undefined;
  if (!hasRate && !hasPeriod) return { kind: 'sequential' };
  let usePeriod = hasPeriod;
  if (hasRate && hasPeriod) usePeriod = lastIndexOf(rawArgs, '--period') > lastIndexOf(rawArgs, '--rate');
  if (!usePeriod) {
    const rate = strictNumber(String(argv.rate));
    if (!Number.isFinite(rate) || rate < 0) throw new UsageError(`--rate must be a number per second >= 0, not '${String(argv.rate)}'`);
    return rate === 0 ? { kind: 'sequential' } : { kind: 'fixed', interval: 1 / rate };
  }
  return parsePeriod(String(argv.period));
}

/** `--period=[d]T`, `eT`, `uT1,T2`, `vT1,D1,T2,D2...` (seconds). Period 0 means sequential. */
export function parsePeriod(value: string): ArrivalPattern {
  const kind = /^[deuv]/i.test(value) ? value[0]!.toLowerCase() : 'd';
  const body = kind === 'd' && !/^d/i.test(value) ? value : value.slice(1);
  const nums = body.split(',').map(strictNumber);
  const bad = (why: string) => new UsageError(`--period=${value}: ${why}`);
  if (nums.some((n) => !Number.isFinite(n) || n < 0)) throw bad('periods must be numbers of seconds >= 0');
  if (kind === 'v') {
    if (nums.length < 2 || nums.length % 2 !== 0) throw bad('variable needs pairs: vT1,D1[,T2,D2...] (interval, duration in seconds)');
    if (nums.some((n) => n <= 0)) throw bad('variable intervals and durations must be > 0');
    const segments = [];
    for (let i = 0; i < nums.length; i += 2) segments.push({ interval: nums[i]!, duration: nums[i + 1]! });
    return { kind: 'variable', segments, cycle: true };
  }
  if (kind === 'u') {
    if (nums.length !== 2) throw bad('uniform needs two values: uT1,T2');
    const [min, max] = nums as [number, number];
    if (max < min) throw bad('T2 must not be below T1');
    if (max === 0) return { kind: 'sequential' };
    return { kind: 'uniform', min, max };
  }
  if (nums.length !== 1) throw bad(`expected one value, e.g. ${kind}0.5`);
  const t = nums[0]!;
  if (t === 0) return { kind: 'sequential' };
  return kind === 'e' ? { kind: 'exponential', mean: t } : { kind: 'fixed', interval: t };
}
/** `--client I/N`. */
function parseClient(value: string): { id: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (!m) throw new UsageError(`--client must be I/N (e.g. 0/1), not '${value}'`);
  const id = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || id >= count) throw new UsageError(`--client ${value}: need 0 <= I < N`);
  return { id, count };
}

/** httperf's --add-header escapes: \n -> CRLF, \a -> LF, \r -> CR, \\ -> \, \NNN octal. A missing final CRLF is added. */
export function unescapeHeader(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\' || i + 1 >= raw.length) {
      out += c;
      continue;
    }
    const next = raw[++i]!;
    if (next === 'n') out += '\r\n';
    else if (next === 'a') out += '\n';
    else if (next === 'r') out += '\r';
    else if (next === '\\') out += '\\';
    else if (/[0-7]/.test(next)) {
      let digits = next;
      while (digits.length < 3 && /[0-7]/.test(raw[i + 1] ?? '')) digits += raw[++i];
      out += String.fromCharCode(parseInt(digits, 8));
    } else throw new UsageError(`--add-header '${raw}': unknown escape \\${next} (use \\n \\a \\r \\\\ or \\NNN)`);
  }
  if (!out.endsWith('\r\n')) out += '\r\n';
  const name = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):/.exec(out);
  if (!name) throw new UsageError(`--add-header '${raw}': expected 'Name: value'`);
  return out;
}

function lastIndexOf(args: readonly string[], name: string): number {
  let last = -1;
  args.forEach((a, i) => {
    if (a === name || a.startsWith(`${name}=`)) last = i;
  });
  return last;
}

/** Number() that rejects empty strings, whitespace and trailing junk. */
function strictNumber(text: string): number {
  const t = text.trim();
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return NaN;
  return Number(t);
}

function integer(value: unknown, name: string, min: number, max: number): number {
  const n = typeof value === 'number' ? value : strictNumber(String(value));
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not '${String(value)}'`);
  return n;
}

function nonNegative(value: unknown, name: string): number {
  const n = typeof value === 'number' ? value : strictNumber(String(value));
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${name} must be a number >= 0, not '${String(value)}'`);
  return n;
}

function nonEmpty(value: unknown, name: string): string {
  const s = String(value ?? '').trim();
  if (s === '') throw new UsageError(`${name} must not be empty`);
  return s;
}
