/** Sessions, bursts, think times, filters and output of `loadgen convert` (through convertText). */
import { describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../src/errors.js';
import { convertText } from '../src/convert/convert.js';
import { isAsset, joinsBurst } from '../src/convert/bursts.js';
import { DEFAULT_CONVERT_OPTIONS, type ConvertOptions } from '../src/convert/options.js';
import { formatSessionFile, parseSessionFile } from '../src/session/parse.js';
import { formatSession } from '../src/convert/write.js';
import type { ConvertedSession } from '../src/convert/sessionize.js';
import type { HttpMethod } from '../src/session/model.js';

const T0 = Date.UTC(2024, 0, 2, 10, 0, 0);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

interface Req {
  at: number;
  uri: string;
  client?: string;
  ref?: string;
  ua?: string;
  method?: string;
  status?: number;
}

/** A combined-format line `at` seconds after T0. */
function line(r: Req): string {
  const d = new Date(T0 + r.at * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  const time = `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
  return `${r.client ?? '10.0.0.1'} - - [${time}] "${r.method ?? 'GET'} ${r.uri} HTTP/1.1" ${r.status ?? 200} 100 "${r.ref ?? '-'}" "${r.ua ?? 'Mozilla/5.0'}"`;
}

function log(requests: Req[]): string {
  return `${requests.map(line).join('\n')}\n`;
}

/** Sessions as arrays of bursts of URIs (with think). */
function shape(text: string, options: Partial<ConvertOptions> = {}) {
  const result = convertText(text, options, 'test.log');
  return result.sessions.map((s) => s.bursts.map((b) => ({ uris: b.requests.map((r) => r.uri), think: b.think })));
}

describe('burst rules', () => {
  it('a Referer naming the page puts resources and XHR calls in its burst', () => {
    const s = shape(log([
      { at: 0, uri: '/page' },
      { at: 1, uri: '/app.js', ref: 'http://site/page' },
      { at: 2, uri: '/api/items', ref: 'https://site/page' },
      { at: 40, uri: '/late.png', ref: 'http://site/page' },
    ]));
    expect(s).toEqual([[{ uris: ['/page', '/app.js', '/api/items', '/late.png'], think: undefined }]]);
  });

  it('a Referer naming a stylesheet of the burst joins it (fonts)', () => {
    const s = shape(log([
      { at: 0, uri: '/page' },
      { at: 1, uri: '/site.css', ref: 'http://site/page' },
      { at: 2, uri: '/font.woff2', ref: 'http://site/site.css' },
    ]));
    expect(s[0]![0]!.uris).toEqual(['/page', '/site.css', '/font.woff2']);
  });

  it('a click (Referer naming the page, after the burst window) starts a new burst', () => {
    const s = shape(log([
      { at: 0, uri: '/page' },
      { at: 1, uri: '/a.css', ref: 'http://site/page' },
      { at: 20, uri: '/next', ref: 'http://site/page' },
    ]));
    expect(s).toEqual([[{ uris: ['/page', '/a.css'], think: 19 }, { uris: ['/next'], think: undefined }]]);
  });

  it('a Referer naming another page starts a new burst, even for an image', () => {
    const s = shape(log([
      { at: 0, uri: '/page' },
      { at: 1, uri: '/other.png', ref: 'http://site/elsewhere' },
    ]));
    expect(s[0]!.map((b) => b.uris)).toEqual([['/page'], ['/other.png']]);
  });

  it('without Referer: assets within the burst window join, pages and late assets do not', () => {
    const s = shape(log([
      { at: 0, uri: '/index.html' },
      { at: 2, uri: '/logo.GIF' },
      { at: 6, uri: '/photo.jpg?v=2' },
      { at: 20, uri: '/late.png' },
      { at: 21, uri: '/about' },
    ]), { clientKey: 'ip' });
    expect(s[0]!.map((b) => b.uris)).toEqual([['/index.html', '/logo.GIF', '/photo.jpg?v=2'], ['/late.png'], ['/about']]);
  });

  it('resources whose page is not in the log (cached) group by the page their Referer names', () => {
    const s = shape(log([
      { at: 0, uri: '/a.png', ref: 'http://site/talk/' },
      { at: 30, uri: '/b.png', ref: 'http://site/talk/' },
    ]));
    expect(s[0]!.map((b) => b.uris)).toEqual([['/a.png', '/b.png']]);
  });

  it('--burst-window and --asset-ext change the rules', () => {
    const text = log([{ at: 0, uri: '/p' }, { at: 8, uri: '/x.gif' }, { at: 9, uri: '/data.json' }]);
    expect(shape(text).map((s) => s.map((b) => b.uris))).toEqual([[['/p'], ['/x.gif'], ['/data.json']]]);
    expect(shape(text, { burstWindow: 10, assetExtensions: new Set(['gif', 'json']) }).map((s) => s.map((b) => b.uris))).toEqual([
      [['/p', '/x.gif', '/data.json']],
    ]);
  });

  it('classifies by extension of the path, not the query', () => {
    const exts = DEFAULT_CONVERT_OPTIONS.assetExtensions;
    expect(isAsset('/a.CSS?x=1.html', exts)).toBe(true);
    expect(isAsset('/dir.png/page', exts)).toBe(false);
    expect(isAsset('/p?img=a.png', exts)).toBe(false);
    expect(joinsBurst(['/p'], 0, { uri: '/api', referer: '/p', time: 5 }, 5, exts)).toBe(true);
    expect(joinsBurst(['/p'], 0, { uri: '/api', referer: '/p', time: 5.5 }, 5, exts)).toBe(false);
  });
});

describe('sessions and think times', () => {
  it('sorts each client by time (out-of-order lines) and starts a session after the idle timeout', () => {
    const s = shape(log([
      { at: 10, uri: '/two' },
      { at: 0, uri: '/one' },
      { at: 10 + 1801, uri: '/three' },
    ]));
    expect(s).toEqual([[{ uris: ['/one'], think: 10 }, { uris: ['/two'], think: undefined }], [{ uris: ['/three'], think: undefined }]]);
  });

  it('--client-key ip merges user agents, ip+ua keeps them apart', () => {
    const text = log([{ at: 0, uri: '/a', ua: 'A' }, { at: 1, uri: '/b', ua: 'B' }]);
    expect(shape(text).length).toBe(2);
    expect(shape(text, { clientKey: 'ip' }).length).toBe(1);
  });

  it('clamps think times to --min-think/--max-think after --think-scale', () => {
    const text = log([{ at: 0, uri: '/a' }, { at: 100, uri: '/b' }, { at: 102, uri: '/c' }, { at: 103, uri: '/d' }]);
    expect(shape(text)[0]!.map((b) => b.think)).toEqual([100, 2, 1, undefined]);
    expect(shape(text, { thinkScale: 0.5, minThink: 0.75, maxThink: 30 })[0]!.map((b) => b.think)).toEqual([30, 1, 0.75, undefined]);
  });

  it('writes think= on the first line of each burst but the last, and loadgen reads it back', () => {
    const result = convertText(log([{ at: 0, uri: '/a' }, { at: 1, uri: '/a.css' }, { at: 7.5, uri: '/b' }]), {}, 't.log');
    expect(result.text).toContain('/a think=6\n\t/a.css\n/b\n');
    const parsed = parseSessionFile(result.text, 'out');
    expect(parsed.templates[0]!.bursts.map((b) => b.thinkTime)).toEqual([6, undefined]);
  });

  it('drops lines later than the reorder window and counts them', () => {
    const requests: Req[] = [{ at: 0, uri: '/a' }, { at: 500, uri: '/b', client: '10.0.0.2' }, { at: 30, uri: '/in-window' }, { at: 600, uri: '/c' }, { at: 100, uri: '/late' }];
    const result = convertText(log(requests), { reorderWindow: 60 }, 't.log');
    expect(result.profile.filtered['too late for --reorder-window']).toEqual({ count: 1, examples: ['t.log:5'] });
    expect(result.sessions[0]!.bursts.map((b) => b.requests[0]!.uri)).toEqual(['/a', '/in-window', '/c']);
    expect(() => convertText(log(requests), { reorderWindow: 60, strict: true }, 't.log')).toThrow(/t\.log:5: line is 400 s older/);
  });

  it('orders sessions by first request time then client key, deterministically', () => {
    const requests: Req[] = [
      { at: 5, uri: '/x', client: '10.0.0.9' },
      { at: 5, uri: '/y', client: '10.0.0.3' },
      { at: 1, uri: '/z', client: '10.0.0.5' },
    ];
    const a = convertText(log(requests), {}, 't.log');
    const b = convertText(log([...requests].reverse()), {}, 't.log');
    expect(a.sessions.map((s) => s.client)).toEqual(['10.0.0.5', '10.0.0.3', '10.0.0.9']);
    expect(b.text).toBe(a.text);
  });
});

describe('filters', () => {
  const mixed = log([
    { at: 0, uri: '/a', method: 'GET', status: 200 },
    { at: 1, uri: '/form', method: 'POST', status: 302 },
    { at: 2, uri: '/missing', status: 404 },
    { at: 3, uri: '/err', status: 503 },
    { at: 4, uri: '/search?q=1' },
    { at: 5, uri: '/admin/x' },
    { at: 6, uri: '/robots.txt', ua: 'Googlebot/2.1 (+http://www.google.com/bot.html)' },
  ]);
  const uris = (options: Partial<ConvertOptions>) => convertText(mixed, { clientKey: 'ip', ...options }, 'm.log').sessions.flatMap((s) => s.bursts.flatMap((b) => b.requests.map((r) => r.uri)));

  it('keeps GET and HEAD by default; other methods only when asked, with a note', () => {
    expect(uris({})).not.toContain('/form');
    const result = convertText(mixed, { clientKey: 'ip', methods: new Set(['GET', 'POST']) }, 'm.log');
    expect(result.text).toContain('/form method=POST');
    expect(result.profile.notes.join()).toMatch(/bodies are not in access logs/);
  });

  it('--status, --include, --exclude, --exclude-bots, --strip-query, --since/--until', () => {
    expect(uris({ statusClasses: new Set([2]), statusCodes: new Set([404]) })).toEqual(['/a', '/missing', '/search?q=1', '/admin/x', '/robots.txt']);
    expect(uris({ include: [/^\/(a|err)$/] })).toEqual(['/a', '/err']);
    expect(uris({ exclude: [/^\/admin/] })).not.toContain('/admin/x');
    expect(uris({ excludeBots: true })).not.toContain('/robots.txt');
    expect(uris({ stripQuery: true })).toContain('/search');
    expect(uris({ since: T0 / 1000 + 3, until: T0 / 1000 + 5 })).toEqual(['/err', '/search?q=1']);
  });

  it('--sample keeps the same clients every time; --max-sessions and --min-requests drop sessions', () => {
    const many = log(Array.from({ length: 200 }, (_, i) => ({ at: i, uri: `/p${i}`, client: `10.1.${i >> 8}.${i & 255}` })));
    const a = convertText(many, { sample: 0.25 }, 'many.log');
    const b = convertText(many, { sample: 0.25 }, 'many.log');
    expect(a.text).toBe(b.text);
    expect(a.profile.sessions.written).toBeGreaterThan(20);
    expect(a.profile.sessions.written).toBeLessThan(80);
    expect(a.profile.sessions.written + a.profile.sessions.droppedSample).toBe(200);
    expect(convertText(many, { maxSessions: 7 }, 'many.log').profile.sessions).toMatchObject({ written: 7, droppedMaxSessions: 193 });
    const two = log([{ at: 0, uri: '/a' }, { at: 30, uri: '/b' }, { at: 0, uri: '/c', client: '10.9.9.9' }]);
    expect(convertText(two, { minRequests: 2 }, 't.log').profile.sessions).toMatchObject({ written: 1, droppedMinRequests: 1 });
  });

  it('drops URIs longer than --max-uri-length (httperf reads lines < 10000 bytes)', () => {
    const result = convertText(log([{ at: 0, uri: `/${'a'.repeat(9000)}` }, { at: 1, uri: '/ok' }]), {}, 't.log');
    expect(result.profile.filtered['URI longer than --max-uri-length']?.count).toBe(1);
  });
});

describe('output and bad input', () => {
  it('writes sessions exactly as the project serializer formatSessionFile does', () => {
    const session: ConvertedSession = {
      key: 'k',
      client: '10.0.0.1',
      start: T0 / 1000,
      end: T0 / 1000 + 9,
      requestCount: 5,
      bursts: [
        { requests: [{ uri: '/a', method: 'GET', time: 0 }, { uri: '/a.css', method: 'HEAD', time: 0 }], think: 1.25, gap: 1.25 },
        { requests: [{ uri: '/form', method: 'POST', time: 0 }], think: 0, gap: 0 },
        { requests: [{ uri: '/b?x=%20', method: 'GET', time: 0 }, { uri: '/c.png', method: 'GET', time: 0 }] },
      ],
    };
    const mine = formatSession(session, 1);
    expect(mine.split('\n')[0]).toBe('# session 1: 10.0.0.1 from 2024-01-02T10:00:00Z, 3 bursts, 5 requests');
    const reference = formatSessionFile({
      path: 'x',
      templates: [
        {
          line: 1,
          bursts: session.bursts.map((b) => ({
            requests: b.requests.map((r) => ({ uri: r.uri, method: r.method as HttpMethod, line: 1 })),
            ...(b.think !== undefined ? { thinkTime: b.think } : {}),
          })),
        },
      ],
    });
    expect(mine.slice(mine.indexOf('\n') + 1)).toBe(reference);
  });

  it('header comment records source, counts and notes; every line of the file is valid', () => {
    const result = convertText(log([{ at: 0, uri: '/a b"c' }]), {}, 'h.log');
    expect(result.text).toMatch(/^# wsesslog session file written by loadgen convert/);
    expect(result.text).toContain('# source: h.log (1 lines)');
    expect(result.text).toContain('# counts: 1 sessions, 1 bursts, 1 requests');
    expect(result.text).toContain('\n/a%20b%22c\n');
    expect(parseSessionFile(result.text, 'out').templates[0]!.bursts[0]!.requests[0]!.uri).toBe('/a%20b%22c');
  });

  it('warns when a file has more sessions than httperf 0.9.0 reads', () => {
    const many = log(Array.from({ length: 1001 }, (_, i) => ({ at: i, uri: '/', client: `10.2.${i >> 8}.${i & 255}` })));
    expect(convertText(many, {}, 'm.log').profile.notes.join()).toMatch(/at most 1000 sessions/);
  });

  it('skips unparseable lines by reason with line numbers; --strict stops with FILE:LINE', () => {
    const text = `${line({ at: 0, uri: '/a' })}\nnot a log line\n\n${line({ at: 1, uri: '/b' }).replace('"GET /b HTTP/1.1"', '"-"')}\n`;
    const result = convertText(text, { format: 'combined' }, 'bad.log');
    expect(result.profile.unparseable).toEqual({
      'line does not match the format': { count: 1, examples: ['bad.log:2'] },
      'empty request line': { count: 1, examples: ['bad.log:4'] },
    });
    expect(result.profile.lines).toMatchObject({ read: 4, blank: 1, used: 1 });
    expect(result.profileText).toContain('line does not match the format (bad.log:2)');
    let error: unknown;
    try {
      convertText(text, { format: 'combined', strict: true }, 'bad.log');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/^bad\.log:2:\d+: %t at column \d+ is not followed by/);
    expect((error as InputError).line).toBe(2);
    expect((error as InputError).exitCode).toBe(2);
  });

  it('a log with no usable line is an error, not an empty file', () => {
    expect(() => convertText('junk\nmore junk\n', { format: 'common' }, 'junk.log')).toThrow(UsageError);
    expect(() => convertText('junk\nmore junk\n', { format: 'common' }, 'junk.log')).toThrow(/no usable line in junk.log: 2 lines read \(2 line does not match/);
    expect(() => convertText('', {}, 'empty.log')).toThrow(/no usable line/);
    expect(() => convertText('junk\n', {}, 'junk.log')).toThrow(/cannot detect the log format of junk.log:1/);
  });

  it('the profile reports arrival rates and the replay command', () => {
    const requests: Req[] = [];
    for (let i = 0; i < 30; i++) requests.push({ at: i, uri: '/', client: `10.3.0.${i}` });
    for (let i = 0; i < 5; i++) requests.push({ at: 600 + i * 60, uri: '/', client: `10.4.0.${i}` });
    const result = convertText(log(requests), {}, 'r.log', 'out.txt');
    expect(result.profile.arrival.peakMinuteSessions).toBe(30);
    expect(result.profile.arrival.peakRate).toBe(0.5);
    expect(result.profile.replayCommand).toBe('loadgen --server HOST --wsesslog=35,0,out.txt --rate=0.5');
    expect(result.profileText).toMatch(/busiest minute 2024-01-02T10:00:00Z: 30 sessions = 0.5 sessions\/s/);
    expect(result.profile.requestsPerBurst).toEqual({ median: 1, p90: 1, max: 1 });
  });
});
