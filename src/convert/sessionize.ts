/**
 * Per-client sessions, built from records that arrive in time order (after the reorder window).
 *
 * A client (`--client-key`: address, or address + User-Agent) has at most one open session. A
 * request more than `--idle-timeout` after the client's previous one closes it and opens a new
 * one. Within a session, requests are grouped into bursts (bursts.ts) and each burst's think
 * time is the gap from its last request to the next burst's first, scaled and clamped.
 *
 * Memory stays bounded: whenever the log's clock passes a new minute, every client idle for
 * longer than the idle timeout is closed and its session handed out. Open sessions are kept in
 * a list ordered by their last request (records come in time order, so a session moves to the
 * end when it gets a request), so the sweep looks only at the sessions it closes.
 * Sessions handed out together are sorted by (first request time, client key): the output
 * order depends only on the input, never on how it was read.
 *
 * Storage is compact, because open sessions live for many minutes of log (long enough for
 * every object in them to be promoted and cost full garbage collections): a session keeps a
 * few parallel arrays (URIs, times, burst starts, think times), not an object per request or
 * burst, and the records themselves are reused by the converter. URIs and User-Agents are
 * interned (intern.ts): the same strings come back all the time, and a kept string must not
 * pin the block of input it was cut from.
 */
import { isAsset } from './bursts.js';
import { ClientTable } from './clients.js';
import { RecentStrings, StringInterner, ownCopy } from './intern.js';
import type { ConvertOptions } from './options.js';
import type { LogRecord } from './record.js';

/** One request of a converted session. */
export interface ConvertedRequest {
  readonly uri: string;
  readonly method: string;
  /** Log time of the request (seconds since the epoch). */
  readonly time: number;
}

/** A burst: the page first, then its embedded resources. */
export interface ConvertedBurst {
  readonly requests: ConvertedRequest[];
  /** Gap in the log from this burst's last request to the next burst's first (undefined for the last). */
  gap?: number;
  /** Think time written to the file (gap scaled and clamped), undefined for the last burst. */
  think?: number;
}

/** A client's session. */
export interface ConvertedSession {
  /** Client key (address, or address and User-Agent). */
  readonly key: string;
  /** Client address as logged. */
  readonly client: string;
  readonly start: number;
  end: number;
  readonly bursts: ConvertedBurst[];
  requestCount: number;
}

/** Receives what the sessionizer produces. */
export interface SessionEvents {
  /**
   * A session of `client` opened at `time` (arrival-rate statistics; called in time order).
   * `newClient` is false when the address already had an open session (so it was counted).
   */
  sessionStarted(time: number, client: string, newClient: boolean): void;
  /** Sessions closed together, already sorted by (start, key). */
  sessionsClosed(sessions: CompactSession[]): void;
}

/** Shared by every session that has a single burst (most): replaced, never changed, on a second. */
const ONE_BURST: readonly number[] = Object.freeze([0]);
const NO_GAPS: readonly number[] = Object.freeze([]);

/**
 * A client's session as the sessionizer builds it: parallel arrays instead of objects per
 * request and burst. It is a `ConvertedSession`: `bursts` is built on demand (tests, the
 * in-memory conversion); the writer and the profile read the arrays directly.
 */
export class CompactSession implements ConvertedSession {
  end: number;
  requestCount = 0;
  /** URI of each request, in order. */
  readonly uris: string[] = [];
  /** Log time of each request. */
  readonly times: number[] = [];
  /** Method of each request; undefined while every request is a GET (almost always). */
  methods: string[] | undefined;
  /** Index in `uris` of each burst's first request. */
  burstStarts: readonly number[] = ONE_BURST;
  /** Gap and think time of each burst but the last (set when the next burst starts). */
  gaps: readonly number[] = NO_GAPS;
  thinks: readonly number[] = NO_GAPS;

  // Sessionizer state while the session is open.
  /** The next session open for the same address, with another User-Agent (a short chain). */
  next: CompactSession | undefined;
  lastTime: number;
  /** A page the open burst also answers to (the Referer of an embedded resource opening it), or ''. */
  burstPage = '';
  /** Set once the session is closed (no longer in the sessionizer's table). */
  closed = false;
  /** Neighbours in the sessionizer's list of open sessions, by last request time. */
  older: CompactSession | undefined;
  newer: CompactSession | undefined;

  constructor(
    readonly key: string,
    readonly client: string,
    /** User-Agent part of the key ('' with `--client-key ip`). */
    readonly userAgent: string,
    readonly start: number,
  ) {
    this.end = start;
    this.lastTime = start;
  }

  /** Add a request to the open burst, or (`newBurst`) open a new burst with it. */
  addRequest(uri: string, method: string, time: number, newBurst: boolean): void {
    const index = this.uris.length;
    if (newBurst && index > 0) {
      if (this.burstStarts === ONE_BURST) this.burstStarts = [0, index];
      else (this.burstStarts as number[]).push(index);
    }
    this.uris.push(uri);
    this.times.push(time);
    if (method !== 'GET' && this.methods === undefined) this.methods = new Array<string>(index).fill('GET');
    if (this.methods !== undefined) this.methods.push(method);
    this.requestCount++;
    this.end = time;
    this.lastTime = time;
  }

  /** Method of request `index`. */
  methodAt(index: number): string {
    return this.methods === undefined ? 'GET' : this.methods[index]!;
  }

  /** The bursts as objects (built on each call). */
  get bursts(): ConvertedBurst[] {
    const out: ConvertedBurst[] = [];
    const starts = this.burstStarts;
    for (let b = 0; b < starts.length; b++) {
      const stop = b + 1 < starts.length ? starts[b + 1]! : this.uris.length;
      const requests: ConvertedRequest[] = [];
      for (let r = starts[b]!; r < stop; r++) requests.push({ uri: this.uris[r]!, method: this.methodAt(r), time: this.times[r]! });
      const burst: ConvertedBurst = { requests };
      if (b < this.thinks.length) {
        burst.gap = this.gaps[b]!;
        burst.think = this.thinks[b]!;
      }
      out.push(burst);
    }
    return out;
  }
}

/** Compare sessions by first request time, then client key. */
export function compareSessions(a: ConvertedSession, b: ConvertedSession): number {
  if (a.start !== b.start) return a.start - b.start;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Builds sessions and bursts from time-ordered records. */
export class Sessionizer {
  /** Open sessions by address; each heads a chain of its User-Agents. */
  private readonly clients = new ClientTable<CompactSession>();
  private nextSweep = Number.NEGATIVE_INFINITY;
  private readonly withUserAgent: boolean;
  /** URIs, each with whether it is an embedded resource. */
  readonly uris: RecentStrings;
  private readonly userAgents = new StringInterner(10_000);
  /** The session of the previous request: consecutive requests often come from one client. */
  private last: CompactSession | undefined;
  /** Open sessions by last request time: the oldest and the newest end of the list. */
  private oldest: CompactSession | undefined;
  private newest: CompactSession | undefined;

  constructor(
    private readonly options: ConvertOptions,
    private readonly events: SessionEvents,
  ) {
    this.withUserAgent = options.clientKey === 'ip+ua';
    this.uris = new RecentStrings((uri) => isAsset(uri, options.assetExtensions));
  }

  /**
   * Add the next record (records must come in nondecreasing time). Nothing of `record` is kept
   * but copies: its strings may be slices of a block of input.
   */
  add(record: LogRecord): void {
    const now = record.time;
    if (now >= this.nextSweep) {
      this.closeIdle(now);
      this.nextSweep = (Math.floor(now / 60) + 1) * 60;
    }
    // Clients are found by address, then along a chain by User-Agent: no key string per line.
    const userAgent = this.withUserAgent ? record.userAgent : '';
    let state = this.last;
    let head: CompactSession | undefined;
    if (state === undefined || state.closed || state.client !== record.client || state.userAgent !== userAgent) {
      head = this.clients.get(record.client);
      state = head;
      while (state !== undefined && state.userAgent !== userAgent) state = state.next;
    } else head = state;
    if (state !== undefined && now - state.lastTime > this.options.idleTimeout) {
      this.unlink(state.client, state);
      this.events.sessionsClosed([state]);
      state = undefined;
    }
    const uri = this.uris.get(record.uri);
    const asset = this.uris.flag;
    if (state === undefined) {
      // The address and User-Agent are copied once per session.
      const client = head !== undefined ? head.client : ownCopy(record.client);
      const agent = userAgent === '' ? '' : this.userAgents.intern(userAgent);
      const key = agent === '' ? client : `${client} ${agent}`;
      state = new CompactSession(key, client, agent, now);
      // No entry for an address seen for the first time: one lookup saved per new client.
      state.next = head === undefined ? undefined : this.clients.get(client);
      state.addRequest(uri, record.method, now, true);
      state.burstPage = this.burstPage(record, uri, asset);
      this.clients.set(state);
      this.last = state;
      this.append(state);
      this.events.sessionStarted(now, client, head === undefined);
      return;
    }
    this.last = state;
    if (state !== this.newest) {
      this.detach(state);
      this.append(state);
    }
    if (this.joinsBurst(state, record, asset)) {
      state.addRequest(uri, record.method, now, false);
    } else {
      this.setThink(state, now - state.lastTime);
      state.addRequest(uri, record.method, now, true);
      state.burstPage = this.burstPage(record, uri, asset);
    }
  }

  /** Close every open session (end of input). */
  finishAll(): void {
    const closed: CompactSession[] = [];
    this.clients.forEachValue((head) => {
      for (let state: CompactSession | undefined = head; state !== undefined; state = state.next) closed.push(state);
    });
    this.clients.clear();
    this.last = undefined;
    this.oldest = undefined;
    this.newest = undefined;
    for (const state of closed) state.closed = true;
    if (closed.length > 0) this.events.sessionsClosed(closed.sort(compareSessions));
  }

  /** Close the sessions of clients idle for longer than the idle timeout at time `now`. */
  private closeIdle(now: number): void {
    const limit = now - this.options.idleTimeout;
    const closed: CompactSession[] = [];
    for (let state = this.oldest; state !== undefined && state.lastTime < limit; state = state.newer) closed.push(state);
    for (const state of closed) this.unlink(state.client, state);
    this.clients.compact();
    if (closed.length > 0) this.events.sessionsClosed(closed.sort(compareSessions));
  }

  /** Put `state` at the newest end of the list of open sessions. */
  private append(state: CompactSession): void {
    state.older = this.newest;
    state.newer = undefined;
    if (this.newest === undefined) this.oldest = state;
    else this.newest.newer = state;
    this.newest = state;
  }

  /** Take `state` out of the list of open sessions. */
  private detach(state: CompactSession): void {
    if (state.older === undefined) this.oldest = state.newer;
    else state.older.newer = state.newer;
    if (state.newer === undefined) this.newest = state.older;
    else state.newer.older = state.older;
    state.older = undefined;
    state.newer = undefined;
  }

  /** Remove `state` from its address's chain and from the list of open sessions. */
  private unlink(client: string, state: CompactSession): void {
    state.closed = true;
    this.detach(state);
    const head = this.clients.get(client);
    if (head === state) {
      if (state.next === undefined) this.clients.delete(client);
      else this.clients.set(state.next);
      return;
    }
    for (let s = head; s !== undefined; s = s.next) {
      if (s.next === state) {
        s.next = state.next;
        return;
      }
    }
  }

  /**
   * The rules of bursts.ts `joinsBurst`, on the compact session: the open burst's names are its
   * URIs and its `burstPage`.
   */
  private joinsBurst(state: CompactSession, record: LogRecord, asset: boolean): boolean {
    const options = this.options;
    const closeInTime = record.time - state.lastTime <= options.burstWindow;
    const referer = record.referer;
    if (referer !== '') {
      if (!this.namesBurst(state, referer)) return false;
      return closeInTime || asset;
    }
    if (!asset) return false;
    return closeInTime;
  }

  /** True when `referer` is the open burst's page or one of its requests. */
  private namesBurst(state: CompactSession, referer: string): boolean {
    if (state.burstPage === referer) return true;
    const uris = state.uris;
    for (let i = state.burstStarts[state.burstStarts.length - 1]!; i < uris.length; i++) if (uris[i] === referer) return true;
    return false;
  }

  /**
   * What else a Referer may name to join a burst opened by `record` besides its URI: when it is
   * an embedded resource with a Referer, that page (the page itself is not in the log, e.g. it
   * came from a cache, but its other resources name it). '' when nothing.
   */
  private burstPage(record: LogRecord, uri: string, asset: boolean): string {
    if (asset && record.referer !== '' && record.referer !== uri) return this.uris.get(record.referer);
    return '';
  }

  private setThink(state: CompactSession, gap: number): void {
    const o = this.options;
    let think = gap * o.thinkScale;
    if (think < o.minThink) think = o.minThink;
    if (think > o.maxThink) think = o.maxThink;
    const rounded = Math.round(think * 1000) / 1000;
    if (state.gaps === NO_GAPS) {
      state.gaps = [gap];
      state.thinks = [rounded];
    } else {
      (state.gaps as number[]).push(gap);
      (state.thinks as number[]).push(rounded);
    }
  }
}
