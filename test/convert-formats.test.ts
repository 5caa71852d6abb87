/** Line parsers of `loadgen convert`: each format family and the oddities real logs contain. */
import { describe, expect, it } from 'vitest';
import { compileApacheFormat } from '../src/convert/formats/apache.js';
import { detectFormat, resolveFormat } from '../src/convert/formats/index.js';
import { compileNginxFormat } from '../src/convert/formats/nginx.js';
import { createScanner } from '../src/convert/formats/scanner.js';
import { normalizeReferer, normalizeTarget, splitRequestLine } from '../src/convert/formats/uri.js';
import { ParseFailure, type LineParser, type LogRecord } from '../src/convert/record.js';

function parser(format: string, fields: string[] = []): LineParser {
  const choice = resolveFormat(format, fields);
  if (choice.kind !== 'fixed') throw new Error('expected a fixed format');
  return choice.parser;
}

function ok(p: LineParser, line: string): LogRecord {
  const result = p.parse(line, 0, 1, 0);
  if (result instanceof ParseFailure) throw new Error(`${result.reason}: ${result.detail}`);
  return result;
}

function fail(p: LineParser, line: string): ParseFailure {
  const result = p.parse(line, 0, 1, 0);
  expect(result).toBeInstanceOf(ParseFailure);
  return result as ParseFailure;
}

const COMBINED = parser('combined');
const COMMON = parser('common');
const NGINX = parser('nginx');

describe('common and combined', () => {
  it('reads a NASA common line with a host name client', () => {
    const r = ok(COMMON, 'uplherc.upl.com - - [01/Aug/1995:00:00:07 -0400] "GET / HTTP/1.0" 304 0');
    expect(r).toMatchObject({ client: 'uplherc.upl.com', method: 'GET', uri: '/', status: 304, referer: '', userAgent: '' });
    expect(r.time).toBe(Date.UTC(1995, 7, 1, 4, 0, 7) / 1000);
  });

  it('accepts "-" sizes, a missing HTTP version and HTTP/V1.0', () => {
    expect(ok(COMMON, 'h - - [01/Aug/1995:00:00:07 -0400] "GET /a.gif HTTP/1.0" 404 -').status).toBe(404);
    expect(ok(COMMON, 'h - - [01/Aug/1995:00:00:07 -0400] "GET /history/apollo/" 200 1').uri).toBe('/history/apollo/');
    expect(ok(COMMON, 'h - - [01/Aug/1995:00:00:07 -0400] "GET /x.html HTTP/V1.0" 200 1').uri).toBe('/x.html');
  });

  it('reads IPv6 clients and a Referer/User-Agent', () => {
    const r = ok(COMBINED, '2001:db8::1 - bob [17/May/2015:10:05:03 +0000] "GET /p?q=1 HTTP/1.1" 200 5 "http://example.com/home?x#top" "Mozilla/5.0 (X11)"');
    expect(r).toMatchObject({ client: '2001:db8::1', uri: '/p?q=1', referer: '/home?x', userAgent: 'Mozilla/5.0 (X11)' });
  });

  it('handles escaped quotes inside quoted fields', () => {
    const r = ok(COMBINED, '1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET /a\\"b HTTP/1.1" 200 5 "-" "Agent \\"quoted\\" v1"');
    expect(r.uri).toBe('/a%22b');
    expect(r.userAgent).toBe('Agent \\"quoted\\" v1');
  });

  it('decodes \\xHH escapes (nginx and Apache) into percent-encoding', () => {
    const r = ok(COMBINED, '1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET /caf\\xC3\\xA9 x HTTP/1.1" 200 5 "http://\\xe4\\xe5.\\xf0\\xf4/" "-"');
    expect(r.uri).toBe('/caf%C3%A9%20x');
    expect(r.referer).toBe('/');
  });

  it('percent-encodes non-ASCII text, spaces and quotes so the URI is one token', () => {
    expect(normalizeTarget('/über ä\'"')).toBe('/%C3%BCber%20%C3%A4%27%22');
    expect(normalizeTarget('/already%20encoded?a=b&c=%2F')).toBe('/already%20encoded?a=b&c=%2F');
    expect(normalizeTarget('/tab\\there')).toBe('/tab%09here');
  });

  it('keeps URLs of many KB', () => {
    const long = `/search?q=${'x'.repeat(20_000)}`;
    const r = ok(COMBINED, `1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET ${long} HTTP/1.1" 200 5 "-" "-"`);
    expect(r.uri).toBe(long);
  });

  it('turns proxy-form targets into origin-form', () => {
    const into = { method: '', target: '' };
    expect(splitRequestLine('GET http://example.com/a?b HTTP/1.1', into)).toBeUndefined();
    expect(into.target).toBe('/a?b');
    expect(splitRequestLine('GET https://example.com HTTP/1.1', into)).toBeUndefined();
    expect(into.target).toBe('/');
  });

  it('names empty, garbage and unreplayable request lines', () => {
    const line = (request: string) => `1.2.3.4 - - [17/May/2015:10:05:03 +0000] "${request}" 400 0 "-" "-"`;
    expect(fail(COMBINED, line('-')).reason).toBe('empty request line');
    expect(fail(COMBINED, line('')).reason).toBe('empty request line');
    expect(fail(COMBINED, line('\\x16\\x03\\x01\\x00\\xa5\\x01')).reason).toBe('bad request line');
    expect(fail(COMBINED, line('CONNECT example.com:443 HTTP/1.1')).reason).toBe('bad request target');
    expect(fail(COMBINED, line('GET')).reason).toBe('bad request line');
  });

  it('reports lines that do not match, with a reason and a column', () => {
    expect(fail(COMBINED, 'garbage').reason).toBe('line does not match the format');
    const cut = fail(COMBINED, '1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5 "-" "Mozilla/5.0 (compatible; Googlebot/2.1');
    expect(cut.reason).toBe('unterminated quoted field');
    expect(cut.column).toBeGreaterThan(60);
    expect(fail(COMMON, 'h - - [32/Aug/1995:00:00:07 -0400] "GET / HTTP/1.0" 200 1').reason).toBe('bad time');
    expect(fail(COMMON, 'h - - [01/Aug/1995:00:00:07 -0400] "GET / HTTP/1.0" abc 1').reason).toBe('bad status');
    expect(fail(COMMON, 'h - - [01/Aug/1995:00:00:07 -0400] "GET / HTTP/1.0" 200 1 extra').reason).toBe('line does not match the format');
    expect(fail(COMMON, 'h - - [01/Aug/1995:00:00:07 -0400] "GET / HTTP/1.0" 200 1 "-" "UA"').reason).toBe('line does not match the format');
  });
});

describe('Apache LogFormat strings', () => {
  it('compiles a format with %D and config escapes', () => {
    const p = parser('%h %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-Agent}i\\" %D');
    const r = ok(p, '1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET /x HTTP/1.1" 200 5 "-" "UA" 1234');
    expect(r).toMatchObject({ uri: '/x', userAgent: 'UA' });
  });

  it('reads %{...}t strftime times with milliseconds', () => {
    const p = parser('%a [%{%d/%b/%Y %H:%M:%S}t.%{msec_frac}t %{%z}t] "%r" %s');
    const r = ok(p, '::1 [17/May/2015 10:05:03.250 +0200] "GET /t HTTP/1.1" 200');
    expect(r.time).toBeCloseTo(Date.UTC(2015, 4, 17, 8, 5, 3, 250) / 1000, 6);
  });

  it('reads %{sec}t and %{end:...}t minus %T', () => {
    expect(ok(parser('%h %{sec}t "%r" %s'), 'h 1431857103 "GET / HTTP/1.1" 200').time).toBe(1431857103);
    const p = parser('%h %{end:%Y-%m-%dT%H:%M:%S}t %{ms}T "%r" %s');
    expect(ok(p, 'h 2015-05-17T10:05:03 1500 "GET / HTTP/1.1" 200').time).toBe(Date.UTC(2015, 4, 17, 10, 5, 1, 500) / 1000);
  });

  it('builds the target from %m %U%q', () => {
    const p = parser('%h %t %m %U%q %s');
    expect(ok(p, 'h [17/May/2015:10:05:03 +0000] HEAD /a?b=1 200')).toMatchObject({ method: 'HEAD', uri: '/a?b=1' });
  });

  it("reads a field for every directive of Apache's modules and uses only those it needs", () => {
    // mod_ssl (%{VAR}x, %{VAR}c), mod_log_config (%{c}a, %L, %k, %{VAR}^ti, %{VAR}^to, %<s, %{format}p,
    // %{UNIQUE_ID}e, %{forensic-id}n), mod_logio (%I %O %S %^FB): one field each, skipped.
    const format =
      '%{c}a %L %k %{SSL_PROTOCOL}x %{SSL_CLIENT_S_DN_CN}c %{Trailer}^ti %{Trailer}^to %^FB %I %O %S ' +
      '%{remote}p %{UNIQUE_ID}e %{forensic-id}n %P %{tid}P %X %R %f %v %V %H %A %B %C %{Set-Cookie}o %t "%r" %<s %>s';
    const line =
      '10.1.2.3 Yw3x 2 TLSv1.3 alice - - 1234 512 2048 2560 ' +
      '55012 ZK8 - 4242 140 + - /srv/index.html example.org www.example.org HTTP/1.1 10.0.0.1 2048 - - [17/May/2015:10:05:03 +0000] "GET /ssl?x=1 HTTP/1.1" 200 304';
    const r = ok(parser(format), line);
    expect(r).toMatchObject({ client: '10.1.2.3', method: 'GET', uri: '/ssl?x=1', status: 304 });
    expect(r.time).toBe(Date.UTC(2015, 4, 17, 10, 5, 3) / 1000);
    // The real-world mod_ssl format of the issue.
    const ssl = parser('%h %l %u %t "%r" %>s %b %{SSL_PROTOCOL}x %{SSL_CIPHER}x');
    expect(ok(ssl, 'h - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256').uri).toBe('/');
  });

  it('skips a %{...}t it cannot read when another field gives the time, and adds %{msec_frac}t to %t', () => {
    const p = parser('%h %{%j}t %t "%r" %s');
    expect(ok(p, 'h 137 [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200').time).toBe(Date.UTC(2015, 4, 17, 10, 5, 3) / 1000);
    expect(() => compileApacheFormat('%h %{%j}t "%r" %s')).toThrow(/%j is not supported \(and there is no other time field\)/);
    const frac = parser('%h %t %{msec_frac}t "%r" %s');
    expect(ok(frac, 'h [17/May/2015:10:05:03 +0000] 250 "GET / HTTP/1.1" 200').time).toBeCloseTo(Date.UTC(2015, 4, 17, 10, 5, 3, 250) / 1000, 6);
  });

  it('rejects formats it cannot use, with a message', () => {
    expect(() => compileApacheFormat('%h %^zz')).toThrow(/unknown directive %\^/);
    expect(() => compileApacheFormat('%h %Z')).toThrow(/unknown directive %Z/);
    expect(() => createScanner(compileApacheFormat('%h %r'))).toThrow(/no time field/);
    expect(() => createScanner(compileApacheFormat('%h %t %s'))).toThrow(/no request field/);
    expect(() => resolveFormat('bogus', [])).toThrow(/unknown --format/);
  });
});

describe('nginx log_format strings', () => {
  it('subtracts $request_time from the end time nginx logs', () => {
    const p = createScanner(compileNginxFormat('$remote_addr [$time_local] "$request" $status $request_time'));
    const r = ok(p, '10.0.0.1 [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 2.500');
    expect(r.time).toBe(Date.UTC(2015, 4, 17, 10, 5, 0, 500) / 1000);
  });

  it('reads $time_iso8601, $msec and ${var} syntax', () => {
    const iso = createScanner(compileNginxFormat('${remote_addr} $time_iso8601 "$request" $status'));
    expect(ok(iso, '::1 2015-05-17T10:05:03+00:00 "GET / HTTP/1.1" 200').time).toBe(Date.UTC(2015, 4, 17, 10, 5, 3) / 1000);
    const msec = createScanner(compileNginxFormat('$remote_addr $msec $request_method $request_uri $status'));
    expect(ok(msec, '::1 1431857103.250 POST /api?x=1 201')).toMatchObject({ time: 1431857103.25, method: 'POST', uri: '/api?x=1' });
  });

  it('the nginx preset reads combined lines with \\xHH escapes', () => {
    const r = ok(NGINX, '1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET /\\xD0\\x9F HTTP/1.1" 200 5 "-" "curl/8"');
    expect(r.uri).toBe('/%D0%9F');
  });
});

describe('JSON lines', () => {
  it('maps fields, nested keys and epoch-millisecond times', () => {
    const p = parser('json', ['client=remote.ip', 'time=ts', 'uri=req.url', 'method=req.method', 'user-agent=ua']);
    const r = ok(p, '{"remote":{"ip":"::1"},"ts":1431857103250,"req":{"url":"/ü x","method":"get"},"status":200,"ua":"A"}');
    expect(r).toMatchObject({ client: '::1', time: 1431857103.25, uri: '/%C3%BC%20x', method: 'GET', status: 200, userAgent: 'A' });
  });

  it('uses common key names when no mapping is given', () => {
    const r = ok(parser('json'), '{"remote_addr":"1.2.3.4","time":"2015-05-17T10:05:03Z","request":"GET /a HTTP/1.1","status":"200","http_referer":"https://x.org/b"}');
    expect(r).toMatchObject({ client: '1.2.3.4', uri: '/a', referer: '/b', status: 200 });
  });

  it('reports bad JSON and missing fields', () => {
    expect(fail(parser('json'), '{"a":').reason).toBe('bad JSON');
    expect(fail(parser('json'), '[1,2]').reason).toBe('bad JSON');
    expect(fail(parser('json'), '{"time":"2015-05-17T10:05:03Z"}').reason).toBe('empty request line');
    expect(fail(parser('json'), '{"request":"GET / HTTP/1.1"}').reason).toBe('bad time');
    expect(() => resolveFormat('json', ['colour=x'])).toThrow(/unknown field/);
  });
});

describe('auto-detection', () => {
  const common = 'h - - [01/Aug/1995:00:00:07 -0400] "GET / HTTP/1.0" 304 0';
  const combined = '1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5 "-" "UA"';
  it('tells common, combined, combined with extra fields and JSON apart', () => {
    expect(detectFormat([common, common], [])?.name).toBe('common');
    expect(detectFormat([combined, combined, 'garbage'], [])?.name).toBe('combined');
    expect(detectFormat([`${combined} 0.012 10.0.0.9`], [])?.name).toBe('combined+extra fields');
    expect(detectFormat(['{"remote_addr":"1.2.3.4","time":1,"request":"GET / HTTP/1.1"}'], [])?.name).toBe('json');
    expect(detectFormat(['nothing like a log'], [])).toBeUndefined();
  });

  it('normalizes Referers to comparable targets', () => {
    expect(normalizeReferer('-')).toBe('');
    expect(normalizeReferer('android-app://com.google')).toBe('');
    expect(normalizeReferer('HTTPS://Example.com')).toBe('/');
    expect(normalizeReferer('/relative#frag')).toBe('/relative');
    // The scheme is matched by char codes: any case of http/https, nothing else of that length.
    expect(normalizeReferer('hTtP://h/a?b')).toBe('/a?b');
    expect(normalizeReferer('https://h/p#x')).toBe('/p');
    expect(normalizeReferer('httpx://h/p')).toBe('');
    expect(normalizeReferer('ftp://h/p')).toBe('');
    expect(normalizeReferer('htt@://h/p')).toBe('');
    expect(normalizeReferer('http://h/a b"c')).toBe('/a%20b%22c');
  });
});
