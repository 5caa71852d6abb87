/**
 * The fast path of `loadgen convert`: lines parsed in place inside latin1 blocks (read.ts
 * BlockSplitter, Converter.pushBlock, LineParser.parseRange), pooled records, the run+heap
 * reorder window, the time caches and the string caches. Each must give exactly what the
 * line-by-line path gives.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Converter } from '../src/convert/convert.js';
import { resolveFormat } from '../src/convert/formats/index.js';
import { ClfTimeParser } from '../src/convert/formats/time.js';
import { RecentStrings, StringInterner, ownCopy } from '../src/convert/intern.js';
import { convertOptions, type ConvertOptions } from '../src/convert/options.js';
import { BlockSplitter, readBlocks } from '../src/convert/read.js';
import { ParseFailure, emptyRecord, type LogRecord } from '../src/convert/record.js';
import { ReorderWindow } from '../src/convert/reorder.js';

const FIXTURES = new URL('./fixtures/logs/', import.meta.url).pathname;

/** A log with what the block path must get right: non-ASCII lines, CRLF, blank and bad lines. */
const ODD_LOG = [
  '10.0.0.1 - - [02/Jan/2024:10:00:00 +0000] "GET /caf\u00e9 HTTP/1.1" 200 5 "-" "Agent \u00e9\u20ac"',
  '10.0.0.1 - - [02/Jan/2024:10:00:01 +0000] "GET /a.css HTTP/1.1" 200 5 "http://x/caf%C3%A9" "Agent \u00e9\u20ac"\r',
  '',
  '   ',
  'not a log line at all',
  '10.0.0.2 - - [02/Jan/2024:10:00:02 +0100] "GET /p?q=\u00fc\u00f1\u00ee HTTP/1.1" 404 5 "-" "curl/8"',
  '10.0.0.2 - - [02/Jan/2024:10:00:03 +0000] "POST /form HTTP/1.1" 303 0 "-" "curl/8"',
  '10.0.0.3 - - [02/Jan/2024:10:00:04.250 -0530] "GET / HTTP/1.1" 200 5 "-" "-"',
  '10.0.0.3 - - [02/Jan/2024:09:59:00 +0000] "GET /late HTTP/1.1" 200 5 "-" "-"',
  '10.0.0.1 - - [02/Jan/2024:10:40:00 +0000] "GET /again HTTP/1.1" 200 5 "-" "Agent \u00e9\u20ac"',
].join('\n');

interface Outcome {
  text: string;
  profile: unknown;
}

function run(feed: (converter: Converter, file: number) => void, options: Partial<ConvertOptions> = {}): Outcome {
  const parts: string[] = [];
  const converter = new Converter(convertOptions({ reorderWindow: 10, ...options }), (text) => parts.push(text));
  const file = converter.beginSource('t.log');
  feed(converter, file);
  const summary = converter.finish('out.txt', []);
  const profile = { ...summary.profile, maxRssBytes: 0 };
  return { text: summary.header + parts.join(''), profile };
}

/** The reference: every line decoded from UTF-8 on its own and pushed one by one. */
function byLines(log: string, options: Partial<ConvertOptions> = {}): Outcome {
  return run((converter, file) => {
    const lines = log.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    lines.forEach((line, i) => converter.pushLine(line.endsWith('\r') ? line.slice(0, -1) : line, file, i + 1));
  }, options);
}

/** The block path: the UTF-8 bytes cut into chunks of `sizes` bytes and fed through BlockSplitter. */
async function byBlocks(log: string, sizes: readonly number[], options: Partial<ConvertOptions> = {}): Promise<Outcome> {
  const bytes = Buffer.from(log, 'utf8');
  const blocks: Array<[string, boolean]> = [];
  const splitter = new BlockSplitter((text, ascii) => blocks.push([text, ascii]));
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length]!);
    splitter.write(bytes.subarray(at, at + size));
    at += size;
  }
  await new Promise<void>((resolve, reject) => splitter.end((err?: Error | null) => (err ? reject(err) : resolve())));
  // Blocks hold whole lines (each ends with LF but the input's last), and ascii is true only for ASCII.
  blocks.forEach(([text, ascii], i) => {
    if (i < blocks.length - 1 || log.endsWith('\n')) expect(text.endsWith('\n')).toBe(true);
    expect(ascii).toBe(!/[\x80-\xff]/.test(text));
  });
  expect(Buffer.from(blocks.map(([text]) => text).join(''), 'latin1').equals(bytes)).toBe(true);
  return run((converter, file) => blocks.forEach(([text, ascii]) => converter.pushBlock(text, file, ascii)), options);
}

describe('block path = line path', () => {
  it('non-ASCII lines, CRLF, blank, bad, filtered and late lines read the same through blocks', async () => {
    const reference = byLines(ODD_LOG);
    expect(reference.text).toContain('/caf%C3%A9');
    for (const sizes of [[1], [7, 13], [64], [100_000]]) {
      expect(await byBlocks(ODD_LOG, sizes)).toEqual(reference);
      expect(await byBlocks(`${ODD_LOG}\n`, sizes)).toEqual(byLines(`${ODD_LOG}\n`));
    }
  });

  it('the real log excerpts give the same file and profile for any chunking', async () => {
    for (const name of ['elastic-excerpt.log', 'nasa-excerpt.log']) {
      const log = readFileSync(`${FIXTURES}${name}`, 'utf8');
      const reference = byLines(log, { reorderWindow: 120 });
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 5 }), async (sizes) => {
          expect(await byBlocks(log, sizes, { reorderWindow: 120 })).toEqual(reference);
        }),
        { numRuns: 15 },
      );
    }
  });

  it('parseRange inside a block equals parse of the line, failures with columns of the line', () => {
    const choice = resolveFormat('combined', []);
    if (choice.kind !== 'fixed') throw new Error('fixed format expected');
    const parser = choice.parser;
    const lines = ODD_LOG.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => !/[^\x00-\x7f]/.test(l));
    const block = `${lines.join('\n')}\n`;
    let start = 0;
    const pooled = emptyRecord();
    lines.forEach((line, i) => {
      const stop = start + line.length;
      const alone = parser.parse(line, 0, i + 1, i);
      const inBlock = parser.parseRange(block, start, stop, 0, i + 1, i, pooled);
      if (alone instanceof ParseFailure) expect(inBlock).toEqual(alone);
      else {
        expect(inBlock).toBe(pooled);
        expect({ ...(inBlock as LogRecord) }).toEqual(alone);
      }
      start = stop + 1;
    });
  });

  it('a line cut short by the block end does not read into the next line', () => {
    const choice = resolveFormat('common', []);
    if (choice.kind !== 'fixed') throw new Error('fixed format expected');
    const line = 'h - - [01/Aug/1995:00:00:07 -0400] "GET /a HTTP/1.0" 200 1';
    const block = `${line}\n${line}\n`;
    // The first line without its last two characters: the size field is "1"-less, the status intact.
    const cut = choice.parser.parseRange(block, 0, line.length - 2, 0, 1, 0);
    expect(cut).toBeInstanceOf(ParseFailure);
    // Without its closing quote and what follows: the request line is unterminated.
    expect(choice.parser.parseRange(block, 0, line.indexOf('HTTP'), 0, 1, 0)).toBeInstanceOf(ParseFailure);
  });
});

describe('reading files in blocks', () => {
  it('plain and gzip files give the same bytes, in blocks of whole lines, across read boundaries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convert-fastpath-'));
    try {
      // About 700 KB: lines straddle the 256 KB reads and the 32 KB blocks; some are long, non-ASCII or CRLF.
      const lines: string[] = [];
      for (let i = 0; lines.join('\n').length < 700_000; i++) {
        lines.push(i % 97 === 0 ? `line ${i} ${'x'.repeat(40_000)}` : i % 13 === 0 ? `line ${i} caf\u00e9\r` : `line ${i}`);
      }
      const text = `${lines.join('\n')}\nlast line without end`;
      const bytes = Buffer.from(text, 'utf8');
      const plain = join(dir, 'access.log');
      const gzip = join(dir, 'access.log.gz');
      writeFileSync(plain, bytes);
      writeFileSync(gzip, gzipSync(bytes));
      for (const path of [plain, gzip]) {
        const blocks: string[] = [];
        await readBlocks(path, (block, ascii) => {
          expect(ascii).toBe(!/[\x80-\xff]/.test(block));
          blocks.push(block);
        });
        blocks.slice(0, -1).forEach((block) => expect(block.endsWith('\n')).toBe(true));
        expect(blocks.at(-1)!.endsWith('last line without end')).toBe(true);
        expect(Buffer.from(blocks.join(''), 'latin1').equals(bytes)).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reorder window with a sorted run and a heap', () => {
  it('releases every placed record in (time, position) order, whatever the arrival order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 0, max: 120 }), (times, window) => {
        const reorder = new ReorderWindow(window);
        const released: LogRecord[] = [];
        const placed: LogRecord[] = [];
        times.forEach((time, seq) => {
          const record = { ...emptyRecord(), time, seq };
          if (reorder.lateness(record) > 0) return;
          placed.push(record);
          reorder.push(record, (r) => released.push(r));
        });
        reorder.drain((r) => released.push(r));
        expect(reorder.size).toBe(0);
        const expected = [...placed].sort((a, b) => a.time - b.time || a.seq - b.seq);
        expect(released.map((r) => r.seq)).toEqual(expected.map((r) => r.seq));
      }),
      { numRuns: 300 },
    );
  });
});

describe('caches', () => {
  it('CLF times: the minute and zone caches give the same instants as a fresh parse', () => {
    const cached = new ClfTimeParser();
    const samples = [
      '[02/Jan/2024:10:00:00 +0000]',
      '[02/Jan/2024:10:00:59 +0000]',
      '[02/Jan/2024:10:00:59 +0130]',
      '[02/Jan/2024:10:00:59 -0500]',
      '[02/Jan/2024:10:01:00.5 -0500]',
      '[02/Jan/2024:10:01:00 -05:00]',
      '[02/Jan/2024:10:01:00]',
      '[03/Jan/2024:10:01:00 -0500]',
      '[31/Feb/2024:10:01:00 -0500]',
      '[03/Jan/2024:10:01:61 -0500]',
      '[03/Jan/2024:10:01:00 x0500]',
    ];
    for (let round = 0; round < 2; round++) {
      for (const text of samples) expect(cached.parse(text)).toEqual(new ClfTimeParser().parse(text));
    }
    expect(cached.parse('[02/Jan/2024:10:00:59 +0130]')).toBe(Date.UTC(2024, 0, 2, 10, 0, 59) / 1000 - 5400);
    expect(cached.parse('[02/Jan/2024:10:01:00.5 -0500]')).toBe(Date.UTC(2024, 0, 2, 15, 1, 0, 500) / 1000);
    expect(cached.parse('[31/Feb/2024:10:01:00 -0500]')).toBeNaN();
  });

  it('string caches return equal strings, shared when repeated, with the cached flag', () => {
    const block = '/images/NASA-logosmall.gif /images/NASA-logosmall.gif /index.html';
    const first = block.slice(0, 26);
    const second = block.slice(27, 53);
    expect(ownCopy(first)).toBe(first);
    // Any text comes back equal: latin1 (one byte per character), beyond U+00FF, longer than the scratch buffer.
    for (const text of ['Mozilla/5.0 (X11; caf\u00e9)', 'Mozilla/5.0 \u{1F600} \u0141\u00f3d\u017a', `/${'a'.repeat(20_000)}`, `x\ud800${'y'.repeat(20)}`]) {
      expect(ownCopy(` ${text} `.slice(1, -1))).toBe(text);
    }
    const recent = new RecentStrings((s) => s.endsWith('.gif'), 4);
    const a = recent.get(first);
    expect(a).toBe(first);
    expect(recent.flag).toBe(true);
    expect(Object.is(recent.get(second), a)).toBe(true);
    expect(recent.flag).toBe(true);
    expect(recent.get(block.slice(54))).toBe('/index.html');
    expect(recent.flag).toBe(false);
    const interner = new StringInterner(2);
    const x = interner.intern(first);
    expect(Object.is(interner.intern(second), x)).toBe(true);
    interner.intern('b');
    interner.intern('c');
    expect(interner.size).toBeLessThanOrEqual(2);
  });
});
