/**
 * The compiled line scanner shared by the Apache `LogFormat` and nginx `log_format` compilers.
 *
 * A format compiles to a list of segments: literal text and fields. Scanning a line walks the
 * list once: a literal must be at the current position (`startsWith`), a field runs up to the
 * next literal (`indexOf`), and a quoted field (between `"` literals) ends at the first `"` that
 * is not escaped by a backslash and is followed by the rest of that literal. No regular
 * expression runs per field, and only fields the converter needs are sliced out of the line.
 */
import { ParseFailure, type LineParser } from '../record.js';
import { ClfTimeParser, TimeParts, parseEpoch, parseIsoTime, type TimeScanner } from './time.js';
import { normalizeReferer, normalizeTarget, splitRequestAt, type RequestLine } from './uri.js';

/** What a field of the format contributes to the record. */
export type FieldRole =
  | 'client'
  | 'userAgent'
  | 'referer'
  | 'request'
  | 'method'
  | 'target'
  | 'path'
  | 'query'
  | 'status'
  | 'time'
  | 'duration'
  | 'ignore';

/** How a time field is written. */
export type TimeSyntax =
  | { readonly kind: 'clf' }
  | { readonly kind: 'strftime'; readonly scan: TimeScanner }
  | { readonly kind: 'iso' }
  | { readonly kind: 'epoch' };

/** One field of a compiled format. */
export interface FieldSpec {
  /** The directive as the user wrote it (`%{Referer}i`, `$request`), for messages. */
  readonly directive: string;
  readonly role: FieldRole;
  /** For `time`: its syntax, and whether it is the end of the request (nginx) not the start. */
  readonly time?: TimeSyntax;
  readonly timeIsEnd?: boolean;
  /** For `duration`: factor from the logged number to seconds (`%D` is 1e-6). */
  readonly durationScale?: number;
  /** For a skipped time field whose syntax loadgen cannot read: why (an error if nothing else gives the time). */
  readonly unreadable?: string;
}

/** A piece of a format: literal text or a field. */
export type Segment = { readonly literal: string } | { readonly field: FieldSpec };

/** A format ready to be turned into a scanner. */
export interface CompiledFormat {
  readonly name: string;
  readonly segments: readonly Segment[];
}

/** Field scanning plan, precomputed from the segments. */
interface FieldStep {
  readonly spec: FieldSpec;
  /** Literal that follows the field ('' when the field ends the line). */
  readonly terminator: string;
  /** Between `"` literals: ends at an unescaped quote. */
  readonly quoted: boolean;
}


/** Count the backslashes just before `at` (not before `from`): an odd number escapes the character at `at`. */
function isEscaped(text: string, from: number, at: number): boolean {
  let n = 0;
  for (let p = at - 1; p >= from && text.charCodeAt(p) === 0x5c; p--) n++;
  return (n & 1) === 1;
}

/** Checks that a compiled format can produce what a session needs; throws Error otherwise. */
export function checkFormatRoles(name: string, roles: readonly FieldRole[]): void {
  if (!roles.includes('time')) throw new Error(`log format ${name} has no time field`);
  if (!roles.includes('request') && !roles.includes('target') && !roles.includes('path')) {
    throw new Error(`log format ${name} has no request field (the request line or its URI)`);
  }
}

/**
 * Turn a compiled format into a line parser. With `allowTrailing`, text after the last field
 * (separated by a space) is ignored: used by auto-detection, where `combined` must also accept
 * the extra fields nginx's and other servers' variants append.
 *
 * The parser is generated as one straight-line JavaScript function per format (literals and
 * field boundaries inlined, only the needed fields sliced): this is the hot path of the
 * converter, about three times faster than interpreting the segment list per line.
 */
export function createScanner(format: CompiledFormat, allowTrailing = false): LineParser {
  const segs = mergePathAndQuery(format.segments);
  checkFormatRoles(
    format.name,
    segs.flatMap((s) => ('field' in s ? [s.field.role] : [])),
  );
  const steps: Array<string | FieldStep> = [];
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    if ('literal' in seg) {
      steps.push(seg.literal);
      continue;
    }
    const prev = segs[i - 1];
    const next = segs[i + 1];
    if (next !== undefined && 'field' in next) {
      throw new Error(`log format ${format.name}: fields ${seg.field.directive} and ${next.field.directive} have nothing between them`);
    }
    const terminator = next !== undefined && 'literal' in next ? next.literal : '';
    const quoted = prev !== undefined && 'literal' in prev && prev.literal.endsWith('"') && terminator.startsWith('"');
    steps.push({ spec: seg.field, terminator, quoted });
  }
  return generateParser(format.name, steps, allowTrailing);
}

/**
 * `%U%q` (and `$uri$is_args$args`-like runs) have no literal between path and query: the query
 * starts with `?` or is empty, so the pair is read as one target field.
 */
function mergePathAndQuery(segments: readonly Segment[]): Segment[] {
  const out: Segment[] = [];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const next = segments[i + 1];
    if ('field' in seg && seg.field.role === 'path' && next !== undefined && 'field' in next && next.field.role === 'query') {
      out.push({ field: { directive: seg.field.directive + next.field.directive, role: 'target' } });
      i++;
      continue;
    }
    out.push(seg);
  }
  return out;
}

/** Helpers the generated code calls (failures are rare, so they live out of line). */
class ScannerHelpers {
  readonly clf = new ClfTimeParser();
  readonly parts = new TimeParts();
  readonly request: RequestLine = { method: '', target: '' };
  readonly timeScanners: TimeScanner[] = [];
  readonly normalizeReferer = normalizeReferer;
  readonly normalizeTarget = normalizeTarget;
  readonly parseIsoTime = parseIsoTime;
  readonly parseEpoch = parseEpoch;
  readonly splitRequestAt = splitRequestAt;

  /** Start of the line being parsed in its block: failures report columns relative to it. */
  base = 0;

  constructor(private readonly allowTrailing: boolean) {}

  mismatch(literal: string, pos: number): ParseFailure {
    const column = pos - this.base + 1;
    return new ParseFailure('line does not match the format', column, `expected ${JSON.stringify(literal)} at column ${column}`);
  }

  noTerminator(directive: string, terminator: string, pos: number): ParseFailure {
    const column = pos - this.base + 1;
    return new ParseFailure(
      'line does not match the format',
      column,
      `${directive} at column ${column} is not followed by ${JSON.stringify(terminator)}`,
    );
  }

  unterminated(directive: string, pos: number): ParseFailure {
    const column = pos - this.base;
    return new ParseFailure('unterminated quoted field', column, `no closing quote for ${directive} opened at column ${column}`);
  }

  trailing(pos: number): ParseFailure {
    const column = pos - this.base + 1;
    return new ParseFailure('line does not match the format', column, `unexpected text after the last field at column ${column}`);
  }

  /** A 3-digit status at text[pos, end), or -1. */
  status(text: string, pos: number, end: number): number {
    if (end - pos !== 3) return -1;
    const a = text.charCodeAt(pos) - 48;
    const b = text.charCodeAt(pos + 1) - 48;
    const c = text.charCodeAt(pos + 2) - 48;
    if (a < 1 || a > 9 || b < 0 || b > 9 || c < 0 || c > 9) return -1;
    return a * 100 + b * 10 + c;
  }

  badStatus(text: string, pos: number, end: number): ParseFailure {
    return new ParseFailure('bad status', pos - this.base + 1, `status ${JSON.stringify(text.slice(pos, end))} is not a 3-digit HTTP status`);
  }

  badTime(directive: string, text: string, pos: number, end: number): ParseFailure {
    return new ParseFailure('bad time', pos - this.base + 1, `${directive} ${JSON.stringify(text.slice(pos, Math.min(end, pos + 40)))} is not a valid time`);
  }

  badRequest(problem: string, text: string, start: number, end: number): ParseFailure {
    return new ParseFailure(problem, start - this.base + 1, `${problem}: ${JSON.stringify(text.slice(start, Math.min(end, start + 80)))}`);
  }

  badTarget(target: string): ParseFailure {
    return new ParseFailure('bad request target', 0, `request target ${JSON.stringify(target.slice(0, 80))} does not start with /`);
  }

  /**
   * End of a quoted field starting at `from` in the line ending at `stop`: the first unescaped
   * `"` followed by `terminator`; for the last field the terminator must end the line (or
   * precede a space when trailing text is allowed). -1 when there is none.
   */
  closingQuote(text: string, from: number, terminator: string, endsLine: boolean, stop: number): number {
    const last = stop - terminator.length;
    let j = text.indexOf('"', from);
    while (j >= 0 && j <= last) {
      if (!isEscaped(text, from, j) && text.startsWith(terminator, j)) {
        if (!endsLine) return j;
        const after = j + terminator.length;
        if (after === stop || (this.allowTrailing && text.charCodeAt(after) === 0x20)) return j;
      }
      j = text.indexOf('"', j + 1);
    }
    return -1;
  }
}

/** Characters of an unquoted field looked at inline before indexOf is called. */
const SHORT_FIELD = 8;

/**
 * JavaScript for "text starts with `literal` at `at`" (an expression in the generated code):
 * short literals are compared char by char inline, cheaper than a `startsWith` builtin call.
 */
function startsWithCode(literal: string, at: string): string {
  if (literal.length > 4) return `text.startsWith(${JSON.stringify(literal)}, ${at})`;
  return '(' + Array.from(literal, (c, k) => `text.charCodeAt(${at}${k > 0 ? ` + ${k}` : ''}) === ${c.charCodeAt(0)}`).join(' && ') + ')';
}

/** JavaScript for "is text[pos, end) a lone dash". */
const IS_DASH = '(end - pos === 1 && text.charCodeAt(pos) === 45)';

/** The generated code of one field: find its end, store its value, move past it. */
function fieldCode(step: FieldStep, index: number, endsLine: boolean, h: ScannerHelpers): string {
  const directive = JSON.stringify(step.spec.directive);
  const out: string[] = [];
  fieldEndCode(step, endsLine, directive, out);
  fieldValueCode(step.spec, index, directive, h, out);
  out.push('pos = end;');
  return out.join('\n');
}

/** Code that sets `end` to the end of the field that starts at `pos` (or returns its error). */
function fieldEndCode(step: FieldStep, endsLine: boolean, directive: string, out: string[]): void {
  const spec = step.spec;
  if (step.quoted) {
    // Inline first: the first `"` after the field is its end (not escaped, the terminator follows,
    // and for the last field the line ends there); anything else goes through closingQuote.
    const term = step.terminator;
    const fits = endsLine ? `end + ${term.length} === stop` : `end + ${term.length} <= stop`;
    out.push(`end = text.indexOf('"', pos);`);
    out.push(
      `if (!(end >= 0 && ${fits} && text.charCodeAt(end - 1) !== 92 && ${startsWithCode(term, 'end')})) ` +
        `end = h.closingQuote(text, pos, ${JSON.stringify(term)}, ${endsLine}, stop);`,
    );
    out.push(`if (end < 0) return h.unterminated(${directive}, pos);`);
  } else if (step.terminator.length === 0) {
    // A last unquoted field is one word: anything after it is trailing text (an error unless allowed).
    // Scanned inline: last fields are short (a size, a duration), and a builtin call costs more.
    out.push('end = pos; while (end < stop && text.charCodeAt(end) !== 32) end++;');
  } else if (spec.role === 'time' && spec.time?.kind === 'clf') {
    // Apache's %t writes its own brackets, and the time inside has a space.
    out.push(`if (text.charCodeAt(pos) === 91 && pos < stop) { end = text.indexOf(']', pos); if (end >= 0) end++; } else end = pos;`);
    out.push(`if (end < 0 || end + ${step.terminator.length} > stop || !${startsWithCode(step.terminator, 'end')}) end = text.indexOf(${JSON.stringify(step.terminator)}, pos);`);
    out.push(`if (end < 0 || end + ${step.terminator.length} > stop) return h.noTerminator(${directive}, ${JSON.stringify(step.terminator)}, pos);`);
  } else if (spec.role === 'ignore' || spec.role === 'status' || spec.role === 'duration') {
    // These unquoted fields are short (`-`, a status, a size): look for the terminator in the next
    // few characters inline, and call indexOf only when it is not there. The first place where the
    // terminator's first character is followed by the rest of it is what indexOf would find.
    const term = step.terminator;
    const rest = Array.from(term.slice(1), (c, k) => ` && text.charCodeAt(end + ${k + 1}) === ${c.charCodeAt(0)}`).join('');
    out.push(`end = pos; while (end < pos + ${SHORT_FIELD} && end < stop && text.charCodeAt(end) !== ${term.charCodeAt(0)}) end++;`);
    out.push(`if (!(end < stop && text.charCodeAt(end) === ${term.charCodeAt(0)}${rest})) end = text.indexOf(${JSON.stringify(term)}, pos);`);
    out.push(`if (end < 0 || end + ${term.length} > stop) return h.noTerminator(${directive}, ${JSON.stringify(term)}, pos);`);
  } else {
    out.push(`end = text.indexOf(${JSON.stringify(step.terminator)}, pos);`);
    out.push(`if (end < 0 || end + ${step.terminator.length} > stop) return h.noTerminator(${directive}, ${JSON.stringify(step.terminator)}, pos);`);
  }
}

/** Code that stores the value of text[pos, end) by the field's role (or returns its error). */
function fieldValueCode(spec: FieldStep['spec'], index: number, directive: string, h: ScannerHelpers, out: string[]): void {
  switch (spec.role) {
    case 'ignore':
      break;
    case 'client':
      out.push('client = text.slice(pos, end);');
      break;
    case 'userAgent':
      out.push(`userAgent = ${IS_DASH} ? '' : text.slice(pos, end);`);
      break;
    case 'referer':
      out.push(`referer = ${IS_DASH} ? '' : h.normalizeReferer(text.slice(pos, end));`);
      break;
    case 'request':
      out.push('requestStart = pos; requestEnd = end;');
      break;
    case 'method':
      out.push('method = text.slice(pos, end);');
      break;
    case 'target':
      out.push('target = text.slice(pos, end);');
      break;
    case 'path':
      out.push('path = text.slice(pos, end);');
      break;
    case 'query':
      out.push(`if (end > pos && !${IS_DASH}) query = text.slice(text.charCodeAt(pos) === 63 ? pos + 1 : pos, end);`);
      break;
    case 'status':
      out.push(`if (!${IS_DASH}) { status = h.status(text, pos, end); if (status < 0) return h.badStatus(text, pos, end); }`);
      break;
    case 'time': {
      const syntax = spec.time!;
      if (syntax.kind === 'clf') out.push('time = h.clf.parseAt(text, pos, end);');
      else if (syntax.kind === 'iso') out.push('time = h.parseIsoTime(text.slice(pos, end));');
      else if (syntax.kind === 'epoch') out.push('time = h.parseEpoch(text.slice(pos, end));');
      else {
        h.timeScanners[index] = syntax.scan;
        out.push('if (!partsUsed) { h.parts.reset(); partsUsed = true; }');
        out.push(`if (!h.timeScanners[${index}](text.slice(pos, end), h.parts)) return h.badTime(${directive}, text, pos, end);`);
      }
      if (syntax.kind !== 'strftime') out.push(`if (time !== time) return h.badTime(${directive}, text, pos, end);`);
      if (spec.timeIsEnd === true) out.push('timeIsEnd = true;');
      break;
    }
    case 'duration':
      out.push(`{ const d = +text.slice(pos, end); if (d > 0) duration = d * ${spec.durationScale ?? 1}; }`);
      break;
  }
}

function generateParser(name: string, steps: ReadonlyArray<string | FieldStep>, allowTrailing: boolean): LineParser {
  const h = new ScannerHelpers(allowTrailing);
  const hasRequest = steps.some((s) => typeof s !== 'string' && s.spec.role === 'request');
  const code: string[] = [
    'h.base = start;',
    'let pos = start, end = start, client = "", userAgent = "", referer = "", requestStart = -1, requestEnd = -1;',
    'let method = "", target = "", path = "", query = "", status = 0, time = NaN, timeIsEnd = false, duration = 0, partsUsed = false;',
  ];
  steps.forEach((step, i) => {
    if (typeof step === 'string') {
      const test =
        step.length === 1
          ? `pos >= stop || text.charCodeAt(pos) !== ${step.charCodeAt(0)}`
          : `pos + ${step.length} > stop || !${startsWithCode(step, 'pos')}`;
      code.push(`if (${test}) return h.mismatch(${JSON.stringify(step)}, pos);`);
      code.push(`pos += ${step.length};`);
    } else {
      code.push(fieldCode(step, i, i + 1 === steps.length - 1, h));
    }
  });
  code.push(
    allowTrailing
      ? 'if (pos !== stop && text.charCodeAt(pos) !== 32) return h.trailing(pos);'
      : 'if (pos !== stop) return h.trailing(pos);',
  );
  // `%{...}t` parts give the time, or only add a fraction (`%{msec_frac}t`) to the time `%t` gave.
  code.push('if (partsUsed) time = time === time ? time + h.parts.fraction : h.parts.toEpoch();');
  code.push('if (timeIsEnd) time -= duration;');
  if (hasRequest) {
    code.push('const problem = h.splitRequestAt(text, requestStart, requestEnd, h.request);');
    code.push('if (problem !== undefined) return h.badRequest(problem, text, requestStart, requestEnd);');
    code.push('method = h.request.method; target = h.request.target;');
  } else {
    code.push('if (target === "" || target === "-") target = query === "" ? path : path + "?" + query;');
    code.push('if (target.charCodeAt(0) !== 47) return h.badTarget(target);');
    code.push('target = h.normalizeTarget(target);');
    code.push('if (method === "" || method === "-") method = "GET";');
  }
  code.push('if (into === undefined) return { time, client, userAgent, method, uri: target, status, referer, file, line, seq };');
  // A pooled record: no object per line on the hot path.
  code.push('into.time = time; into.client = client; into.userAgent = userAgent; into.method = method; into.uri = target;');
  code.push('into.status = status; into.referer = referer; into.file = file; into.line = line; into.seq = seq;');
  code.push('return into;');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from the format, never from log content
  const factory = new Function('h', `return function parseRange(text, start, stop, file, line, seq, into) {\n${code.join('\n')}\n};`) as (
    h: ScannerHelpers,
  ) => LineParser['parseRange'];
  // The generated function is the parser's parseRange itself: no wrapper call per line.
  const parseRange = factory(h);
  return {
    name,
    parse: (text, file, line, seq) => parseRange(text, 0, text.length, file, line, seq),
    parseRange,
  };
}
