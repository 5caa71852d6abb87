/**
 * The engine against real loopback servers: which requests arrive, in which order, on which
 * connection, with which pipelining, think gaps, server closes, timeouts and failures.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runReplay } from '../src/engine/run.js';
import { DEFAULT_REPLAY_OPTIONS, type ReplayOptions } from '../src/options.js';
import { parseSessionFile } from '../src/session/parse.js';
import { startRecordingServer, type RecordingServer, type ScriptedHandler } from './helpers/http-server.js';

let server: RecordingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function options(port: number, overrides: Partial<ReplayOptions> = {}): ReplayOptions {
  return {
    ...DEFAULT_REPLAY_OPTIONS,
    server: '127.0.0.1',
    port,
    sessionFile: 'test.txt',
    sessions: 1,
    thinkTime: 0,
    arrival: { kind: 'fixed', interval: 0.05 },
    timeout: 10,
    ...overrides,
  };
}

async function replay(text: string, overrides: Partial<ReplayOptions> = {}, handler?: ScriptedHandler) {
  server = await startRecordingServer(handler);
  const doc = await runReplay(options(server.port, overrides), parseSessionFile(text, 'test.txt'));
  return { doc, requests: server.requests };
}

const TWO_TEMPLATES = `# A
/a1.html
\t/a1.css
\t/a1.js
/a2.html think=0.3
/a3.html

# B
/b1.html
/b2 method=POST contents='user=alice&pass=s3cret'
\t/b2.css
`;

describe('engine: requests, order and connections', () => {
  it('replays templates round robin, in file order, one connection per session', async () => {
    const { doc, requests } = await replay(TWO_TEMPLATES, { sessions: 4 });
    expect(doc.counters.replies).toBe(2 * 5 + 2 * 3);
    expect(doc.counters.sessionsSucceeded).toBe(4);
    expect(doc.counters.connections).toBe(4);
    expect(doc.counters.errors).toEqual({ clientTimeout: 0, socketTimeout: 0, connRefused: 0, connReset: 0, fdUnavail: 0, addrUnavail: 0, ftabFull: 0, other: 0 });
    const byConnection = new Map<number, string[]>();
    for (const r of requests) byConnection.set(r.connectionId, [...(byConnection.get(r.connectionId) ?? []), `${r.method} ${r.url}`]);
    const sequences = [...byConnection.entries()].sort((x, y) => x[0] - y[0]).map(([, seq]) => seq);
    const a = ['GET /a1.html', 'GET /a1.css', 'GET /a1.js', 'GET /a2.html', 'GET /a3.html'];
    const b = ['GET /b1.html', 'POST /b2', 'GET /b2.css'];
    expect(sequences).toEqual([a, b, a, b]);
    expect(doc.counters.sessionLengthHistogram).toEqual([0, 0, 0, 2, 0, 2]);
  });

  it('sends the first call of a burst alone and the members only after its reply', async () => {
    const { requests } = await replay('/page.html\n\t/x.css\n\t/y.js\n\t/z.png\n', {}, (r) => (r.url === '/page.html' ? { delayMs: 150 } : {}));
    const page = requests.find((r) => r.url === '/page.html')!;
    const members = requests.filter((r) => r.url !== '/page.html');
    expect(members).toHaveLength(3);
    for (const m of members) expect(m.arrivedAt - page.arrivedAt).toBeGreaterThanOrEqual(140);
    // Pipelined on the session's single connection, in file order.
    expect(new Set(requests.map((r) => r.connectionId)).size).toBe(1);
    expect(members.map((m) => m.indexOnConnection)).toEqual([1, 2, 3]);
  });

  it('spreads a burst over connections with --max-piped-calls=1, lowest slot first', async () => {
    const text = '/p0\n\t/p1\n\t/p2\n\t/p3\n\t/p4\n\t/p5\n/q0\n';
    const { doc, requests } = await replay(text, { maxPipedCalls: 1, maxPipedCallsSet: true }, () => ({ delayMs: 30 }));
    // httperf's measured layout: p0 on A; p1 on A, p2-p4 on B-D; p5 waits for a free slot; 4 connections.
    expect(doc.counters.connections).toBe(4);
    const conn = (url: string) => requests.find((r) => r.url === url)!.connectionId;
    expect(conn('/p1')).toBe(conn('/p0'));
    expect(new Set(['/p1', '/p2', '/p3', '/p4'].map(conn)).size).toBe(4);
    expect(doc.counters.replies).toBe(7);
  });

  it('keeps at most max-piped-calls outstanding per connection with --max-connections=1', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const text = '/p0\n\t/p1\n\t/p2\n\t/p3\n\t/p4\n';
    const { doc } = await replay(text, { maxConnections: 1, maxPipedCalls: 2, maxConnectionsSet: true, maxPipedCallsSet: true }, async () => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return {};
    });
    expect(doc.counters.connections).toBe(1);
    expect(doc.counters.replies).toBe(5);
    expect(maxInFlight).toBeLessThanOrEqual(2);
  });

  it('waits the think time after the last reply of a burst (think= overrides X)', async () => {
    const { requests } = await replay('/a\n\t/a.css\n/b think=0.4\n/c\n', { thinkTime: 0.2 });
    const at = (url: string) => requests.find((r) => r.url === url)!.arrivedAt;
    expect(at('/b') - at('/a.css')).toBeGreaterThanOrEqual(190);
    expect(at('/c') - at('/b')).toBeGreaterThanOrEqual(390);
    expect(at('/c') - at('/b')).toBeLessThan(3000);
  });

  it('sends httperf headers: Host without port, --server-name, --add-header, Content-length for bodies', async () => {
    const { requests } = await replay('/form method=POST contents="a=1&b=2"\n/x\n', { serverName: 'example.test', addHeaders: ['X-Test: yes\r\n'], addHeadersRaw: ['X-Test: yes\\n'] });
    const form = requests[0]!;
    expect(form.headers.host).toBe('example.test');
    expect(form.headers['x-test']).toBe('yes');
    expect(form.headers['content-length']).toBe('7');
    expect(form.body.toString()).toBe('a=1&b=2');
    expect(requests[1]!.headers['content-length']).toBeUndefined();
  });

  it("sends loadgen's User-Agent unless --add-header gives one", async () => {
    const plain = await replay('/x\n');
    expect(plain.requests[0]!.headers['user-agent']).toMatch(/^loadgen\//);
    await server!.close();
    const own = await replay('/x\n', { addHeaders: ['User-Agent: httperf/0.9.0\r\n'], addHeadersRaw: ['User-Agent: httperf/0.9.0\\n'] });
    expect(own.requests[0]!.rawHeaders.filter((h) => h.toLowerCase() === 'user-agent')).toHaveLength(1);
    expect(own.requests[0]!.headers['user-agent']).toBe('httperf/0.9.0');
  });

  it('omits the port from Host like httperf', async () => {
    const { requests } = await replay('/x\n');
    expect(requests[0]!.headers.host).toBe('127.0.0.1');
  });

  it('keeps one cookie per session with --session-cookies', async () => {
    let n = 0;
    const { requests } = await replay('/login\n/a\n\t/b\n\t/c\n', { sessionCookies: true }, () => ({ headers: { 'Set-Cookie': `sid=${++n}; Path=/` } }));
    expect(requests[0]!.headers.cookie).toBeUndefined();
    expect(requests[1]!.headers.cookie).toBe('sid=1');
    expect(requests.slice(2).map((r) => r.headers.cookie)).toEqual(['sid=2', 'sid=2']);
  });

  it('uses one connection per call with --http-version=1.0', async () => {
    const { doc, requests } = await replay('/a\n\t/b\n\t/c\n/d\n', { httpVersion: '1.0', maxPipedCalls: 1 });
    expect(doc.counters.connections).toBe(4);
    expect(new Set(requests.map((r) => r.connectionId)).size).toBe(4);
    expect(requests.every((r) => r.httpVersion === '1.0')).toBe(true);
    expect(doc.counters.errors.connReset).toBe(0);
  });

  it('runs one session at a time with rate 0', async () => {
    let active = 0;
    let maxActive = 0;
    const { doc } = await replay('/a\n/b\n', { sessions: 5, arrival: { kind: 'sequential' } }, async (r) => {
      if (r.url === '/a') maxActive = Math.max(maxActive, ++active);
      if (r.url === '/b') active--;
      await new Promise((res) => setTimeout(res, 5));
      return {};
    });
    expect(doc.counters.sessionsSucceeded).toBe(5);
    expect(maxActive).toBe(1);
    expect(doc.counters.maxConcurrentConnections).toBe(1);
  });

  it('starts sessions on the schedule even when the server is slow (open loop)', async () => {
    const { doc, requests } = await replay('/slow\n', { sessions: 5, arrival: { kind: 'fixed', interval: 0.05 } }, () => ({ delayMs: 400 }));
    const first = requests.map((r) => r.arrivedAt).sort((x, y) => x - y);
    // All five arrived before the first reply could have come back.
    expect(first[4]! - first[0]!).toBeLessThan(380);
    expect(doc.counters.sessionsSucceeded).toBe(5);
    // The corrected latency of the first reply includes the server's 400 ms.
    expect(doc.histograms.correctedFirstReply.min).toBeGreaterThanOrEqual(390_000);
  });
});

describe('engine: server closes are reconnects, not errors', () => {
  it('reconnects quietly after Connection: close on the first reply of a burst', async () => {
    const { doc, requests } = await replay('/first\n\t/m1\n\t/m2\n/next\n', {}, (r) => (r.url === '/first' ? { close: true } : {}));
    expect(doc.counters.sessionsSucceeded).toBe(1);
    expect(doc.counters.errors.connReset).toBe(0);
    expect(doc.counters.connections).toBe(2);
    expect(requests.map((r) => r.url)).toEqual(['/first', '/m1', '/m2', '/next']);
    expect(doc.rates.errorRate).toBe(0);
  });

  it('re-sends pipelined calls behind a Connection: close reply without counting an error', async () => {
    const { doc } = await replay('/first\n\t/m1\n\t/m2\n\t/m3\n', {}, (r) => (r.url === '/m1' ? { close: true } : {}));
    expect(doc.counters.sessionsSucceeded).toBe(1);
    expect(doc.counters.replies).toBe(4);
    expect(doc.counters.errors.connReset).toBe(0);
    expect(doc.counters.connections).toBe(2);
  });

  it('reconnects quietly when the server closes an idle connection during think time', async () => {
    // A keep-alive server that closes each connection 100 ms after it went idle (nginx keepalive_timeout).
    const seen: string[] = [];
    const idle = net.createServer((socket) => {
      let timer: NodeJS.Timeout | undefined;
      socket.on('data', (chunk) => {
        clearTimeout(timer);
        for (const line of chunk.toString('latin1').split('\r\n')) if (/^GET /.test(line)) seen.push(line.split(' ')[1]!);
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        timer = setTimeout(() => socket.end(), 100);
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => idle.listen(0, '127.0.0.1', r));
    try {
      const port = (idle.address() as AddressInfo).port;
      const doc = await runReplay(options(port, { sessions: 2, thinkTime: 0.4 }), parseSessionFile('/a\n/b\n/c\n', 't.txt'));
      expect(doc.counters.sessionsSucceeded).toBe(2);
      expect(doc.counters.errors.connReset).toBe(0);
      expect(doc.counters.replies).toBe(6);
      expect(doc.counters.requests).toBe(6);
      expect(doc.counters.sessionsSucceededConnections / doc.counters.sessionsSucceeded).toBe(3);
      expect(seen).toEqual(['/a', '/a', '/b', '/b', '/c', '/c']);
    } finally {
      await new Promise((r) => idle.close(r));
    }
  });
});

describe('engine: unsolicited bytes', () => {
  it('treats a 408 sent on an idle connection before a close as a quiet close', async () => {
    const seen: string[] = [];
    const rude = net.createServer((socket) => {
      socket.on('data', (chunk) => {
        seen.push(chunk.toString('latin1').split(' ')[1]!);
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        setTimeout(() => socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'), 50);
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => rude.listen(0, '127.0.0.1', r));
    try {
      const port = (rude.address() as AddressInfo).port;
      const doc = await runReplay(options(port, { thinkTime: 0.3 }), parseSessionFile('/a\n/b\n', 't.txt'));
      expect(doc.counters.sessionsSucceeded).toBe(1);
      expect(Object.values(doc.counters.errors).every((n) => n === 0)).toBe(true);
      expect(doc.counters.replies).toBe(2);
      expect(seen).toEqual(['/a', '/b']);
    } finally {
      await new Promise((r) => rude.close(r));
    }
  });
});

describe('engine: failures', () => {
  it('counts refused connections and fails every session, without connect times', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const doc = await runReplay(options(port, { sessions: 3 }), parseSessionFile('/a\n/b\n', 't.txt'));
    expect(doc.counters.errors.connRefused).toBe(3);
    expect(doc.counters.sessionsFailed).toBe(3);
    expect(doc.counters.connected).toBe(0);
    expect(doc.counters.connectTimeSumMs).toBe(0);
    expect(doc.counters.sessionLengthHistogram).toEqual([3]);
  });

  it('bounds --retry-on-failure against a refusing port (httperf loops forever)', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const doc = await runReplay(options(port, { sessions: 2, retryOnFailure: true, maxRetries: 3 }), parseSessionFile('/a\n', 't.txt'));
    expect(doc.counters.connections).toBe(2 * 4);
    expect(doc.counters.errors.connRefused).toBe(8);
    expect(doc.counters.sessionsFailed).toBe(2);
  });

  it('times out a slow reply, fails the session and never sends the later bursts', async () => {
    const { doc, requests } = await replay('/ok\n/slow\n/never-reached\n', { timeout: 0.3 }, (r) => (r.url === '/slow' ? { delayMs: 1500 } : {}));
    expect(doc.counters.errors.clientTimeout).toBe(1);
    expect(doc.counters.sessionsFailed).toBe(1);
    expect(requests.map((r) => r.url)).toEqual(['/ok', '/slow']);
    expect(doc.counters.sessionFailtimeSum).toBeGreaterThanOrEqual(0.29);
  });

  it('adds --think-timeout to the reply deadline', async () => {
    const { doc } = await replay('/slow\n', { timeout: 0.2, thinkTimeout: 1 }, () => ({ delayMs: 400 }));
    expect(doc.counters.errors.clientTimeout).toBe(0);
    expect(doc.counters.sessionsSucceeded).toBe(1);
  });

  it('fails a session on --failure-status without counting an error', async () => {
    const { doc, requests } = await replay('/a\n/missing\n/b\n', { failureStatus: 404 }, (r) => (r.url === '/missing' ? { status: 404 } : {}));
    expect(doc.counters.sessionsFailed).toBe(1);
    expect(doc.counters.status[3]).toBe(1);
    expect(requests.map((r) => r.url)).toEqual(['/a', '/missing']);
    expect(Object.values(doc.counters.errors).every((n) => n === 0)).toBe(true);
  });

  it('retries a --failure-status reply a bounded number of times with --retry-on-failure', async () => {
    const { doc, requests } = await replay('/missing\n', { failureStatus: 503, retryOnFailure: true, maxRetries: 2 }, () => ({ status: 503 }));
    expect(requests).toHaveLength(3);
    expect(doc.counters.sessionsFailed).toBe(1);
  });

  it('fails a session whose connection is reset before any reply', async () => {
    const { doc } = await replay('/a\n', { sessions: 2 }, () => ({ destroy: true }));
    expect(doc.counters.sessionsFailed).toBe(2);
    expect(doc.counters.errors.connReset).toBe(2);
  });

  it('returns what was measured when aborted', async () => {
    server = await startRecordingServer(() => ({ delayMs: 50 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const doc = await runReplay(options(server.port, { sessions: 1000, arrival: { kind: 'fixed', interval: 0.02 } }), parseSessionFile('/a\n/b\n', 't.txt'), { signal: controller.signal });
    expect(doc.run.ended).toBe('interrupted');
    expect(doc.counters.sessionsCreated).toBeLessThan(1000);
    expect(doc.counters.replies).toBeGreaterThan(0);
    expect(doc.counters.sessionsSucceeded + doc.counters.sessionsFailed).toBeLessThanOrEqual(doc.counters.sessionsCreated);
  });
});
