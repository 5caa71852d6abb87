/**
 * One TCP (or TLS) connection of a session slot: writes calls as soon as it is connected
 * (pipelined, without waiting for earlier replies), parses replies in order, measures connect,
 * response and transfer times, and reports failures to its session.
 *
 * Server closes are handled as a browser would, not as httperf does (its bug #4 and #7): an idle
 * connection closed by the server, `Connection: close`, or a request written into a keep-alive
 * connection the server had just closed leads to a quiet reconnect, not an error.
 */
import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { ResponseParser, type ReplySink } from '../http/response-parser.js';
import { withCookie } from '../http/request.js';
import { errorKindOf, tlsFailureReason, type ErrorKind } from '../record/recorder.js';
import type { Call } from './call.js';
import type { EngineContext, Watched } from './context.js';
import type { Session } from './session.js';

const enum State {
  Connecting,
  Open,
  Closed,
}

/** One read buffer for every plain-TCP connection: replies are parsed synchronously. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const OWNER = Symbol('loadgen.connection');

type OwnedSocket = net.Socket & { [OWNER]?: Connection };

export class Connection implements ReplySink, Watched {
  /** Calls assigned to this connection and not yet answered, in send order. */
  readonly queue: Call[] = [];
  /** How many calls at the head of `queue` have been written. */
  private written = 0;
  private state = State.Connecting;
  private readonly socket: OwnedSocket;
  private readonly parser: ResponseParser;
  private readonly connectStart: number;
  /** Replies delivered by this connection (httperf's "at least one reply" rule). */
  replies = 0;
  /** Reply bytes seen since the connection was last idle: 0 means a fresh write got no answer at all. */
  private bytesSinceIdle = 0;
  /** The calls in flight were written after the connection sat idle with replies delivered. */
  private reusedAfterIdle = false;
  /** Reads delivered so far: a call written during read k cannot be answered by bytes of read k. */
  private reads = 0;

  constructor(
    private readonly ctx: EngineContext,
    private readonly session: Session,
    readonly slot: number,
  ) {
    const { target, options } = ctx;
    this.parser = new ResponseParser(this, options.httpVersion === '1.0', options.sessionCookies);
    this.connectStart = performance.now();
    ctx.recorder.connectionStarted();
    let socket: OwnedSocket;
    if (target.tls) {
      socket = tls.connect({
        host: target.address,
        port: target.port,
        servername: target.serverName,
        rejectUnauthorized: target.rejectUnauthorized,
        ciphers: target.ciphers,
        ALPNProtocols: ['http/1.1'],
      });
      socket.on('secureConnect', onConnect);
      socket.on('data', onData);
    } else {
      socket = net.connect({
        host: target.address,
        port: target.port,
        family: target.family,
        noDelay: true,
        onread: { buffer: READ_BUFFER, callback: onRead },
      });
      socket.on('connect', onConnect);
    }
    if (target.tls) socket.setNoDelay(true);
    socket[OWNER] = this;
    socket.on('end', onEnd);
    socket.on('error', onError);
    this.socket = socket;
    ctx.watched?.add(this);
  }

  get closed(): boolean {
    return this.state === State.Closed;
  }

  /** True while a written request has no complete reply. */
  get awaitingReply(): boolean {
    return this.written > 0 && this.state !== State.Closed;
  }

  /**
   * Queue a call. It is written at once if the connection is open, unless `deferWrite` is set:
   * then the caller calls `flush()` after queueing a whole burst, so the burst goes out in one
   * writev instead of one write per request.
   */
  assign(call: Call, deferWrite = false): void {
    this.queue.push(call);
    if (!deferWrite && this.state === State.Open) this.writePending();
  }

  /** Write calls queued with `deferWrite` (no-op while connecting: connect writes them). */
  flush(): void {
    if (this.state === State.Open) this.writePending();
  }

  /** Close from our side (session over, or HTTP/1.0 after a reply). Pending calls are dropped. */
  close(): void {
    if (this.state === State.Closed) return;
    const wasOpen = this.state === State.Open;
    this.state = State.Closed;
    this.parser.reset();
    // --close-with-reset: SO_LINGER 0 in httperf, an RST instead of a FIN.
    if (wasOpen && this.ctx.options.workload?.closeWithReset) this.socket.resetAndDestroy();
    else this.socket.destroy();
    this.ctx.watched?.delete(this);
    this.ctx.recorder.connectionClosed(performance.now() - this.connectStart, this.replies);
  }

  // --- socket events ---------------------------------------------------------------------

  /** @internal */
  handleConnect(): void {
    if (this.state !== State.Connecting) return;
    this.state = State.Open;
    this.ctx.recorder.connectionEstablished(performance.now() - this.connectStart);
    this.session.connectionEstablished();
    this.writePending();
  }

  /** @internal */
  handleBytes(buf: Buffer, n: number): void {
    if (this.state !== State.Open) return;
    this.reads++;
    this.bytesSinceIdle += n;
    const trace = this.ctx.trace;
    if (trace?.tracingReplies) trace.feedReply(this, this.parser, buf, n);
    else this.parser.feed(buf, 0, n);
    this.ctx.arrivalsDue();
  }

  /** @internal The server closed its side. */
  handleEnd(): void {
    if (this.state === State.Closed) return;
    if (this.parser.finishOnClose()) {
      // A close-delimited body ended normally; onReplyComplete saw keepAlive false.
      return;
    }
    this.lost(this.queue.length === 0 || this.wasStaleReuse() ? null : 'connReset');
  }

  /** @internal */
  handleError(err: NodeJS.ErrnoException): void {
    if (this.state === State.Closed) return;
    if (this.state === State.Open && (this.queue.length === 0 || this.wasStaleReuse())) {
      this.lost(null);
      return;
    }
    if (this.state === State.Connecting && this.ctx.target.tls) {
      const reason = tlsFailureReason(err);
      if (reason !== undefined) this.ctx.recorder.tlsFailed(reason);
    }
    this.lost(errorKindOf(err.code));
  }

  // --- ReplySink -----------------------------------------------------------------------------

  onReplyStart(available: number): boolean {
    const call = this.queue[0];
    if (call === undefined || this.written === 0 || call.writtenAtRead === this.reads) {
      // Bytes no request written before this read can own: a server saying goodbye (408 before
      // closing), more than it announced, or an extra reply. Never the answer to the next request:
      // count them and drop the connection; calls pending on it are re-sent on a new one.
      this.ctx.recorder.extraBytes(available);
      this.lost(null);
      return false;
    }
    const now = performance.now();
    call.firstByte = now;
    // httperf re-arms the reply deadline once, at the first byte of the reply (spec 4.6).
    if (this.ctx.replyTimeoutMs > 0) call.deadline = now + this.ctx.replyTimeoutMs;
    this.ctx.recorder.replyStarted(now - call.sendStart);
    return call.request.isHead;
  }

  onReplyComplete(status: number, headerBytes: number, contentBytes: number, footerBytes: number, keepAlive: boolean, cookie: string | undefined): void {
    const call = this.queue.shift()!;
    this.written--;
    this.replies++;
    const now = performance.now();
    this.ctx.trace?.replyDone(call, headerBytes, contentBytes, footerBytes);
    this.ctx.recorder.replyCompleted(status, headerBytes, contentBytes, footerBytes, now - call.sendStart, now - call.firstByte);
    if (cookie !== undefined) this.session.cookie = cookie;
    // HTTP/1.0 sessions close after each reply (httperf's session rules); its connection mode keeps a kept-alive connection.
    if (!keepAlive || (this.ctx.options.httpVersion === '1.0' && !this.session.connectionMode)) {
      // The server (or HTTP/1.0) ends the connection here: calls behind this one go elsewhere.
      const rest = this.queue.splice(0);
      this.written = 0;
      this.close();
      if (rest.length > 0) {
        this.ctx.recorder.counters.quietReconnects++;
        this.session.resend(rest, this.slot);
      }
    } else if (this.queue.length === 0) {
      this.bytesSinceIdle = 0;
    }
    this.session.callCompleted(call, status, now);
  }

  onProtocolError(reason: string): void {
    if (this.ctx.options.verbose > 0) process.stderr.write(`loadgen: ${reason}\n`);
    this.lost('other');
  }

  // --- Watched -------------------------------------------------------------------------------

  checkDeadline(now: number): void {
    if (this.state === State.Connecting) {
      if (this.ctx.connectTimeoutMs > 0 && now - this.connectStart > this.ctx.connectTimeoutMs) this.timedOut();
      return;
    }
    for (let i = 0; i < this.written; i++) {
      const deadline = this.queue[i]!.deadline;
      if (deadline > 0 && now > deadline) {
        this.timedOut();
        return;
      }
    }
  }

  // --- internals -----------------------------------------------------------------------------

  private writePending(): void {
    const queue = this.queue;
    if (this.written >= queue.length) return;
    const { recorder, replyTimeoutMs, options } = this.ctx;
    const now = performance.now();
    if (this.written === 0) {
      // Writing into a connection that had gone idle after replies: a server close may race us.
      this.reusedAfterIdle = this.replies > 0;
      this.bytesSinceIdle = 0;
    }
    const first = this.written;
    const count = queue.length - first;
    // A pipelined group goes out as one buffer: one write and one write request, not N.
    const parts: Buffer[] | null = count > 1 ? new Array<Buffer>(count) : null;
    let single: Buffer | null = null;
    for (let i = first; i < queue.length; i++) {
      const call = queue[i]!;
      const cookie = this.session.cookie;
      const bytes = options.sessionCookies && cookie !== undefined ? withCookie(call.request, cookie) : call.request.bytes;
      if (parts === null) single = bytes;
      else parts[i - first] = bytes;
      call.sendStart = now;
      call.writtenAtRead = this.reads;
      call.deadline = replyTimeoutMs > 0 ? now + replyTimeoutMs : 0;
      recorder.requestWritten(bytes.length);
      this.ctx.trace?.requestWritten(call, bytes);
    }
    this.written = queue.length;
    this.socket.write(parts === null ? single! : Buffer.concat(parts));
  }

  /** The server closed a reused keep-alive connection before answering anything we wrote. */
  private wasStaleReuse(): boolean {
    return this.reusedAfterIdle && this.bytesSinceIdle === 0;
  }

  private timedOut(): void {
    this.ctx.recorder.error('clientTimeout');
    const calls = this.queue.splice(0);
    this.written = 0;
    this.close();
    this.session.connectionFailed(this, calls, 'timeout');
  }

  /**
   * The connection is gone. `kind` null: a quiet server close (no error; re-send what was
   * pending). Otherwise an error of that kind, handled by httperf's rules in the session.
   */
  private lost(kind: ErrorKind | null): void {
    const calls = this.queue.splice(0);
    this.written = 0;
    const hadReplies = this.replies > 0;
    const wasConnecting = this.state === State.Connecting;
    this.close();
    if (kind === null) {
      if (calls.length > 0) {
        this.ctx.recorder.counters.quietReconnects++;
        this.session.resend(calls, this.slot);
      }
      return;
    }
    if (wasConnecting) this.ctx.recorder.connectFailed(kind);
    else this.ctx.recorder.error(kind);
    this.session.connectionFailed(this, calls, hadReplies ? 'after-replies' : 'no-reply');
  }
}

// Shared listeners (one function for all sockets; `this` is the socket).
function onConnect(this: OwnedSocket): void {
  this[OWNER]?.handleConnect();
}
function onRead(this: OwnedSocket, n: number, buf: Buffer): boolean {
  this[OWNER]?.handleBytes(buf, n);
  return true;
}
function onData(this: OwnedSocket, chunk: Buffer): void {
  this[OWNER]?.handleBytes(chunk, chunk.length);
}
function onEnd(this: OwnedSocket): void {
  this[OWNER]?.handleEnd();
}
function onError(this: OwnedSocket, err: NodeJS.ErrnoException): void {
  this[OWNER]?.handleError(err);
}
