/**
 * Timers in the engine: delays above 2^31-1 ms wait (Node would fire them after 1 ms), and a zero
 * think time starts the next burst without any timer.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runReplay } from '../src/engine/run.js';
import { DEFAULT_REPLAY_OPTIONS, type ReplayOptions } from '../src/options.js';
import { parseSessionFile } from '../src/session/parse.js';
import { clearLongTimeout, MAX_TIMER_MS, setLongTimeout } from '../src/util/timers.js';
import { startRecordingServer, type RecordingServer } from './helpers/http-server.js';

let server: RecordingServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
});

function options(port: number, overrides: Partial<ReplayOptions>): ReplayOptions {
  return { ...DEFAULT_REPLAY_OPTIONS, server: '127.0.0.1', port, sessionFile: 't.txt', sessions: 1, thinkTime: 0, arrival: { kind: 'fixed', interval: 0.05 }, timeout: 10, ...overrides };
}

/** Run, aborting after `abortMs` (the long timers under test would otherwise keep the run going). */
async function replayFor(text: string, overrides: Partial<ReplayOptions>, abortMs: number) {
  server = await startRecordingServer();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), abortMs);
  try {
    const doc = await runReplay(options(server.port, overrides), parseSessionFile(text, 't.txt'), { signal: controller.signal });
    return { doc, requests: server.requests };
  } finally {
    clearTimeout(timer);
  }
}

describe('setLongTimeout', () => {
  it('never asks Node for more than 2^31-1 ms and does not fire early', async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const fired = vi.fn();
    const timer = setLongTimeout(fired, 3_000_000_000);
    expect(spy.mock.calls.at(-1)?.[1]).toBe(MAX_TIMER_MS);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fired).not.toHaveBeenCalled();
    clearLongTimeout(timer);
  });

  it('fires short delays as setTimeout does', async () => {
    const fired = await new Promise<boolean>((resolve) => setLongTimeout(() => resolve(true), 5));
    expect(fired).toBe(true);
  });
});

describe('engine: long delays', () => {
  it('think=3000000 holds the next burst (it used to go out after 1 ms)', async () => {
    const { doc, requests } = await replayFor('/one think=3000000\n/two\n', {}, 400);
    expect(requests.map((r) => r.url)).toEqual(['/one']);
    expect(doc.run.ended).toBe('interrupted');
  });

  it('--rate=0.0000001 creates the first session and sleeps (it used to spin on 1-ms timers)', async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const { doc } = await replayFor('/a\n', { sessions: 2, arrival: { kind: 'fixed', interval: 1e7 } }, 400);
    expect(spy.mock.calls.length).toBeLessThan(10);
    expect(doc.counters.sessionsCreated).toBe(1);
    expect(doc.run.ended).toBe('interrupted');
  });
});

describe('engine: think=0', () => {
  it('starts each next burst without a timer (one keep-alive connection, 300 bursts)', async () => {
    const text = `${Array.from({ length: 300 }, (_, i) => `/r${i} think=0`).join('\n')}\n`;
    server = await startRecordingServer();
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const doc = await runReplay(options(server.port, {}), parseSessionFile(text, 't.txt'));
    const calls = spy.mock.calls.length;
    spy.mockRestore();
    expect(doc.counters.replies).toBe(300);
    expect(doc.counters.connections).toBe(1);
    expect(server.requests.map((r) => r.url)).toEqual(Array.from({ length: 300 }, (_, i) => `/r${i}`));
    // Only the run's own timers (sampling, watchdog helpers): far fewer than one per burst.
    expect(calls).toBeLessThan(10);
  });
});
