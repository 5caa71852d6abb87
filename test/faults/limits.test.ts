/**
 * Faults of the generator's own machine and of TLS: running out of file descriptors (attempts
 * without a socket are not connections, as in httperf) and refused certificates (the reason is
 * printed, not only "other").
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stallNoticeText } from '../../src/engine/stall.js';
import { BIN, run } from './cli.js';
import { startFaultServer, type FaultServer } from './server.js';
import { tempDir } from './temp.js';

const TLS = join(import.meta.dirname, '..', 'fixtures', 'tls');
const dir = tempDir('limits');

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('out of file descriptors', () => {
  it('fd-unavail attempts are errors, not connections (ulimit -n 64, 150 sessions held open)', async () => {
    server = await startFaultServer('stall');
    const sessions = join(dir, 'one.txt');
    writeFileSync(sessions, '/a\n');
    const json = join(dir, 'fd.json');
    const args = [`--server=127.0.0.1`, `--port=${server.port}`, `--wsesslog=150,0,${sessions}`, '--rate=2000', '--timeout=1', '-q', `--json=${json}`];
    const result = await run('bash', ['-c', `ulimit -n 64 && exec "$0" "$@"`, process.execPath, BIN, ...args]);
    expect(result.code).not.toBe(2);
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    const c = doc.counters;
    expect(c.errors.fdUnavail).toBeGreaterThan(0);
    // Every counted connection got a socket and connected (loopback); the rest are fd-unavail.
    expect(c.connections).toBe(c.connected);
    expect(c.connections + c.errors.fdUnavail).toBe(150);
    expect(c.connections).toBe(server.connections);
    expect(result.stdout).toMatch(new RegExp(`^Total: connections ${c.connections} `, 'm'));
  });
});

describe('TLS failures say why', () => {
  let tlsServer: https.Server | undefined;
  afterEach(async () => {
    tlsServer?.closeAllConnections();
    if (tlsServer) await new Promise((resolve) => tlsServer!.close(resolve));
    tlsServer = undefined;
  });

  async function startTls(prefix = ''): Promise<number> {
    const pem = (name: string) => readFileSync(join(TLS, `${prefix}${name}.pem`));
    tlsServer = https.createServer({ key: pem('key'), cert: pem('cert') }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => tlsServer!.listen(0, '127.0.0.1', resolve));
    return (tlsServer.address() as AddressInfo).port;
  }

  it('self-signed certificate: the report names the reason', async () => {
    const port = await startTls();
    const sessions = join(dir, 'tls.txt');
    writeFileSync(sessions, '/a\n');
    const result = await run(process.execPath, [BIN, '--server=127.0.0.1', `--port=${port}`, '--ssl', `--wsesslog=2,0,${sessions}`, '--timeout=5', '-q']);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('Errors: TLS handshake failed 2x: DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate');
  });

  it('trusted certificate, wrong host name: the report names the host name mismatch', async () => {
    const port = await startTls();
    const sessions = join(dir, 'tls.txt');
    writeFileSync(sessions, '/a\n');
    const args = [BIN, '--server=127.0.0.1', `--port=${port}`, '--ssl', '--server-name=wrong.example', `--wsesslog=1,0,${sessions}`, '--timeout=5', '-q'];
    const result = await run(process.execPath, args, { NODE_EXTRA_CA_CERTS: join(TLS, 'cert.pem') });
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/Errors: TLS handshake failed 1x: ERR_TLS_CERT_ALTNAME_INVALID: Host: wrong\.example\. is not in the cert's altnames: DNS:localhost/);
  });

  it('trusted certificate without an IP SAN, reached by IP: the report says the IP is not in it', async () => {
    const port = await startTls('dns-only-');
    const sessions = join(dir, 'tls.txt');
    writeFileSync(sessions, '/a\n');
    const args = [BIN, '--server=127.0.0.1', `--port=${port}`, '--ssl', `--wsesslog=1,0,${sessions}`, '--timeout=5', '-q'];
    const result = await run(process.execPath, args, { NODE_EXTRA_CA_CERTS: join(TLS, 'dns-only-cert.pem') });
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/Errors: TLS handshake failed 1x: ERR_TLS_CERT_ALTNAME_INVALID: IP: 127\.0\.0\.1 is not in the cert's list/);
  });
});

describe('--timeout 0 against a stalled server', () => {
  it('waits (httperf semantics) but says so once on stderr after a quiet time', async () => {
    server = await startFaultServer('stall');
    const sessions = join(dir, 'stall.txt');
    writeFileSync(sessions, '/a\n');
    const child = spawn(process.execPath, [BIN, '--server=127.0.0.1', `--port=${server.port}`, `--wsesslog=2,0,${sessions}`, '--rate=100', '-q'], {
      env: { ...process.env, LOADGEN_STALL_NOTICE_SECONDS: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Stop it (as a user would, with Ctrl-C) well after the notice: the quiet time is 1 s, checked every 250 ms.
    const stopper = setTimeout(() => child.kill('SIGINT'), 3500);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(stopper);
    const notices = stderr.split('\n').filter((line) => line.includes('--timeout is 0'));
    expect(notices).toEqual([`loadgen: ${stallNoticeText(1)}`]);
    expect(server.requests).toBe(2);
    expect(code).not.toBeNull();
  });
});
