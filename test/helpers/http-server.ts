/**
 * A scriptable node:http server for engine tests: it records every request (with its connection
 * and its place on that connection) and answers as a handler says — after a delay, with a status,
 * with `Connection: close`, or by destroying the socket.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** One request as the server saw it. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  /** Header names lower-cased (node's parsed form). */
  readonly headers: http.IncomingHttpHeaders;
  /** Headers as sent, in order: [name, value, name, value, ...]. */
  readonly rawHeaders: readonly string[];
  /** Request body; empty until the whole body has arrived (it has, by the time the handler runs). */
  body: Buffer;
  /** 1-based id of the TCP connection, in the order connections were accepted. */
  readonly connectionId: number;
  /** 0-based position of this request on its connection. */
  readonly indexOnConnection: number;
  /** performance.now() when the request head was parsed. */
  readonly arrivedAt: number;
}

/** What to answer; every field is optional (default: 200, body `ok\n`). */
export interface ScriptedReply {
  readonly status?: number;
  readonly body?: string | Buffer;
  readonly headers?: Readonly<Record<string, string | string[]>>;
  /** Wait this long before answering. */
  readonly delayMs?: number;
  /** Answer with `Connection: close` (node then closes the connection after the reply). */
  readonly close?: boolean;
  /** Destroy the socket instead of answering (after delayMs). */
  readonly destroy?: boolean;
}

/** Decides the reply to a request; may be async. Returning nothing means the default reply. */
export type ScriptedHandler = (request: RecordedRequest) => ScriptedReply | void | Promise<ScriptedReply | void>;

/** A running recording server. */
export interface RecordingServer {
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Every request in arrival order (live: grows as requests arrive). */
  readonly requests: RecordedRequest[];
  /** Connections accepted so far. */
  connectionCount(): number;
  /** Stop listening and destroy open connections. */
  close(): Promise<void>;
}

const DEFAULT_BODY = 'ok\n';

/** Start a recording server on 127.0.0.1 with a free port. */
export async function startRecordingServer(handler?: ScriptedHandler): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const connectionIds = new WeakMap<Socket, { id: number; requests: number }>();
  let connections = 0;

  const server = http.createServer((req, res) => {
    const connection = connectionIds.get(req.socket) ?? { id: 0, requests: 0 };
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      httpVersion: req.httpVersion,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body: Buffer.alloc(0),
      connectionId: connection.id,
      indexOnConnection: connection.requests++,
      arrivedAt: performance.now(),
    };
    requests.push(recorded);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      recorded.body = Buffer.concat(chunks);
      void answer(recorded, res);
    });
  });
  server.keepAliveTimeout = 10_000;
  server.maxRequestsPerSocket = 0;
  server.on('connection', (socket: Socket) => {
    connectionIds.set(socket, { id: ++connections, requests: 0 });
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  async function answer(request: RecordedRequest, res: http.ServerResponse): Promise<void> {
    let reply: ScriptedReply;
    try {
      reply = (await handler?.(request)) ?? {};
    } catch (err) {
      reply = { status: 500, body: `handler failed: ${String(err)}\n` };
    }
    if (reply.delayMs !== undefined && reply.delayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    }
    if (res.destroyed) return;
    if (reply.destroy) {
      res.socket?.destroy();
      return;
    }
    const body = reply.body ?? DEFAULT_BODY;
    const headers: http.OutgoingHttpHeaders = { 'Content-Type': 'text/plain', ...reply.headers };
    headers['Content-Length'] = Buffer.byteLength(body);
    if (reply.close) headers['Connection'] = 'close';
    res.writeHead(reply.status ?? 200, headers);
    res.end(request.method === 'HEAD' ? undefined : body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    connectionCount: () => connections,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
