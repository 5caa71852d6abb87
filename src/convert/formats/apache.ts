/**
 * Apache `LogFormat` strings compiled into the shared scanner (scanner.ts).
 *
 * Supported directives: every directive of Apache's own modules is accepted as a field
 * (mod_log_config's letters, `%I %O %S %^FB` of mod_logio, `%{VAR}c %{VAR}x` of mod_ssl,
 * `%{VAR}^ti %{VAR}^to`); those the converter needs have a role (`%h %a %{c}a` client,
 * `%t %{FMT}t` time, `%r` request line, `%m %U %q` method/path/query, `%>s %s %<s` status,
 * `%{Referer}i %{User-Agent}i`, `%D %T %{UNIT}T` durations) and the others are skipped, whatever
 * their argument. Modifiers (`%>s`, `%<s`, `%!200,304{...}i`) are accepted. The config-file
 * escapes `\"`, `\\`, `\t`, `\n` are decoded, so a LogFormat line can be pasted as written.
 */
import type { CompiledFormat, FieldSpec, Segment } from './scanner.js';
import { compileStrftime } from './time.js';

/** `%h %l %u %t "%r" %>s %b` */
export const COMMON_LOG_FORMAT = '%h %l %u %t "%r" %>s %b';
/** Common plus `"%{Referer}i" "%{User-Agent}i"`. */
export const COMBINED_LOG_FORMAT = `${COMMON_LOG_FORMAT} "%{Referer}i" "%{User-Agent}i"`;

/**
 * Directive letters Apache's modules register (those without a role are skipped): mod_log_config
 * `aABbCDefhHiklLmnopPqrRsStTuUvVX`, mod_logio `IOS`, mod_ssl `cx`. Apache itself refuses any
 * other letter ("Unrecognized LogFormat directive"), and so does loadgen: it is a typo.
 */
const KNOWN_LETTERS = new Set('aABbcCDefhHiIklLmnoOpPqrRsStTuUvVxX'.split(''));
/** Directives written `%^XX` (mod_log_config's trailers, mod_logio's time to first byte). */
const CARET_DIRECTIVES = new Set(['ti', 'to', 'FB']);

function field(directive: string, letter: string, arg: string | undefined): FieldSpec {
  switch (letter) {
    case 'h':
    case 'a':
      return { directive, role: 'client' };
    case 'r':
      return { directive, role: 'request' };
    case 'm':
      return { directive, role: 'method' };
    case 'U':
      return { directive, role: 'path' };
    case 'q':
      return { directive, role: 'query' };
    case 's':
      return { directive, role: 'status' };
    case 'D':
      return { directive, role: 'duration', durationScale: 1e-6 };
    case 'T': {
      const unit = arg ?? 's';
      const scale = unit === 'ms' ? 1e-3 : unit === 'us' ? 1e-6 : unit === 's' ? 1 : Number.NaN;
      if (Number.isNaN(scale)) throw new Error(`${directive}: unit must be s, ms or us`);
      return { directive, role: 'duration', durationScale: scale };
    }
    case 'i': {
      const header = (arg ?? '').toLowerCase();
      if (header === 'referer' || header === 'referrer') return { directive, role: 'referer' };
      if (header === 'user-agent') return { directive, role: 'userAgent' };
      return { directive, role: 'ignore' };
    }
    case 't': {
      if (arg === undefined) return { directive, role: 'time', time: { kind: 'clf' } };
      let format = arg;
      let timeIsEnd = false;
      if (format.startsWith('begin:')) format = format.slice(6);
      else if (format.startsWith('end:')) {
        format = format.slice(4);
        timeIsEnd = true;
      }
      try {
        return { directive, role: 'time', time: { kind: 'strftime', scan: compileStrftime(format) }, timeIsEnd };
      } catch (err) {
        // Not needed when another field gives the time (checked once the format is compiled).
        return { directive, role: 'ignore', unreadable: (err as Error).message };
      }
    }
    default:
      return { directive, role: 'ignore' };
  }
}

/** Decode the escapes Apache's config parser applies to a quoted LogFormat argument. */
function unescapeConfig(format: string): string {
  return format.replace(/\\(["\\tn])/g, (_m, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c));
}

/**
 * Compile an Apache LogFormat string. Throws an Error with a readable message for an unknown
 * directive, an unterminated `%{`, or a format without time or request fields.
 */
export function compileApacheFormat(format: string, name = `apache "${format}"`): CompiledFormat {
  const text = unescapeConfig(format);
  const segments: Segment[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c !== '%') {
      literal += c;
      i++;
      continue;
    }
    const start = i;
    i++;
    if (text[i] === '%') {
      literal += '%';
      i++;
      continue;
    }
    // Modifiers: < > and a status condition like !200,304 or 400,501.
    while (i < text.length && /[<>!0-9,]/.test(text[i]!)) i++;
    let arg: string | undefined;
    if (text[i] === '{') {
      const close = text.indexOf('}', i);
      if (close < 0) throw new Error(`log format: unterminated %{ at column ${start + 1}`);
      arg = text.slice(i + 1, close);
      i = close + 1;
    }
    let letter = text[i];
    if (letter === '^' && CARET_DIRECTIVES.has(text.slice(i + 1, i + 3))) {
      letter = text.slice(i, i + 3);
      i += 2;
    } else if (letter === undefined || !KNOWN_LETTERS.has(letter)) {
      throw new Error(`log format: unknown directive ${text.slice(start, i + 1)} at column ${start + 1}`);
    }
    i++;
    if (literal.length > 0) segments.push({ literal });
    literal = '';
    segments.push({ field: field(text.slice(start, i), letter, arg) });
  }
  if (literal.length > 0) segments.push({ literal });
  const unreadable = segments.find((s) => 'field' in s && s.field.unreadable !== undefined);
  if (unreadable !== undefined && !segments.some((s) => 'field' in s && s.field.role === 'time')) {
    throw new Error(`log format: ${(unreadable as { field: FieldSpec }).field.unreadable} (and there is no other time field)`);
  }
  return { name, segments };
}
