/**
 * httperf's workload generators in loadgen: option parsing into a workload, the plan (which
 * URIs each connection/session asks for, in which bursts), the echo line httperf prints for each
 * mode, the report without Session lines outside session modes, and the --print-* trace lines.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalArgs } from '../src/commands/getopt.js';
import { addReplayOptions, parsePeriod, replayGrammar, toReplayOptions } from '../src/commands/replay-args.js';
import { commandParser } from '../src/commands/yargs-common.js';
import { ResponseParser, type ReplySink } from '../src/http/response-parser.js';
import type { ReplayOptions } from '../src/options.js';
import { formatEchoLine, formatHttperfReport, formatRateSampleLines } from '../src/report/httperf.js';
import { planWorkload } from '../src/workload/plan.js';
import { Tracer } from '../src/workload/trace.js';
import { wsetSequence } from '../src/workload/uris.js';
import { sample01 } from './fixtures/report/documents.js';

const dir = mkdtempSync(join(tmpdir(), 'loadgen-modes-'));

/** Parse a command line the way `loadgen` does (getopt words, then yargs, then validation). */
async function optionsOf(...args: string[]): Promise<ReplayOptions> {
  const parser = addReplayOptions(commandParser([], 'usage')).parserConfiguration({
    'camel-case-expansion': false,
    'duplicate-arguments-array': true,
    'strip-aliased': true,
    'boolean-negation': false,
  });
  const words = canonicalArgs(args, replayGrammar(parser));
  return toReplayOptions((await parser.parseAsync(words)) as Record<string, unknown>, words);
}

/** Per planned unit: its bursts as lists of URIs. */
async function planned(...args: string[]): Promise<{ units: number; templates: string[][][]; pipelined: boolean[] }> {
  const plan = await planWorkload(await optionsOf(...args));
  return {
    units: plan.units,
    templates: plan.file.templates.map((t) => t.bursts.map((b) => b.requests.map((r) => r.uri))),
    pipelined: plan.file.templates.map((t) => t.pipelineBursts === true),
  };
}

describe('workload plans', () => {
  it('--uri with --num-conns/--num-calls/--burst-length: one template, bursts of B, the remainder last', async () => {
    const p = await planned('--uri', '/a', '--num-conns', '6', '--num-calls', '5', '--burst-length', '2');
    expect(p.units).toBe(6);
    expect(p.templates).toEqual([[['/a', '/a'], ['/a', '/a'], ['/a']]]);
    expect(p.pipelined).toEqual([true]);
  });

  it('defaults are httperf\'s: one connection, one call of /', async () => {
    const p = await planned();
    expect(p).toEqual({ units: 1, templates: [[['/']]], pipelined: [true] });
  });

  it('--wsess=N1,N2,X: session templates of N2 calls in bursts, think time X', async () => {
    const o = await optionsOf('--wsess=3,4,0.5', '--burst-length=2', '--uri=/p');
    expect(o.sessions).toBe(3);
    expect(o.thinkTime).toBe(0.5);
    const p = await planned('--wsess=3,4,0.5', '--burst-length=2', '--uri=/p');
    expect(p.templates).toEqual([[['/p', '/p'], ['/p', '/p']]]);
    expect(p.pipelined).toEqual([false]);
  });

  it('--wlog=y: connections take consecutive URIs of the NUL list, looping, empty entries skipped', async () => {
    const file = join(dir, 'loop.wlog');
    writeFileSync(file, '/1\0/2\0\0/3\0');
    const p = await planned(`--wlog=y,${file}`, '--num-conns=5', '--num-calls=2');
    expect(p.units).toBe(5);
    // Three templates cover every offset (3 URIs, 2 calls per connection): /1 /2, /3 /1, /2 /3.
    expect(p.templates.map((t) => t.flat())).toEqual([['/1', '/2'], ['/3', '/1'], ['/2', '/3']]);
  });

  it('--wlog=n: the run stops at the end of the list (fewer connections, the last one shorter)', async () => {
    const file = join(dir, 'once.wlog');
    writeFileSync(file, '/1\0/2\0/3\0');
    const p = await planned(`--wlog=n,${file}`, '--num-conns=5', '--num-calls=2');
    expect(p.units).toBe(2);
    expect(p.templates.map((t) => t.flat())).toEqual([['/1', '/2'], ['/3']]);
  });

  it('--wlog with an empty list or a missing file is a usage error', async () => {
    const file = join(dir, 'empty.wlog');
    writeFileSync(file, '\0\0');
    await expect(planned(`--wlog=y,${file}`)).rejects.toThrow(/does not contain any URI/);
    await expect(planned(`--wlog=y,${join(dir, 'missing')}`)).rejects.toThrow(/can't open/);
    await expect(optionsOf('--wlog=maybe')).rejects.toThrow(/expected y,FILE or n,FILE/);
  });

  it('--wset=N,X walks the files as httperf 0.9.0 does (moves on at calls 4 and 7 for X=0.3)', () => {
    const seq = wsetSequence(100, 0.3, '/', 0, 1);
    expect(Array.from({ length: 8 }, (_, n) => seq.uri(n))).toEqual(['/0/0.html', '/0/0.html', '/0/0.html', '/0/1.html', '/0/1.html', '/0/1.html', '/0/2.html', '/0/2.html']);
    expect(wsetSequence(1000, 1, '/docs', 0, 1).uri(0)).toBe('/docs/0/0/1.html');
    expect(wsetSequence(10, 1, '/', 1, 2).uri(0)).toBe('/3.html');
  });

  it('the last of --wlog/--wset wins', async () => {
    const file = join(dir, 'w.wlog');
    writeFileSync(file, '/w\0');
    expect((await planned(`--wlog=y,${file}`, '--wset=10,0')).templates[0]!.flat()).toEqual(['/0.html']);
    expect((await planned('--wset=10,0', `--wlog=y,${file}`)).templates[0]!.flat()).toEqual(['/w']);
  });
});

describe('option values', () => {
  it('--period=vT1,D1,T2,D2 is a cycled variable arrival pattern', () => {
    expect(parsePeriod('v0.1,2,0.05,1')).toEqual({ kind: 'variable', cycle: true, segments: [{ interval: 0.1, duration: 2 }, { interval: 0.05, duration: 1 }] });
    expect(() => parsePeriod('v0.1,2,0.05')).toThrow(/pairs/);
    expect(() => parsePeriod('v0,1')).toThrow(/> 0/);
  });

  it('--print-reply / --print-request take httperf\'s first-letter values', async () => {
    const w = (await optionsOf('--print-reply', '--print-request=HEAD')).workload!;
    expect([w.printReply, w.printRequest]).toEqual(['all', 'header']);
    expect((await optionsOf('--print-rep=b')).workload!.printReply).toBe('body');
  });

  it('rejects what httperf would choke on, with one clear line', async () => {
    await expect(optionsOf('--burst-length=0')).rejects.toThrow(/--burst-length must be a whole number/);
    await expect(optionsOf('--num-calls=abc')).rejects.toThrow(/--num-calls/);
    await expect(optionsOf('--wsess=1,0,1')).rejects.toThrow(/calls per session/);
    await expect(optionsOf('--wset=0,0.5')).rejects.toThrow(/--wset=0,0.5/);
    await expect(optionsOf('--wset=10,1.5')).rejects.toThrow(/miss rate/);
    await expect(optionsOf('--session-cookies', '--num-conns=2')).rejects.toThrow(/requires a session workload/);
    await expect(optionsOf('--method', 'GE T')).rejects.toThrow(/--method/);
  });
});

describe('echo line per mode (httperf 0.9.0 output, httperf -> loadgen)', () => {
  it.each([
    [
      ['--server', '127.0.0.1', '--port', '18931', '--uri', '/index.html', '--num-conns', '2', '--num-calls', '4', '--burst-length', '2', '--rate', '20', '--close-with-reset', '--method', 'HEAD', '--timeout', '5'],
      'loadgen --close-with-reset --timeout=5 --client=0/1 --server=127.0.0.1 --port=18931 --uri=/index.html --rate=20 --send-buffer=4096 --recv-buffer=16384 --method=HEAD --num-conns=2 --num-calls=4 --burst-length=2',
    ],
    [
      ['--server', '127.0.0.1', '--port', '18931', '--uri', '/x/', '--wset', '100,0.25', '--num-conns', '1', '--no-host-hdr', '--print-reply', '--print-request=body'],
      'loadgen --print-reply --print-request=body --client=0/1 --server=127.0.0.1 --port=18931 --uri=/x/ --send-buffer=4096 --recv-buffer=16384 --num-conns=1 --num-calls=1 --wset=100,0.250',
    ],
    [
      ['--server', '127.0.0.1', '--port', '18931', '--wsess', '2,4,0.5', '--burst-length', '2', '--period', 'e0.05'],
      'loadgen --client=0/1 --server=127.0.0.1 --port=18931 --uri=/ --period=e0.05 --send-buffer=4096 --recv-buffer=16384 --wsess=2,4,0.500 --burst-length=2',
    ],
    [
      ['--server', '127.0.0.1', '--port', '18931', '--uri', '/i', '--num-conns', '12', '--period=v0.05,0.2,0.02,0.2'],
      'loadgen --client=0/1 --server=127.0.0.1 --port=18931 --uri=/i --period=v0.05,0.2,0.02,0.2 --send-buffer=4096 --recv-buffer=16384 --num-conns=12 --num-calls=1',
    ],
    [
      ['--server', '127.0.0.1', '--port', '18931', '--num-conns', '2', '--num-calls', '2', '--http-version', '1.0', '--ssl-no-reuse'],
      'loadgen --client=0/1 --server=127.0.0.1 --port=18931 --uri=/ --http-version=1.0 --send-buffer=4096 --recv-buffer=16384 --ssl-no-reuse --num-conns=2 --num-calls=2',
    ],
  ])('%j', async (args, expected) => {
    expect(formatEchoLine(await optionsOf(...args))).toBe(expected);
  });
});

describe('report per mode', () => {
  it('has no Session lines in connection mode and keeps them in session modes', async () => {
    const session = sample01();
    const connection = { ...session, run: { ...session.run, options: await optionsOf('--num-conns=5') } };
    const sessionText = formatHttperfReport(session);
    const connectionText = formatHttperfReport(connection);
    expect(sessionText).toMatch(/^Session rate/m);
    expect(connectionText).not.toMatch(/^Session/m);
    expect(connectionText).toMatch(/Errors: fd-unavail .* other \d+\n$/);
    expect(sessionText.startsWith(connectionText)).toBe(true);
  });

  it('-v sample lines: reply-rate only outside session modes', () => {
    const s = { t: 5, interval: 5, replies: 50, requests: 50, connections: 5, sessionsStarted: 5, sessionsSucceeded: 5, sessionsFailed: 0, errors: 0, replies5xx: 0 };
    expect(formatRateSampleLines(s, false)).toBe('reply-rate = 10.0    ');
    expect(formatRateSampleLines(s)).toBe('reply-rate = 10.0    \nsession-rate = 1.0     ');
  });
});

/** Drive a Tracer over a real ResponseParser with these reply bytes split at `splits`. */
function traceReplies(bytes: string, reply: 'header' | 'body' | 'all'): string {
  let out = '';
  const tracer = new Tracer(undefined, reply, (text) => {
    out += text;
  });
  const calls = [{}, {}];
  for (const call of calls) tracer.requestWritten(call, Buffer.from('GET / HTTP/1.1\r\n\r\n'));
  const conn = { queue: [...calls], closed: false };
  const sink: ReplySink = {
    onReplyStart: () => false,
    onReplyComplete: (_s, h, c, f) => tracer.replyDone(conn.queue.shift()!, h, c, f),
    onProtocolError: () => undefined,
  };
  const parser = new ResponseParser(sink, false, false);
  const buf = Buffer.from(bytes, 'latin1');
  tracer.feedReply(conn, parser, buf.subarray(0, 30), 30);
  tracer.feedReply(conn, parser, buf.subarray(30), buf.length - 30);
  return out;
}

describe('--print-request / --print-reply trace lines', () => {
  const replies = 'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nline1\nline2HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n';

  it('prints SH lines with their CR, an SH line for the blank line and the SS summary', () => {
    let out = '';
    const tracer = new Tracer('all', undefined, (text) => {
      out += text;
    });
    tracer.requestWritten({}, Buffer.from('POST /f HTTP/1.1\r\nHost: h\r\nContent-length: 4\r\n\r\na=b\n'));
    expect(out).toBe('SH0:POST /f HTTP/1.1\r\nSH0:Host: h\r\nSH0:Content-length: 4\r\nSH0:\r\nSB0:a=b\nSS0: header 48 content 4\n');
  });

  it('prints each reply\'s header and body lines, the partial last body line on its own (httperf glues it), and RS', () => {
    expect(traceReplies(replies, 'all')).toBe(
      'RH0:HTTP/1.1 200 OK\r\nRH0:Content-Length: 11\r\nRH0:\r\nRB0:line1\nRB0:line2\nRS0: header 39 content 11 footer 0\n' +
        'RH1:HTTP/1.1 404 Not Found\r\nRH1:Content-Length: 0\r\nRH1:\r\nRS1: header 45 content 0 footer 0\n',
    );
    expect(traceReplies(replies, 'header')).not.toMatch(/RB/);
    expect(traceReplies(replies, 'body')).not.toMatch(/RH/);
  });

  it('stops after its call limit and says so once', () => {
    let out = '';
    const tracer = new Tracer('header', undefined, (text) => {
      out += text;
    }, 2);
    for (let i = 0; i < 5; i++) tracer.requestWritten({}, Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    expect(out.match(/^SS\d+:/gm)).toEqual(['SS0:', 'SS1:']);
    expect(out.match(/throttled/g)).toHaveLength(1);
  });
});
