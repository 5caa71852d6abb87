/**
 * One user session replaying a template, with httperf's burst rules (spec 4.2-4.4, 4.7):
 * - the first call of a burst goes out alone; the rest of the burst after its reply, capped
 *   by the free capacity maxConnections x maxPipedCalls;
 * - each call goes to the lowest-numbered slot with fewer than maxPipedCalls pending;
 *   a slot opens its connection on demand and keeps it across bursts and think times;
 * - think time runs from the last reply of a burst to the first call of the next;
 * - the session fails on a reply timeout, on a connection that fails before delivering any
 *   reply (unless --retry-on-failure), or on a --failure-status reply; then every connection
 *   is closed and the remaining calls are dropped.
 */
import { performance } from 'node:perf_hooks';
import { clearLongTimeout, setLongTimeout, type LongTimeout } from '../util/timers.js';
import { Call } from './call.js';
import { Connection } from './connection.js';
import type { EngineContext, PreparedTemplate } from './context.js';

export class Session {
  /** The session's single cookie (--session-cookies), replaced by each Set-Cookie. */
  cookie: string | undefined = undefined;
  private readonly slots: Array<Connection | null>;
  private burstIndex = 0;
  /** Index in the current burst of the next request to create. */
  private nextInBurst = 0;
  /** Calls completed in this session, and the count that completes the current burst. */
  private completedCalls = 0;
  private burstTarget: number;
  /** Calls created and not yet completed. */
  private outstanding = 0;
  private replies = 0;
  private connectionsEstablished = 0;
  private firstReplySeen = false;
  private thinkTimer: LongTimeout | null = null;
  private done = false;
  private readonly capacity: number;

  constructor(
    private readonly ctx: EngineContext,
    private readonly template: PreparedTemplate,
    /** performance.now() ms when the schedule wanted this session to start. */
    private readonly intendedStart: number,
    /** performance.now() ms when it was created. */
    private readonly createdAt: number,
  ) {
    // Connection mode (httperf's call_seq): one connection, a whole burst pipelined whatever --max-piped-calls says.
    this.slots = new Array<Connection | null>(template.pipelineBursts ? 1 : ctx.options.maxConnections).fill(null);
    this.capacity = template.pipelineBursts ? Infinity : ctx.options.maxConnections * ctx.options.maxPipedCalls;
    this.burstTarget = template.bursts[0]!.requests.length;
  }

  /** True while one of the session's connections waits for a reply. */
  get awaitingReply(): boolean {
    return this.slots.some((conn) => conn !== null && conn.awaitingReply);
  }

  /** httperf's connection mode (one connection doing its calls in pipelined bursts). */
  get connectionMode(): boolean {
    return this.template.pipelineBursts;
  }

  start(): void {
    this.issueCalls();
  }

  /** Stop without recording a session result (run interrupted): close every connection. */
  abandon(): void {
    if (this.done) return;
    this.done = true;
    this.closeAll();
  }

  connectionEstablished(): void {
    this.connectionsEstablished++;
  }

  /** A reply completed on one of our connections. */
  callCompleted(call: Call, status: number, now: number): void {
    if (this.done) return;
    this.replies++;
    if (!this.firstReplySeen) {
      this.firstReplySeen = true;
      this.ctx.recorder.firstReply(now - this.intendedStart);
    }
    const { failureStatus, retryOnFailure, maxRetries } = this.ctx.options;
    if (failureStatus !== 0 && status === failureStatus) {
      if (retryOnFailure && call.resends < maxRetries) {
        this.resend([call], this.lowestFreeSlot());
      } else {
        this.finish(false);
      }
      return;
    }
    this.outstanding--;
    this.completedCalls++;
    if (this.completedCalls === this.template.requestCount) {
      this.finish(true);
    } else if (this.nextInBurst < this.template.bursts[this.burstIndex]!.requests.length) {
      this.issueCalls();
    } else if (this.completedCalls >= this.burstTarget) {
      const thinkMs = this.template.bursts[this.burstIndex]!.thinkMs;
      this.burstIndex++;
      this.nextInBurst = 0;
      this.burstTarget += this.template.bursts[this.burstIndex]!.requests.length;
      // Zero think time: the next burst goes out now, not at the next timer tick (about 1 ms).
      if (thinkMs > 0) this.thinkTimer = setLongTimeout(this.thinkOver, thinkMs);
      else this.issueCalls();
    }
  }

  /**
   * Send calls again on a new connection in `slot` (after a server close or a failed
   * connection that had delivered replies). Bounded: a call re-sent too often fails the session.
   */
  resend(calls: Call[], slot: number): void {
    if (this.done) return;
    const { recorder } = this.ctx;
    for (const call of calls) {
      if (++call.resends > this.ctx.maxResends) {
        this.finish(false);
        return;
      }
      recorder.counters.retries++;
    }
    for (const call of calls) this.assignToSlot(call, slot);
  }

  /** A connection failed with an error (already counted). Decide per httperf's rules. */
  connectionFailed(conn: Connection, calls: Call[], why: 'timeout' | 'after-replies' | 'no-reply'): void {
    if (this.done) return;
    if (why === 'after-replies' || (why === 'no-reply' && this.ctx.options.retryOnFailure && calls.every((c) => c.resends < this.ctx.options.maxRetries))) {
      this.resend(calls, conn.slot);
      return;
    }
    this.finish(false);
  }

  private readonly thinkOver = (): void => {
    this.thinkTimer = null;
    if (!this.done) this.issueCalls();
  };

  /** httperf's issue_calls: one call to open a burst, then the rest up to the free capacity. */
  private issueCalls(): void {
    const burst = this.template.bursts[this.burstIndex]!.requests;
    let n: number;
    if (this.nextInBurst === 0 && !this.template.pipelineBursts) n = 1;
    else n = Math.min(burst.length - this.nextInBurst, this.capacity - this.outstanding);
    if (n === 1) {
      this.outstanding++;
      this.assignToSlot(new Call(burst[this.nextInBurst++]!), this.lowestFreeSlot(), false);
      return;
    }
    for (let k = 0; k < n; k++) {
      this.outstanding++;
      this.assignToSlot(new Call(burst[this.nextInBurst++]!), this.lowestFreeSlot(), true);
    }
    // One write (writev) per connection for the whole group of pipelined calls.
    for (const conn of this.slots) conn?.flush();
  }

  /** Lowest-numbered slot with room for one more pipelined call (httperf: never by idleness). */
  private lowestFreeSlot(): number {
    const maxPiped = this.ctx.options.maxPipedCalls;
    let best = 0;
    let bestLen = Infinity;
    for (let i = 0; i < this.slots.length; i++) {
      const conn = this.slots[i];
      const len = conn === null || conn.closed ? 0 : conn.queue.length;
      if (len < maxPiped) return i;
      if (len < bestLen) {
        bestLen = len;
        best = i;
      }
    }
    return best;
  }

  private assignToSlot(call: Call, slot: number, deferWrite = false): void {
    let conn = this.slots[slot];
    if (conn === null || conn === undefined || conn.closed) {
      conn = new Connection(this.ctx, this, slot);
      this.slots[slot] = conn;
    }
    conn.assign(call, deferWrite);
  }

  private finish(succeeded: boolean): void {
    this.done = true;
    this.closeAll();
    this.ctx.recorder.sessionEnded(succeeded, performance.now() - this.createdAt, this.replies, this.connectionsEstablished);
    this.ctx.sessionDestroyed(this);
  }

  private closeAll(): void {
    clearLongTimeout(this.thinkTimer);
    this.thinkTimer = null;
    for (let i = 0; i < this.slots.length; i++) {
      this.slots[i]?.close();
      this.slots[i] = null;
    }
  }
}
