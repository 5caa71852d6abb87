/** `loadgen report`: saved results print the same report; several are merged exactly. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingServer, type RecordingServer } from './helpers/http-server.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'loadgen.js');
const dir = mkdtempSync(join(tmpdir(), 'loadgen-report-'));

function loadgen(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(async () => server.close());

describe('loadgen report', () => {
  it('reprints a saved run and merges two generators exactly', async () => {
    const sessions = join(dir, 's.txt');
    writeFileSync(sessions, '/a\n\t/b\n/c\n');
    const common = ['--server', '127.0.0.1', '--port', String(server.port), `--wsesslog=6,0,${sessions}`, '--rate=30', '-q'];
    const a = await loadgen([...common, '--client', '0/2', '--json', join(dir, 'a.json')]);
    const b = await loadgen([...common, '--client', '1/2', '--json', join(dir, 'b.json')]);
    expect([a.code, b.code]).toEqual([0, 0]);

    const single = await loadgen(['report', join(dir, 'a.json'), '-q']);
    expect(single.code).toBe(0);
    // The saved report is the report the run printed (the echo line aside).
    expect(single.stdout.split('\n').slice(1)).toEqual(a.stdout.split('\n').slice(1));

    const merged = await loadgen(['report', join(dir, 'a.json'), join(dir, 'b.json'), '--json', join(dir, 'm.json')]);
    expect(merged.code).toBe(0);
    expect(merged.stdout).toMatch(/^Total: connections 12 requests 36 replies 36 /m);
    expect(merged.stdout).toMatch(/^Session rate \[sess\/s\]: .*\(12\/12\)$/m);
    const doc = JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8'));
    expect(doc.histograms.replyTime.count).toBe(36);
  });

  it('rejects a broken results file with FILE:LINE:COL and exit 2', async () => {
    writeFileSync(join(dir, 'bad.json'), '{\n  "schemaVersion": 1,\n');
    const { code, stderr } = await loadgen(['report', join(dir, 'bad.json')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/bad\.json:\d+:\d+: invalid JSON/);
  });

  it('needs at least one file', async () => {
    const { code, stderr } = await loadgen(['report']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/at least one results file/);
  });
});
