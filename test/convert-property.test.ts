/**
 * Property tests: any generated log converts to a session file that loadgen's own parser reads
 * back to the same sessions, and random garbage never crashes the converter.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convertText } from '../src/convert/convert.js';
import { isUserError } from '../src/errors.js';
import { parseSessionFile } from '../src/session/parse.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const T0 = Date.UTC(2023, 5, 1);

function clfTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `[${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000]`;
}

/** Apache's escaping of a quoted log field (or, with `raw`, UTF-8 left as is, as JSON-era servers do). */
function escapeField(text: string, raw: boolean): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code > 0x7f && !raw) for (const b of Buffer.from(ch, 'utf8')) out += `\\x${b.toString(16)}`;
    else out += ch;
  }
  return out;
}

const TRICKY = ['a', 'b', '/', '.', '?', '=', '&', '%', '#', ' ', '"', "'", '\\', '\t', 'é', '€', '😀', 'x', '.css', '.png', '.js'];

const request = fc.record({
  client: fc.constantFrom('10.0.0.1', '10.0.0.2', '2001:db8::7', 'host.example.org', 'proxy.aol.com'),
  ua: fc.constantFrom('-', 'Mozilla/5.0 (X11)', 'curl/8 "quoted"'),
  at: fc.integer({ min: 0, max: 4000 }),
  path: fc.array(fc.constantFrom(...TRICKY), { minLength: 0, maxLength: 8 }).map((parts) => `/${parts.join('')}`),
  referer: fc.option(fc.constantFrom('/', '/a', '/a.css', '/b?x=1'), { nil: undefined }),
  method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD'),
  status: fc.constantFrom(200, 304, 404, 500),
  raw: fc.boolean(),
});

describe('properties', () => {
  it('any generated log converts to a file loadgen parses back to the same sessions', () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 40 }), fc.boolean(), (requests, ipOnly) => {
        const lines = requests.map((r) => {
          const ref = r.referer === undefined ? '-' : `http://site${r.referer}`;
          return `${r.client} - - ${clfTime(T0 + r.at * 1000)} "${r.method} ${escapeField(r.path, r.raw)} HTTP/1.1" ${r.status} 12 "${ref}" "${escapeField(r.ua, r.raw)}"`;
        });
        const result = convertText(`${lines.join('\n')}\n`, { format: 'combined', clientKey: ipOnly ? 'ip' : 'ip+ua', reorderWindow: 5000 }, 'gen.log');
        expect(result.profile.lines.used).toBe(requests.length);
        const parsed = parseSessionFile(result.text, 'gen.txt');
        expect(parsed.templates.length).toBe(result.sessions.length);
        parsed.templates.forEach((template, i) => {
          const session = result.sessions[i]!;
          expect(template.bursts.map((b) => b.requests.map((r) => [r.method, r.uri]))).toEqual(
            session.bursts.map((b) => b.requests.map((r) => [r.method, r.uri])),
          );
          expect(template.bursts.map((b) => b.thinkTime)).toEqual(session.bursts.map((b) => b.think));
        });
        // Every URI is one printable-ASCII token, and decodes back to the logged path.
        for (const session of result.sessions) {
          for (const burst of session.bursts) {
            for (const r of burst.requests) {
              expect(r.uri).toMatch(/^[\x21-\x7e]+$/);
              expect(r.uri).not.toMatch(/["']/);
            }
          }
        }
        const written = result.sessions.flatMap((s) => s.bursts.flatMap((b) => b.requests.map((r) => r.uri))).sort();
        const expected = requests.map((r) => encodeLikeConverter(r.path)).sort();
        expect(written).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('random garbage lines never crash the converter', () => {
    const valid = `1.2.3.4 - - ${clfTime(T0)} "GET / HTTP/1.1" 200 1 "-" "-"`;
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), fc.constant(valid), fc.string({ maxLength: 300 }).map((s) => `${valid.slice(0, 40)}${s}`)), {
          maxLength: 30,
        }),
        fc.constantFrom('auto', 'common', 'combined', 'nginx', 'json'),
        (lines, format) => {
          try {
            const result = convertText(lines.join('\n'), { format }, 'garbage.log');
            const p = result.profile;
            const skipped = Object.values(p.unparseable).reduce((n, e) => n + e.count, 0) + Object.values(p.filtered).reduce((n, e) => n + e.count, 0);
            expect(p.lines.used + skipped + p.lines.blank).toBe(p.lines.read);
            parseSessionFile(result.text, 'garbage.txt');
          } catch (err) {
            if (!isUserError(err)) throw err;
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** What the converter should write for a logged path: unsafe bytes as %HH of their UTF-8. */
function encodeLikeConverter(path: string): string {
  let out = '';
  // Spaces around the target are separators of the request line, not part of it.
  for (const b of Buffer.from(path.replace(/ +$/, ''), 'utf8')) {
    out += b >= 0x21 && b <= 0x7e && b !== 0x22 && b !== 0x27 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
