/**
 * The demo target behind `loadgen serve`: a small HTTP/1.1 server (node:http, keep-alive on,
 * pipelined requests answered in order) with a modelled capacity, so load tests and rate sweeps
 * have a target whose limits are known in advance.
 *
 * Every path answers 200 with a deterministic body whose size and Content-Type follow from the
 * path (see sizes.ts: pages 5-20 KB, CSS 2-5 KB, JS 3-30 KB, images 1-30 KB, other 1-4 KB).
 * Given a session file, only the paths that appear in it answer 200 and the rest 404, like a real
 * site. HEAD gets the headers only; POST/PUT bodies are read and discarded.
 *
 * Capacity: `concurrency` requests are in service at once (default: no limit), each for
 * `serviceTimeMs` (default 0); the rest wait in a FIFO queue (capacity.ts). So concurrency 4 with
 * 10 ms serves at most 400 requests/s, and latency climbs once demand exceeds that.
 *
 * Test controls, in the query string of any request (several may be combined):
 *   ?status=NNN        answer with status NNN (200-599) instead of 200/404
 *   ?delay=MS          add MS milliseconds to this request's service time (it holds its worker)
 *   ?size=BYTES        body of exactly BYTES bytes (at most 64 MiB)
 *   ?close=1           answer with `Connection: close` and close the connection after the reply
 *   ?chunked=1         send the body with chunked transfer encoding instead of Content-Length
 *   ?cookie=NAME=VALUE add `Set-Cookie: NAME=VALUE; Path=/`
 * A malformed control value is answered with 400 and a one-line explanation.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { SessionFile } from '../session/model.js';
import { WorkerPool } from './capacity.js';
import { bodySizeFor, contentTypeFor, fillerBody, pathOf } from './sizes.js';

/** Options of {@link startDemoServer}. */
export interface DemoServerOptions {
  /** TCP port; 0 or absent picks a free one. */
  readonly port?: number;
  /** Address to listen on; default 127.0.0.1. */
  readonly host?: string;
  /** Time each request spends in service, in ms; default 0. */
  readonly serviceTimeMs?: number;
  /** Requests in service at once; default unlimited. */
  readonly concurrency?: number;
  /** When given, only the paths of this session file answer 200; others 404. */
  readonly sessionFile?: SessionFile;
}

/** What the demo server has seen since it started. */
export interface DemoServerStats {
  /** Requests received (headers and body complete). */
  readonly requests: number;
  /** Responses written. */
  readonly responses: number;
  /** Responses by status code. */
  readonly byStatus: Readonly<Record<number, number>>;
  /** Longest the wait queue has been (requests waiting for a worker, not those in service). */
  readonly maxQueueLength: number;
  /** Connections accepted. */
  readonly connectionsOpened: number;
  /** Connections open right now. */
  readonly connectionsOpen: number;
}

/** A running demo server. */
export interface DemoServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** The port it listens on (the real one when 0 was asked). */
  readonly port: number;
  /** Counters so far. */
  stats(): DemoServerStats;
  /** Stop listening, drop open connections and pending replies. */
  close(): Promise<void>;
}

/** Largest body `?size=` may ask for. */
const MAX_BODY_SIZE = 64 * 1024 * 1024;

/** One request waiting for, or in, service. */
interface Job {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly reply: ReplyPlan;
}

/** How to answer one request, decided when it arrives. */
interface ReplyPlan {
  status: number;
  size: number;
  contentType: string;
  delayMs: number;
  close: boolean;
  chunked: boolean;
  /** Answer with the short "404 not found" text instead of filler bytes. */
  notFoundText: boolean;
  cookie?: string;
  /** Set when the query controls were malformed: answer 400 with this text. */
  badControl?: string;
}

/**
 * Body bytes shared by all replies: one deterministic filler buffer, sliced (no copy) to each
 * reply's size, grown only when a larger body is asked for.
 */
class FillerBytes {
  private bytes = fillerBody(64 * 1024);

  slice(size: number): Buffer {
    if (size > this.bytes.length) {
      this.bytes = fillerBody(Math.min(MAX_BODY_SIZE, Math.max(size, this.bytes.length * 2)));
    }
    return this.bytes.subarray(0, size);
  }
}

/** Parse a non-negative integer control value, or undefined when it is not one. */
function nonNegativeInteger(text: string): number | undefined {
  return /^\d{1,12}$/.test(text) ? Number(text) : undefined;
}

/** Apply the query-string test controls to a plan (see the module comment). */
function applyControls(plan: ReplyPlan, query: string): void {
  for (const [name, value] of new URLSearchParams(query)) {
    switch (name) {
      case 'status': {
        const status = nonNegativeInteger(value);
        if (status === undefined || status < 200 || status > 599) plan.badControl = `status=${value}: want 200-599`;
        else plan.status = status;
        break;
      }
      case 'delay': {
        const delay = Number(value);
        if (value === '' || !Number.isFinite(delay) || delay < 0) plan.badControl = `delay=${value}: want milliseconds >= 0`;
        else plan.delayMs = delay;
        break;
      }
      case 'size': {
        const size = nonNegativeInteger(value);
        if (size === undefined || size > MAX_BODY_SIZE) plan.badControl = `size=${value}: want bytes 0-${MAX_BODY_SIZE}`;
        else {
          plan.size = size;
          plan.notFoundText = false;
        }
        break;
      }
      case 'close':
        plan.close = value !== '0';
        break;
      case 'chunked':
        plan.chunked = value !== '0';
        break;
      case 'cookie':
        if (!/^[^=\s;,]+=[^\s;,]*$/.test(value)) plan.badControl = `cookie=${value}: want NAME=VALUE`;
        else plan.cookie = value;
        break;
      default:
        break; // other parameters belong to the replayed site, not to us
    }
  }
}

/** Statuses whose responses never carry a body. */
function isBodiless(status: number): boolean {
  return status === 204 || status === 304;
}

/** What the demo server counts (its stats). */
interface Tally {
  requests: number;
  responses: number;
  connectionsOpened: number;
  byStatus: Record<number, number>;
}

/** The reply a request URL gets: 200 for a known path (404 otherwise), changed by its test controls. */
function planReply(url: string, knownPaths: ReadonlySet<string> | undefined): ReplyPlan {
  const path = pathOf(url);
  const known = knownPaths === undefined || knownPaths.has(path);
  const plan: ReplyPlan = known
    ? { status: 200, size: bodySizeFor(path), contentType: contentTypeFor(path), notFoundText: false, delayMs: 0, close: false, chunked: false }
    : { status: 404, size: 0, contentType: 'text/plain; charset=utf-8', notFoundText: true, delayMs: 0, close: false, chunked: false };
  const q = url.indexOf('?');
  if (q >= 0) applyControls(plan, url.slice(q + 1).replace(/#.*$/, ''));
  return plan;
}

/** Send the planned reply of a job that has waited its turn (and service time) in the pool. */
function respond({ req, res, reply }: Job, filler: FillerBytes, tally: Tally): void {
  if (res.destroyed || res.writableEnded) return; // the client left while the request was queued
  tally.responses++;
  const status = reply.badControl !== undefined ? 400 : reply.status;
  tally.byStatus[status] = (tally.byStatus[status] ?? 0) + 1;
  if (reply.badControl !== undefined) {
    const text = Buffer.from(`bad test control ${reply.badControl}\n`);
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': text.length });
    res.end(req.method === 'HEAD' ? undefined : text);
    return;
  }
  const headers: http.OutgoingHttpHeaders = {};
  if (reply.cookie !== undefined) headers['Set-Cookie'] = `${reply.cookie}; Path=/`;
  if (reply.close) headers['Connection'] = 'close';
  if (isBodiless(reply.status)) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const body = reply.notFoundText ? NOT_FOUND_BODY : filler.slice(reply.size);
  headers['Content-Type'] = reply.contentType;
  if (!reply.chunked) headers['Content-Length'] = body.length;
  res.writeHead(reply.status, headers);
  if (req.method === 'HEAD') res.end();
  else writeBody(res, body, reply.chunked);
}

function writeBody(res: http.ServerResponse, body: Buffer, chunked: boolean): void {
  if (chunked && body.length > 1) {
    // Two writes so the body really goes out as more than one chunk.
    const half = body.length >> 1;
    res.write(body.subarray(0, half));
    res.end(body.subarray(half));
  } else {
    res.end(body);
  }
}

/** The HTTP server: a request is admitted once complete (a body is read and discarded). */
function createDemoHttpServer(admit: (req: http.IncomingMessage, res: http.ServerResponse) => void): http.Server {
  const server = http.createServer({ noDelay: true }, (req, res) => {
    if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) {
      // Read the body to its end and discard it; the request counts as arrived once it is complete.
      req.on('end', () => admit(req, res));
      req.on('error', () => res.destroy());
      req.resume();
    } else {
      admit(req, res);
    }
  });
  server.keepAliveTimeout = 5_000;
  // Longer than the keep-alive timeout, so an idle connection is closed by the keep-alive timer.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.maxRequestsPerSocket = 0;
  return server;
}

/** Listen on `port` (0: any free port) and resolve with the port bound; rejects with the listen error. */
async function listen(server: http.Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : port;
}

/**
 * Start the demo server and resolve once it is listening.
 * Rejects with the listen error (e.g. EADDRINUSE) when the port cannot be bound.
 */
export async function startDemoServer(opts: DemoServerOptions = {}): Promise<DemoServer> {
  const host = opts.host ?? '127.0.0.1';
  const knownPaths = opts.sessionFile ? pathsOfSessionFile(opts.sessionFile) : undefined;
  const filler = new FillerBytes();
  const tally: Tally = { requests: 0, responses: 0, connectionsOpened: 0, byStatus: {} };
  const sockets = new Set<Socket>();
  const pool = new WorkerPool<Job>(opts.concurrency ?? Infinity, opts.serviceTimeMs ?? 0, (job) => respond(job, filler, tally));
  const server = createDemoHttpServer((req, res) => {
    tally.requests++;
    const reply = planReply(req.url ?? '/', knownPaths);
    pool.submit({ req, res, reply }, reply.delayMs);
  });
  server.on('connection', (socket: Socket) => {
    tally.connectionsOpened++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const port = await listen(server, opts.port ?? 0, host);

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    stats: () => ({
      requests: tally.requests,
      responses: tally.responses,
      byStatus: { ...tally.byStatus },
      maxQueueLength: pool.maxQueueLength,
      connectionsOpened: tally.connectionsOpened,
      connectionsOpen: sockets.size,
    }),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        pool.close();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

const NOT_FOUND_BODY = Buffer.from('404 not found\n');

/** The set of request paths (no query string) a session file asks for. */
function pathsOfSessionFile(sessions: SessionFile): Set<string> {
  const paths = new Set<string>();
  for (const template of sessions.templates) {
    for (const burst of template.bursts) {
      for (const request of burst.requests) paths.add(pathOf(request.uri));
    }
  }
  return paths;
}
