import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli.js';
import { makeResultsDocument, makeSweepDocument, spread } from './fixtures/gate/documents.js';
import { junitProblems, parseXml } from './fixtures/gate/xml.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'gate');
const HEALTHY = join(FIXTURES, 'healthy.json');
const SLOW = join(FIXTURES, 'slow.json');
const SWEEP = join(FIXTURES, 'sweep.json');

/** Run the CLI in this process; returns the exit code and what it printed. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await main(['gate', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loadgen-gate-cli-'));
  delete process.env.GITHUB_STEP_SUMMARY;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadgen gate: exit codes', () => {
  it('0 when every gate passes', async () => {
    const r = await cli(HEALTHY, '--assert', 'response_time.p99 < 50ms', '--assert', 'reply_rate >= 0.95*target', '--assert', 'errors == 0');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Gates: 3 passed, 0 failed -> PASSED');
    expect(r.stderr).toBe('');
  });

  it('1 when a gate fails, with the table on stdout', async () => {
    const r = await cli(SLOW, '--assert', 'response_time.p99 < 50ms', '--assert', 'error_rate < 1%', '--assert', 'connect_time.p99 < 10ms');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/response_time\.p99 < 50ms\s+\d+(\.\d+)? ms\s+< 50 ms\s+FAIL/);
    expect(r.stdout).toMatch(/connect_time\.p99 < 10ms\s+[\d.]+ ms\s+< 10 ms\s+pass/);
    expect(r.stdout).toContain('Gates: 1 passed, 2 failed -> FAILED');
  });

  it('2 for a malformed expression, naming the valid metrics, before reading any file', async () => {
    const r = await cli(join(dir, 'does-not-exist.json'), '--assert', 'p99 < 50ms');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^loadgen: invalid assertion 'p99 < 50ms': unknown metric 'p99'.*valid metrics: reply_rate, /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('2 without any gate, without a file, for a missing file and for a bad results file', async () => {
    expect((await cli(HEALTHY)).stderr).toContain('no gate given');
    expect((await cli('--assert', 'errors == 0')).code).toBe(2);
    const missing = await cli(join(dir, 'nope.json'), '--assert', 'errors == 0');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/can't open .*nope\.json/);
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{\n  "schemaVersion": 1,\n  "tool": }\n');
    const bad = await cli(broken, '--assert', 'errors == 0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/broken\.json:3:\d+: invalid JSON/);
  });

  it('2 for --baseline without --max-regression and the reverse', async () => {
    expect((await cli(HEALTHY, '--baseline', HEALTHY)).stderr).toContain('--baseline needs at least one --max-regression');
    expect((await cli(HEALTHY, '--max-regression', 'reply_rate=-5%')).stderr).toContain('--max-regression needs --baseline');
  });

  it('2 when a gate cannot be evaluated on the document', async () => {
    const r = await cli(HEALTHY, '--assert', 'knee > 10');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('knee: only in a sweep document');
  });
});

describe('loadgen gate: baselines', () => {
  it('fails a regression against a faster baseline and passes the reverse direction', async () => {
    const worse = await cli(SLOW, '--baseline', HEALTHY, '--max-regression', 'response_time.p99=+10%', '--max-regression', 'reply_rate=-5%');
    expect(worse.code).toBe(1);
    expect(worse.stdout).toMatch(/response_time\.p99=\+10% vs baseline .*FAIL/);
    expect(worse.stdout).toMatch(/reply_rate=-5% vs baseline .*FAIL/);
    const better = await cli(HEALTHY, '--baseline', SLOW, '--max-regression', 'response_time.p99=+10%', '--max-regression', 'reply_rate=-5%');
    expect(better.code).toBe(0);
  });

  it('gates several results files on their medians', async () => {
    const r = await cli(HEALTHY, SLOW, HEALTHY, '--assert', 'response_time.p99 < 50ms');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('median of 3 runs');
  });
});

describe('loadgen gate: sweeps, config and reports', () => {
  it('gates a sweep document on knee and saturation', async () => {
    expect((await cli(SWEEP, '--assert', 'knee >= 30', '--assert', 'saturation >= 200/s')).code).toBe(0);
    expect((await cli(SWEEP, '--assert', 'knee >= 50')).code).toBe(1);
  });

  it('reads asserts, baseline and reports from a YAML config shared with the replay command', async () => {
    const junit = join(dir, 'out', 'gates.xml');
    const config = join(dir, 'loadgen.yml');
    await writeFile(config, [
      'server: 127.0.0.1',
      'wsesslog: 10,0,sessions/demo.log',
      'rate: 20',
      // Keys only the replay command has (issue 12: `workers` used to be "Unknown argument").
      'workers: 2',
      'html: run.html',
      'num-conns: 5',
      'assert:',
      '  - response_time.p99 < 50ms',
      '  - error_rate < 1%',
      `baseline: ${JSON.stringify(HEALTHY)}`,
      'max-regression:',
      '  - response_time.p99=+10%',
      `junit: ${JSON.stringify(junit)}`,
    ].join('\n'));
    const passed = await cli(HEALTHY, '--config', config);
    expect(passed.code).toBe(0);
    expect(passed.stdout).toContain('Gates: 3 passed');
    const failed = await cli(SLOW, '--config', config);
    expect(failed.code).toBe(1);
    const root = parseXml(await readFile(junit, 'utf8'));
    expect(junitProblems(root)).toEqual([]);
    expect(root.children[0]!.attributes).toMatchObject({ tests: '3', failures: '3' });
  });

  it('rejects a misspelt option in the config and a config with bad YAML', async () => {
    const typo = join(dir, 'typo.yml');
    await writeFile(typo, 'asert: [errors == 0]\n');
    const r = await cli(HEALTHY, '--config', typo);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('asert');
    const bad = join(dir, 'bad.yml');
    await writeFile(bad, 'assert:\n  - a\n - b\n');
    const r2 = await cli(HEALTHY, '--config', bad);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/bad\.yml:3:\d+: invalid YAML/);
  });

  it('checks the types of gate options in the config, as the replay does', async () => {
    const wrong = join(dir, 'wrong.yml');
    await writeFile(wrong, 'workers: 2\nallow-partial: "no"\n');
    const r = await cli(HEALTHY, '--config', wrong, '--assert', 'errors == 0');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/wrong\.yml:2:\d+: option "allow-partial" must be true or false/);
    expect(r.stderr).not.toContain('    at ');
  });

  it('writes Markdown to --markdown and to GITHUB_STEP_SUMMARY', async () => {
    const markdown = join(dir, 'gates.md');
    const summary = join(dir, 'summary.md');
    process.env.GITHUB_STEP_SUMMARY = summary;
    try {
      expect((await cli(SLOW, '--assert', 'response_time.p99 < 50ms', '--markdown', markdown)).code).toBe(1);
    } finally {
      delete process.env.GITHUB_STEP_SUMMARY;
    }
    const text = await readFile(markdown, 'utf8');
    expect(text).toContain(':x: FAILED');
    expect(await readFile(summary, 'utf8')).toBe(`${text}\n`);
  });

  it('lists the metrics', async () => {
    const r = await cli('--list-metrics');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^response_time\.p99\s+time\s+us ms s\s+/m);
    expect(r.stdout).toMatch(/^knee\s+rate/m);
  });
});

describe('fixture documents', () => {
  it('match what the builder produces (regenerate them with the builder if the schema changes)', async () => {
    const stored = JSON.parse(await readFile(HEALTHY, 'utf8'));
    const built = makeResultsDocument({ samplesMs: { responseTime: spread(100, 2, 12) } });
    expect(Object.keys(stored).sort()).toEqual(Object.keys(built).sort());
    expect(JSON.parse(await readFile(SWEEP, 'utf8')).kind).toBe(makeSweepDocument(null, 1).kind);
  });
});
