import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSessionFile } from '../src/session/parse.js';
import { makeSite } from '../src/serve/site.js';
import { bodySizeFor } from '../src/serve/sizes.js';
import { parseAccessLog, startNginx, type RunningNginx } from './helpers/nginx.js';
import { startRecordingServer } from './helpers/http-server.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SESSIONS = join(ROOT, 'sessions/bookofxen.txt');

interface Reply {
  status: number;
  body: Buffer;
}

function request(url: string, opts: { method?: string; body?: string; headers?: Record<string, string>; agent?: http.Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Number of complete Content-Length responses at the start of a byte stream. */
function completeResponses(bytes: Buffer): number {
  let count = 0;
  let at = 0;
  for (;;) {
    const headEnd = bytes.indexOf('\r\n\r\n', at);
    if (headEnd < 0) return count;
    const length = Number(/content-length: (\d+)/i.exec(bytes.subarray(at, headEnd).toString('latin1'))?.[1] ?? NaN);
    if (!(headEnd + 4 + length <= bytes.length)) return count;
    count++;
    at = headEnd + 4 + length;
  }
}

/** Send raw bytes on one connection; resolve once `count` complete responses came back (5 s at most). */
function rawExchange(port: number, text: string, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`only ${completeResponses(received)} of ${count} responses within 5 s`));
    }, 5_000);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (completeResponses(received) >= count) {
        clearTimeout(timer);
        socket.destroy();
        resolve(count);
      }
    });
    socket.on('error', reject);
    socket.write(text);
  });
}

describe('nginx helper', () => {
  let work: string;
  let nginx: RunningNginx | null = null;
  let uris: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'loadgen-nginx-test-'));
    const summary = await makeSite(SESSIONS, join(work, 'site'));
    expect(summary.files).toBe(21);
    const sessions = await loadSessionFile(SESSIONS);
    uris = sessions.templates.flatMap((t) => t.bursts.flatMap((b) => b.requests.map((r) => r.uri)));
    nginx = await startNginx({ docroot: join(work, 'site'), keepaliveTimeout: 5 });
    if (nginx === null) console.warn('nginx-helper tests skipped: /usr/sbin/nginx is not installed (apt-get install nginx)');
  });
  afterAll(async () => {
    await nginx?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('serves a site made from sessions/bookofxen.txt and logs every request', async (ctx) => {
    if (!nginx) return ctx.skip();
    const before = (await nginx.readAccessLog()).length;
    for (const uri of uris) {
      const reply = await request(nginx.url + uri, { headers: { Cookie: 'sid=42', 'User-Agent': 'loadgen-test' } });
      expect(reply.status, uri).toBe(200);
      expect(reply.body.length, uri).toBe(bodySizeFor(uri));
    }
    const entries = (await nginx.readAccessLog(before + uris.length)).slice(before);
    expect(entries.map((e) => e.uri)).toEqual(uris);
    for (const entry of entries) {
      expect(entry.method).toBe('GET');
      expect(entry.status).toBe(200);
      expect(entry.bodyBytesSent).toBe(bodySizeFor(entry.uri));
      expect(entry.cookie).toBe('sid=42');
      expect(entry.userAgent).toBe('loadgen-test');
      expect(entry.host).toBe(`127.0.0.1:${nginx.port}`);
      expect(entry.connectionRequests).toBe(1); // a fresh connection per request (agent: false)
      expect(entry.requestLength).toBeGreaterThan(entry.uri.length);
      expect(entry.time).toBeGreaterThan(1.6e9);
    }
    expect(new Set(entries.map((e) => e.connection)).size).toBe(uris.length);
  });

  it('answers POSTs to static files with 200 and logs them as POST', async (ctx) => {
    if (!nginx) return ctx.skip();
    const before = (await nginx.readAccessLog()).length;
    const reply = await request(`${nginx.url}/index.shtml`, { method: 'POST', body: 'name=value&x=1' });
    expect(reply.status).toBe(200);
    const [entry] = (await nginx.readAccessLog(before + 1)).slice(before);
    expect(entry?.method).toBe('POST');
    expect(entry?.requestLine).toBe('POST /index.shtml HTTP/1.1');
    expect(entry?.status).toBe(200);
    const missing = await request(`${nginx.url}/missing.html`, { method: 'POST', body: 'x' });
    expect(missing.status).toBe(404);
  });

  it('counts requests per keep-alive connection', async (ctx) => {
    if (!nginx) return ctx.skip();
    const before = (await nginx.readAccessLog()).length;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const uri of ['/news/', '/style/ash.css', '/events/']) expect((await request(nginx.url + uri, { agent })).status).toBe(200);
    } finally {
      agent.destroy();
    }
    const entries = (await nginx.readAccessLog(before + 3)).slice(before);
    expect(entries.map((e) => e.connectionRequests)).toEqual([1, 2, 3]);
    expect(new Set(entries.map((e) => e.connection)).size).toBe(1);
  });

  it('marks pipelined requests', async (ctx) => {
    if (!nginx) return ctx.skip();
    const before = (await nginx.readAccessLog()).length;
    const requests = ['/news/', '/style/ash.css', '/events/'].map((uri) => `GET ${uri} HTTP/1.1\r\nHost: x\r\n\r\n`).join('');
    await rawExchange(nginx.port, requests, 3);
    const entries = (await nginx.readAccessLog(before + 3)).slice(before);
    expect(entries.map((e) => e.connectionRequests)).toEqual([1, 2, 3]);
    expect(entries.map((e) => e.pipelined)).toEqual([false, true, true]);
  });
});

describe('nginx helper without nginx', () => {
  it('returns null outside CI and throws on CI', async () => {
    const saved = process.env.CI;
    try {
      delete process.env.CI;
      await expect(startNginx({ docroot: ROOT, binary: '/nonexistent/nginx' })).resolves.toBeNull();
      process.env.CI = 'true';
      await expect(startNginx({ docroot: ROOT, binary: '/nonexistent/nginx' })).rejects.toThrow(/not found/);
    } finally {
      if (saved === undefined) delete process.env.CI;
      else process.env.CI = saved;
    }
  });
});

describe('access log parser', () => {
  it('undoes nginx escaping and maps "-" to undefined', () => {
    const line =
      '1795376095.357 7 2 p POST /a?b=1 200 14706 "-" "h:1" "UA \\x22quoted\\x22" 97 0.001 "POST /a?b=1 HTTP/1.1"\n';
    const [entry] = parseAccessLog(line);
    expect(entry).toEqual({
      time: 1795376095.357,
      connection: 7,
      connectionRequests: 2,
      pipelined: true,
      method: 'POST',
      uri: '/a?b=1',
      status: 200,
      bodyBytesSent: 14706,
      cookie: undefined,
      host: 'h:1',
      userAgent: 'UA "quoted"',
      requestLength: 97,
      requestTime: 0.001,
      requestLine: 'POST /a?b=1 HTTP/1.1',
    });
    expect(() => parseAccessLog('garbage\n')).toThrow(/access\.log:1/);
  });
});

describe('recording server helper', () => {
  it('records requests with their connection and index, and follows the script', async () => {
    const server = await startRecordingServer((req) => {
      if (req.url === '/teapot') return { status: 418, body: 'short and stout' };
      if (req.url === '/bye') return { close: true };
      if (req.url === '/boom') return { destroy: true };
      return undefined;
    });
    try {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      expect((await request(`${server.url}/a`, { agent })).body.toString()).toBe('ok\n');
      expect((await request(`${server.url}/teapot`, { agent, method: 'POST', body: 'tea' })).status).toBe(418);
      expect((await request(`${server.url}/bye`, { agent })).status).toBe(200);
      expect((await request(`${server.url}/c`, { agent })).status).toBe(200);
      await expect(request(`${server.url}/boom`)).rejects.toThrow();
      agent.destroy();
      const seen = server.requests.map((r) => [r.url, r.connectionId, r.indexOnConnection]);
      expect(seen).toEqual([
        ['/a', 1, 0],
        ['/teapot', 1, 1],
        ['/bye', 1, 2],
        ['/c', 2, 0],
        ['/boom', 3, 0],
      ]);
      expect(server.requests[1]!.method).toBe('POST');
      expect(server.requests[1]!.body.toString()).toBe('tea');
      expect(server.requests[0]!.arrivedAt).toBeLessThanOrEqual(server.requests[1]!.arrivedAt);
      expect(server.connectionCount()).toBe(3);
    } finally {
      await server.close();
    }
  });
});
