/**
 * `--print-request[=header|body]` and `--print-reply[=header|body]`: httperf's trace lines on
 * stdout (spec 5.4). Each call gets an id (0, 1, ... in the order of first write); lines are
 * `SH<id>:` / `SB<id>:` for the request header and body, `SS<id>: header H content C`, and
 * `RH<id>:` / `RB<id>:` / `RS<id>: header H content C footer F` for the reply. Lines keep their
 * CR, as httperf prints them. Fixed against httperf: a final body line without a newline is
 * printed on its own (httperf glues it to the next call's line) and a request is printed once.
 *
 * Bounded: only the first TRACE_CALL_LIMIT calls are traced (replies are then parsed a byte at a
 * time, which is slow); when the limit is reached one line says so and the run goes on at full
 * speed. Reply bodies are printed as received (chunk framing included).
 */
import type { PrintParts } from './spec.js';

/** Calls traced per run (process) at most. */
export const TRACE_CALL_LIMIT = 1000;

/** What the tracer needs of a connection while it feeds reply bytes. */
export interface TracedConnection {
  /** Calls awaiting replies, oldest first. */
  readonly queue: readonly object[];
  readonly closed: boolean;
}

/** The part of the reply parser the tracer drives. */
export interface FeedableParser {
  feed(buf: Buffer, start: number, end: number): void;
}

interface CallTrace {
  readonly id: number;
  /** Reply bytes of the current line not yet printed. */
  line: string;
  inBody: boolean;
  /** Reply byte counts once the parser reported the reply complete. */
  done: [number, number, number] | null;
}

/** The trace printer of one run: the engine calls it as requests are written and replies arrive. */
export class Tracer {
  private readonly calls = new WeakMap<object, CallTrace>();
  private nextId = 0;
  private stopped = false;
  private feeding = false;
  private pending: string[] = [];

  constructor(
    private readonly request: PrintParts | undefined,
    private readonly reply: PrintParts | undefined,
    private readonly write: (text: string) => void,
    private readonly limit = TRACE_CALL_LIMIT,
  ) {}

  /** True while replies must be fed through {@link feedReply}. */
  get tracingReplies(): boolean {
    return this.reply !== undefined && !this.stopped;
  }

  /** A call's request bytes were written (re-sends are not printed again). */
  requestWritten(call: object, bytes: Buffer): void {
    if (this.stopped || this.calls.has(call)) return;
    if (this.nextId >= this.limit) {
      this.stop();
      return;
    }
    const trace: CallTrace = { id: this.nextId++, line: '', inBody: false, done: null };
    this.calls.set(call, trace);
    if (this.request === undefined) return;
    const text = bytes.toString('latin1');
    const end = text.indexOf('\r\n\r\n');
    const head = end < 0 ? text : text.slice(0, end + 4);
    const body = end < 0 ? '' : text.slice(end + 4);
    if (this.request !== 'body') for (const line of lines(head)) this.pending.push(`SH${trace.id}:${line}`);
    if (this.request !== 'header' && body !== '') for (const line of lines(body)) this.pending.push(`SB${trace.id}:${line}`);
    this.pending.push(`SS${trace.id}: header ${head.length} content ${body.length}`);
    this.flush();
  }

  /** Feed `n` reply bytes to `parser` one at a time, printing each traced call's lines. */
  feedReply(conn: TracedConnection, parser: FeedableParser, buf: Buffer, n: number): void {
    this.feeding = true;
    try {
      for (let i = 0; i < n && !conn.closed; i++) {
        const call = conn.queue[0];
        parser.feed(buf, i, i + 1);
        const trace = call === undefined ? undefined : this.calls.get(call);
        if (trace !== undefined) this.replyByte(trace, buf[i]!);
      }
    } finally {
      this.feeding = false;
      this.flush();
    }
  }

  /** The parser completed `call`'s reply with these byte counts. */
  replyDone(call: object, header: number, content: number, footer: number): void {
    const trace = this.reply === undefined || this.stopped ? undefined : this.calls.get(call);
    if (trace === undefined) return;
    trace.done = [header, content, footer];
    // A reply completed by the server's close has no byte left to feed: end it here.
    if (!this.feeding) {
      this.endReply(trace);
      this.flush();
    }
  }

  private replyByte(trace: CallTrace, byte: number): void {
    trace.line += String.fromCharCode(byte);
    if (byte === 10) {
      const line = trace.line.slice(0, -1);
      trace.line = '';
      if (!trace.inBody) {
        if (this.reply !== 'body') this.pending.push(`RH${trace.id}:${line}`);
        if (line === '\r' || line === '') trace.inBody = true;
      } else if (this.reply !== 'header') this.pending.push(`RB${trace.id}:${line}`);
    }
    if (trace.done !== null) this.endReply(trace);
  }

  private endReply(trace: CallTrace): void {
    if (trace.line !== '' && (trace.inBody ? this.reply !== 'header' : this.reply !== 'body')) {
      this.pending.push(`${trace.inBody ? 'RB' : 'RH'}${trace.id}:${trace.line}`);
    }
    const [h, c, f] = trace.done!;
    this.pending.push(`RS${trace.id}: header ${h} content ${c} footer ${f}`);
    trace.line = '';
    trace.inBody = false;
    trace.done = null;
  }

  private stop(): void {
    this.stopped = true;
    this.pending.push(`loadgen: trace output throttled: only the first ${this.limit} calls are printed (tracing every call would slow the run); the run continues untraced`);
    this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.write(`${this.pending.join('\n')}\n`);
    this.pending = [];
  }
}

/** Lines of `text` without their LF (CR kept); a final line without LF is included. */
function lines(text: string): string[] {
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}
