/**
 * Golden outputs for excerpts of the real logs, and the two whole real logs converted with every
 * line accounted for. Regenerate the .expected.txt files with UPDATE_GOLDEN=1 (then review the diff).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { convertText } from '../src/convert/convert.js';
import { parseSessionFile } from '../src/session/parse.js';

const FIXTURES = new URL('./fixtures/logs/', import.meta.url).pathname;
/** The whole real logs, gzipped in the fixtures (origin in fixtures/logs/README.md). */
const realLog = (name: string): string => gunzipSync(readFileSync(`${FIXTURES}${name}.gz`)).toString('utf8');

function golden(name: string, actual: string): void {
  const path = `${FIXTURES}${name}.expected.txt`;
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('golden outputs of real log excerpts', () => {
  it('NASA common log excerpt', () => {
    const log = readFileSync(`${FIXTURES}nasa-excerpt.log`, 'utf8');
    const result = convertText(log, {}, 'nasa-excerpt.log', 'nasa.txt');
    golden('nasa-excerpt', result.text);
    expect(result.profile.format).toBe('common (detected)');
    expect(result.profile.lines.read).toBe(80);
    // Embedded images of the home page form one burst with it.
    expect(result.text).toContain('/ think=29\n\t/images/ksclogo-medium.gif\n\t/images/MOSAIC-logosmall.gif\n');
    const parsed = parseSessionFile(result.text, 'nasa.txt');
    expect(parsed.templates.length).toBe(result.profile.sessions.written);
  });

  it('elastic combined log excerpt (out of order, a cut-off line)', () => {
    const log = readFileSync(`${FIXTURES}elastic-excerpt.log`, 'utf8');
    const result = convertText(log, {}, 'elastic-excerpt.log', 'elastic.txt');
    golden('elastic-excerpt', result.text);
    expect(result.profile.format).toBe('combined (detected)');
    expect(result.profile.unparseable['unterminated quoted field']).toEqual({ count: 1, examples: ['elastic-excerpt.log:65'] });
    expect(result.profile.lines.used).toBe(67);
    const parsed = parseSessionFile(result.text, 'elastic.txt');
    expect(parsed.templates.length).toBe(result.profile.sessions.written);
  });
});

describe('the whole real logs', () => {
  for (const name of ['nasa-aug95-common.log', 'elastic-apache-combined.log']) {
    it(`${name}: every line is accounted for and the output parses`, () => {
      const log = realLog(name);
      const result = convertText(log, {}, name, 'out.txt');
      const p = result.profile;
      const skipped = (map: Record<string, { count: number }>) => Object.values(map).reduce((n, e) => n + e.count, 0);
      expect(p.lines.read).toBe(log.split('\n').filter((l, i, all) => i < all.length - 1 || l !== '').length);
      expect(p.lines.read).toBe(p.lines.used + skipped(p.unparseable) + skipped(p.filtered) + p.lines.blank);
      expect(p.requests).toBe(p.lines.used);
      const parsed = parseSessionFile(result.text, 'out.txt');
      expect(parsed.templates.length).toBe(p.sessions.written);
      let requests = 0;
      for (const t of parsed.templates) for (const b of t.bursts) requests += b.requests.length;
      expect(requests).toBe(p.requests);
    });
  }

  it('NASA: the 2 non-GET/HEAD lines are filtered, lines without HTTP version are kept', () => {
    const result = convertText(realLog('nasa-aug95-common.log'), {}, 'nasa', 'out.txt');
    expect(result.profile.unparseable).toEqual({});
    expect(result.profile.filtered['method not in --methods']?.count).toBe(2);
    expect(result.profile.lines.used).toBe(19_998);
  });

  it('elastic: only line 8899 is unparseable; out-of-order lines are all placed', () => {
    const result = convertText(realLog('elastic-apache-combined.log'), {}, 'elastic', 'out.txt');
    expect(result.profile.unparseable).toEqual({ 'unterminated quoted field': { count: 1, examples: ['elastic:8899'] } });
    expect(result.profile.lines.late).toBe(0);
    expect(result.profile.arrival.peakMinuteSessions).toBeGreaterThan(0);
  });
});
