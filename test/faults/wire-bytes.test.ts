/**
 * One byte-exact path from session file to socket: URIs, headers= values and --server-name go
 * out as the file's (or the argument's) bytes; forbidden URI bytes are refused at FILE:LINE:COL
 * unless --raw-uri-bytes. The fault server records the raw bytes it received.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadgen } from './cli.js';
import { startFaultServer, type FaultServer } from './server.js';
import { tempDir } from './temp.js';

const dir = tempDir('wire');

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function sessionFile(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** The request lines and header lines the server received, as raw byte buffers. */
function receivedLines(s: FaultServer): Buffer[] {
  const all = Buffer.concat(s.received);
  const lines: Buffer[] = [];
  for (let start = 0, end = all.indexOf('\r\n'); end >= 0; start = end + 2, end = all.indexOf('\r\n', start)) lines.push(all.subarray(start, end));
  return lines;
}

describe('bytes on the wire', () => {
  it('sends URIs, headers= values and --server-name as their bytes (UTF-8 and invalid UTF-8 alike)', async () => {
    server = await startFaultServer('ok');
    const path = sessionFile(
      'bytes.txt',
      Buffer.concat([Buffer.from("/caf\u00e9 headers='X-Name: J\u00fcrgen'\n/x\u{1F600}\n/"), Buffer.from([0xe9, 0xff]), Buffer.from('\n')]),
    );
    const run = await loadgen(['--server=127.0.0.1', `--port=${server.port}`, `--wsesslog=1,0,${path}`, '--server-name=h\u00f4te.example', '--timeout=5', '-q']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = receivedLines(server);
    const requestLines = lines.filter((l) => l.subarray(0, 4).toString() === 'GET ');
    expect(requestLines).toEqual([
      Buffer.from('GET /caf\u00e9 HTTP/1.1'),
      Buffer.from('GET /x\u{1F600} HTTP/1.1'),
      Buffer.concat([Buffer.from('GET /'), Buffer.from([0xe9, 0xff]), Buffer.from(' HTTP/1.1')]),
    ]);
    expect(lines).toContainEqual(Buffer.from('X-Name: J\u00fcrgen'));
    expect(lines.filter((l) => l.equals(Buffer.from('Host: h\u00f4te.example')))).toHaveLength(3);
  });

  it('refuses a control byte in a URI with FILE:LINE:COL and exit 2; --raw-uri-bytes sends it', async () => {
    server = await startFaultServer('ok');
    const path = sessionFile('nul.txt', Buffer.from('/ok\n/a\x00b\n'));
    const common = ['--server=127.0.0.1', `--port=${server.port}`, `--wsesslog=1,0,${path}`, '--timeout=5', '-q'];
    const refused = await loadgen(common);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe(`loadgen: ${path}:2:3: URI contains control character 0x00 (not allowed in a request; percent-encode it, or send it as is with --raw-uri-bytes)`);
    expect(server.connections).toBe(0);
    const raw = await loadgen([...common, '--raw-uri-bytes']);
    expect(raw.code).toBe(0);
    expect(receivedLines(server)).toContainEqual(Buffer.from('GET /a\x00b HTTP/1.1'));
  });
});
