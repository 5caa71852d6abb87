/**
 * The session model: what a wsesslog session file means once parsed.
 * Produced by `parseSessionFile` (session/parse.ts) and by `loadgen convert`; consumed by the engine.
 *
 * Version 1 of the model. The semantics are those of httperf 0.9.0 `--wsesslog`
 * (shared spec section 2) plus loadgen's documented extensions (per-request `headers=`).
 *
 * Strings that go on the wire (`uri`, header names and values) are byte strings: one char per
 * byte of the session file (latin1 code points 0-255), so `/café` written in UTF-8 is the five
 * chars `/caf\xC3\xA9` here and the same five bytes in the request. Node's http server gives a
 * request's URL in the same form. Decode with `Buffer.from(uri, 'latin1').toString('utf8')` to show one.
 */

/** HTTP methods accepted in `method=`. */
export type HttpMethod = 'DELETE' | 'GET' | 'HEAD' | 'OPTIONS' | 'POST' | 'PUT' | 'TRACE' | 'PATCH' | 'PROPFIND' | 'REPORT';

/** One request ("call") of a burst. */
export interface SessionRequest {
  /** Request target as a byte string (see above), sent verbatim; no control bytes unless --raw-uri-bytes. */
  readonly uri: string;
  /** Method; GET unless `method=` says otherwise. */
  readonly method: HttpMethod;
  /** Request body from `contents=`; undefined when absent or empty (no Content-length is sent then). */
  readonly body?: Buffer;
  /**
   * Extra request headers from loadgen's `headers=` extension, in file order, as [name, value]
   * pairs. Undefined when none.
   */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  /** 1-based line of the session file where this request was written (for messages). */
  readonly line: number;
}

/** A page and its embedded resources: the first request goes alone, the rest after its reply. */
export interface Burst {
  readonly requests: readonly SessionRequest[];
  /**
   * Think time in seconds after this burst completes, from `think=` on any of its lines
   * (last one wins). Undefined means "use the default think time X of --wsesslog".
   * Ignored for the last burst of a template.
   */
  readonly thinkTime?: number;
}

/** One session definition in the file (templates are separated by blank lines). */
export interface SessionTemplate {
  readonly bursts: readonly Burst[];
  /** 1-based line where the template's first request is. */
  readonly line: number;
  /**
   * httperf's connection mode (--num-calls/--burst-length): every call of a burst is written at
   * once and the next burst follows the last reply at once. Absent/false: the session rules.
   */
  readonly pipelineBursts?: boolean;
}

/** A parsed session file. Session k (0-based) replays template `k % templates.length`. */
export interface SessionFile {
  /** Path as given by the user (used in messages). */
  readonly path: string;
  /** At least one template, each with at least one burst of at least one request. */
  readonly templates: readonly SessionTemplate[];
}

/** Number of requests in a template (all bursts). */
export function templateRequestCount(template: SessionTemplate): number {
  let n = 0;
  for (const burst of template.bursts) n += burst.requests.length;
  return n;
}
