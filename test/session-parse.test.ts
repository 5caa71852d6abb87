import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { mkdtemp, writeFile, chmod, rm } from 'node:fs/promises';
import { readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, UsageError } from '../src/errors.js';
import type { HttpMethod, SessionFile } from '../src/session/model.js';
import { templateRequestCount } from '../src/session/model.js';
import {
  SESSION_METHODS,
  formatSessionFile,
  loadSessionFile,
  parseSessionFile,
} from '../src/session/parse.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SAMPLES = join(HERE, 'fixtures', 'sessions', 'httperf-samples');
const REPO_SESSIONS = join(HERE, '..', 'sessions');

/** Parse `text` as file `s.txt`. */
function parse(text: string | Buffer): SessionFile {
  return parseSessionFile(text, 's.txt');
}

/** Compact view of a parsed file: per template, per burst, the URIs. */
function shape(file: SessionFile): string[][][] {
  return file.templates.map((t) => t.bursts.map((b) => b.requests.map((r) => r.uri)));
}

/** The InputError that parsing `text` throws (fails the test when it does not throw one). */
function parseError(text: string | Buffer, path = 's.txt'): InputError {
  try {
    parseSessionFile(text, path);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error(`expected an InputError for ${JSON.stringify(String(text).slice(0, 80))}`);
}

function firstRequest(text: string) {
  return parse(text).templates[0]!.bursts[0]!.requests[0]!;
}

describe('session file grammar (httperf 0.9.0)', () => {
  it('reads the spec example: two templates, bursts, think override, POST, HEAD', () => {
    const file = parse(
      [
        '# session A',
        '/index.html think=1.5',
        '\t/a.css',
        '\t/b.js',
        '\t/c.png',
        '/page2.html',
        '\t/img/d.gif',
        '/missing-404.html',
        '',
        '# session B',
        '/login',
        "/form method=POST contents='user=alice&pass=s3cret'",
        '\t/a.css',
        '/index.html method=HEAD',
        '',
      ].join('\n'),
    );
    expect(file.path).toBe('s.txt');
    expect(shape(file)).toEqual([
      [['/index.html', '/a.css', '/b.js', '/c.png'], ['/page2.html', '/img/d.gif'], ['/missing-404.html']],
      [['/login'], ['/form', '/a.css'], ['/index.html']],
    ]);
    const [a, b] = file.templates;
    expect(a!.line).toBe(2);
    expect(b!.line).toBe(11);
    expect(a!.bursts.map((x) => x.thinkTime)).toEqual([1.5, undefined, undefined]);
    const form = b!.bursts[1]!.requests[0]!;
    expect(form.method).toBe('POST');
    expect(form.body?.toString()).toBe('user=alice&pass=s3cret');
    expect(form.line).toBe(12);
    expect(b!.bursts[2]!.requests[0]!.method).toBe('HEAD');
    expect(b!.bursts[1]!.requests[1]!.method).toBe('GET');
    expect(b!.bursts[1]!.requests[1]!.body).toBeUndefined();
  });

  it('treats # as a comment only as the very first byte, and comments do not end a template', () => {
    const file = parse('/a\n# comment in the middle\n\t/b\n #notacomment\n/q?a=1&b=#frag\n');
    expect(shape(file)).toEqual([[['/a', '/b', '#notacomment'], ['/q?a=1&b=#frag']]]);
  });

  it('ends a template at a blank line, and runs of blank or whitespace-only lines make no empty template', () => {
    const file = parse('\n\n/a\n\n \t \n\n/b\n\t/c\n\n\n');
    expect(shape(file)).toEqual([[['/a']], [['/b', '/c']]]);
    expect(file.templates.map((t) => t.line)).toEqual([3, 7]);
  });

  it('needs no blank line or newline at end of file', () => {
    expect(shape(parse('/a\n\t/b'))).toEqual([[['/a', '/b']]]);
  });

  it('opens the first burst with the first request whatever its indentation', () => {
    expect(shape(parse('\t/lead\n\t/b\n/c\n'))).toEqual([[['/lead', '/b'], ['/c']]]);
    expect(shape(parse('/x\n\n    /lead2\n  /m\n'))).toEqual([[['/x']], [['/lead2', '/m']]]);
  });

  it('joins lines starting with a space or a tab to the current burst, any amount', () => {
    expect(shape(parse('/a\n /b\n\t\t/c\n    /d\n/e\n'))).toEqual([[['/a', '/b', '/c', '/d'], ['/e']]]);
  });

  it('takes the URI verbatim as the first token', () => {
    const uris = shape(parse("http://h/x?y=1 \n\t'quoted'\\n\n\t/%20é\n"))[0]![0];
    // The model holds the file's bytes: é is its two UTF-8 bytes (a byte string, see model.ts).
    expect(uris).toEqual(['http://h/x?y=1', "'quoted'\\n", '/%20\xC3\xA9']);
  });

  it('keeps URI bytes exactly: non-ASCII as written, invalid UTF-8 too', () => {
    const bytes = Buffer.concat([Buffer.from('/caf\u00e9 method=GET\n/x\u{1F600}\n/'), Buffer.from([0xe9, 0xff]), Buffer.from('\n')]);
    const uris = shape(parseSessionFile(bytes, 's.txt')).flat(2);
    expect(uris.map((u) => Buffer.from(u, 'latin1'))).toEqual([Buffer.from('/caf\u00e9'), Buffer.from('/x\u{1F600}'), Buffer.from([0x2f, 0xe9, 0xff])]);
  });

  it('refuses control bytes and DEL in a URI at FILE:LINE:COL unless rawUriBytes is set', () => {
    expect(parseError('/ok\n/a\x00b\n').message).toBe(
      's.txt:2:3: URI contains control character 0x00 (not allowed in a request; percent-encode it, or send it as is with --raw-uri-bytes)',
    );
    expect(parseError('/\u00e9\x01\n').message).toMatch(/^s\.txt:1:3: URI contains control character 0x01/);
    expect(parseError('/a\x7f\n').message).toMatch(/^s\.txt:1:3: URI contains control character 0x7f/);
    const raw = parseSessionFile('/a\x00\x01\x7fb\n', 's.txt', { rawUriBytes: true });
    expect(raw.templates[0]!.bursts[0]!.requests[0]!.uri).toBe('/a\x00\x01\x7fb');
  });

  it('accepts attributes in any order and applies method/contents to this request only', () => {
    const file = parse("/x contents=abc think=2 method=put\n\t/y\n");
    const [x, y] = file.templates[0]!.bursts[0]!.requests;
    expect(x!.method).toBe('PUT');
    expect(x!.body?.toString()).toBe('abc');
    expect(file.templates[0]!.bursts[0]!.thinkTime).toBe(2);
    expect(y!.method).toBe('GET');
    expect(y!.body).toBeUndefined();
  });

  it('sets think= on the burst the line belongs to (member lines too); the last one wins', () => {
    const file = parse('/a think=1\n\t/b think=0.7\n/c think=3\n/d\n');
    expect(file.templates[0]!.bursts.map((b) => b.thinkTime)).toEqual([0.7, 3, undefined]);
  });

  it('accepts every allowed method, case-insensitively, stored upper-case', () => {
    for (const method of SESSION_METHODS) {
      expect(firstRequest(`/x method=${method.toLowerCase()}`).method).toBe(method);
      expect(firstRequest(`/x method=${method}`).method).toBe(method);
    }
    expect(firstRequest('/x method=PropFind').method).toBe('PROPFIND');
  });

  it('accepts think times as full non-negative decimal numbers', () => {
    const cases: Array<[string, number]> = [['0', 0], ['1', 1], ['0.25', 0.25], ['.5', 0.5], ['2.', 2], ['1e-3', 0.001], ['1.5E2', 150]];
    for (const [text, value] of cases) {
      expect(parse(`/x think=${text}`).templates[0]!.bursts[0]!.thinkTime).toBe(value);
    }
  });

  it('keeps the last contents= of a line (as httperf)', () => {
    expect(firstRequest('/x contents=one contents=two').body?.toString()).toBe('two');
  });

  it('keeps templates in file order (round robin is the engine’s business) with no limit of 1000', () => {
    const text = Array.from({ length: 1001 }, (_, i) => `/t${i}\n`).join('\n');
    const file = parse(text);
    expect(file.templates).toHaveLength(1001);
    expect(file.templates[0]!.bursts[0]!.requests[0]!.uri).toBe('/t0');
    expect(file.templates[1000]!.bursts[0]!.requests[0]!.uri).toBe('/t1000');
    expect(file.templates[1000]!.line).toBe(2001);
  });

  it('has no line-length limit: a 100 KB URI is one request', () => {
    const uri = `/${'a'.repeat(100_000)}`;
    const file = parse(`${uri} method=HEAD\n\t/b\n`);
    expect(shape(file)).toEqual([[[uri, '/b']]]);
    expect(file.templates[0]!.bursts[0]!.requests[0]!.method).toBe('HEAD');
    const body = 'x'.repeat(200_000);
    expect(firstRequest(`/p method=POST contents='${body}'`).body?.length).toBe(200_000);
  });

  it('skips a UTF-8 byte-order mark at the start of the file', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    expect(shape(parse(Buffer.concat([bom, Buffer.from('/a\n')])))).toEqual([[['/a']]]);
    expect(parseError(Buffer.concat([bom, Buffer.from('/a foo=1\n')])).message).toBe(
      's.txt:1:4: unknown attribute "foo" (known attributes: method=, think=, contents=, headers=)',
    );
  });

  it('parses a big file in one linear pass', () => {
    const lines: string[] = [];
    for (let t = 0; t < 2000; t++) {
      lines.push(`/page${t} think=0.5`, `\t/a${t}.css`, `\t/b${t}.js method=POST contents='x=1'`, `/next${t}`, '');
    }
    const file = parse(lines.join('\n'));
    expect(file.templates).toHaveLength(2000);
    expect(file.templates.reduce((n, t) => n + templateRequestCount(t), 0)).toBe(8000);
    expect(file.templates[1999]!.bursts[1]!.requests[0]!.line).toBe(1999 * 5 + 4);
  });
});

describe('contents= quoting and escapes', () => {
  const body = (attr: string): string | undefined => firstRequest(`/x method=POST ${attr}`).body?.toString('latin1');

  it('concatenates quoted and unquoted parts shell-style', () => {
    expect(body("contents=a'b c'd")).toBe('ab cd');
    expect(body(`contents="it's" think=1`)).toBe("it's");
    expect(body(`contents='say "hi"'`)).toBe('say "hi"');
    expect(body(`contents=a"b"'c'd`)).toBe('abcd');
  });

  it('applies backslash escapes inside and outside quotes', () => {
    expect(body('contents=a\\tb\\\\c\\qd')).toBe('a\tb\\cqd');
    expect(body("contents='l1\\nl2\\r\\t'")).toBe('l1\nl2\r\t');
    expect(body(`contents="a\\"b"`)).toBe('a"b');
    expect(body("contents='it\\'s'")).toBe("it's");
    expect(body('contents=one\\ two')).toBe('one two');
  });

  it('ends an unquoted value at a space or tab; other attributes may follow', () => {
    const file = parse('/x contents=abc\tthink=0.5 method=POST');
    expect(file.templates[0]!.bursts[0]!.requests[0]!.body?.toString()).toBe('abc');
    expect(file.templates[0]!.bursts[0]!.thinkTime).toBe(0.5);
  });

  it("treats an empty result (contents='' or \"\") as no body", () => {
    expect(body("contents=''")).toBeUndefined();
    expect(body('contents=""')).toBeUndefined();
  });

  it('continues a value after a backslash-newline, keeping an LF, and parses attributes on the next line', () => {
    const file = parse('/x method=POST contents="abc\\\ndef" think=0.1\n/y\n');
    const [first, second] = file.templates[0]!.bursts;
    expect(first!.requests[0]!.body?.toString()).toBe('abc\ndef');
    expect(first!.thinkTime).toBe(0.1);
    expect(first!.requests[0]!.line).toBe(1);
    expect(second!.requests[0]!.uri).toBe('/y');
    expect(second!.requests[0]!.line).toBe(3);
  });

  it('continues unquoted values too, and a continued line is never a comment or a blank line', () => {
    expect(shape(parse('/x contents=a\\\n#b\n/y'))).toEqual([[['/x'], ['/y']]]);
    expect(firstRequest('/x contents=a\\\n#b').body?.toString()).toBe('a\n#b');
    expect(firstRequest('/x contents=a\\\n\n').body?.toString()).toBe('a\n');
  });

  it('keeps request bodies byte for byte, whatever their encoding', () => {
    const bytes = Buffer.concat([Buffer.from('/x contents='), Buffer.from([0xff, 0xfe, 0x80, 0x41])]);
    expect([...parse(bytes).templates[0]!.bursts[0]!.requests[0]!.body!]).toEqual([0xff, 0xfe, 0x80, 0x41]);
    expect(firstRequest('/x contents=héllo').body?.toString('utf8')).toBe('héllo');
  });
});

describe('CRLF files', () => {
  it('reads CRLF files like LF files, and the CR of a line end is never part of a value', () => {
    const file = parse('/x method=POST contents=abc\r\n/y\r\n\r\n\t/z think=2\r\n');
    expect(shape(file)).toEqual([[['/x'], ['/y']], [['/z']]]);
    expect(file.templates[0]!.bursts[0]!.requests[0]!.body?.toString()).toBe('abc');
    expect(file.templates[1]!.bursts[0]!.thinkTime).toBe(2);
  });

  it('strips the CR before the newline in quoted values, method=, think= and headers=', () => {
    const file = parse("/x method=PUT contents='a b'\r\n\t/y headers='X-A: 1'\r\n/z think=0.5\r\n/w");
    const [first, second] = file.templates[0]!.bursts;
    expect(first!.requests[0]!.method).toBe('PUT');
    expect(first!.requests[0]!.body?.toString()).toBe('a b');
    expect(first!.requests[1]!.headers).toEqual([['X-A', '1']]);
    expect(second!.thinkTime).toBe(0.5);
  });

  it('continues after a backslash before CRLF with a plain LF', () => {
    const file = parse('/x contents="abc\\\r\ndef" think=1\r\n/y\r\n');
    expect(file.templates[0]!.bursts[0]!.requests[0]!.body?.toString()).toBe('abc\ndef');
    expect(file.templates[0]!.bursts[0]!.thinkTime).toBe(1);
    expect(file.templates[0]!.bursts[1]!.requests[0]!.line).toBe(3);
  });
});

describe('headers= (loadgen extension)', () => {
  it('reads Name: value lines separated by \\n, in order, and repeated headers= add more', () => {
    const request = firstRequest(
      "/api headers='X-Api-Key: k1\\nAccept: application/json' headers=X-Trace:abc headers=\"X-Empty:\"",
    );
    expect(request.headers).toEqual([
      ['X-Api-Key', 'k1'],
      ['Accept', 'application/json'],
      ['X-Trace', 'abc'],
      ['X-Empty', ''],
    ]);
  });

  it('trims spaces and tabs around values, keeps inner ones, and skips empty lines', () => {
    expect(firstRequest("/a headers='A:  x  y \\t\\n\\nB:\\tz'").headers).toEqual([['A', 'x  y'], ['B', 'z']]);
  });

  it('leaves headers undefined when there are none', () => {
    expect(firstRequest('/a').headers).toBeUndefined();
    expect(firstRequest("/a headers=''").headers).toBeUndefined();
  });

  it('continues a headers= value over lines like contents=', () => {
    expect(firstRequest("/a headers='A: 1\\\nB: 2' method=HEAD").headers).toEqual([['A', '1'], ['B', '2']]);
  });

  it('rejects bad header lines with the position of the problem', () => {
    expect(parseError("/a headers='NoColon'").message).toBe(
      's.txt:1:13: bad header "NoColon" in headers=: expected "Name: value"',
    );
    expect(parseError("/a headers=': v'").message).toBe('s.txt:1:13: bad header ": v" in headers=: the name is empty');
    expect(parseError("/a headers='Bad Name: v'").message).toBe(
      's.txt:1:16: invalid character 0x20 in header name "Bad Name"',
    );
    expect(parseError("/a headers='A: 1\\nB(: 2'").message).toBe(
      's.txt:1:20: invalid character \'(\' in header name "B("',
    );
    expect(parseError("/a headers='A: x\\ry'").message).toBe('s.txt:1:17: header "A" value contains a carriage return (CR)');
    // There is no \xNN escape: \x stands for x.
    expect(firstRequest('/a headers=A:\\x01').headers).toEqual([['A', 'x01']]);
    expect(parseError("/a headers='A: \x01'").message).toBe('s.txt:1:16: header "A" value contains control character 0x01');
    // Non-ASCII header bytes (RFC 9110 obs-text) are kept as the file's bytes.
    expect(firstRequest("/a headers='A: caf\u00e9'").headers).toEqual([['A', 'caf\xC3\xA9']]);
    expect(parseError("/a contents=x headers='Content-Length: 5'").message).toBe(
      's.txt:1:24: header "Content-Length" cannot be set with headers=: loadgen derives it from contents=',
    );
    expect(parseError("/a headers='transfer-encoding: chunked'").message).toContain('s.txt:1:13: header "transfer-encoding" cannot be set');
  });

  it('points at the right line of a continued headers= value', () => {
    expect(parseError("/a headers='A: 1\\\nbad'").message).toBe('s.txt:2:1: bad header "bad" in headers=: expected "Name: value"');
  });

  it('reports a bad header line before a later unterminated quote (file order)', () => {
    expect(parseError("/a headers='bad\\nA: 1\\n'x: 'oops").message).toBe(
      's.txt:1:13: bad header "bad" in headers=: expected "Name: value"',
    );
    expect(parseError("/a headers='A: 1\\nB: 2' headers=C:'oops").message).toBe(
      "s.txt:1:35: unterminated ' quote in headers= value",
    );
  });
});

describe('errors: InputError FILE:LINE:COL, for the first problem in file order', () => {
  const cases: Array<[name: string, text: string, message: string]> = [
    ['empty file', '', 's.txt:1:1: no requests in session file'],
    ['comments and blank lines only', '# only a comment\n\n  \n', 's.txt:1:1: no requests in session file'],
    [
      'unknown attribute',
      '/a\n/x foo=bar\n',
      's.txt:2:4: unknown attribute "foo" (known attributes: method=, think=, contents=, headers=)',
    ],
    [
      'token without =',
      '/x y\n',
      's.txt:1:4: unknown attribute "y" (known attributes: method=, think=, contents=, headers=; a URI cannot contain spaces)',
    ],
    ['known name without =', '/x think 1\n', 's.txt:1:4: attribute "think" needs a value: write think=VALUE'],
    ['attribute names are case-sensitive', '/x Method=GET', 's.txt:1:4: unknown attribute "Method" (known attributes: method=, think=, contents=, headers=)'],
    [
      'unknown method',
      '/x method=FOO',
      's.txt:1:11: unknown method "FOO" (allowed: GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, PATCH, PROPFIND, REPORT)',
    ],
    [
      'prefix of a method is no longer a match',
      '/x method=GETX',
      's.txt:1:11: unknown method "GETX" (allowed: GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, PATCH, PROPFIND, REPORT)',
    ],
    ['empty method=', '/x method= think=1', 's.txt:1:4: method= needs a value'],
    ['empty think=', '/x think=', 's.txt:1:4: think= needs a value'],
    ['empty contents=', "/x method=POST contents=", "s.txt:1:16: contents= needs a value (write contents='' for no body)"],
    ['contents= then space', '/x contents= think=1', "s.txt:1:4: contents= needs a value (write contents='' for no body)"],
    ['empty contents= in CRLF', '/x contents=\r\n', "s.txt:1:4: contents= needs a value (write contents='' for no body)"],
    ['empty headers=', '/x headers=', "s.txt:1:4: headers= needs a value (write headers='' for none)"],
    [
      'non-numeric think',
      '/x think=abc',
      's.txt:1:10: bad think time "abc": expected a non-negative number of seconds, e.g. think=0.5',
    ],
    ['trailing junk in think', '/x think=0.3abc', 's.txt:1:10: bad think time "0.3abc": expected a non-negative number of seconds, e.g. think=0.5'],
    ['negative think', '/x think=-1', 's.txt:1:10: bad think time "-1": expected a non-negative number of seconds, e.g. think=0.5'],
    ['infinite think', '/x think=1e999', 's.txt:1:10: bad think time "1e999": expected a non-negative number of seconds, e.g. think=0.5'],
    ['inf think', '/x think=inf', 's.txt:1:10: bad think time "inf": expected a non-negative number of seconds, e.g. think=0.5'],
    ['unterminated single quote', "/x contents='abc", "s.txt:1:13: unterminated ' quote in contents= value"],
    ['unterminated double quote', '/a\n\t/x contents=a"bc\n/y', 's.txt:2:15: unterminated " quote in contents= value'],
    ['unterminated quote over a continuation', "/x contents='abc\\\ndef\n", "s.txt:1:13: unterminated ' quote in contents= value"],
    ['continuation at EOF', '/x contents=abc\\\n', 's.txt:1:16: backslash continuation at end of file'],
    ['backslash as last byte', '/x contents=abc\\', 's.txt:1:16: backslash continuation at end of file'],
    ['continuation at EOF after CRLF', '/x contents=abc\\\r\n', 's.txt:1:16: backslash continuation at end of file'],
    ['first problem wins', '/x think=abc method=FOO\n/y bad=1\n', 's.txt:1:10: bad think time "abc": expected a non-negative number of seconds, e.g. think=0.5'],
    ['column counts characters, not bytes', '/héé foo=1', 's.txt:1:6: unknown attribute "foo" (known attributes: method=, think=, contents=, headers=)'],
  ];
  for (const [name, text, message] of cases) {
    it(name, () => {
      const err = parseError(text);
      expect(err.message).toBe(message);
      expect(err.file).toBe('s.txt');
      expect(err.exitCode).toBe(2);
    });
  }

  it('cuts long offending text short in messages', () => {
    const err = parseError(`/x method=${'A'.repeat(5000)}`);
    expect(err.message.length).toBeLessThan(250);
    expect(err.message).toContain('...');
  });

  it('never throws anything but InputError, whatever the bytes (fuzz)', () => {
    const alphabet = ['/', 'a', ' ', '\t', '\n', '\r', '#', '=', "'", '"', '\\', 'n', 'method=', 'think=', 'contents=', 'headers=', 'GET', '1', ':', '.', '\x00', 'é'];
    const text = fc.array(fc.constantFrom(...alphabet), { maxLength: 60 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ unit: 'binary', maxLength: 60 })), (input) => {
        try {
          const file = parseSessionFile(input, 'f.txt');
          expect(file.templates.length).toBeGreaterThan(0);
          for (const t of file.templates) for (const b of t.bursts) expect(b.requests.length).toBeGreaterThan(0);
        } catch (err) {
          expect(err).toBeInstanceOf(InputError);
          const e = err as InputError;
          expect(e.line).toBeGreaterThanOrEqual(1);
          expect(e.column).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('the real httperf samples (spec samples/10)', () => {
  const sample = (name: string) => readFileSync(join(SAMPLES, name));
  const parseSample = (name: string) => parseSessionFile(sample(name), name);
  const sampleError = (name: string) => parseError(sample(name), name).message;

  it('has every sample file the tests below cover', () => {
    const files = readdirSync(SAMPLES).filter((f) => /^[a-z]_.*\.txt$/.test(f));
    expect(files).toHaveLength(16);
    expect(readFileSync(join(SAMPLES, 'httperf-results.txt'), 'utf8')).toContain('===== u_crlf.txt');
  });

  it('a_unknown: unknown attribute is an error (httperf: did not recognize arg)', () => {
    expect(sampleError('a_unknown.txt')).toBe(
      'a_unknown.txt:1:4: unknown attribute "foo" (known attributes: method=, think=, contents=, headers=)',
    );
  });
  it('b_badmethod: unknown method is an error', () => {
    expect(sampleError('b_badmethod.txt')).toMatch(/^b_badmethod\.txt:1:11: unknown method "FOO" \(allowed: GET, HEAD/);
  });
  it('c_prefix: loadgen rejects the prefix match GETX (httperf took it as GET) and accepts lower-case get', () => {
    expect(sampleError('c_prefix.txt')).toMatch(/^c_prefix\.txt:1:11: unknown method "GETX"/);
    expect(firstRequest('/y method=get').method).toBe('GET');
  });
  it('d_empty and e_comments: a clear error where httperf crashed with SIGSEGV', () => {
    expect(sampleError('d_empty.txt')).toBe('d_empty.txt:1:1: no requests in session file');
    expect(sampleError('e_comments.txt')).toBe('e_comments.txt:1:1: no requests in session file');
  });
  it('f_emptycontents: contents= with nothing after = is an error', () => {
    expect(sampleError('f_emptycontents.txt')).toBe(
      "f_emptycontents.txt:1:16: contents= needs a value (write contents='' for no body)",
    );
  });
  it("g_quotedempty: contents='' is a POST with no body", () => {
    const request = parseSample('g_quotedempty.txt').templates[0]!.bursts[0]!.requests[0]!;
    expect(request).toEqual({ uri: '/x', method: 'POST', line: 1 });
  });
  it('h_badthink: non-numeric think= is an error', () => {
    expect(sampleError('h_badthink.txt')).toMatch(/^h_badthink\.txt:1:10: bad think time "abc"/);
  });
  it('i_thinkmember: think= on a member line sets the burst think time', () => {
    const file = parseSample('i_thinkmember.txt');
    expect(shape(file)).toEqual([[['/a', '/b'], ['/c']]]);
    expect(file.templates[0]!.bursts.map((b) => b.thinkTime)).toEqual([0.7, undefined]);
  });
  it('j_leadingws: an indented first line opens the first burst', () => {
    expect(shape(parseSample('j_leadingws.txt'))).toEqual([[['/lead', '/b'], ['/c']]]);
  });
  it('k_hash: " #notacomment" is a burst member URI', () => {
    expect(shape(parseSample('k_hash.txt'))).toEqual([[['/a', '#notacomment'], ['/c']]]);
  });
  it('l_continuation: body abc\\ndef (7 bytes), think 0.1, then /y', () => {
    const file = parseSample('l_continuation.txt');
    expect(shape(file)).toEqual([[['/x'], ['/y']]]);
    const x = file.templates[0]!.bursts[0]!.requests[0]!;
    expect(x.method).toBe('POST');
    expect(x.body?.toString()).toBe('abc\ndef');
    expect(x.body?.length).toBe(7);
    expect(file.templates[0]!.bursts[0]!.thinkTime).toBe(0.1);
  });
  it('p_escapes: a\\tb\\\\c\\qd is 7 bytes a TAB b \\ c q d', () => {
    const body = parseSample('p_escapes.txt').templates[0]!.bursts[0]!.requests[0]!.body!;
    expect(body.toString()).toBe('a\tb\\cqd');
    expect(body.length).toBe(7);
  });
  it('q_query: # inside a URI is sent literally; HEAD', () => {
    const request = parseSample('q_query.txt').templates[0]!.bursts[0]!.requests[0]!;
    expect(request.uri).toBe('/q?a=1&b=#frag');
    expect(request.method).toBe('HEAD');
  });
  it('t_midcomment: a comment inside a template keeps the burst going', () => {
    expect(shape(parseSample('t_midcomment.txt'))).toEqual([[['/a', '/b'], ['/c']]]);
  });
  it('u_crlf: body is abc (3 bytes; httperf sent 4 with the CR) and the URI is /y', () => {
    const file = parseSample('u_crlf.txt');
    expect(shape(file)).toEqual([[['/x'], ['/y']]]);
    expect(file.templates[0]!.bursts[0]!.requests[0]!.body?.toString('latin1')).toBe('abc');
  });
  it('long.txt: a 12001-character URI is one request (httperf split it in two)', () => {
    const uri = `/${'u'.repeat(12000)}`;
    expect(shape(parse(`${uri}\n`))).toEqual([[[uri]]]);
  });
  it('many.txt: 1001 templates are fine (httperf: too many sessions)', () => {
    const text = Array.from({ length: 1001 }, (_, i) => `/s${i}`).join('\n\n');
    expect(parse(text).templates).toHaveLength(1001);
  });
});

describe('bookofxen.txt (the classic httperf example)', () => {
  it('is one template of 4 bursts and 21 requests', () => {
    const file = parseSessionFile(readFileSync(join(REPO_SESSIONS, 'bookofxen.txt')), 'bookofxen.txt');
    expect(file.templates).toHaveLength(1);
    const template = file.templates[0]!;
    expect(template.bursts.map((b) => b.requests.length)).toEqual([9, 8, 1, 3]);
    expect(templateRequestCount(template)).toBe(21);
    expect(template.bursts.map((b) => b.requests[0]!.uri)).toEqual(['/newsv3/', '/index.shtml', '/news/', '/events/']);
    expect(template.bursts.every((b) => b.thinkTime === undefined)).toBe(true);
  });
});

describe('example session files in sessions/', () => {
  const examples = readdirSync(REPO_SESSIONS).filter((f) => f.endsWith('.txt'));

  it('are all parsed without error, and each starts with a comment header', async () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const name of examples) {
      const file = await loadSessionFile(join(REPO_SESSIONS, name));
      expect(file.templates.length).toBeGreaterThan(0);
      if (name !== 'bookofxen.txt') expect(readFileSync(join(REPO_SESSIONS, name), 'utf8').startsWith('# ')).toBe(true);
    }
  });

  it('shop.txt logs in with a POST and posts JSON with a Content-Type header', async () => {
    const file = await loadSessionFile(join(REPO_SESSIONS, 'shop.txt'));
    const bursts = file.templates[0]!.bursts;
    expect(bursts).toHaveLength(5);
    expect(bursts[1]!.requests[0]!.method).toBe('POST');
    expect(bursts[1]!.requests[0]!.body?.toString()).toBe('user=alice&password=s3cret');
    expect(bursts[4]!.requests[0]!.headers).toEqual([['Content-Type', 'application/json']]);
    expect(JSON.parse(bursts[4]!.requests[0]!.body!.toString())).toEqual({ pay: 'card', note: 'leave at the door' });
  });

  it('api.txt uses headers= on every request', async () => {
    const file = await loadSessionFile(join(REPO_SESSIONS, 'api.txt'));
    const requests = file.templates[0]!.bursts.flatMap((b) => b.requests);
    expect(requests).toHaveLength(6);
    expect(requests.every((r) => (r.headers?.length ?? 0) > 0)).toBe(true);
    expect(requests[2]!.headers).toEqual([['Accept', 'application/json'], ['X-Api-Key', 'demo-key-1']]);
    expect(requests.map((r) => r.method)).toEqual(['POST', 'GET', 'GET', 'GET', 'PATCH', 'DELETE']);
  });

  it('two-templates.txt has two templates with think= overrides and HEAD', async () => {
    const file = await loadSessionFile(join(REPO_SESSIONS, 'two-templates.txt'));
    expect(file.templates).toHaveLength(2);
    expect(file.templates[0]!.bursts.map((b) => b.thinkTime)).toEqual([4, undefined]);
    expect(file.templates[1]!.bursts.map((b) => b.thinkTime)).toEqual([0.2, 0.2, undefined]);
    expect(file.templates[1]!.bursts.every((b) => b.requests[0]!.method === 'HEAD')).toBe(true);
  });
});

describe('loadSessionFile', () => {
  it('reads and parses a file, naming it in messages', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loadgen-parse-'));
    try {
      const good = join(dir, 'good.txt');
      await writeFile(good, '/a\n\t/b\n');
      const file = await loadSessionFile(good);
      expect(file.path).toBe(good);
      expect(shape(file)).toEqual([[['/a', '/b']]]);

      const bad = join(dir, 'bad.txt');
      await writeFile(bad, '/a\n/b think=x\n');
      await expect(loadSessionFile(bad)).rejects.toThrow(`${bad}:2:10: bad think time "x"`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("gives UsageError can't open for a missing file or a directory", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loadgen-parse-'));
    try {
      const missing = join(dir, 'nope.txt');
      const err = await loadSessionFile(missing).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).message).toBe(`can't open ${missing}: no such file or directory`);
      await expect(loadSessionFile(dir)).rejects.toThrow(`can't open ${dir}: is a directory`);
      await expect(loadSessionFile(dir)).rejects.toBeInstanceOf(UsageError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("gives UsageError can't open when a path component is a file", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loadgen-parse-'));
    try {
      const file = join(dir, 'plain.txt');
      await writeFile(file, '/a\n');
      const below = join(file, 'sessions.txt');
      await expect(loadSessionFile(below)).rejects.toThrow(`can't open ${below}: a component of the path is not a directory`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // Root reads any file whatever its mode, so this case can only be seen as another user.
  it.skipIf(process.getuid?.() === 0)("gives UsageError can't open for an unreadable file", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loadgen-parse-'));
    try {
      const locked = join(dir, 'locked.txt');
      await writeFile(locked, '/a\n');
      await chmod(locked, 0o000);
      await expect(loadSessionFile(locked)).rejects.toThrow(`can't open ${locked}: permission denied`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('formatSessionFile', () => {
  it('writes the grammar: bursts, indented members, think on the first line, quoted values', () => {
    const file: SessionFile = {
      path: 'x',
      templates: [
        {
          line: 1,
          bursts: [
            {
              thinkTime: 1.5,
              requests: [
                { uri: '/login', method: 'POST', body: Buffer.from("u=a b&p='x'\n"), headers: [['X-A', '1'], ['Accept', '*/*']], line: 1 },
                { uri: '/a.css', method: 'GET', line: 2 },
              ],
            },
            { requests: [{ uri: '/plain', method: 'PUT', body: Buffer.from('k=v'), line: 3 }] },
          ],
        },
        { line: 5, bursts: [{ requests: [{ uri: '#first', method: 'HEAD', line: 5 }] }] },
      ],
    };
    const text = formatSessionFile(file);
    expect(text).toBe(
      [
        "/login method=POST think=1.5 contents='u=a b&p=\\'x\\'\\n' headers='X-A: 1\\nAccept: */*'",
        '\t/a.css',
        '/plain method=PUT contents=k=v',
        '',
        '\t#first method=HEAD',
        '',
      ].join('\n'),
    );
    const back = parseSessionFile(text, 'x');
    expect(stripLines(back)).toEqual(stripLines(file));
  });

  it('refuses models the grammar cannot express', () => {
    const one = (uri: string, bursts = 1): SessionFile => ({
      path: 'x',
      templates: [{ line: 1, bursts: Array.from({ length: bursts }, () => ({ requests: [{ uri, method: 'GET' as const, line: 1 }] })) }],
    });
    expect(() => formatSessionFile(one('/a b'))).toThrow(RangeError);
    expect(() => formatSessionFile(one(''))).toThrow(RangeError);
    expect(() => formatSessionFile(one('#x', 2))).toThrow(/comment/);
    expect(() => formatSessionFile({ path: 'x', templates: [{ line: 1, bursts: [] }] })).toThrow(RangeError);
  });

  it('round-trips the example files', async () => {
    for (const name of ['bookofxen.txt', 'shop.txt', 'api.txt', 'two-templates.txt']) {
      const file = await loadSessionFile(join(REPO_SESSIONS, name));
      expect(stripLines(parseSessionFile(formatSessionFile(file), file.path))).toEqual(stripLines(file));
    }
  });

  it('property: any model written out parses back to the same model', () => {
    fc.assert(
      fc.property(sessionFileArbitrary(), (file) => {
        const text = formatSessionFile(file);
        const back = parseSessionFile(Buffer.from(text, 'latin1'), file.path, { rawUriBytes: true });
        expect(stripLines(back)).toEqual(stripLines(file));
        // Written with LF or CRLF line ends, the file means the same.
        const crlf = Buffer.from(text.replace(/\n/g, '\r\n'), 'latin1');
        expect(stripLines(parseSessionFile(crlf, file.path, { rawUriBytes: true }))).toEqual(stripLines(file));
      }),
      { numRuns: 300 },
    );
  });
});

/** The model without line numbers (a serialized file has its own), bodies as byte arrays. */
function stripLines(file: SessionFile): unknown {
  return {
    path: file.path,
    templates: file.templates.map((t) =>
      t.bursts.map((b) => ({
        thinkTime: b.thinkTime,
        requests: b.requests.map((r) => ({
          uri: r.uri,
          method: r.method,
          body: r.body === undefined ? undefined : [...r.body],
          headers: r.headers,
        })),
      })),
    ),
  };
}

/** Session models the grammar can express, with awkward URIs, bodies and headers. */
function sessionFileArbitrary(): fc.Arbitrary<SessionFile> {
  const tricky = fc
    .array(fc.constantFrom('a', 'Z', ' ', '\t', '\n', '\r', "'", '"', '\\', '#', '=', 'é', '€', '😀', 'n', '\x00', '\x0b'), {
      minLength: 1,
      maxLength: 12,
    })
    .map((parts) => parts.join(''));
  const anyText = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 });
  // URIs are byte strings (model.ts): text is stored as its UTF-8 bytes.
  const uri = fc
    .oneof(anyText, tricky, fc.constant('/index.html'))
    .map((s) => Buffer.from(s.replace(/[ \t\r\n\v\f]/g, '_'), 'utf8').toString('latin1'));
  const body = fc.option(fc.oneof(anyText, tricky).map((s) => Buffer.from(s, 'utf8')), { nil: undefined });
  const headerName = fc
    .stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/)
    .filter((n) => !['content-length', 'transfer-encoding'].includes(n.toLowerCase()));
  const headerValue = fc
    .string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 16 })
    .map((s) => s.trim());
  const headers = fc.option(fc.array(fc.tuple(headerName, headerValue), { minLength: 1, maxLength: 3 }), { nil: undefined });
  const method = fc.constantFrom<HttpMethod>(...SESSION_METHODS);
  const request = fc.record({ uri, method, body, headers });
  const think = fc.option(
    fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 1e6, noNaN: true })).map((x) => (x === 0 ? 0 : x)),
    { nil: undefined },
  );
  const burst = fc.record({ thinkTime: think, requests: fc.array(request, { minLength: 1, maxLength: 4 }) });
  const template = fc.array(burst, { minLength: 1, maxLength: 4 });
  return fc.array(template, { minLength: 1, maxLength: 3 }).map((templates) => ({
    path: 'gen.txt',
    templates: templates.map((bursts) => ({
      line: 0,
      bursts: bursts.map((b, burstIndex) => ({
        ...(b.thinkTime !== undefined ? { thinkTime: b.thinkTime } : {}),
        requests: b.requests.map((r, requestIndex) => ({
          // A burst after the first cannot open with '#' (the line would be a comment).
          uri: burstIndex > 0 && requestIndex === 0 && r.uri.startsWith('#') ? `/${r.uri}` : r.uri,
          method: r.method,
          ...(r.body !== undefined && r.body.length > 0 ? { body: r.body } : {}),
          ...(r.headers !== undefined ? { headers: r.headers } : {}),
          line: 0,
        })),
      })),
    })),
  }));
}
