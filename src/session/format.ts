/**
 * The wsesslog session-file grammar, model -> text: `formatSessionFile` writes a session model
 * so that `parseSessionFile` (parse.ts) reads it back, and `pushRequestLine` is the request-line
 * writer it shares with `loadgen convert` (convert/write.ts), so there is one serializer.
 */
import type { Burst, SessionFile, SessionRequest } from './model.js';

/** Characters that cannot appear in a URI token (they would end it or the line). */
const URI_FORBIDDEN = /[ \t\r\n\v\f]/;

/** Values made of these characters are written without quotes. */
const PLAIN_VALUE = /^[^\s'"\\\x00-\x1f\x7f-\xff]+$/;

/**
 * Write a session model back as a session file that `parseSessionFile` reads back to the same
 * model (request `line` numbers aside). Templates are separated by a blank line, burst members are
 * indented with a tab, a burst's `think=` goes on its first line, bodies and headers are quoted
 * when needed. The result is a byte string like the model's fields (one char per byte): write it
 * with `Buffer.from(text, 'latin1')`; bodies keep every byte.
 * Throws RangeError for a model the grammar cannot express (empty template or burst, a URI that
 * is empty or holds whitespace, a burst after the first starting with a `#` URI, a bad think time).
 */
export function formatSessionFile(file: SessionFile): string {
  const pieces: string[] = [];
  file.templates.forEach((template, templateIndex) => {
    if (template.bursts.length === 0) throw new RangeError(`template ${templateIndex + 1} has no bursts`);
    if (templateIndex > 0) pieces.push('\n');
    template.bursts.forEach((burst, burstIndex) => {
      if (burst.requests.length === 0) {
        throw new RangeError(`burst ${burstIndex + 1} of template ${templateIndex + 1} has no requests`);
      }
      burst.requests.forEach((request, requestIndex) => pushModelRequest(pieces, burst, burstIndex, request, requestIndex));
    });
  });
  return pieces.join('');
}

/** One request line of the model (see formatSessionFile), with its body and headers. */
function pushModelRequest(pieces: string[], burst: Burst, burstIndex: number, request: SessionRequest, requestIndex: number): void {
  checkUri(request.uri);
  const opensBurst = requestIndex === 0;
  let indent = opensBurst ? '' : '\t';
  if (opensBurst && request.uri.startsWith('#')) {
    // A line starting with '#' is a comment; only a template's first line may be indented.
    if (burstIndex > 0) {
      throw new RangeError(`a burst cannot start with a '#' URI (${request.uri}): it would read as a comment`);
    }
    indent = '\t';
  }
  const think = opensBurst && burst.thinkTime !== undefined ? thinkText(burst.thinkTime) : undefined;
  pushRequestLine(pieces, indent, request.uri, request.method, think);
  if (request.body !== undefined && request.body.length > 0) pieces.push(' contents=', quoteValue(request.body.toString('latin1')));
  if (request.headers !== undefined && request.headers.length > 0) {
    pieces.push(' headers=', quoteValue(request.headers.map(([name, value]) => `${name}: ${value}`).join('\n')));
  }
  pieces.push('\n');
}

/**
 * The start of a request line: indent (`''` or a tab for a burst member), URI, then `method=`
 * for anything but GET and `think=` (already formatted, see thinkText) when given. The caller
 * adds any further attributes and the line break. The one request-line writer of the session
 * grammar: formatSessionFile and convert's writer both use it.
 */
export function pushRequestLine(pieces: string[], indent: string, uri: string, method: string, think: string | undefined): void {
  if (indent !== '') pieces.push(indent);
  pieces.push(uri);
  if (method !== 'GET') pieces.push(' method=', method);
  if (think !== undefined) pieces.push(' think=', think);
}

function checkUri(uri: string): void {
  if (uri.length === 0) throw new RangeError('a request URI cannot be empty');
  if (URI_FORBIDDEN.test(uri)) throw new RangeError(`a request URI cannot contain whitespace: ${JSON.stringify(uri)}`);
}

/** A `think=` value in seconds as the parser reads it back; RangeError for a negative or non-finite time. */
export function thinkText(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`bad think time ${seconds}`);
  return String(seconds);
}

/** Quote a value for `contents=`/`headers=` so it reads back exactly. */
function quoteValue(text: string): string {
  if (PLAIN_VALUE.test(text)) return text;
  const escaped = text.replace(/[\\'\n\r\t]/g, (char) => {
    switch (char) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\${char}`;
    }
  });
  return `'${escaped}'`;
}
