/**
 * Parsing of the sweep's own command-line values: `--rates`, `--slo`, `--max-errors`, and the
 * targets (`--server` repeated, `host:port`, `[v6]:port`, `--port` paired by position).
 * Every bad value is a UsageError naming the option.
 */
import { UsageError } from '../errors.js';

/** `--rates LOW:HIGH:STEP` (autobench: low, low+step, ... <= high) or `--rates 5,10,20`. */
export function parseRates(spec: string): number[] {
  const text = spec.trim();
  const bad = (why: string) => new UsageError(`--rates ${spec}: ${why}`);
  if (text.includes(':')) {
    const parts = text.split(':');
    if (parts.length !== 3) throw bad('expected LOW:HIGH:STEP, e.g. 10:100:10');
    const [low, high, step] = parts.map(positiveNumber) as [number, number, number];
    if ([low, high, step].some((n) => Number.isNaN(n))) throw bad('LOW, HIGH and STEP must be numbers > 0');
    if (high < low) throw bad('HIGH must not be below LOW');
    const rates: number[] = [];
    // Integer step counts avoid 0.1 + 0.2 drift; a tiny slack keeps HIGH when it is on the grid.
    const count = Math.floor((high - low) / step + 1e-9);
    if (count > 1000) throw bad('more than 1000 steps');
    for (let i = 0; i <= count; i++) rates.push(roundRate(low + i * step));
    return rates;
  }
  const rates = text.split(',').map((part) => positiveNumber(part));
  if (rates.length === 0 || rates.some((n) => Number.isNaN(n))) throw bad('expected rates in sessions/s > 0, e.g. 5,10,20,40');
  for (let i = 1; i < rates.length; i++) {
    if (rates[i]! <= rates[i - 1]!) throw bad('rates must increase');
  }
  return rates;
}

/** Round away binary noise (10 + 3 * 0.1) so rates print as typed. */
export function roundRate(rate: number): number {
  return Math.round(rate * 1e6) / 1e6;
}

function positiveNumber(text: string): number {
  const t = text.trim();
  if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return NaN;
  const n = Number(t);
  return n > 0 && Number.isFinite(n) ? n : NaN;
}

/** A response-time objective: `p99<500ms`, `p50<=0.2s`, `mean<80ms`. */
export interface Slo {
  /** As typed, for messages and the document. */
  text: string;
  stat: 'mean' | 'p50' | 'p90' | 'p99' | 'p999' | 'max';
  /** Limit in ms. */
  limitMs: number;
  /** `<` (strict) or `<=`. */
  inclusive: boolean;
}

/** Parse one `--slo` value. */
export function parseSlo(text: string): Slo {
  const m = /^\s*(mean|p50|p90|p99|p999|max)\s*(<=|<)\s*(\d+\.?\d*|\.\d+)\s*(us|ms|s)?\s*$/i.exec(text);
  if (!m) throw new UsageError(`--slo '${text}': expected STAT<LIMIT with STAT one of mean p50 p90 p99 p999 max, e.g. p99<500ms`);
  const unit = (m[4] ?? 'ms').toLowerCase();
  const value = Number(m[3]);
  const limitMs = unit === 's' ? value * 1000 : unit === 'us' ? value / 1000 : value;
  return { text: text.trim(), stat: m[1]!.toLowerCase() as Slo['stat'], limitMs, inclusive: m[2] === '<=' };
}

/** `--max-errors 1` or `1%` (percent) -> fraction 0.01. */
export function parsePercent(value: unknown, name: string): number {
  const text = String(value).trim().replace(/%$/, '');
  const n = /^(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new UsageError(`${name} must be a percentage from 0 to 100, not '${String(value)}'`);
  return n / 100;
}

/** One server to sweep. */
export interface TargetSpec {
  server: string;
  port: number;
  /** Display name: host, or host:port when two targets share a host. */
  name: string;
  metricsUrl?: string;
}

/**
 * Targets from repeated `--server` (each may carry `:port`, IPv6 as `[::1]:port`), `--port`
 * values paired by position (one `--port` applies to every server without its own), and
 * `--metrics-url` paired by position.
 */
export function parseTargets(servers: readonly string[], ports: readonly number[], metricsUrls: readonly string[], defaultPort: number): TargetSpec[] {
  if (servers.length === 0) throw new UsageError('--server is required');
  if (ports.length > 1 && ports.length !== servers.length) {
    throw new UsageError(`--port given ${ports.length} times for ${servers.length} servers: give one, or one per --server`);
  }
  if (metricsUrls.length > servers.length) {
    throw new UsageError(`--metrics-url given ${metricsUrls.length} times for ${servers.length} servers (they pair by position)`);
  }
  const targets = servers.map((raw, i) => {
    const { host, port } = splitHostPort(raw);
    const paired = ports.length === 1 ? ports[0] : ports[i];
    const finalPort = port ?? paired ?? defaultPort;
    if (!Number.isInteger(finalPort) || finalPort < 1 || finalPort > 65535) throw new UsageError(`--port must be a whole number from 1 to 65535, not '${finalPort}'`);
    const metricsUrl = metricsUrls[i];
    if (metricsUrl !== undefined && !/^https?:\/\/./i.test(metricsUrl)) throw new UsageError(`--metrics-url must be an http:// or https:// URL, not '${metricsUrl}'`);
    return { server: host, port: finalPort, name: host, ...(metricsUrl ? { metricsUrl } : {}) };
  });
  const seen = new Map<string, number>();
  for (const t of targets) seen.set(t.server, (seen.get(t.server) ?? 0) + 1);
  for (const t of targets) if (seen.get(t.server)! > 1) t.name = t.server.includes(':') ? `[${t.server}]:${t.port}` : `${t.server}:${t.port}`;
  const names = new Set(targets.map((t) => t.name));
  if (names.size !== targets.length) throw new UsageError('the same --server and --port are given twice');
  return targets;
}

/** `host`, `host:port`, `[v6]`, `[v6]:port`; a bare IPv6 literal (several colons) has no port. */
export function splitHostPort(raw: string): { host: string; port?: number } {
  const text = raw.trim();
  if (text === '') throw new UsageError('--server must not be empty');
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, ...(bracketed[2] ? { port: portNumber(bracketed[2], raw) } : {}) };
  const colons = text.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = text.split(':') as [string, string];
    if (host === '') throw new UsageError(`--server ${raw}: the host is missing`);
    return { host, port: portNumber(port, raw) };
  }
  return { host: text };
}

function portNumber(text: string, raw: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--server ${raw}: the port must be a number from 1 to 65535`);
  return n;
}
