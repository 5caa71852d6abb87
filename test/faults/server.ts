/**
 * A scriptable misbehaving HTTP server for the fault matrix: a raw TCP server (node:net, so it can
 * say what no HTTP library would) with one mode per fault. It counts what it saw — connections,
 * requests (by their blank line), the raw request bytes — so tests can assert both sides.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** One fault per mode; see `MODES` for what each one sends. */
export type FaultMode =
  | 'ok'
  | 'refuse'
  | 'reset'
  | 'stall'
  | 'trickle'
  | 'close-silently'
  | 'bad-status'
  | 'bare-lf'
  | 'duplicate-content-length'
  | 'chunk-size-24-hex'
  | 'chunk-size-2g'
  | 'extra-bytes'
  | 'extra-reply';

/** A running fault server. */
export interface FaultServer {
  readonly port: number;
  /** Connections accepted. */
  readonly connections: number;
  /** Requests received (complete request heads). */
  readonly requests: number;
  /** Every byte received, per connection, in order. */
  readonly received: Buffer[];
  close(): Promise<void>;
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

/** What a mode does with each complete request: write these bytes (or act on the socket). */
type Answer = (socket: net.Socket) => void;

/** The text of extra junk sent after a complete reply (`extra-bytes`). */
export const EXTRA_JUNK = 'JUNK-AFTER-REPLY';

const MODES: Record<Exclude<FaultMode, 'refuse'>, Answer> = {
  ok: (s) => s.write(OK),
  // RST instead of FIN: the client sees ECONNRESET.
  reset: (s) => s.resetAndDestroy(),
  stall: () => undefined,
  trickle: (s) => trickle(s, 'HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n', '12345678', 25),
  'close-silently': (s) => s.end(),
  'bad-status': (s) => s.write('HTTP/1.1 2x0 Broken\r\nContent-Length: 2\r\n\r\nok'),
  'bare-lf': (s) => s.write('HTTP/1.1 200 OK\nContent-Length: 2\nX-A: b\n\nok'),
  'duplicate-content-length': (s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nokabc'),
  'chunk-size-24-hex': (s) => s.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'f'.repeat(24)}\r\nabc`),
  'chunk-size-2g': (s) => s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2g\r\nok\r\n0\r\n\r\n'),
  'extra-bytes': (s) => s.write(`${OK}${EXTRA_JUNK}`),
  // A second, unrequested reply in the same write: it must not answer the next request.
  'extra-reply': (s) => s.write(`${OK}HTTP/1.1 500 Extra\r\nContent-Length: 0\r\n\r\n`),
};

function trickle(socket: net.Socket, head: string, body: string, everyMs: number): void {
  socket.write(head);
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= body.length) {
      clearInterval(timer);
      return;
    }
    socket.write(body[i++]!);
  }, everyMs);
}

/** Start a fault server on 127.0.0.1 (port 0). `refuse` reserves a port and closes it again. */
export async function startFaultServer(mode: FaultMode): Promise<FaultServer> {
  const sockets = new Set<net.Socket>();
  const state = { connections: 0, requests: 0, received: [] as Buffer[] };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const index = state.connections++;
    state.received[index] = Buffer.alloc(0);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      state.received[index] = Buffer.concat([state.received[index]!, chunk]);
      pending = Buffer.concat([pending, chunk]);
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        pending = pending.subarray(end + 4);
        state.requests++;
        if (mode !== 'refuse' && !socket.destroyed) MODES[mode](socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  };
  if (mode === 'refuse') await close();
  return {
    port,
    get connections() {
      return state.connections;
    },
    get requests() {
      return state.requests;
    },
    received: state.received,
    close,
  };
}
