/**
 * The fault matrix: one misbehaving server per fault, replayed by the engine in-process. Each case
 * asserts the counters, that the run ends by itself (bounded by --timeout or sooner), and what the
 * server saw. Budget: a few seconds for the whole file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runReplay } from '../../src/engine/run.js';
import { DEFAULT_REPLAY_OPTIONS, type ReplayOptions } from '../../src/options.js';
import type { ErrorCounters } from '../../src/results/schema.js';
import { parseSessionFile } from '../../src/session/parse.js';
import { EXTRA_JUNK, startFaultServer, type FaultMode, type FaultServer } from './server.js';

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function replay(mode: FaultMode, sessionText: string, overrides: Partial<ReplayOptions> = {}) {
  server = await startFaultServer(mode);
  const options: ReplayOptions = {
    ...DEFAULT_REPLAY_OPTIONS,
    server: '127.0.0.1',
    port: server.port,
    sessionFile: 'faults.txt',
    sessions: 2,
    thinkTime: 0,
    arrival: { kind: 'fixed', interval: 0.02 },
    timeout: 1,
    ...overrides,
  };
  const started = performance.now();
  const doc = await runReplay(options, parseSessionFile(sessionText, 'faults.txt'));
  return { doc, seconds: (performance.now() - started) / 1000, server };
}

/** Error counters with these values and every other one 0. */
function errors(nonZero: Partial<ErrorCounters>): ErrorCounters {
  return { clientTimeout: 0, socketTimeout: 0, connRefused: 0, connReset: 0, fdUnavail: 0, addrUnavail: 0, ftabFull: 0, other: 0, ...nonZero };
}

/** Cases where every session fails with one error on its only connection. */
const FAILING: Array<[FaultMode, Partial<ErrorCounters>, number]> = [
  // mode, error counters, requests the server sees (2 sessions x 1 request; refuse sees none)
  ['refuse', { connRefused: 2 }, 0],
  ['reset', { connReset: 2 }, 2],
  ['stall', { clientTimeout: 2 }, 2],
  ['close-silently', { connReset: 2 }, 2],
  ['bad-status', { other: 2 }, 2],
  ['duplicate-content-length', { other: 2 }, 2],
  ['chunk-size-24-hex', { other: 2 }, 2],
  ['chunk-size-2g', { other: 2 }, 2],
];

describe('fault matrix: failures are counted once, by kind, and the run ends', () => {
  for (const [mode, expected, serverRequests] of FAILING) {
    it(mode, async () => {
      // Protocol errors must end the session at once, not by the reply timeout: give them 10 s.
      const timeout = mode === 'stall' ? 1 : 10;
      const { doc, seconds, server: s } = await replay(mode, '/a\n', { timeout });
      expect(doc.run.ended).toBe('completed');
      expect(doc.counters.errors).toEqual(errors(expected));
      expect(doc.counters.replies).toBe(0);
      expect(doc.counters.sessionsFailed).toBe(2);
      expect(doc.counters.connections).toBe(2);
      expect(s.requests).toBe(serverRequests);
      expect(s.connections).toBe(mode === 'refuse' ? 0 : 2);
      expect(seconds).toBeLessThan(mode === 'stall' ? 8 : 5);
    });
  }
});

describe('fault matrix: replies that are odd but usable', () => {
  it('trickle: a reply sent a byte at a time is complete and correct', async () => {
    const { doc, server: s } = await replay('trickle', '/a\n', { timeout: 5 });
    expect(doc.counters.errors).toEqual(errors({}));
    expect(doc.counters.replies).toBe(2);
    expect(doc.counters.replyContentBytes).toBe(16);
    expect(s.requests).toBe(2);
  });

  it('bare-lf: header lines ending in LF alone are accepted (RFC 9112 2.2, as httperf)', async () => {
    const { doc, server: s } = await replay('bare-lf', '/a\n/b\n', { timeout: 5 });
    expect(doc.counters.errors).toEqual(errors({}));
    expect(doc.counters.replies).toBe(4);
    expect(doc.counters.replyContentBytes).toBe(8);
    expect(doc.counters.replyHeaderBytes).toBe(4 * 'HTTP/1.1 200 OK\nContent-Length: 2\nX-A: b\n\n'.length);
    expect(doc.counters.sessionsSucceeded).toBe(2);
    expect(s.connections).toBe(2);
  });

  it('extra-bytes: bytes after a complete reply are counted, not taken as the next reply', async () => {
    const { doc, server: s } = await replay('extra-bytes', '/a\n/b\n', { sessions: 1, timeout: 5 });
    expect(doc.counters.errors).toEqual(errors({}));
    expect(doc.counters.replies).toBe(2);
    expect(doc.counters.status).toEqual([0, 2, 0, 0, 0]);
    expect(doc.counters.sessionsSucceeded).toBe(1);
    // Each reply is followed by junk: counted on each of the (at least two) connections.
    expect(doc.counters.extraReplyBytes).toBeGreaterThanOrEqual(EXTRA_JUNK.length);
    expect((doc.counters.extraReplyBytes ?? 0) % EXTRA_JUNK.length).toBe(0);
    expect(s.connections).toBeGreaterThanOrEqual(2);
  });

  it('extra-reply: an unrequested second reply never answers the next request', async () => {
    const { doc } = await replay('extra-reply', '/a\n/b\n/c\n', { sessions: 1, timeout: 5 });
    expect(doc.counters.errors).toEqual(errors({}));
    expect(doc.counters.replies).toBe(3);
    // Every counted reply is a 200: the 500s were extra and dropped with their connection.
    expect(doc.counters.status).toEqual([0, 3, 0, 0, 0]);
    expect(doc.counters.extraReplyBytes).toBeGreaterThan(0);
    expect(doc.counters.sessionsSucceeded).toBe(1);
  });
});
