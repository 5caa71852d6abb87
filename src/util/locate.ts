/**
 * Where a JSON or YAML text is wrong, as an InputError `FILE:LINE:COL: what is wrong`: one
 * locator for config files, results files and gate documents. JSON syntax errors are located by a
 * small RFC 8259 scanner because `JSON.parse` messages do not always carry a position
 * ("Unexpected token '}', ... is not valid JSON"); YAML errors by the yaml library's positions.
 */
import type YAML from 'yaml';
import { InputError } from '../errors.js';

/** 1-based line and column of a character offset. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** Thrown inside the scanner with the offset of the offending character. */
class ScanError {
  constructor(readonly offset: number) {}
}

/** Scans one JSON text (RFC 8259) and returns the offset of its first syntax error. */
class Scanner {
  private pos = 0;
  constructor(private readonly text: string) {}

  /** Offset of the first error, or -1 if the text is valid JSON. */
  firstError(): number {
    try {
      this.value();
      this.whitespace();
      if (this.pos < this.text.length) throw new ScanError(this.pos);
      return -1;
    } catch (err) {
      if (err instanceof ScanError) return err.offset;
      return this.pos; // nesting too deep for the stack: point at where we were
    }
  }

  private whitespace(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos]!)) this.pos++;
  }

  private expect(char: string): void {
    if (this.text[this.pos] !== char) throw new ScanError(this.pos);
    this.pos++;
  }

  private value(): void {
    this.whitespace();
    const char = this.text[this.pos];
    if (char === '{') this.object();
    else if (char === '[') this.array();
    else if (char === '"') this.string();
    else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) this.number();
    else this.literal();
  }

  /** At an opening bracket: step over it; true (closer consumed too) when the container is empty. */
  private opensEmpty(closer: string): boolean {
    this.pos++;
    this.whitespace();
    if (this.text[this.pos] !== closer) return false;
    this.pos++;
    return true;
  }

  /** After a member: true after a `,` (another member follows), else the closer must come. */
  private another(closer: string): boolean {
    this.whitespace();
    if (this.text[this.pos] === ',') {
      this.pos++;
      return true;
    }
    this.expect(closer);
    return false;
  }

  private object(): void {
    if (this.opensEmpty('}')) return;
    do {
      this.whitespace();
      if (this.text[this.pos] !== '"') throw new ScanError(this.pos);
      this.string();
      this.whitespace();
      this.expect(':');
      this.value();
    } while (this.another('}'));
  }

  private array(): void {
    if (this.opensEmpty(']')) return;
    do this.value();
    while (this.another(']'));
  }

  private string(): void {
    this.pos++;
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (Number.isNaN(code) || code < 0x20) throw new ScanError(this.pos);
      if (code === 0x22) {
        this.pos++;
        return;
      }
      if (code === 0x5c) {
        const escape = this.text[this.pos + 1];
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) throw new ScanError(this.pos);
          this.pos += 6;
        } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) {
          this.pos += 2;
        } else {
          throw new ScanError(this.pos);
        }
      } else {
        this.pos++;
      }
    }
  }

  private number(): void {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!match) throw new ScanError(this.pos);
    this.pos += match[0].length;
  }

  private literal(): void {
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return;
      }
    }
    throw new ScanError(this.pos);
  }
}

/** Offset of the first JSON syntax error in `text`, or -1 when it is valid. */
function jsonSyntaxErrorOffset(text: string): number {
  return new Scanner(text).firstError();
}

/**
 * Best-effort offset of the value at `path` (keys and array indices) in a JSON text, found by
 * searching each key in turn after the previous one; an index i selects the (i+1)-th occurrence
 * of the next key (array elements of one shape). Returns -1 if a key cannot be found.
 */
export function locateJsonPath(text: string, path: readonly (string | number)[]): number {
  let from = 0;
  let occurrence = 1;
  let found = -1;
  for (const part of path) {
    if (typeof part === 'number') {
      occurrence = part + 1;
      continue;
    }
    const pattern = new RegExp(`"${part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\s*:`, 'g');
    pattern.lastIndex = from;
    for (let i = 0; i < occurrence; i++) {
      const match = pattern.exec(text);
      if (!match) return -1;
      found = match.index;
    }
    from = pattern.lastIndex;
    occurrence = 1;
  }
  return found;
}

/**
 * The InputError for a JSON text that `JSON.parse` rejected, at the line and column of its first
 * syntax error: `invalid JSON: REASON`, where REASON is `reason(found)` if given and defined, else
 * what was found there (`unexpected "}"`, `unexpected end of file`).
 */
function jsonSyntaxError(text: string, file: string, reason?: () => string | undefined): InputError {
  const offset = jsonSyntaxErrorOffset(text);
  const at = offset >= 0 ? offset : text.length;
  const { line, column } = lineColumnAt(text, at);
  const found = at >= text.length ? 'unexpected end of file' : `unexpected ${JSON.stringify(text[at])}`;
  return new InputError(file, line, column, `invalid JSON: ${reason?.() ?? found}`);
}

/** Parse a JSON text; a syntax error is thrown as `jsonSyntaxError`. */
export function parseJsonText(text: string, file: string, reason?: () => string | undefined): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw jsonSyntaxError(text, file, reason);
  }
}

/**
 * The first error of a parsed YAML document (parsed with `prettyErrors`) as an InputError
 * `FILE:LINE:COL: invalid WHAT: REASON`, or undefined when it parsed cleanly.
 */
export function yamlError(document: YAML.Document, file: string, what: string): InputError | undefined {
  const error = document.errors[0];
  if (error === undefined) return undefined;
  const position = error.linePos?.[0];
  return new InputError(file, position?.line ?? 1, position?.col ?? 0, `invalid ${what}: ${yamlReason(error)}`);
}

/** A YAML error's reason alone: prettyErrors appends " at line L, column C:" and a code excerpt. */
export function yamlReason(error: YAML.YAMLError): string {
  return error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
