import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { parseSessionFile } from '../src/session/parse.js';
import { WorkerPool } from '../src/serve/capacity.js';
import { parseServeArgs, run } from '../src/commands/serve.js';
import { startDemoServer, type DemoServer } from '../src/serve/server.js';
import { SIZE_RANGES, bodySizeFor, contentTypeFor, fileKind, type FileKind } from '../src/serve/sizes.js';
import { makeSite, siteFileFor } from '../src/serve/site.js';

const ROOT = new URL('..', import.meta.url).pathname;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  socketReused: boolean;
}

/** One request with node:http; `agent` false means a fresh connection. */
function request(url: string, opts: { method?: string; body?: string; agent?: http.Agent | false } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', agent: opts.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), socketReused: req.reusedSocket }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Body lengths of the complete Content-Length responses at the start of a byte stream. */
function completeResponses(bytes: Buffer): number[] {
  const lengths: number[] = [];
  let at = 0;
  for (;;) {
    const headEnd = bytes.indexOf('\r\n\r\n', at);
    if (headEnd < 0) return lengths;
    const head = bytes.subarray(at, headEnd).toString('latin1');
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? NaN);
    if (headEnd + 4 + length > bytes.length) return lengths;
    lengths.push(length);
    at = headEnd + 4 + length;
  }
}

const servers: DemoServer[] = [];
async function demo(opts: Parameters<typeof startDemoServer>[0] = {}): Promise<DemoServer> {
  const server = await startDemoServer(opts);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('size rule', () => {
  const samples: Record<FileKind, string[]> = {
    html: ['/', '/news/', '/index.shtml', '/a/b.html', '/page.php', '/about', '/x/y/z'],
    css: ['/style/ash.css', '/a.css', '/B.CSS'],
    js: ['/app.js', '/lib/x.min.js'],
    image: ['/a.gif', '/b.jpg', '/c.jpeg', '/d.png', '/e.webp', '/favicon.ico', '/f.svg'],
    other: ['/file.txt', '/data.json', '/x.pdf'],
  };

  it('classifies paths by extension and keeps every size inside its kind range', () => {
    for (const [kind, paths] of Object.entries(samples) as [FileKind, string[]][]) {
      for (const path of paths) {
        expect(fileKind(path), path).toBe(kind);
        const size = bodySizeFor(path);
        expect(size, path).toBeGreaterThanOrEqual(SIZE_RANGES[kind].min);
        expect(size, path).toBeLessThanOrEqual(SIZE_RANGES[kind].max);
      }
    }
  });

  it('is deterministic, ignores the query string and spreads sizes out', () => {
    expect(bodySizeFor('/news/')).toBe(bodySizeFor('/news/'));
    expect(bodySizeFor('/news/?a=1')).toBe(bodySizeFor('/news/'));
    const sizes = new Set(Array.from({ length: 50 }, (_, i) => bodySizeFor(`/img/${i}.gif`)));
    expect(sizes.size).toBeGreaterThan(40);
  });

  it('gives content types per kind', () => {
    expect(contentTypeFor('/')).toMatch(/^text\/html/);
    expect(contentTypeFor('/a.css')).toMatch(/^text\/css/);
    expect(contentTypeFor('/a.js')).toMatch(/^text\/javascript/);
    expect(contentTypeFor('/a.jpg')).toBe('image/jpeg');
    expect(contentTypeFor('/a.svg')).toBe('image/svg+xml');
    expect(contentTypeFor('/a.bin')).toBe('application/octet-stream');
  });

  it('maps URIs to site files', () => {
    expect(siteFileFor('/')).toBe('index.html');
    expect(siteFileFor('/news/')).toBe('news/index.html');
    expect(siteFileFor('/a/b.gif')).toBe('a/b.gif');
    expect(siteFileFor('/a%20b.html')).toBe('a b.html');
    expect(siteFileFor('/a/./b/../c.gif')).toBe('a/c.gif');
    expect(siteFileFor('/a/b/..')).toBe('a/index.html');
    expect(siteFileFor('/../etc/passwd')).toBeUndefined();
  });
});

describe('demo server', () => {
  it('answers every path with its deterministic size and content type', async () => {
    const server = await demo();
    for (const path of ['/', '/index.shtml', '/style/ash.css', '/images/a.jpg', '/app.js', '/robots.txt']) {
      const reply = await request(server.url + path);
      expect(reply.status, path).toBe(200);
      expect(reply.body.length, path).toBe(bodySizeFor(path));
      expect(Number(reply.headers['content-length']), path).toBe(bodySizeFor(path));
      expect(reply.headers['content-type'], path).toBe(contentTypeFor(path));
    }
    const again = await request(`${server.url}/index.shtml`);
    expect(again.body.length).toBe(bodySizeFor('/index.shtml'));
    expect(server.stats().requests).toBe(7);
    expect(server.stats().byStatus[200]).toBe(7);
  });

  it('answers HEAD with headers only', async () => {
    const server = await demo();
    const reply = await request(`${server.url}/big.html`, { method: 'HEAD' });
    expect(reply.status).toBe(200);
    expect(Number(reply.headers['content-length'])).toBe(bodySizeFor('/big.html'));
    expect(reply.body.length).toBe(0);
  });

  it('reads and discards POST bodies, keeping the connection usable', async () => {
    const server = await demo();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const post = await request(`${server.url}/form.php`, { method: 'POST', body: 'x'.repeat(100_000), agent });
      expect(post.status).toBe(200);
      const get = await request(`${server.url}/after`, { agent });
      expect(get.status).toBe(200);
      expect(get.socketReused).toBe(true);
      expect(server.stats().connectionsOpened).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('answers 404 for paths not in the session file', async () => {
    const sessionFile = parseSessionFile('/index.html\n    /a.gif\n\n/news/ think=1\n', 'inline.txt');
    const server = await demo({ sessionFile });
    expect((await request(`${server.url}/index.html`)).status).toBe(200);
    expect((await request(`${server.url}/a.gif?cache=no`)).status).toBe(200);
    expect((await request(`${server.url}/news/`)).status).toBe(200);
    const missing = await request(`${server.url}/missing.html`);
    expect(missing.status).toBe(404);
    expect(missing.body.toString()).toContain('not found');
    expect(server.stats().byStatus).toEqual({ 200: 3, 404: 1 });
  });

  it('answers pipelined requests in order on one connection', async () => {
    const server = await demo();
    const socket = net.connect(server.port, '127.0.0.1');
    const sizes = [300, 100, 200];
    const lengths = await new Promise<number[]>((resolve, reject) => {
      let received = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const parsed = completeResponses(received);
        if (parsed.length === sizes.length) resolve(parsed);
      });
      socket.on('error', reject);
      socket.write(sizes.map((s) => `GET /p?size=${s} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
    });
    socket.destroy();
    expect(lengths).toEqual(sizes);
    expect(server.stats().connectionsOpened).toBe(1);
  });

  it('obeys the query-string test controls', async () => {
    const server = await demo();
    expect((await request(`${server.url}/x?status=503`)).status).toBe(503);
    const sized = await request(`${server.url}/x.gif?size=12345`);
    expect(sized.body.length).toBe(12345);
    const empty = await request(`${server.url}/x?status=204`);
    expect(empty.status).toBe(204);
    expect(empty.body.length).toBe(0);

    const started = performance.now();
    expect((await request(`${server.url}/slow?delay=60`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);

    const chunked = await request(`${server.url}/c.js?chunked=1&size=5000`);
    expect(chunked.headers['transfer-encoding']).toBe('chunked');
    expect(chunked.headers['content-length']).toBeUndefined();
    expect(chunked.body.length).toBe(5000);

    const cookie = await request(`${server.url}/?cookie=sid=abc123`);
    expect(cookie.headers['set-cookie']).toEqual(['sid=abc123; Path=/']);

    const bad = await request(`${server.url}/?status=99x`);
    expect(bad.status).toBe(400);
    expect(bad.body.toString()).toContain('status=99x');
  });

  it('closes the connection after ?close=1', async () => {
    const server = await demo();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const closing = await request(`${server.url}/?close=1`, { agent });
      expect(closing.headers.connection).toBe('close');
      const next = await request(`${server.url}/`, { agent });
      expect(next.socketReused).toBe(false);
      expect(server.stats().connectionsOpened).toBe(2);
    } finally {
      agent.destroy();
    }
  });

  it('queues requests beyond its concurrency, each taking the service time', async () => {
    const server = await demo({ concurrency: 2, serviceTimeMs: 20 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
    try {
      const started = performance.now();
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => request(`${server.url}/r${i}`, { agent })));
      const elapsed = performance.now() - started;
      expect(replies.every((r) => r.status === 200)).toBe(true);
      // 20 requests / 2 workers * 20 ms = 200 ms at the very least (a little slack for clock edges).
      expect(elapsed).toBeGreaterThanOrEqual(180);
      expect(server.stats().maxQueueLength).toBeGreaterThan(0);
      expect(server.stats().responses).toBe(20);
    } finally {
      agent.destroy();
    }
  });

  it('stops with close() even with queued requests and open connections', async () => {
    const server = await demo({ concurrency: 1, serviceTimeMs: 1000 });
    const pending = Array.from({ length: 3 }, () => request(`${server.url}/`).catch((err: Error) => err));
    for (let i = 0; i < 500 && server.stats().requests < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.stats().connectionsOpen).toBe(3);
    expect(server.stats().responses).toBe(0);
    await server.close();
    const outcomes = await Promise.all(pending);
    expect(outcomes.every((o) => o instanceof Error)).toBe(true);
  });
});

describe('worker pool', () => {
  it('serves jobs round by round in FIFO order, at no more than workers/serviceTime', async () => {
    const done: number[] = [];
    const started = performance.now();
    const finished = new Promise<number>((resolve) => {
      const pool = new WorkerPool<number>(4, 10, (job) => {
        done.push(job);
        if (done.length === 60) resolve(performance.now());
      });
      for (let i = 0; i < 60; i++) pool.submit(i);
      expect(pool.inService).toBe(4);
      expect(pool.queueLength).toBe(56);
    });
    const end = await finished;
    // 60 jobs on 4 workers of 10 ms: 15 rounds, so 150 ms at least.
    expect(end - started).toBeGreaterThanOrEqual(149);
    // Jobs start in FIFO order; the 4 jobs of one round end together, in any order among themselves.
    expect(done.map((job) => Math.floor(job / 4))).toEqual([...Array(60).keys()].map((k) => Math.floor(k / 4)));
  });

  it('answers zero-time jobs at once, even behind a long queue', () => {
    const done: number[] = [];
    const pool = new WorkerPool<number>(1, 0, (job) => done.push(job));
    for (let i = 0; i < 50_000; i++) pool.submit(i);
    expect(done.length).toBe(50_000);
    expect(pool.maxQueueLength).toBe(0);
  });

  it('rejects nonsense settings', () => {
    expect(() => new WorkerPool(0, 1, () => {})).toThrow(RangeError);
    expect(() => new WorkerPool(1, -1, () => {})).toThrow(RangeError);
  });
});

describe('loadgen serve command', () => {
  it('validates its arguments', async () => {
    await expect(parseServeArgs([])).rejects.toThrow(UsageError);
    await expect(parseServeArgs(['--port', 'abc'])).rejects.toThrow(/--port/);
    await expect(parseServeArgs(['--port', '70000'])).rejects.toThrow(/--port/);
    await expect(parseServeArgs(['--port', '0', '--bogus'])).rejects.toThrow(UsageError);
    await expect(parseServeArgs(['--port', '0', '--concurrency', '0'])).rejects.toThrow(/--concurrency/);
    await expect(parseServeArgs(['--port', '0', '--service-time', '-5'])).rejects.toThrow(/--service-time/);
    await expect(parseServeArgs(['--port', '8080', '--service-time', '10', '--concurrency', '4'])).resolves.toEqual({
      port: 8080,
      host: '127.0.0.1',
      sessionsPath: undefined,
      serviceTimeMs: 10,
      concurrency: 4,
    });
  });

  it('reports a missing session file as a usage error', async () => {
    await expect(run(['--port', '0', '--sessions', join(ROOT, 'no-such-file.txt')])).rejects.toThrow(/can't open/);
  });

  it('serves until its stop signal, printing the banner with the real port', async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    const exit = run(['--port', '0', '--sessions', join(ROOT, 'sessions/bookofxen.txt'), '--service-time', '1', '--concurrency', '3'], {
      out: (line) => lines.push(line),
      signal: stop.signal,
    });
    const listening = (async () => {
      while (lines.length === 0) await new Promise((r) => setTimeout(r, 10));
    })();
    await Promise.race([listening, exit]);
    const match = /^loadgen serve: listening on http:\/\/127\.0\.0\.1:(\d+) \(service time 1 ms, concurrency 3\)$/.exec(lines[0]!);
    expect(match).not.toBeNull();
    const port = Number(match![1]);
    expect((await request(`http://127.0.0.1:${port}/index.shtml`)).status).toBe(200);
    expect((await request(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
    stop.abort();
    await expect(exit).resolves.toBe(0);
  });
});

describe('built CLI and tools', () => {
  const exec = promisify(execFile);
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'loadgen-serve-test-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('loadgen serve prints its banner and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['bin/loadgen.js', 'serve', '--port', '0', '--service-time', '2'], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while (!stdout.includes('\n') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    const match = /^loadgen serve: listening on http:\/\/127\.0\.0\.1:(\d+) \(service time 2 ms, concurrency unlimited\)\n$/.exec(stdout);
    expect(match, stderr).not.toBeNull();
    expect((await request(`http://127.0.0.1:${match![1]}/`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('loadgen serve: stopped (requests 1, connections 1, status 200=1, max queue 0)');
  });

  it('loadgen serve rejects bad arguments with exit 2 and one line', async () => {
    const failure = await exec(process.execPath, ['bin/loadgen.js', 'serve', '--port', '0', '--concurrency', 'lots'], { cwd: ROOT }).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect('code' in failure && failure.code).toBe(2);
    expect((failure as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1);
  });

  it('make-site writes one file per URI with the demo sizes', async () => {
    const docroot = join(work, 'site');
    const { stdout } = await exec(process.execPath, ['tools/make-site.mjs', 'sessions/bookofxen.txt', docroot], { cwd: ROOT });
    expect(stdout).toMatch(/^make-site: 21 files, \d+ bytes in /);
    expect((await stat(join(docroot, 'newsv3/index.html'))).size).toBe(bodySizeFor('/newsv3/'));
    expect((await stat(join(docroot, 'style/ash.css'))).size).toBe(bodySizeFor('/style/ash.css'));
    const viaModule = await makeSite(join(ROOT, 'sessions/bookofxen.txt'), join(work, 'again'));
    expect(viaModule.files).toBe(21);
    expect((await readdir(join(work, 'again'))).sort()).toEqual(['events', 'images', 'index.shtml', 'news', 'newsv3', 'style']);
  });
});
