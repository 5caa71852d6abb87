/** --ssl: certificates are verified unless --insecure. */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReplay } from '../src/engine/run.js';
import { DEFAULT_REPLAY_OPTIONS, type ReplayOptions } from '../src/options.js';
import { parseSessionFile } from '../src/session/parse.js';

const TLS = join(import.meta.dirname, 'fixtures', 'tls');
let server: https.Server;
let port = 0;
const seen: string[] = [];

beforeAll(async () => {
  server = https.createServer({ key: readFileSync(join(TLS, 'key.pem')), cert: readFileSync(join(TLS, 'cert.pem')) }, (req, res) => {
    seen.push(req.url ?? '');
    res.end('secure');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function options(overrides: Partial<ReplayOptions>): ReplayOptions {
  return { ...DEFAULT_REPLAY_OPTIONS, server: '127.0.0.1', port, ssl: true, sessionFile: 't.txt', sessions: 2, thinkTime: 0, arrival: { kind: 'fixed', interval: 0.05 }, timeout: 5, ...overrides };
}

describe('engine over TLS', () => {
  it('refuses a certificate it cannot verify, counting the failure', async () => {
    const doc = await runReplay(options({}), parseSessionFile('/a\n', 't.txt'));
    expect(doc.counters.sessionsFailed).toBe(2);
    expect(doc.counters.replies).toBe(0);
    expect(doc.counters.errors.other).toBe(2);
  });

  it('replays over TLS with --insecure, pipelining a burst on one connection', async () => {
    seen.length = 0;
    const doc = await runReplay(options({ insecure: true }), parseSessionFile('/a\n\t/b\n\t/c\n/d\n', 't.txt'));
    expect(doc.counters.sessionsSucceeded).toBe(2);
    expect(doc.counters.replies).toBe(8);
    expect(doc.counters.connections).toBe(2);
    expect(seen.sort()).toEqual(['/a', '/a', '/b', '/b', '/c', '/c', '/d', '/d']);
  });
});
