/**
 * The replay command as a user runs it: the built CLI in a child process. Bad input exits 2
 * with one line naming the problem (FILE:LINE:COL for session files) and never a stack trace.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingServer, type RecordingServer } from './helpers/http-server.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'loadgen.js');
const dir = mkdtempSync(join(tmpdir(), 'loadgen-cli-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

function loadgen(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(async () => server.close());

describe('loadgen replay: bad input exits 2 with one clear line', () => {
  const ok = file('ok.txt', '/a\n');
  const cases: Array<[string, string[], RegExp]> = [
    ['N=0 (httperf hangs)', [`--wsesslog=0,1,${ok}`], /number of sessions must be a whole number > 0/],
    ['non-numeric think time', [`--wsesslog=1,abc,${ok}`], /think time must be a number/],
    ['missing session file', [`--wsesslog=1,0,${join(dir, 'missing.txt')}`], /can't open .*missing\.txt: no such file/],
    ['negative rate', [`--wsesslog=1,0,${ok}`, '--rate=-1'], /--rate must be a number per second >= 0, not '-1'/],
    ['negative period', [`--wsesslog=1,0,${ok}`, '--period=e-1'], /--period=e-1/],
    ['empty session file', [`--wsesslog=1,0,${file('empty.txt', '')}`], /empty\.txt:1:1: no requests/],
    ['comments only', [`--wsesslog=1,0,${file('comments.txt', '# nothing\n# here\n')}`], /comments\.txt:1:1: no requests/],
    ['unknown attribute', [`--wsesslog=1,0,${file('attr.txt', '/a\n/b foo=bar\n')}`], /attr\.txt:2:4: unknown attribute/],
    ['bad number', [`--wsesslog=1,0,${file('think.txt', '/a think=0.3abc\n')}`], /think\.txt:1:\d+: bad think time/],
    ['unterminated quote', [`--wsesslog=1,0,${file('quote.txt', "/a method=POST contents='abc\n")}`], /quote\.txt:1:\d+: .*quote/],
    ['unknown option', [`--wsesslog=1,0,${ok}`, '--bogus'], /unrecognized option '--bogus'/],
    // No workload option is httperf's default workload (one connection, one call), not an error.
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const { code, stderr } = await loadgen(['--server', '127.0.0.1', '--port', String(server.port), ...args]);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    });
  }
});

describe('loadgen replay: a run', () => {
  it('prints the echo line, the httperf report and the percentiles, and writes --json and --hgrm', async () => {
    const sessions = file('two.txt', '/a\n\t/b\n/c\n');
    const json = join(dir, 'r.json');
    const hgrm = join(dir, 'r.hgrm');
    const { code, stdout } = await loadgen(['--server', '127.0.0.1', '--port', String(server.port), `--wsesslog=4,0,${sessions}`, '--rate=20', '--json', json, '--hgrm', hgrm]);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^loadgen .*--rate=20 .*--wsesslog=4,0\.000,/);
    expect(stdout).toMatch(/^Total: connections 4 requests 12 replies 12 test-duration \d+\.\d{3} s$/m);
    expect(stdout).toMatch(/^Reply status: 1xx=0 2xx=12 3xx=0 4xx=0 5xx=0$/m);
    expect(stdout).toMatch(/^Session rate \[sess\/s\]: .*\(4\/4\)$/m);
    expect(stdout).toMatch(/^Session length histogram: 0 0 0 4$/m);
    expect(stdout).toMatch(/p99\.99/);
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    expect(doc.schemaVersion).toBe(1);
    expect(doc.counters.replies).toBe(12);
    expect(doc.histograms.replyTime.count).toBe(12);
    expect(readFileSync(hgrm, 'utf8')).toMatch(/Value\s+Percentile\s+TotalCount/);
  });

  it('prints only the report with --quiet', async () => {
    const sessions = file('one.txt', '/a\n');
    const { code, stdout } = await loadgen(['--server', '127.0.0.1', '--port', String(server.port), `--wsesslog=1,0,${sessions}`, '--quiet']);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/p99\.99/);
    expect(stdout.trim().split('\n').at(-1)).toMatch(/^Session length histogram:/);
  });

  it('warns about options httperf ignores in wsesslog mode', async () => {
    const sessions = file('one2.txt', '/a\n');
    const { code, stderr } = await loadgen(['--server', '127.0.0.1', '--port', String(server.port), `--wsesslog=1,0,${sessions}`, '--num-calls=10']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/--num-calls is ignored in --wsesslog mode/);
  });

  it('spreads a run over --workers processes and merges their results exactly', async () => {
    const sessions = file('w.txt', '/a\n\t/b\n/c\n');
    const before = server.requests.length;
    const json = join(dir, 'w.json');
    const { code, stdout } = await loadgen(['--server', '127.0.0.1', '--port', String(server.port), `--wsesslog=5,0,${sessions}`, '--rate=50', '--workers', '2', '--json', json, '-q']);
    expect(code).toBe(0);
    expect(server.requests.length - before).toBe(15);
    expect(stdout).toMatch(/^Total: connections 5 requests 15 replies 15 /m);
    expect(stdout).toMatch(/^Session rate \[sess\/s\]: .*\(5\/5\)$/m);
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    expect(doc.run.options.sessions).toBe(5);
    expect(doc.run.targetSessionRate).toBeCloseTo(50, 6);
    expect(doc.histograms.replyTime.count).toBe(15);
  });
});
