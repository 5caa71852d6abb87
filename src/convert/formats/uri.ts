/**
 * Request targets as they appear in access logs, turned into tokens a session file can hold.
 *
 * Apache (`%r`, `%{...}i`) and nginx escape bytes in quoted fields: `\xHH` for a byte, `\"` and
 * `\\`, and Apache also `\n \t \r \b \v \f`. A session-file URI is one whitespace-free token,
 * sent verbatim. So a target is decoded from the log's escapes and every byte that would break
 * the token or is not printable ASCII (space, controls, quotes, non-ASCII) is written `%HH`, the
 * way a browser would have sent it. `%` itself is left alone: targets are already URL-encoded.
 */

/**
 * True when `text[start, end)` is all printable ASCII without `"` `'` `\` (nothing needs a
 * closer look). A char-code loop: cheaper per line than a regular expression test.
 */
function allSafe(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x22 || c === 0x27 || c === 0x5c) return false;
  }
  return true;
}

const HEX = '0123456789ABCDEF';

function percent(byte: number): string {
  return `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
}

/** True for a byte that may stand for itself in a session-file URI token. */
function isSafeByte(byte: number): boolean {
  return byte >= 0x21 && byte <= 0x7e && byte !== 0x22 && byte !== 0x27;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/** Byte values of the one-letter escapes Apache writes (`\n` and friends). */
const LETTER_ESCAPES: Record<string, number> = { n: 0x0a, t: 0x09, r: 0x0d, b: 0x08, v: 0x0b, f: 0x0c };

/**
 * Decode log escapes in `raw` and percent-encode what a URI token cannot hold.
 * The result is printable ASCII without spaces or quotes. Fast path: most targets need nothing.
 */
export function normalizeTarget(raw: string): string {
  if (allSafe(raw, 0, raw.length)) return raw;
  let out = '';
  const n = raw.length;
  for (let i = 0; i < n; i++) {
    const code = raw.charCodeAt(i);
    if (code === 0x5c && i + 1 < n) {
      const next = raw[i + 1]!;
      if ((next === 'x' || next === 'X') && i + 3 < n) {
        const hi = hexValue(raw.charCodeAt(i + 2));
        const lo = hexValue(raw.charCodeAt(i + 3));
        if (hi >= 0 && lo >= 0) {
          const byte = hi * 16 + lo;
          out += isSafeByte(byte) ? String.fromCharCode(byte) : percent(byte);
          i += 3;
          continue;
        }
      }
      if (next === '"' || next === '\\') {
        out += next === '"' ? '%22' : '\\';
        i += 1;
        continue;
      }
      const letter = LETTER_ESCAPES[next];
      if (letter !== undefined) {
        out += percent(letter);
        i += 1;
        continue;
      }
      out += '\\';
      continue;
    }
    if (code < 0x80) {
      out += isSafeByte(code) ? raw[i] : percent(code);
      continue;
    }
    // Non-ASCII text (the line was decoded as UTF-8): the bytes a browser would have sent.
    let char = raw[i]!;
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < n) {
      char += raw[i + 1];
      i += 1;
    }
    for (const byte of Buffer.from(char, 'utf8')) out += percent(byte);
  }
  return out;
}

/** The parts of a request line (`%r`, `$request`). */
export interface RequestLine {
  method: string;
  target: string;
}

/** Why a request line cannot be replayed; `undefined` from `splitRequestLine` means it can. */
export type RequestLineProblem = 'empty request line' | 'bad request line' | 'bad request target';

/** True for a method token: upper-case letters (and `-` `_`), as servers accept them. */
export function isMethodToken(text: string): boolean {
  if (text.length === 0 || text.length > 20) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 0x41 && c <= 0x5a) || c === 0x2d || c === 0x5f)) return false;
  }
  return true;
}

/**
 * Split `METHOD TARGET [HTTP/x.y]` (the version may be missing, as in HTTP/0.9 requests and
 * some NASA lines, or odd, as `HTTP/V1.0`). Fills `into` and returns undefined, or names the
 * problem. The target is normalised (see `normalizeTarget`) and made origin-form.
 */
export function splitRequestLine(text: string, into: RequestLine): RequestLineProblem | undefined {
  return splitRequestAt(text, 0, text.length, into);
}

/** `splitRequestLine` on `text[start, end)`, without slicing the request line out first. */
export function splitRequestAt(text: string, start: number, end: number, into: RequestLine): RequestLineProblem | undefined {
  if (start >= end || (end - start === 1 && text.charCodeAt(start) === 0x2d)) return 'empty request line';
  const firstSpace = text.indexOf(' ', start);
  if (firstSpace <= start || firstSpace >= end) return 'bad request line';
  let method: string;
  // The usual methods as constants: no slice per line.
  const length = firstSpace - start;
  const first = text.charCodeAt(start);
  if (length === 3 && first === 0x47 && text.charCodeAt(start + 1) === 0x45 && text.charCodeAt(start + 2) === 0x54) method = 'GET';
  else if (length === 4 && first === 0x48 && text.startsWith('EAD', start + 1)) method = 'HEAD';
  else if (length === 4 && first === 0x50 && text.startsWith('OST', start + 1)) method = 'POST';
  else {
    method = text.slice(start, firstSpace);
    if (!isMethodToken(method)) return 'bad request line';
  }
  const usual = usualTargetEnd(text, firstSpace + 1, end);
  if (usual > 0) {
    into.method = method;
    into.target = text.slice(firstSpace + 1, usual);
    return undefined;
  }
  let targetEnd = end;
  const lastSpace = text.lastIndexOf(' ', end - 1);
  if (lastSpace > firstSpace && isHttpVersionAt(text, lastSpace + 1)) targetEnd = lastSpace;
  let targetStart = firstSpace + 1;
  while (targetStart < targetEnd && text.charCodeAt(targetStart) === 0x20) targetStart++;
  while (targetEnd > targetStart && text.charCodeAt(targetEnd - 1) === 0x20) targetEnd--;
  if (targetStart === targetEnd) return 'bad request line';
  if (text.charCodeAt(targetStart) === 0x2f && allSafe(text, targetStart, targetEnd)) {
    // The usual target: origin-form and nothing to decode or encode (what normalizeTarget returns).
    into.method = method;
    into.target = text.slice(targetStart, targetEnd);
    return undefined;
  }
  const raw = text.slice(targetStart, targetEnd);
  const target = raw.charCodeAt(0) === 0x2f ? raw : originForm(raw);
  if (target === undefined) return 'bad request target';
  into.method = method;
  into.target = normalizeTarget(target);
  return undefined;
}

/**
 * The usual request target in one pass: `/` and safe bytes (`allSafe`) from `from`, up to `end`
 * or to a space followed by `HTTP/` and no other space. Returns where it ends (what the general
 * path of `splitRequestAt` would also take, with nothing to decode), or -1 for anything else.
 */
function usualTargetEnd(text: string, from: number, end: number): number {
  if (text.charCodeAt(from) !== 0x2f) return -1;
  let p = from + 1;
  for (; p < end; p++) {
    const c = text.charCodeAt(p);
    if (c < 0x21 || c > 0x7e || c === 0x22 || c === 0x27 || c === 0x5c) break;
  }
  if (p === end) return p;
  if (text.charCodeAt(p) !== 0x20 || !isHttpVersionAt(text, p + 1)) return -1;
  for (let q = p + 6; q < end; q++) if (text.charCodeAt(q) === 0x20) return -1;
  return p;
}

/** `text.startsWith('HTTP/', at)`, by char codes. */
function isHttpVersionAt(text: string, at: number): boolean {
  return (
    text.charCodeAt(at) === 0x48 &&
    text.charCodeAt(at + 1) === 0x54 &&
    text.charCodeAt(at + 2) === 0x54 &&
    text.charCodeAt(at + 3) === 0x50 &&
    text.charCodeAt(at + 4) === 0x2f
  );
}

/**
 * `/path?q` as is, `http://host/path?q` (proxy form) as `/path?q`, `*` as is; anything else
 * (a bare word, `host:443` of CONNECT) cannot be replayed against a server and is undefined.
 */
export function originForm(target: string): string | undefined {
  const first = target.charCodeAt(0);
  if (first === 0x2f) return target;
  if (target === '*') return target;
  const afterScheme = schemeEnd(target);
  if (afterScheme < 0) return undefined;
  const slash = target.indexOf('/', afterScheme);
  if (slash < 0) {
    const query = target.indexOf('?', afterScheme);
    return query < 0 ? '/' : `/${target.slice(query)}`;
  }
  return target.slice(slash);
}

/** Index just after `http://` or `https://` (any case), or -1. */
function schemeEnd(text: string): number {
  const colon = text.indexOf('://');
  if (colon < 4 || colon > 5) return -1;
  // `http` / `https` in any case, by char codes (`| 0x20` lower-cases an ASCII letter): no string
  // per Referer. Only `H`/`h` give 0x68 this way, and so on for each letter.
  if (
    (text.charCodeAt(0) | 0x20) !== 0x68 ||
    (text.charCodeAt(1) | 0x20) !== 0x74 ||
    (text.charCodeAt(2) | 0x20) !== 0x74 ||
    (text.charCodeAt(3) | 0x20) !== 0x70
  ) {
    return -1;
  }
  if (colon === 5 && (text.charCodeAt(4) | 0x20) !== 0x73) return -1;
  return colon + 3;
}

/**
 * A Referer as an origin-form target comparable with request targets: scheme and host are
 * dropped (the log does not say which host served the page), the fragment too. '' when absent.
 */
export function normalizeReferer(raw: string): string {
  if (raw.length === 0 || raw === '-') return '';
  let target: string | undefined;
  if (raw.charCodeAt(0) === 0x2f) target = raw;
  else {
    const afterScheme = schemeEnd(raw);
    if (afterScheme < 0) return '';
    target = originForm(raw);
    if (target === undefined) return '';
  }
  const hash = target.indexOf('#');
  if (hash >= 0) target = target.slice(0, hash);
  return target.length === 0 ? '' : normalizeTarget(target);
}

/** Remove the query string (`?` and what follows). */
export function stripQuery(target: string): string {
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}
