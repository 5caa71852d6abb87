import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it, expect } from 'vitest';
import { InputError, UsageError } from '../src/errors.js';
import { readResultsFile, validateResultsDocument, writeResultsFile } from '../src/results/io.js';
import type { ResultsDocument } from '../src/results/schema.js';
import { sample02, sample06 } from './fixtures/report/documents.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loadgen-results-io-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('writeResultsFile / readResultsFile', () => {
  it('round-trips a document as indented JSON', async () => {
    const path = join(dir, 'run.json');
    const doc = sample02();
    await writeResultsFile(path, doc);
    const text = await readFile(path, 'utf8');
    expect(text.startsWith('{\n  "schemaVersion": 1,')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
    expect(await readResultsFile(path)).toEqual(doc);
    expect(await readdir(dir)).toEqual(['run.json']); // no temporary file left behind
  });

  it('replaces an existing file', async () => {
    const path = join(dir, 'run.json');
    await writeResultsFile(path, sample02());
    await writeResultsFile(path, sample06());
    expect((await readResultsFile(path)).counters.connections).toBe(6);
  });

  it('leaves an existing file untouched and no temporary file when the write fails', async () => {
    const path = join(dir, 'run.json');
    await writeFile(path, 'previous content\n');
    const bad = sample02() as unknown as Record<string, unknown>;
    bad.duration = 10n; // JSON.stringify cannot serialise a BigInt
    // A document that cannot be serialised is a bug, not a user error: it surfaces as is.
    const err = await rejection(writeResultsFile(path, bad as unknown as ResultsDocument));
    expect(err).toBeInstanceOf(TypeError);
    expect(await readFile(path, 'utf8')).toBe('previous content\n');
    expect(await readdir(dir)).toEqual(['run.json']);
  });

  it('removes its temporary file when the final rename fails', async () => {
    const path = join(dir, 'taken');
    await mkdir(path);
    await writeFile(join(path, 'keep'), 'x');
    const err = await rejection(writeResultsFile(path, sample02()));
    expect(err).toBeInstanceOf(UsageError);
    expect((await readdir(dir)).sort()).toEqual(['taken']);
    expect(await readdir(path)).toEqual(['keep']);
  });

  it('creates a missing directory', async () => {
    const path = join(dir, 'no', 'such', 'run.json');
    await writeResultsFile(path, sample02());
    expect((await readResultsFile(path)).counters.replies).toBe(sample02().counters.replies);
  });

  it('reports a path it cannot write as a usage error', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'x');
    const err = await rejection(writeResultsFile(join(blocker, 'run.json'), sample02()));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/can't write/);
  });
});

describe('readResultsFile errors', () => {
  async function readText(text: string): Promise<Error> {
    const path = join(dir, 'bad.json');
    await writeFile(path, text);
    return rejection(readResultsFile(path));
  }

  it('a missing file is a usage error', async () => {
    const err = await rejection(readResultsFile(join(dir, 'missing.json')));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(`can't open ${join(dir, 'missing.json')}: no such file or directory`);
  });

  it('bad JSON is reported at the line and column of the syntax error', async () => {
    const err = await readText('{\n  "schemaVersion": 1,\n  "tool": }\n');
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`${join(dir, 'bad.json')}:3:11: invalid JSON: unexpected "}"`);
    const trailing = await readText('{"a": 1,\n "b": [1, 2,]}');
    expect(trailing.message).toMatch(/bad\.json:2:13: invalid JSON: unexpected "\]"$/);
    const garbage = await readText('{"a": 1}\n\n  x');
    expect(garbage.message).toMatch(/bad\.json:3:3: invalid JSON: unexpected "x"$/);
  });

  it('a truncated file is reported at its end', async () => {
    const path = join(dir, 'full.json');
    await writeResultsFile(path, sample02());
    const text = await readFile(path, 'utf8');
    const cut = text.slice(0, 500);
    const lines = cut.split('\n');
    const err = await readText(cut);
    expect(err).toBeInstanceOf(InputError);
    const at = lines.length;
    expect(err.message).toContain(`bad.json:${at}:${lines.at(-1)!.length + 1}: invalid JSON: unexpected end of file`);
  });

  it('rejects an unsupported schemaVersion with its line', async () => {
    const doc = { ...sample02(), schemaVersion: 2 };
    const err = await readText(JSON.stringify(doc, null, 2));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`${join(dir, 'bad.json')}:2: unsupported schemaVersion 2 (this loadgen reads version 1)`);
  });

  it('rejects something that is not a results document', async () => {
    expect((await readText('[1, 2]')).message).toMatch(/bad\.json:0: not a loadgen results document \(expected a JSON object, found an array\)$/);
    expect((await readText('{"hello": 1}')).message).toMatch(/bad\.json:0: not a loadgen results document \(no schemaVersion\)$/);
  });

  it('names a missing field', async () => {
    const doc = sample02() as unknown as { counters: { errors: Record<string, number> } };
    delete doc.counters.errors.other;
    const err = await readText(JSON.stringify(doc, null, 2));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/bad\.json:\d+: missing field counters\.errors\.other$/);
  });

  it('names a field of the wrong type, with its line', async () => {
    const doc = sample02() as unknown as { timeline: Record<string, unknown>[] };
    doc.timeline[1]!.replies = '137';
    const text = JSON.stringify(doc, null, 2);
    const err = await readText(text);
    expect(err).toBeInstanceOf(InputError);
    const lines = text.split('\n');
    const timelineLine = lines.findIndex((line) => line.startsWith('  "timeline"'));
    const expectedLine = lines.findIndex((line, i) => i > timelineLine && line.includes('"replies": "137"')) + 1;
    expect(expectedLine).toBeGreaterThan(0);
    expect(err.message).toBe(`${join(dir, 'bad.json')}:${expectedLine}: timeline[1].replies must be a number, found a string`);
  });

  it('checks enums, array lengths and histogram encodings', () => {
    const ended = { ...sample02(), run: { ...sample02().run, ended: 'crashed' } };
    expect(() => validateResultsDocument(ended, 'f.json')).toThrow(/run\.ended must be one of "completed", "interrupted"/);
    const status = sample02();
    (status.counters as { status: number[] }).status = [1, 2, 3];
    expect(() => validateResultsDocument(status, 'f.json')).toThrow(/counters\.status must have 5 elements, found 3/);
    const hist = sample02() as unknown as { histograms: { replyTime: Record<string, unknown> } };
    delete hist.histograms.replyTime.encoded;
    expect(() => validateResultsDocument(hist, 'f.json')).toThrow(/missing field histograms\.replyTime\.encoded/);
    const nan = sample02();
    nan.duration = Number.NaN;
    expect(() => validateResultsDocument(nan, 'f.json')).toThrow(/duration must be a number, found a non-finite number/);
  });
});
