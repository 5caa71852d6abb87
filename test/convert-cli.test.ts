/** `loadgen convert` on the command line: files, gzip, rotated logs, stdout, exit codes, messages. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli.js';
import { parseSessionFile } from '../src/session/parse.js';

const FIXTURES = new URL('./fixtures/logs/', import.meta.url).pathname;
let dir: string;
let stderr: string;
let stdout: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'convert-cli-'));
  stderr = '';
  stdout = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
    stderr += String(chunk);
    return true;
  });
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown, ...rest: unknown[]) => {
    stdout += String(chunk);
    const callback = rest.find((r) => typeof r === 'function') as ((err?: Error) => void) | undefined;
    callback?.();
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

describe('loadgen convert (CLI)', () => {
  it('writes -o atomically, prints the profile and writes --profile-json', async () => {
    const out = join(dir, 'out.txt');
    const code = await main(['convert', `${FIXTURES}elastic-excerpt.log`, '-o', out, '--profile-json', join(dir, 'p.json'), '--exclude-bots']);
    expect(code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('# options: --format auto --client-key ip+ua --idle-timeout 1800');
    expect(text).toContain('--exclude-bots');
    const parsed = parseSessionFile(text, out);
    const profile = JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8'));
    expect(parsed.templates.length).toBe(profile.sessions.written);
    expect(profile.unparseable['unterminated quoted field'].examples[0]).toMatch(/elastic-excerpt\.log:65$/);
    expect(profile.filtered['bot user agent (--exclude-bots)'].count).toBeGreaterThan(0);
    expect(stderr).toContain('loadgen convert: workload profile');
    expect(stderr).toMatch(/replay at today's peak \(1x\): loadgen --server HOST --wsesslog=\d+,0,.*out\.txt --rate=/);
    expect(existsSync(join(dir, `.${process.pid}.loadgen-convert.tmp`))).toBe(false);
  });

  it('reads .gz transparently and orders rotated files by time', async () => {
    const lines = readFileSync(`${FIXTURES}nasa-excerpt.log`, 'utf8').trimEnd().split('\n');
    writeFileSync(join(dir, 'access.log.1.gz'), gzipSync(`${lines.slice(0, 40).join('\n')}\n`));
    writeFileSync(join(dir, 'access.log'), `${lines.slice(40).join('\n')}\n`);
    const whole = join(dir, 'whole.txt');
    const rotated = join(dir, 'rotated.txt');
    expect(await main(['convert', `${FIXTURES}nasa-excerpt.log`, '-o', whole, '-q'])).toBe(0);
    expect(await main(['convert', join(dir, 'access.log'), join(dir, 'access.log.1.gz'), '-o', rotated, '-q'])).toBe(0);
    const body = (path: string) => readFileSync(path, 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('\n');
    expect(body(rotated)).toBe(body(whole));
    const header = readFileSync(rotated, 'utf8');
    expect(header.indexOf('access.log.1.gz')).toBeLessThan(header.indexOf('access.log (40 lines)'));
  });

  it('detects the format of each file on its own (a common and a combined log together)', async () => {
    const both = join(dir, 'both.txt');
    const profile = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));
    const nasa = `${FIXTURES}nasa-excerpt.log`;
    const elastic = `${FIXTURES}elastic-excerpt.log`;
    expect(await main(['convert', nasa, '-q', '-o', join(dir, 'n.txt'), '--profile-json', join(dir, 'n.json')])).toBe(0);
    expect(await main(['convert', elastic, '-q', '-o', join(dir, 'e.txt'), '--profile-json', join(dir, 'e.json')])).toBe(0);
    // The combined log first: its format must not be used for the common one (nor the other way).
    for (const order of [[elastic, nasa], [nasa, elastic]]) {
      expect(await main(['convert', ...order, '-q', '-o', both, '--profile-json', join(dir, 'b.json')])).toBe(0);
      const [n, e, b] = [profile('n.json'), profile('e.json'), profile('b.json')];
      expect(b.lines.used).toBe(n.lines.used + e.lines.used);
      expect(b.lines.unparseable).toBe(n.lines.unparseable + e.lines.unparseable);
      expect(b.unparseable['line does not match the format']).toBeUndefined();
      expect(b.format).toBe(`common (detected) for ${nasa}; combined (detected) for ${elastic}`);
      expect(b.sessions.written).toBe(n.sessions.written + e.sessions.written);
      expect(readFileSync(both, 'utf8')).toContain(`# format: common (detected) for ${nasa}; combined (detected) for ${elastic}`);
    }
  });

  it('writes to stdout without -o', async () => {
    expect(await main(['convert', `${FIXTURES}nasa-excerpt.log`, '--quiet'])).toBe(0);
    expect(stdout).toMatch(/^# wsesslog session file written by loadgen convert/);
    expect(stdout).toContain('--wsesslog=14,0,SESSIONS.txt');
    expect(stderr).toBe('');
  });

  it('--strict stops at the first bad line with FILE:LINE and exit 2', async () => {
    const bad = join(dir, 'bad.log');
    writeFileSync(bad, `${readFileSync(`${FIXTURES}nasa-excerpt.log`, 'utf8').split('\n').slice(0, 3).join('\n')}\nthis is not a log line\n`);
    expect(await main(['convert', bad, '--format', 'common', '--strict', '-o', join(dir, 'o.txt')])).toBe(2);
    expect(stderr).toMatch(new RegExp(`^loadgen: ${bad.replace(/[.]/g, '\\.')}:4:\\d+: `));
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'o.txt'))).toBe(false);
  });

  it('a log with no usable line is an error and writes no file', async () => {
    const junk = join(dir, 'junk.log');
    writeFileSync(junk, 'nothing here\n');
    const out = join(dir, 'o.txt');
    expect(await main(['convert', junk, '--format', 'common', '-o', out])).toBe(2);
    expect(stderr).toContain(`loadgen: convert: no usable line in ${junk}: 1 lines read (1 line does not match the format)`);
    expect(existsSync(out)).toBe(false);
  });

  it('bad options and missing files are one-line usage errors', async () => {
    expect(await main(['convert', join(dir, 'missing.log')])).toBe(2);
    expect(stderr).toContain(`loadgen: convert: can't open ${join(dir, 'missing.log')}: no such file or directory`);
    stderr = '';
    expect(await main(['convert', `${FIXTURES}nasa-excerpt.log`, '--methods', 'CONNECT'])).toBe(2);
    expect(stderr).toContain('--methods CONNECT: cannot be replayed');
    stderr = '';
    expect(await main(['convert', `${FIXTURES}nasa-excerpt.log`, '--format', '%h %Q'])).toBe(2);
    expect(stderr).toContain('unknown directive %Q');
    stderr = '';
    expect(await main(['convert', `${FIXTURES}nasa-excerpt.log`, '--sample', '2'])).toBe(2);
    expect(stderr).toContain('--sample must be a fraction');
    stderr = '';
    expect(await main(['convert', `${FIXTURES}nasa-excerpt.log`, '--idle-timeout', 'soon'])).toBe(2);
    expect(stderr).toContain('--idle-timeout must be a duration');
  });

  it('accepts durations with units and JSON field mappings', async () => {
    const json = join(dir, 'app.jsonl');
    writeFileSync(json, '{"ip":"::1","ts":"2024-01-02T10:00:00Z","path":"/a","verb":"GET"}\n{"ip":"::1","ts":"2024-01-02T10:40:00Z","path":"/b","verb":"GET"}\n');
    const out = join(dir, 'j.txt');
    expect(await main(['convert', json, '--format', 'json', '--field', 'client=ip', '--field', 'time=ts', '--field', 'uri=path', '--idle-timeout', '1h', '-o', out, '-q'])).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('/a think=2400\n/b\n');
  });
});
