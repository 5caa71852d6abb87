/**
 * Per-client sessions, built from records that arrive in time order (after the reorder window).
 *
 * A client (`--client-key`: address, or address + User-Agent) has at most one open session. A
 * request more than `--idle-timeout` after the client's previous one closes it and opens a new
 * one. Within a session, requests are grouped into bursts (bursts.ts) and each burst's think
 * time is the gap from its last request to the next burst's first, scaled and clamped.
 *
 * Memory stays bounded: whenever the log's clock passes a new minute, every client idle for
 * longer than the idle timeout is closed and its session handed out (one pass over the open
 * clients per log minute, cheaper than keeping them ordered on every request).
 * Sessions handed out together are sorted by (first request time, client key): the output
 * order depends only on the input, never on how it was read.
 */
import { isAsset, joinsBurst } from './bursts.js';
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
  /** A session of `client` opened at `time` (arrival-rate statistics; called in time order). */
  sessionStarted(time: number, client: string): void;
  /** Sessions closed together, already sorted by (start, key). */
  sessionsClosed(sessions: ConvertedSession[]): void;
}

interface ClientState {
  /** User-Agent part of the key ('' with `--client-key ip`). */
  readonly userAgent: string;
  /** The next client with the same address and another User-Agent (a short chain). */
  next: ClientState | undefined;
  session: ConvertedSession;
  burst: ConvertedBurst;
  /** URIs of the open burst (Referer matching). */
  burstUris: string[];
  lastTime: number;
}

/** Compare sessions by first request time, then client key. */
export function compareSessions(a: ConvertedSession, b: ConvertedSession): number {
  if (a.start !== b.start) return a.start - b.start;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Builds sessions and bursts from time-ordered records. */
export class Sessionizer {
  /** Open clients by address; each heads a chain of its User-Agents. */
  private readonly clients = new Map<string, ClientState>();
  private open = 0;
  private nextSweep = Number.NEGATIVE_INFINITY;
  private readonly withUserAgent: boolean;

  constructor(
    private readonly options: ConvertOptions,
    private readonly events: SessionEvents,
  ) {
    this.withUserAgent = options.clientKey === 'ip+ua';
  }

  /** Open sessions (for tests and memory checks). */
  get openSessions(): number {
    return this.open;
  }

  /** Add the next record (records must come in nondecreasing time). */
  add(record: LogRecord): void {
    const now = record.time;
    if (now >= this.nextSweep) {
      this.closeIdle(now);
      this.nextSweep = (Math.floor(now / 60) + 1) * 60;
    }
    // Clients are found by address, then along a chain by User-Agent: no key string per line.
    const userAgent = this.withUserAgent ? record.userAgent : '';
    const head = this.clients.get(record.client);
    let state = head;
    while (state !== undefined && state.userAgent !== userAgent) state = state.next;
    if (state !== undefined && now - state.lastTime > this.options.idleTimeout) {
      this.unlink(record.client, state);
      this.events.sessionsClosed([state.session]);
      state = undefined;
    }
    // The record itself is the request (it has uri, method and time): one object per line.
    const request: ConvertedRequest = record;
    if (state === undefined) {
      const burst: ConvertedBurst = { requests: [request] };
      const key = userAgent === '' ? record.client : `${record.client} ${userAgent}`;
      state = {
        userAgent,
        next: this.clients.get(record.client),
        session: { key, client: record.client, start: now, end: now, bursts: [burst], requestCount: 1 },
        burst,
        burstUris: this.burstNames(record),
        lastTime: now,
      };
      this.clients.set(record.client, state);
      this.open++;
      this.events.sessionStarted(now, record.client);
      return;
    }
    const options = this.options;
    if (joinsBurst(state.burstUris, state.lastTime, record, options.burstWindow, options.assetExtensions)) {
      state.burst.requests.push(request);
      state.burstUris.push(record.uri);
    } else {
      this.setThink(state.burst, now - state.lastTime);
      const burst: ConvertedBurst = { requests: [request] };
      state.session.bursts.push(burst);
      state.burst = burst;
      state.burstUris = this.burstNames(record);
    }
    state.session.requestCount++;
    state.session.end = now;
    state.lastTime = now;
  }

  /** Close every open session (end of input). */
  finishAll(): void {
    const closed: ConvertedSession[] = [];
    for (const head of this.clients.values()) {
      for (let state: ClientState | undefined = head; state !== undefined; state = state.next) closed.push(state.session);
    }
    this.clients.clear();
    this.open = 0;
    if (closed.length > 0) this.events.sessionsClosed(closed.sort(compareSessions));
  }

  /** Close the sessions of clients idle for longer than the idle timeout at time `now`. */
  private closeIdle(now: number): void {
    const limit = now - this.options.idleTimeout;
    const closed: ConvertedSession[] = [];
    for (const [client, head] of this.clients) {
      let state: ClientState | undefined = head;
      while (state !== undefined) {
        const next: ClientState | undefined = state.next;
        if (state.lastTime < limit) {
          this.unlink(client, state);
          closed.push(state.session);
        }
        state = next;
      }
    }
    if (closed.length > 0) this.events.sessionsClosed(closed.sort(compareSessions));
  }

  /** Remove `state` from its address's chain. */
  private unlink(client: string, state: ClientState): void {
    this.open--;
    const head = this.clients.get(client);
    if (head === state) {
      if (state.next === undefined) this.clients.delete(client);
      else this.clients.set(client, state.next);
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
   * What a Referer may name to join a burst opened by `record`: its URI, and when it is an
   * embedded resource with a Referer, that page too (the page itself is not in the log, e.g.
   * it came from a cache, but its other resources name it).
   */
  private burstNames(record: LogRecord): string[] {
    if (record.referer !== '' && record.referer !== record.uri && isAsset(record.uri, this.options.assetExtensions)) {
      return [record.uri, record.referer];
    }
    return [record.uri];
  }

  private setThink(burst: ConvertedBurst, gap: number): void {
    const o = this.options;
    burst.gap = gap;
    let think = gap * o.thinkScale;
    if (think < o.minThink) think = o.minThink;
    if (think > o.maxThink) think = o.maxThink;
    burst.think = Math.round(think * 1000) / 1000;
  }
}
