/**
 * The one output writer (src/util/files.ts): `-` is stdout, devices and FIFOs are written in place
 * (never replaced by a regular file), regular files atomically.
 */
import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/util/files.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loadgen-out-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const isRoot = process.getuid?.() === 0;

describe('writeFileAtomic', () => {
  it('writes `-` to standard output, creating no file named -', () => {
    const module = pathToFileURL(join(process.cwd(), 'dist', 'util', 'files.js')).href;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `import { writeFileAtomic } from '${module}'; await writeFileAtomic('-', 'hello\\n');`], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(out).toBe('hello\n');
    expect(() => lstatSync(join(dir, '-'))).toThrow();
  });

  it('writes into a FIFO in place (the FIFO stays a FIFO)', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo]);
    let got = '';
    reader.stdout.on('data', (chunk: Buffer) => (got += chunk.toString()));
    const closed = new Promise((resolve) => reader.on('close', resolve));
    try {
      await writeFileAtomic(fifo, '{"x":1}\n');
      await closed;
    } finally {
      reader.kill();
    }
    expect(got).toBe('{"x":1}\n');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  }, 10_000);

  it.skipIf(!isRoot)('writes into a character device in place (mknod c 1 3 stays a device)', async () => {
    const device = join(dir, 'fake-null');
    execFileSync('mknod', [device, 'c', '1', '3']);
    await writeFileAtomic(device, 'discarded\n');
    expect(lstatSync(device).isCharacterDevice()).toBe(true);
  });

  it('replaces a regular file atomically and leaves no temporary file', async () => {
    const path = join(dir, 'r.json');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(execFileSync('ls', ['-A', dir], { encoding: 'utf8' }).trim()).toBe('r.json');
  });
});
