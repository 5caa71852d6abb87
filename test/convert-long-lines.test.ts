/**
 * Hostile input for `loadgen convert`: lines without an end (megabytes with no LF, from stdin,
 * gzip or a plain file, and a gzip file of zeros) are read in linear time and reported as one
 * "line too long" each, in their place in the line numbering. The CLI runs in a subprocess with a
 * generous timeout: the assertions are on counts and messages, never on time.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES, peekLines, readBlocks } from '../src/convert/read.js';

const ROOT = new URL('..', import.meta.url).pathname;
const FIXTURES = new URL('./fixtures/logs/', import.meta.url).pathname;
/** Two real lines: one before and one after the long line. */
const [BEFORE, AFTER] = readFileSync(`${FIXTURES}nasa-excerpt.log`, 'utf8').split('\n');
/** Far above what these conversions need on a loaded 2-core machine; the old code took minutes. */
const TIMEOUT_MS = 90_000;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'convert-long-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stderr: string;
  profile: { lines: { read: number; used: number; unparseable: number }; unparseable: Record<string, { count: number; examples: string[] }> } | undefined;
}

/** `loadgen convert ARGS -q --profile-json` in a subprocess, with `stdin` piped in when given. */
async function convert(args: string[], stdin?: Buffer): Promise<Run> {
  const profilePath = join(dir, 'profile.json');
  rmSync(profilePath, { force: true });
  const child = spawn(process.execPath, ['bin/loadgen.js', 'convert', ...args, '-q', '-o', join(dir, 'out.txt'), '--profile-json', profilePath], {
    cwd: ROOT,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdin.on('error', () => undefined);
  child.stdin.end(stdin);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const profile = existsSync(profilePath) ? JSON.parse(readFileSync(profilePath, 'utf8')) : undefined;
  return { code, stderr, profile };
}

/** A real line, `bytes` of `fill` without a LF, then another real line. */
function sandwich(bytes: number, fill = 'a'): Buffer {
  return Buffer.concat([Buffer.from(`${BEFORE}\n`), Buffer.alloc(bytes, fill), Buffer.from(`\n${AFTER}\n`)]);
}

function expectOneLongLine(run: Run, where: string): void {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.profile!.lines).toMatchObject({ read: 3, used: 2, unparseable: 1 });
  expect(run.profile!.unparseable['line too long']).toEqual({ count: 1, examples: [where] });
}

describe('lines without an end', () => {
  it(
    '10 MB without a LF on stdin is one "line too long" between two used lines',
    async () => {
      expectOneLongLine(await convert(['-'], sandwich(10_000_000)), 'stdin:2');
    },
    TIMEOUT_MS,
  );

  it(
    '30 MB without a LF in a .gz file and in a plain file',
    async () => {
      const bytes = sandwich(30_000_000);
      writeFileSync(join(dir, 'long.log.gz'), gzipSync(bytes, { level: 1 }));
      expectOneLongLine(await convert([join(dir, 'long.log.gz')]), `${join(dir, 'long.log.gz')}:2`);
      writeFileSync(join(dir, 'long.log'), bytes);
      expectOneLongLine(await convert([join(dir, 'long.log')]), `${join(dir, 'long.log')}:2`);
    },
    TIMEOUT_MS,
  );

  it(
    'a 300 KB .gz of zeros is one line too long and no usable line (exit 2, one message)',
    async () => {
      const zeros = join(dir, 'zeros.gz');
      const megabyte = Buffer.alloc(1 << 20);
      await pipeline(
        Readable.from((function* () { for (let i = 0; i < 300; i++) yield megabyte; })()),
        createGzip({ level: 9 }),
        createWriteStream(zeros),
      );
      expect(statSync(zeros).size).toBeLessThan(400_000);
      const run = await convert([zeros]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`loadgen: convert: no usable line in ${zeros}: 1 lines read (1 line too long)\n`);
      expect(run.profile!.unparseable['line too long']!.count).toBe(1);
    },
    TIMEOUT_MS,
  );

  it(
    '--strict names the file and line of a line too long',
    async () => {
      const run = await convert(['-', '--strict'], sandwich(MAX_LINE_BYTES + 1));
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`loadgen: stdin:2: line too long: ${MAX_LINE_BYTES + 1} bytes, more than the ${MAX_LINE_BYTES} a line may have\n`);
    },
    TIMEOUT_MS,
  );
});

describe('the block reader at the line cap', () => {
  it('keeps a line of exactly MAX_LINE_BYTES and reports longer ones with their length, in order', async () => {
    const kept = 'k'.repeat(MAX_LINE_BYTES);
    const text = `a\n${kept}\n${'x'.repeat(MAX_LINE_BYTES + 1)}\nb\n${'y'.repeat(3 * MAX_LINE_BYTES)}\nc\n${'z'.repeat(MAX_LINE_BYTES + 5)}`;
    const plain = join(dir, 'cap.log');
    writeFileSync(plain, text);
    writeFileSync(`${plain}.gz`, gzipSync(text));
    for (const path of [plain, `${plain}.gz`]) {
      const events: string[] = [];
      let blocks = '';
      await readBlocks(path, {
        block: (block) => {
          blocks += block;
          for (const line of block.split('\n')) if (line.length > 0) events.push(line.length > 1 ? `kept ${line.length}` : line);
        },
        longLine: (bytes) => events.push(`long ${bytes}`),
      });
      expect(events).toEqual(['a', `kept ${MAX_LINE_BYTES}`, `long ${MAX_LINE_BYTES + 1}`, 'b', `long ${3 * MAX_LINE_BYTES}`, 'c', `long ${MAX_LINE_BYTES + 5}`]);
      expect(blocks).toBe(`a\n${kept}\nb\nc\n`);
    }
  });
});

describe('peeking at the first lines', () => {
  it.skipIf(!existsSync('/proc/self/fd'))('closes the file when it stops early (plain and gzip)', async () => {
    // Both larger than the 64 KB peekLines reads: it stops before the end of the input.
    const text = `${randomBytes(400_000).toString('base64').replace(/(.{100})/g, '$1\n')}\n`;
    const plain = join(dir, 'peek.log');
    const gzip = join(dir, 'peek.log.gz');
    writeFileSync(plain, text);
    writeFileSync(gzip, gzipSync(text));
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    for (let i = 0; i < 10; i++) {
      expect(await peekLines(plain, 3)).toHaveLength(3);
      expect(await peekLines(gzip, 3)).toHaveLength(3);
    }
    // Closing is asynchronous: give the streams a moment to finish.
    for (let wait = 0; wait < 50 && open() > before; wait++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(open()).toBe(before);
  });
});
