/** A damaged sweep document given to the gate names FILE:LINE of the bad field. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { readGateDocument } from '../src/gate/read.js';
import { makeSweepDocument } from './fixtures/gate/documents.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function readError(doc: unknown): Promise<{ err: InputError; text: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'loadgen-gate-read-'));
  dirs.push(dir);
  const file = join(dir, 'sweep.json');
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  await writeFile(file, text);
  const err = await readGateDocument(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return { err: err as InputError, text, file };
}

describe('readGateDocument on sweep documents', () => {
  it('gives the line of the bad target field', async () => {
    const sweep = makeSweepDocument({ sessionRate: 40, replyRate: 200 }, 230);
    const targets = [sweep.targets[0]!, { ...sweep.targets[0]!, saturation: { replyRate: 'x' } }];
    const { err, text, file } = await readError({ ...sweep, targets });
    const lines = text.split('\n');
    const saturationLines = lines.flatMap((l, i) => (l.includes('"saturation"') ? [i + 1] : []));
    expect(saturationLines).toHaveLength(2);
    expect(err.message).toBe(`${file}:${saturationLines[1]}: sweep document: targets[1].saturation.replyRate must be a number`);
  });
});
