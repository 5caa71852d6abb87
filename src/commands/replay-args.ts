/**
 * The replay options on the command line: httperf's names and defaults, validated into a
 * `ReplayOptions`. Shared by the replay command and `loadgen sweep`.
 *
 * Differences from httperf, on purpose: every bad value is a one-line usage error with exit 2
 * (httperf hangs on `--wsesslog=0,...` and accepts `think=0.3abc`); options httperf silently
 * ignores in wsesslog mode are accepted with a warning.
 */
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { parseStartAt } from '../engine/start-at.js';
import { DEFAULT_REPLAY_OPTIONS, type ArrivalPattern, type ReplayOptions } from '../options.js';

/** Options httperf accepts but ignores in --wsesslog mode; we accept them and say so. */
const IGNORED_IN_WSESSLOG = ['uri', 'method', 'num-conns', 'num-calls', 'burst-length', 'wset', 'wlog'] as const;

/** Add every replay option to a yargs instance. */
export function addReplayOptions<T>(y: Argv<T>) {
  return y
    .option('server', { type: 'string', default: DEFAULT_REPLAY_OPTIONS.server, describe: 'host to connect to (name, IPv4 or IPv6)' })
    .option('port', { type: 'string', describe: 'TCP port (default 80, 443 with --ssl)' })
    .option('server-name', { type: 'string', describe: 'value of the Host header (default: --server)' })
    .option('wsesslog', { type: 'string', describe: 'N,X,FILE: N sessions, default think time X seconds, session file' })
    .option('rate', { type: 'string', describe: 'session arrival rate, sessions/s (0 = one session at a time)' })
    .option('period', { type: 'string', describe: 'inter-arrival time: [d]T fixed, eT exponential (Poisson), uT1,T2 uniform' })
    .option('seed', { type: 'string', describe: 'seed of the arrival generator for --period=e/u (default: --client id, as httperf)' })
    .option('client', { type: 'string', default: '0/1', describe: 'I/N: this generator is number I of N' })
    .option('timeout', { type: 'string', default: '0', describe: 'seconds allowed for connect and for each whole reply (0 = none)' })
    .option('think-timeout', { type: 'string', default: '0', describe: 'extra seconds added to --timeout while waiting for a reply' })
    .option('max-connections', { type: 'string', describe: 'connections per session (default 4)' })
    .option('max-piped-calls', { type: 'string', describe: 'pipelined calls per connection (default 32; 1 with HTTP/1.0)' })
    .option('http-version', { type: 'string', default: '1.1', describe: '1.1 or 1.0' })
    .option('failure-status', { type: 'string', default: '0', describe: 'a reply with this status fails its session' })
    .option('retry-on-failure', { type: 'boolean', default: false, describe: 'retry failed connections and failure-status replies (bounded by --max-retries)' })
    .option('max-retries', { type: 'string', default: String(DEFAULT_REPLAY_OPTIONS.maxRetries), describe: 'retries per call with --retry-on-failure' })
    .option('session-cookies', { type: 'boolean', default: false, describe: 'keep one cookie per session and send it back' })
    .option('add-header', { type: 'string', array: true, describe: 'extra request header text (httperf escapes: \\n = CRLF); repeatable' })
    .option('ssl', { type: 'boolean', default: false, describe: 'use TLS (certificate verified)' })
    .option('insecure', { type: 'boolean', default: false, describe: 'with --ssl: do not verify the certificate' })
    .option('hog', { type: 'boolean', default: false, describe: 'accepted for httperf compatibility' })
    .option('send-buffer', { type: 'string', default: String(DEFAULT_REPLAY_OPTIONS.sendBuffer), describe: 'accepted for httperf compatibility' })
    .option('recv-buffer', { type: 'string', default: String(DEFAULT_REPLAY_OPTIONS.recvBuffer), describe: 'accepted for httperf compatibility' })
    .option('start-at', { type: 'string', requiresArg: true, describe: 'begin at this instant: RFC 3339 (2026-01-31T12:00:00Z) or epoch ms; N generators start together' })
    .option('verbose', { alias: 'v', type: 'count', describe: 'print rate samples as they are taken' })
    .option('raw-uri-bytes', { type: 'boolean', default: false, describe: 'send control bytes and DEL in session-file URIs as they are (refused otherwise)' })
    .option('uri', { type: 'string', hidden: true })
    .option('method', { type: 'string', hidden: true })
    .option('num-conns', { type: 'number', hidden: true })
    .option('num-calls', { type: 'number', hidden: true })
    .option('burst-length', { type: 'number', hidden: true })
    .option('wset', { type: 'string', hidden: true })
    .option('wlog', { type: 'string', hidden: true });
}

/** Parsed argv as yargs gives it (only the fields read here). */
export type ReplayArgv = Record<string, unknown>;

/** Warnings for options that do nothing in wsesslog mode (httperf ignores them silently). */
export function ignoredOptionWarnings(argv: ReplayArgv): string[] {
  return IGNORED_IN_WSESSLOG.filter((name) => argv[name] !== undefined).map(
    (name) => `loadgen: warning: --${name} is ignored in --wsesslog mode (as in httperf)`,
  );
}

/**
 * Validate and convert parsed arguments. `rawArgs` is the original argument list, used only to
 * find whether --rate or --period came last (httperf: the last one wins).
 */
export function toReplayOptions(args: ReplayArgv, rawArgs: readonly string[] = []): ReplayOptions {
  const argv = lastValues(args);
  if (argv.wsesslog === undefined) throw new UsageError('--wsesslog=N,X,FILE is required (try --help)');
  const wsesslog = parseWsesslog(String(argv.wsesslog));
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
  return {
    server: nonEmpty(argv.server, '--server'),
    port: argv.port === undefined ? (ssl ? 443 : 80) : integer(argv.port, '--port', 1, 65535),
    serverName: argv['server-name'] === undefined ? undefined : nonEmpty(argv['server-name'], '--server-name'),
    sessionFile: wsesslog.file,
    sessions: wsesslog.sessions,
    thinkTime: wsesslog.thinkTime,
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
  };
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
  const sessions = /^(0x[0-9a-f]+|\d+)$/i.test(n.trim()) ? Number(n.trim()) : NaN;
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

/** The arrival pattern from --rate / --period; the one given last wins, as in httperf. */
function arrivalFrom(argv: ReplayArgv, rawArgs: readonly string[]): ArrivalPattern {
  const hasRate = argv.rate !== undefined;
  const hasPeriod = argv.period !== undefined;
  if (!hasRate && !hasPeriod) return { kind: 'sequential' };
  let usePeriod = hasPeriod;
  if (hasRate && hasPeriod) usePeriod = lastIndexOf(rawArgs, '--period') > lastIndexOf(rawArgs, '--rate');
  if (!usePeriod) {
    const rate = strictNumber(String(argv.rate));
    if (!Number.isFinite(rate) || rate < 0) throw new UsageError(`--rate must be a number of sessions/s >= 0, not '${String(argv.rate)}'`);
    return rate === 0 ? { kind: 'sequential' } : { kind: 'fixed', interval: 1 / rate };
  }
  return parsePeriod(String(argv.period));
}

/** `--period=[d]T`, `eT`, `uT1,T2` (seconds). Period 0 means sequential. */
export function parsePeriod(value: string): ArrivalPattern {
  const kind = /^[deu]/i.test(value) ? value[0]!.toLowerCase() : 'd';
  const body = kind === 'd' && !/^d/i.test(value) ? value : value.slice(1);
  const nums = body.split(',').map(strictNumber);
  const bad = (why: string) => new UsageError(`--period=${value}: ${why}`);
  if (nums.some((n) => !Number.isFinite(n) || n < 0)) throw bad('periods must be numbers of seconds >= 0');
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
