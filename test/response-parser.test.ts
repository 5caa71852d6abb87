import { describe, expect, it } from 'vitest';
import { ResponseParser, type ReplySink } from '../src/http/response-parser.js';

interface Reply {
  status: number;
  header: number;
  content: number;
  footer: number;
  keepAlive: boolean;
  cookie: string | undefined;
}

/** A sink that records replies; `heads` lists, per reply, whether the request was HEAD. */
function collector(heads: boolean[] = []) {
  const replies: Reply[] = [];
  const errors: string[] = [];
  let starts = 0;
  const sink: ReplySink = {
    onReplyStart: () => heads[starts++] ?? false,
    onReplyComplete: (status, header, content, footer, keepAlive, cookie) => replies.push({ status, header, content, footer, keepAlive, cookie }),
    onProtocolError: (reason) => errors.push(reason),
  };
  return { sink, replies, errors };
}

/** Feed `text` in pieces of `size` bytes through a reused buffer, as the engine's shared read buffer does. */
function feedInPieces(parser: ResponseParser, text: string, size: number): void {
  const bytes = Buffer.from(text, 'latin1');
  const shared = Buffer.alloc(size + 16);
  for (let i = 0; i < bytes.length; i += size) {
    const n = bytes.copy(shared, 0, i, Math.min(bytes.length, i + size));
    shared.fill(0x41, n); // stale bytes after the read must never be parsed
    parser.feed(shared, 0, n);
  }
}

const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n';

describe('ResponseParser', () => {
  it('accounts a chunked reply as httperf does: header 47, content 11, footer 2', () => {
    const { sink, replies } = collector();
    feedInPieces(new ResponseParser(sink, false, false), chunked, 4096);
    expect(replies).toEqual([{ status: 200, header: 47, content: 11, footer: 2, keepAlive: true, cookie: undefined }]);
  });

  it('gives the same result for every split of the bytes, down to one byte at a time', () => {
    const text = `HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789${chunked}HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n`;
    for (const size of [1, 2, 3, 7, 16, 64, 4096]) {
      const { sink, replies, errors } = collector();
      feedInPieces(new ResponseParser(sink, false, false), text, size);
      expect(errors).toEqual([]);
      expect(replies.map((r) => [r.status, r.header, r.content, r.footer])).toEqual([
        [200, 39, 10, 0],
        [200, 47, 11, 2],
        [404, 45, 0, 0],
      ]);
    }
  });

  it('counts chunked trailers as footer bytes', () => {
    const { sink, replies } = collector();
    feedInPieces(new ResponseParser(sink, false, false), 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n', 5);
    expect(replies[0]).toMatchObject({ content: 3, footer: 12 });
  });

  it('reads Transfer-Encoding case-insensitively, chunked last in a list', () => {
    const { sink, replies } = collector();
    feedInPieces(new ResponseParser(sink, false, false), 'HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 7);
    expect(replies[0]).toMatchObject({ content: 3, footer: 2 });
  });

  it('reads no body for HEAD, 204 and 304 even with a Content-Length', () => {
    const text =
      'HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n' + 'HTTP/1.1 204 No Content\r\n\r\n' + 'HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n' + 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    const { sink, replies } = collector([true, false, false, false]);
    feedInPieces(new ResponseParser(sink, false, false), text, 13);
    expect(replies.map((r) => [r.status, r.content])).toEqual([
      [200, 0],
      [204, 0],
      [304, 0],
      [200, 2],
    ]);
  });

  it('skips an interim 100 Continue and reports the final status', () => {
    const { sink, replies } = collector();
    feedInPieces(new ResponseParser(sink, false, false), 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx', 4096);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ status: 201, content: 1, header: 25 + 43 });
  });

  it('reads a body without length until the server closes', () => {
    const { sink, replies } = collector();
    const parser = new ResponseParser(sink, false, false);
    feedInPieces(parser, 'HTTP/1.1 200 OK\r\n\r\nsome bytes', 4);
    expect(replies).toHaveLength(0);
    expect(parser.readingUntilClose).toBe(true);
    expect(parser.finishOnClose()).toBe(true);
    expect(replies[0]).toMatchObject({ status: 200, content: 10, keepAlive: false });
  });

  it('honours Connection: close and HTTP/1.0 replies without keep-alive', () => {
    const { sink, replies } = collector();
    feedInPieces(
      new ResponseParser(sink, false, false),
      'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\nHTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n',
      9,
    );
    expect(replies.map((r) => r.keepAlive)).toEqual([false, false, true]);
  });

  it('keeps the Set-Cookie value up to the first semicolon when cookies are wanted', () => {
    const { sink, replies } = collector();
    feedInPieces(new ResponseParser(sink, false, true), 'HTTP/1.1 200 OK\r\nSet-Cookie: sid=8-1; Path=/\r\nContent-Length: 0\r\n\r\n', 4096);
    expect(replies[0]!.cookie).toBe('sid=8-1');
  });

  it('reports a protocol error for a non-HTTP status line or a bad length', () => {
    for (const text of ['garbage that is not http\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n', 'HTTP/1.1 2x0 OK\r\n\r\n']) {
      const { sink, replies, errors } = collector();
      feedInPieces(new ResponseParser(sink, false, false), text, 4096);
      expect(replies).toHaveLength(0);
      expect(errors).toHaveLength(1);
    }
  });

  it('stops parsing the rest of a read once the owner resets it', () => {
    const replies: number[] = [];
    let parser: ResponseParser;
    const sink: ReplySink = {
      onReplyStart: () => false,
        onReplyComplete: (status) => {
        replies.push(status);
        parser.reset();
      },
      onProtocolError: () => {},
    };
    parser = new ResponseParser(sink, false, false);
    const two = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 201 OK\r\nContent-Length: 0\r\n\r\n');
    parser.feed(two, 0, two.length);
    expect(replies).toEqual([200]);
  });

  it('accepts bare-LF header lines at every split, and a mix of CRLF and LF', () => {
    const text = 'HTTP/1.1 200 OK\nContent-Length: 3\r\nX: y\n\nabcHTTP/1.1 204 No\r\n\r\n';
    for (const size of [1, 2, 5, 4096]) {
      const { sink, replies, errors } = collector();
      feedInPieces(new ResponseParser(sink, false, false), text, size);
      expect(errors).toEqual([]);
      expect(replies.map((r) => [r.status, r.header, r.content])).toEqual([
        [200, 41, 3],
        [204, 19, 0],
      ]);
    }
  });

  it('rejects two different Content-Length values but accepts a repeated equal one', () => {
    const bad = collector();
    feedInPieces(new ResponseParser(bad.sink, false, false), 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nok', 4096);
    expect(bad.errors).toEqual(['two different Content-Length values (2 and 5)']);
    const same = collector();
    feedInPieces(new ResponseParser(same.sink, false, false), 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok', 4096);
    expect(same.errors).toEqual([]);
    expect(same.replies).toHaveLength(1);
  });

  it('rejects malformed or oversize chunk sizes, accepts extensions and leading zeros', () => {
    const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
    for (const size of ['2g', 'f'.repeat(24), '', '-1', ' 2', '0x2']) {
      const { sink, errors, replies } = collector();
      feedInPieces(new ResponseParser(sink, false, false), `${head}${size}\r\nok\r\n0\r\n\r\n`, 4096);
      expect(errors, size).toHaveLength(1);
      expect(replies).toEqual([]);
    }
    for (const size of ['2;name=value', '0002', '2 ']) {
      const { sink, errors, replies } = collector();
      feedInPieces(new ResponseParser(sink, false, false), `${head}${size}\r\nok\r\n0\r\n\r\n`, 4096);
      expect(errors, size).toEqual([]);
      expect(replies.map((r) => r.content)).toEqual([2]);
    }
  });
});
