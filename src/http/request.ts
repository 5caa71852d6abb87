/**
 * Request bytes, built once per session-file request at plan time (never per call), in
 * httperf's byte-exact layout (spec section 3):
 *   METHOD SP URI SP HTTP/1.x CRLF, User-Agent, Host (never with the port), --add-header text,
 *   Content-length (when there is a body), per-request headers= (loadgen extension),
 *   [Cookie: ... added per call with --session-cookies], CRLF, body.
 */
import type { SessionRequest } from '../session/model.js';

export const USER_AGENT = 'loadgen/0.1';

/**
 * What every request of a run shares. Like the session model's fields, these strings are byte
 * strings (one char per byte, see session/model.ts): the whole head is encoded as latin1, which
 * turns each char back into the byte it stands for. Text typed on the command line becomes a byte
 * string with `wireBytes`.
 */
export interface RequestContext {
  /** Host header value; null sends none (--no-host-hdr). */
  readonly hostHeader: string | null;
  readonly httpVersion: '1.1' | '1.0';
  /** Already unescaped extra header text, each ending in CRLF. */
  readonly addHeaders: readonly string[];
}

/** The UTF-8 bytes of `text` as a byte string (what a command-line argument's bytes were). */
export function wireBytes(text: string): string {
  // ASCII (nearly always) is its own byte string.
  return /^[\x00-\x7f]*$/.test(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
}

/** Pre-built request: `head` lacks the final CRLF so a Cookie header can still be appended. */
export interface PreparedRequest {
  readonly isHead: boolean;
  /** Header lines up to, not including, the blank line. */
  readonly headText: string;
  /** Complete request (head + CRLF + body) for calls that carry no cookie. */
  readonly bytes: Buffer;
  readonly body: Buffer | undefined;
}

/** Build the bytes of one request. */
export function prepareRequest(req: SessionRequest, ctx: RequestContext): PreparedRequest {
  let head = `${req.method} ${req.uri} HTTP/${ctx.httpVersion}\r\n`;
  // A User-Agent given with --add-header or headers= replaces ours rather than doubling it.
  const ownAgent = ctx.addHeaders.some(isUserAgent) || (req.headers?.some(([name]) => name.toLowerCase() === 'user-agent') ?? false);
  if (!ownAgent) head += `User-Agent: ${USER_AGENT}\r\n`;
  // HTTP/1.0 mode advertises keep-alive like httperf, although the client closes after each reply.
  if (ctx.httpVersion === '1.0') head += 'Connection: keep-alive\r\n';
  if (ctx.hostHeader !== null) head += `Host: ${ctx.hostHeader}\r\n`;
  for (const extra of ctx.addHeaders) head += extra;
  const body = req.body && req.body.length > 0 ? req.body : undefined;
  if (body) head += `Content-length: ${body.length}\r\n`;
  if (req.headers) for (const [name, value] of req.headers) head += `${name}: ${value}\r\n`;
  const headBytes = Buffer.from(`${head}\r\n`, 'latin1');
  return {
    isHead: req.method === 'HEAD',
    headText: head,
    bytes: body ? Buffer.concat([headBytes, body]) : headBytes,
    body,
  };
}

/** Bytes of a request carrying `Cookie: value` (built per call: the cookie changes during a session). */
export function withCookie(req: PreparedRequest, cookie: string): Buffer {
  const head = Buffer.from(`${req.headText}Cookie: ${cookie}\r\n\r\n`, 'latin1');
  return req.body ? Buffer.concat([head, req.body]) : head;
}

function isUserAgent(headerText: string): boolean {
  return /^user-agent\s*:/i.test(headerText);
}
