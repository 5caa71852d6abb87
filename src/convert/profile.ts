/**
 * The workload profile of a conversion: what was read, what was skipped and why, the shape of
 * the sessions written, and the session arrival rate of the real traffic. Everything is counted
 * in bounded memory: small count maps, an HDR histogram for think times, a running per-minute
 * counter (sessions open in time order) and a fixed-size distinct-client estimator.
 */
import { newHistogram, recordMs, type Histogram } from '../results/histogram.js';
import { CompactSession, type ConvertedSession } from './sessionize.js';

/** How many line locations are kept per skip reason. */
const EXAMPLES_PER_REASON = 5;

/** Lines skipped (or requests dropped) for one reason. */
export interface SkipCount {
  count: number;
  /** `FILE:LINE` of the first few. */
  examples: string[];
}

/** Median, 90th percentile and maximum of a distribution. */
export interface Spread {
  median: number;
  p90: number;
  max: number;
}

/** The profile as written to `--profile-json`. */
export interface ProfileJson {
  version: 1;
  sources: Array<{ path: string; lines: number }>;
  format: string;
  lines: { read: number; blank: number; parsed: number; unparseable: number; filtered: number; late: number; used: number };
  unparseable: Record<string, SkipCount>;
  filtered: Record<string, SkipCount>;
  clients: number;
  clientsExact: boolean;
  sessions: { found: number; written: number; droppedMinRequests: number; droppedSample: number; droppedMaxSessions: number };
  bursts: number;
  requests: number;
  methods: Record<string, number>;
  requestsPerBurst: Spread;
  burstsPerSession: Spread;
  thinkTime: { count: number; median: number; p90: number; p99: number; max: number; clampedLow: number; clampedHigh: number };
  arrival: {
    firstTime: string | null;
    lastTime: string | null;
    spanSeconds: number;
    meanRate: number;
    peakMinute: string | null;
    peakMinuteSessions: number;
    peakRate: number;
  };
  replayCommand: string;
  notes: string[];
  maxRssBytes: number;
}

/**
 * Distinct count in bounded memory: exact (a set of 52-bit hashes, so no log text is kept) up to
 * a limit, then a HyperLogLog estimate (2^14 registers, about 1% error).
 */
export class DistinctCounter {
  /** The exact set: open addressing over the hashes (+1, so 0 marks a free slot); undefined past the limit. */
  private exact: Float64Array | undefined = new Float64Array(1024);
  private exactSize = 0;
  private readonly registers = new Uint8Array(1 << 14);

  constructor(private readonly exactLimit = 100_000) {}

  add(key: string): void {
    // Two FNV-1a variants with a murmur-style finaliser each.
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    h1 = finalise(h1);
    h2 = finalise(h2);
    if (this.exact !== undefined) {
      // A typed-array set: a Set of numbers this large boxes each one and costs several times more.
      this.addExact((h1 >>> 0) * 0x100000 + (h2 >>> 12) + 1);
      if (this.exactSize > this.exactLimit) this.exact = undefined;
    }
    const index = h1 >>> 18;
    const rest = (h1 << 14) | 0x2000;
    const rank = Math.clz32(rest) + 1;
    if (rank > this.registers[index]!) this.registers[index] = rank;
  }

  /** Add `value` (> 0) to the exact set; its low bits (from the finalised h2) pick the slot. */
  private addExact(value: number): void {
    let table = this.exact!;
    let mask = table.length - 1;
    let slot = (value % 0x100000000) & mask;
    for (let held = table[slot]!; held !== 0; held = table[slot]!) {
      if (held === value) return;
      slot = (slot + 1) & mask;
    }
    table[slot] = value;
    if (++this.exactSize * 2 <= table.length) return;
    const old = table;
    table = this.exact = new Float64Array(old.length * 2);
    mask = table.length - 1;
    for (const v of old) {
      if (v === 0) continue;
      let at = (v % 0x100000000) & mask;
      while (table[at] !== 0) at = (at + 1) & mask;
      table[at] = v;
    }
  }

  /** True while the count is exact. */
  get isExact(): boolean {
    return this.exact !== undefined;
  }

  get count(): number {
    if (this.exact !== undefined) return this.exactSize;
    const m = this.registers.length;
    let sum = 0;
    let zeros = 0;
    for (const r of this.registers) {
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const estimate = ((0.7213 / (1 + 1.079 / m)) * m * m) / sum;
    if (estimate <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
    return Math.round(estimate);
  }
}

function finalise(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** Deterministic hash of a client key to [0, 1) (`--sample`). */
export function clientFraction(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 2 ** 32;
}

/** How often each whole number occurred: an array for the small ones (nearly all), a map beyond. */
class Tally {
  private readonly small = new Float64Array(256);
  private readonly large = new Map<number, number>();

  add(value: number): void {
    if (value < 256) this.small[value]!++;
    else this.large.set(value, (this.large.get(value) ?? 0) + 1);
  }

  toMap(): Map<number, number> {
    const counts = new Map<number, number>();
    this.small.forEach((count, value) => {
      if (count > 0) counts.set(value, count);
    });
    for (const [value, count] of this.large) counts.set(value, count);
    return counts;
  }
}

function spread(counts: Map<number, number>): Spread {
  const keys = [...counts.keys()].sort((a, b) => a - b);
  let total = 0;
  for (const k of keys) total += counts.get(k)!;
  const at = (q: number): number => {
    if (total === 0) return 0;
    const rank = Math.ceil(q * total);
    let seen = 0;
    for (const k of keys) {
      seen += counts.get(k)!;
      if (seen >= rank) return k;
    }
    return keys[keys.length - 1]!;
  };
  return { median: at(0.5), p90: at(0.9), max: keys.length > 0 ? keys[keys.length - 1]! : 0 };
}

function iso(seconds: number): string {
  return new Date(Math.round(seconds * 1000)).toISOString().replace('.000Z', 'Z');
}

/** Up to 3 significant digits, no exponent, no trailing zeros (rates in commands). */
export function formatRate(rate: number): string {
  if (rate === 0) return '0';
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(rate))));
  return String(Number(rate.toFixed(Math.min(digits, 6))));
}

/** Collects the figures of a conversion. */
export class ProfileCollector {
  linesRead = 0;
  blankLines = 0;
  parsed = 0;
  late = 0;
  readonly unparseable = new Map<string, SkipCount>();
  readonly filtered = new Map<string, SkipCount>();
  readonly clients = new DistinctCounter();
  sessionsFound = 0;
  sessionsWritten = 0;
  droppedMinRequests = 0;
  droppedSample = 0;
  droppedMaxSessions = 0;
  bursts = 0;
  requests = 0;
  /** Requests written per method (GET counted apart: it is almost every request). */
  readonly methods = new Map<string, number>();
  gets = 0;
  private readonly requestsPerBurst = new Tally();
  private readonly burstsPerSession = new Tally();
  private readonly think: Histogram = newHistogram();
  private thinkMax = 0;
  clampedLow = 0;
  clampedHigh = 0;
  private firstTime = Number.POSITIVE_INFINITY;
  private lastTime = Number.NEGATIVE_INFINITY;
  private minute = Number.NaN;
  private minuteSessions = 0;
  private peakMinute = Number.NaN;
  private peakMinuteSessions = 0;

  /** Count a skipped line under `reason` (kind: unparseable, or filtered by an option). */
  skip(kind: 'unparseable' | 'filtered', reason: string, where: string): void {
    const entry = this.entry(kind, reason);
    entry.count++;
    if (entry.examples.length < EXAMPLES_PER_REASON) entry.examples.push(where);
  }

  /** `skip` with the place as file and line: the `FILE:LINE` text is made only for the first few. */
  skipAt(kind: 'unparseable' | 'filtered', reason: string, path: string, line: number): void {
    const entry = this.entry(kind, reason);
    entry.count++;
    if (entry.examples.length < EXAMPLES_PER_REASON) entry.examples.push(`${path}:${line}`);
  }

  private entry(kind: 'unparseable' | 'filtered', reason: string): SkipCount {
    const map = kind === 'unparseable' ? this.unparseable : this.filtered;
    let entry = map.get(reason);
    if (entry === undefined) {
      entry = { count: 0, examples: [] };
      map.set(reason, entry);
    }
    return entry;
  }

  /** A record that passed the filters, at time `time`. */
  used(time: number): void {
    if (time < this.firstTime) this.firstTime = time;
    if (time > this.lastTime) this.lastTime = time;
  }

  /** A session of `client` opened at `time` (times come in nondecreasing order). */
  sessionStarted(time: number, client: string, newClient = true): void {
    this.sessionsFound++;
    // An address with a session still open was counted when that one started.
    if (newClient) this.clients.add(client);
    const minute = Math.floor(time / 60);
    if (minute !== this.minute) {
      this.minute = minute;
      this.minuteSessions = 0;
    }
    this.minuteSessions++;
    if (this.minuteSessions > this.peakMinuteSessions) {
      this.peakMinuteSessions = this.minuteSessions;
      this.peakMinute = minute;
    }
  }

  /** A session written to the file. */
  sessionWritten(session: ConvertedSession, minThink: number, maxThink: number): void {
    if (session instanceof CompactSession) {
      this.compactWritten(session, minThink, maxThink);
      return;
    }
    this.sessionsWritten++;
    this.bursts += session.bursts.length;
    this.requests += session.requestCount;
    this.burstsPerSession.add(session.bursts.length);
    for (const burst of session.bursts) {
      const n = burst.requests.length;
      this.requestsPerBurst.add(n);
      for (const request of burst.requests) {
        if (request.method === 'GET') this.gets++;
        else this.methods.set(request.method, (this.methods.get(request.method) ?? 0) + 1);
      }
      if (burst.think !== undefined) this.thinkWritten(burst.think, minThink, maxThink);
    }
  }

  /** `sessionWritten` read straight from the sessionizer's arrays. */
  private compactWritten(session: CompactSession, minThink: number, maxThink: number): void {
    const starts = session.burstStarts;
    const bursts = starts.length;
    this.sessionsWritten++;
    this.bursts += bursts;
    this.requests += session.requestCount;
    this.burstsPerSession.add(bursts);
    for (let b = 0; b < bursts; b++) {
      const n = (b + 1 < bursts ? starts[b + 1]! : session.requestCount) - starts[b]!;
      this.requestsPerBurst.add(n);
    }
    const methods = session.methods;
    if (methods === undefined) this.gets += session.requestCount;
    else {
      for (const method of methods) {
        if (method === 'GET') this.gets++;
        else this.methods.set(method, (this.methods.get(method) ?? 0) + 1);
      }
    }
    for (const think of session.thinks) this.thinkWritten(think, minThink, maxThink);
  }

  private thinkWritten(think: number, minThink: number, maxThink: number): void {
    recordMs(this.think, think * 1000);
    if (think > this.thinkMax) this.thinkMax = think;
    if (think === minThink && minThink > 0) this.clampedLow++;
    if (think === maxThink) this.clampedHigh++;
  }

  /** Sum of unparseable / filtered lines. */
  total(kind: 'unparseable' | 'filtered'): number {
    let n = 0;
    for (const entry of (kind === 'unparseable' ? this.unparseable : this.filtered).values()) n += entry.count;
    return n;
  }

  /** The profile document. `output` is the session file path ('-' for stdout). */
  toJson(sources: Array<{ path: string; lines: number }>, format: string, output: string, notes: string[]): ProfileJson {
    const span = this.sessionsFound > 0 ? Math.max(this.lastTime - this.firstTime, 1) : 0;
    const peakRate = this.peakMinuteSessions / 60;
    const unparseable = this.total('unparseable');
    const filtered = this.total('filtered');
    const thinkCount = this.think.totalCount;
    const sec = (p: number) => (thinkCount === 0 ? 0 : Number((this.think.getValueAtPercentile(p) / 1e6).toPrecision(3)));
    return {
      version: 1,
      sources,
      format,
      lines: {
        read: this.linesRead,
        blank: this.blankLines,
        parsed: this.parsed,
        unparseable,
        filtered,
        late: this.late,
        used: this.parsed - filtered,
      },
      unparseable: Object.fromEntries(this.unparseable),
      filtered: Object.fromEntries(this.filtered),
      clients: this.clients.count,
      clientsExact: this.clients.isExact,
      sessions: {
        found: this.sessionsFound,
        written: this.sessionsWritten,
        droppedMinRequests: this.droppedMinRequests,
        droppedSample: this.droppedSample,
        droppedMaxSessions: this.droppedMaxSessions,
      },
      bursts: this.bursts,
      requests: this.requests,
      methods: Object.fromEntries([...this.methods, ...(this.gets > 0 ? [['GET', this.gets] as [string, number]] : [])].sort()),
      requestsPerBurst: spread(this.requestsPerBurst.toMap()),
      burstsPerSession: spread(this.burstsPerSession.toMap()),
      thinkTime: {
        count: thinkCount,
        median: sec(50),
        p90: sec(90),
        p99: sec(99),
        max: this.thinkMax,
        clampedLow: this.clampedLow,
        clampedHigh: this.clampedHigh,
      },
      arrival: {
        firstTime: Number.isFinite(this.firstTime) ? iso(this.firstTime) : null,
        lastTime: Number.isFinite(this.lastTime) ? iso(this.lastTime) : null,
        spanSeconds: span,
        meanRate: span > 0 ? this.sessionsFound / span : 0,
        peakMinute: Number.isNaN(this.peakMinute) ? null : iso(this.peakMinute * 60),
        peakMinuteSessions: this.peakMinuteSessions,
        peakRate,
      },
      replayCommand: `loadgen --server HOST --wsesslog=${this.sessionsWritten},0,${output === '-' ? 'SESSIONS.txt' : output} --rate=${formatRate(peakRate)}`,
      notes,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  }
}

function n(value: number): string {
  return value.toLocaleString('en-US');
}

function reasonLines(title: string, map: Record<string, SkipCount>): string[] {
  const entries = Object.entries(map).sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1));
  if (entries.length === 0) return [];
  const out = [`  ${title}:`];
  for (const [reason, entry] of entries) {
    const more = entry.count > entry.examples.length ? ', ...' : '';
    out.push(`    ${n(entry.count).padStart(9)}  ${reason} (${entry.examples.join(', ')}${more})`);
  }
  return out;
}

function seconds(value: number): string {
  return `${Number(value.toFixed(3))} s`;
}

/** The profile as readable text for stderr. */
export function formatProfile(p: ProfileJson): string {
  const lines: string[] = ['loadgen convert: workload profile'];
  lines.push(`  input      ${p.sources.map((s) => `${s.path} (${n(s.lines)} lines)`).join(', ')}; format ${p.format}`);
  lines.push(
    `  lines      ${n(p.lines.read)} read, ${n(p.lines.parsed)} parsed: ${n(p.lines.used)} used, ${n(p.lines.unparseable)} unparseable, ` +
      `${n(p.lines.filtered)} filtered, ${n(p.lines.blank)} blank`,
  );
  lines.push(...reasonLines('unparseable', p.unparseable));
  lines.push(...reasonLines('filtered', p.filtered));
  const dropped: string[] = [];
  if (p.sessions.droppedMinRequests > 0) dropped.push(`${n(p.sessions.droppedMinRequests)} below --min-requests`);
  if (p.sessions.droppedSample > 0) dropped.push(`${n(p.sessions.droppedSample)} not in --sample`);
  if (p.sessions.droppedMaxSessions > 0) dropped.push(`${n(p.sessions.droppedMaxSessions)} beyond --max-sessions`);
  lines.push(`  clients    ${p.clientsExact ? '' : '~'}${n(p.clients)}`);
  lines.push(`  sessions   ${n(p.sessions.found)} found, ${n(p.sessions.written)} written${dropped.length > 0 ? ` (dropped: ${dropped.join(', ')})` : ''}`);
  const methods = Object.entries(p.methods).map(([m, c]) => `${m} ${n(c)}`).join(', ');
  lines.push(`  requests   ${n(p.requests)} in ${n(p.bursts)} bursts${methods ? ` (${methods})` : ''}`);
  lines.push(`  per burst  requests: median ${p.requestsPerBurst.median}, p90 ${p.requestsPerBurst.p90}, max ${p.requestsPerBurst.max}`);
  lines.push(`  per session bursts: median ${p.burstsPerSession.median}, p90 ${p.burstsPerSession.p90}, max ${p.burstsPerSession.max}`);
  const t = p.thinkTime;
  const clamped = t.clampedLow + t.clampedHigh > 0 ? `; clamped: ${t.clampedLow} to --min-think, ${t.clampedHigh} to --max-think` : '';
  lines.push(
    t.count > 0
      ? `  think time ${n(t.count)} gaps: median ${seconds(t.median)}, p90 ${seconds(t.p90)}, p99 ${seconds(t.p99)}, max ${seconds(t.max)}${clamped}`
      : '  think time none (every session has a single burst)',
  );
  const a = p.arrival;
  if (a.firstTime !== null) {
    lines.push(`  traffic    ${a.firstTime} to ${a.lastTime} (${seconds(a.spanSeconds)})`);
    lines.push(`  arrivals   mean ${formatRate(a.meanRate)} sessions/s; busiest minute ${a.peakMinute}: ${a.peakMinuteSessions} sessions = ${formatRate(a.peakRate)} sessions/s`);
    lines.push(`  replay at today's peak (1x): ${p.replayCommand}`);
  }
  for (const note of p.notes) lines.push(`  note: ${note}`);
  return `${lines.join('\n')}\n`;
}
