/**
 * httperf's connection-mode options end to end, through the built CLI against a raw TCP server
 * on 127.0.0.1 that records the request bytes and how each connection ended: --no-host-hdr,
 * --method, --close-with-reset (an RST, not a FIN), -v's open-descriptor line, and the
 * --print-request trace bounded at 1000 calls with one line saying so.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'bin', 'loadgen.js');
const REPLY = 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n';

/** What the server saw on one connection. */
interface SeenConnection {
  requests: string[];
  /** 'reset' when the client's close was an RST, 'end' for a FIN. */
  ended?: 'reset' | 'end';
}

let server: net.Server;
let port = 0;
const seen: SeenConnection[] = [];

beforeAll(async () => {
  server = net.createServer((socket) => {
    const conn: SeenConnection = { requests: [] };
    seen.push(conn);
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      let end: number;
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        const request = pending.slice(0, end + 4);
        conn.requests.push(request);
        pending = pending.slice(end + 4);
        // A reply to HEAD has the headers only.
        socket.write(request.startsWith('HEAD ') ? REPLY.slice(0, REPLY.indexOf('\r\n\r\n') + 4) : REPLY);
      }
    });
    socket.on('end', () => {
      conn.ended ??= 'end';
      socket.end();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') conn.ended ??= 'reset';
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function loadgen(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, '--server', '127.0.0.1', '--port', String(port), ...args], { timeout: 60_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Connections opened by the run that `fn` performs. */
async function connectionsOf(fn: () => Promise<unknown>): Promise<SeenConnection[]> {
  const before = seen.length;
  await fn();
  // The server learns of a client's close a moment after the client exits.
  for (let i = 0; i < 100 && seen.slice(before).some((c) => c.ended === undefined); i++) await new Promise((r) => setTimeout(r, 20));
  return seen.slice(before);
}

describe('connection-mode options on the wire', () => {
  it('--no-host-hdr sends no Host header; --method and --add-header shape every call', async () => {
    const conns = await connectionsOf(() => loadgen(['--no-host', '--uri', '/x', '--method', 'HEAD', '--add-header', 'X-Test: 1\\n', '--num-conns', '2', '--num-calls', '2', '-q']));
    const requests = conns.flatMap((c) => c.requests);
    expect(requests).toHaveLength(4);
    for (const r of requests) {
      expect(r.startsWith('HEAD /x HTTP/1.1\r\n')).toBe(true);
      expect(r).not.toMatch(/^Host:/im);
      expect(r).toMatch(/^X-Test: 1\r$/m);
    }
  });

  it('--close-with-reset closes with an RST; without it the close is a FIN', async () => {
    const reset = await connectionsOf(() => loadgen(['--close-with-reset', '--num-conns', '2', '--num-calls', '1', '-q']));
    expect(reset.map((c) => c.ended)).toEqual(['reset', 'reset']);
    const fin = await connectionsOf(() => loadgen(['--num-conns', '2', '--num-calls', '1', '-q']));
    expect(fin.map((c) => c.ended)).toEqual(['end', 'end']);
  });

  it('-v prints the open-descriptor line after the echo line, as httperf -v', async () => {
    const { code, stdout } = await loadgen(['-v', '--num-conns', '1']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^loadgen --verbose /);
    expect(lines[1]).toMatch(/^loadgen: maximum number of open descriptors = (\d+|unlimited|unknown)$/);
  });
});

describe('--print-request bounded output', () => {
  it('traces the first 1000 calls, says once that the rest is not printed, and the run completes', async () => {
    const { code, stdout } = await loadgen(['--print-request=header', '--num-conns', '1', '--num-calls', '1010', '--burst-length', '10', '-q']);
    expect(code).toBe(0);
    expect(stdout.match(/^SS\d+: header \d+ content 0$/gm)).toHaveLength(1000);
    expect(stdout.match(/^SH999:GET \/ HTTP\/1\.1\r$/m)).not.toBeNull();
    expect(stdout.match(/^SH1000:/m)).toBeNull();
    expect(stdout.match(/^loadgen: trace output throttled: only the first 1000 calls are printed/gm)).toHaveLength(1);
    expect(stdout).toMatch(/^Total: connections 1 requests 1010 replies 1010 /m);
  });

  it('--print-reply prints RH and RS lines per call, before the report', async () => {
    const { stdout } = await loadgen(['--print-reply', '--num-conns', '1', '--num-calls', '2', '-q']);
    expect(stdout).toContain('RH0:HTTP/1.1 200 OK\r\nRH0:Content-Length: 3\r\nRH0:\r\nRB0:ok\nRS0: header 38 content 3 footer 0\n');
    expect(stdout.indexOf('RS1:')).toBeLessThan(stdout.indexOf('Maximum connect burst length'));
  });
});
