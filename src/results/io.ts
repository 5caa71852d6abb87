/**
 * Results files on disk: atomic writing (`--json FILE`) and validated reading (`loadgen gate`,
 * `loadgen sweep`, merging). A bad file is an InputError `FILE:LINE:COL: what is wrong`; the
 * line and column of a JSON syntax error come from a small scanner because `JSON.parse`
 * messages do not always carry a position ("Unexpected token '}', ... is not valid JSON").
 */
import { InputError } from '../errors.js';
import { readInputText, writeFileAtomic } from '../util/files.js';
import { COUNTER_FIELDS, COUNTER_NAMES, ERROR_KEYS, FINE_BUCKET_COUNTS, FINE_BUCKET_PEAKS, GENERATOR_FIELDS, TIMELINE_COUNTS, type CounterRule } from './fields.js';
import { BUCKET_HISTOGRAM_NAMES, HISTOGRAM_NAMES, RESULTS_SCHEMA_VERSION, type ResultsDocument } from './schema.js';

/** 1-based line and column of a character offset. */
function lineColumnAt(text: string, offset: number): { line: number; column: number } {
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

  private object(): void {
    this.pos++;
    this.whitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      this.whitespace();
      if (this.text[this.pos] !== '"') throw new ScanError(this.pos);
      this.string();
      this.whitespace();
      this.expect(':');
      this.value();
      this.whitespace();
      if (this.text[this.pos] === ',') this.pos++;
      else return this.expect('}');
    }
  }

  private array(): void {
    this.pos++;
    this.whitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return;
    }
    for (;;) {
      this.value();
      this.whitespace();
      if (this.text[this.pos] === ',') this.pos++;
      else return this.expect(']');
    }
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
function locateJsonPath(text: string, path: readonly (string | number)[]): number {
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

// ---------------------------------------------------------------------------------------------
// Shape validation

/** What a value must look like. */
type Shape =
  | 'number'
  | 'string'
  | 'object'
  | { readonly arrayOf: Shape; readonly length?: number }
  | { readonly fields: Readonly<Record<string, Shape>> }
  | { readonly oneOf: readonly string[] }
  /** A field that may be absent (added by a minor version); when present it must match. */
  | { readonly optional: Shape };

/** Numeric fields by name. */
function numberFields(...names: string[]): Record<string, Shape> {
  return Object.fromEntries(names.map((name) => [name, 'number' as const]));
}

/** A shape with only numeric fields. */
function numbers(...names: string[]): Shape {
  return { fields: numberFields(...names) };
}

const HISTOGRAM_SHAPE: Shape = {
  fields: {
    count: 'number',
    min: 'number',
    max: 'number',
    mean: 'number',
    stddev: 'number',
    p50: 'number',
    p90: 'number',
    p99: 'number',
    p999: 'number',
    p9999: 'number',
    encoded: 'string',
  },
};

const SAMPLE_STATS_SHAPE = numbers('min', 'avg', 'max', 'stddev', 'samples');

const ERRORS_SHAPE = numbers(...ERROR_KEYS);

/** The shape of a counter of each rule (fields.ts). */
const COUNTER_SHAPES: Readonly<Record<CounterRule, Shape>> = {
  sum: 'number',
  max: 'number',
  lifetimeMin: 'number',
  lifetimeMax: 'number',
  statusClasses: { arrayOf: 'number', length: 5 },
  lengths: { arrayOf: 'number' },
  errors: ERRORS_SHAPE,
  reasons: 'object',
};

/** Every counter with its shape; counters added by a minor version are optional. */
const COUNTERS_SHAPE: Shape = {
  fields: Object.fromEntries(
    COUNTER_NAMES.map((name) => {
      const field: { rule: CounterRule; optional?: true } = COUNTER_FIELDS[name];
      const shape = COUNTER_SHAPES[field.rule];
      return [name, field.optional ? { optional: shape } : shape];
    }),
  ),
};

const BUCKET_HISTOGRAM_SHAPE: Shape = { fields: { ...numberFields('count', 'p50', 'p90', 'p99', 'max'), encoded: 'string' } };

/** Schema 1.1: the fine timeline. */
const FINE_TIMELINE_SHAPE: Shape = {
  fields: {
    ...numberFields('bucketMs', 'maxBuckets'),
    buckets: {
      arrayOf: {
        fields: {
          ...numberFields('start', 'from', 'to', ...FINE_BUCKET_COUNTS, ...FINE_BUCKET_PEAKS),
          errors: ERRORS_SHAPE,
          ...Object.fromEntries(BUCKET_HISTOGRAM_NAMES.map((name) => [name, BUCKET_HISTOGRAM_SHAPE])),
        },
      },
    },
  },
};

/** Every field a reader of a schemaVersion-1 document relies on (1.1 fields are optional). */
const DOCUMENT_SHAPE: Shape = {
  fields: {
    schemaMinorVersion: { optional: 'number' },
    fineTimeline: { optional: FINE_TIMELINE_SHAPE },
    tool: { fields: { name: 'string', version: 'string' } },
    run: {
      fields: {
        commandLine: 'string',
        options: 'object',
        templateRequestCounts: { arrayOf: 'number' },
        targetSessionRate: 'number',
        ended: { oneOf: ['completed', 'interrupted'] },
      },
    },
    startedAt: 'string',
    endedAt: 'string',
    duration: 'number',
    counters: COUNTERS_SHAPE,
    rates: {
      fields: {
        ...numberFields('connectionRate', 'requestRate', 'replyRate', 'sessionRate', 'netIoKBps', 'errorRate'),
        replyRateSamples: SAMPLE_STATS_SHAPE,
        sessionRateSamples: SAMPLE_STATS_SHAPE,
      },
    },
    generator: numbers(...Object.keys(GENERATOR_FIELDS)),
    timeline: { arrayOf: numbers('t', 'interval', ...TIMELINE_COUNTS) },
    histograms: { fields: Object.fromEntries(HISTOGRAM_NAMES.map((name) => [name, HISTOGRAM_SHAPE])) },
  },
};

/** The first mismatch between a value and a shape: where it is and what is wrong. */
interface Problem {
  path: (string | number)[];
  reason: string;
}

/** `counters.errors.other`, `timeline[3].replies`. */
function pathName(path: readonly (string | number)[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && !Number.isFinite(value)) return 'a non-finite number';
  return `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Check `value` against `shape`; returns the first problem found, or undefined. */
function checkShape(value: unknown, shape: Shape, path: (string | number)[]): Problem | undefined {
  const mismatch = (expected: string): Problem => ({
    path,
    reason: `${pathName(path)} must be ${expected}, found ${describeType(value)}`,
  });
  if (shape === 'number') return typeof value === 'number' && Number.isFinite(value) ? undefined : mismatch('a number');
  if (shape === 'string') return typeof value === 'string' ? undefined : mismatch('a string');
  if (shape === 'object') return isPlainObject(value) ? undefined : mismatch('an object');
  if ('optional' in shape) return checkShape(value, shape.optional, path);
  if ('oneOf' in shape) {
    return typeof value === 'string' && shape.oneOf.includes(value)
      ? undefined
      : { path, reason: `${pathName(path)} must be one of ${shape.oneOf.map((v) => `"${v}"`).join(', ')}` };
  }
  if ('arrayOf' in shape) {
    if (!Array.isArray(value)) return mismatch('an array');
    if (shape.length !== undefined && value.length !== shape.length) {
      return { path, reason: `${pathName(path)} must have ${shape.length} elements, found ${value.length}` };
    }
    for (let i = 0; i < value.length; i++) {
      const problem = checkShape(value[i], shape.arrayOf, [...path, i]);
      if (problem) return problem;
    }
    return undefined;
  }
  if (!isPlainObject(value)) return mismatch('an object');
  for (const [key, fieldShape] of Object.entries(shape.fields)) {
    if (!(key in value)) {
      if (typeof fieldShape === 'object' && 'optional' in fieldShape) continue;
      return { path, reason: `missing field ${pathName([...path, key])}` };
    }
    const problem = checkShape(value[key], fieldShape, [...path, key]);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Validate a parsed results document: schemaVersion 1 (any minor version: 1.0 has no
 * fineTimeline) and every field readers rely on, with its type. Throws InputError naming the field (and its line when it can be found).
 */
export function validateResultsDocument(value: unknown, path: string, text = ''): ResultsDocument {
  const fail = (problemPath: (string | number)[], reason: string): never => {
    const offset = problemPath.length > 0 ? locateJsonPath(text, problemPath) : -1;
    const line = offset >= 0 ? lineColumnAt(text, offset).line : 0;
    throw new InputError(path, line, 0, reason);
  };
  if (!isPlainObject(value)) fail([], `not a loadgen results document (expected a JSON object, found ${describeType(value)})`);
  const doc = value as Record<string, unknown>;
  if (!('schemaVersion' in doc)) fail([], 'not a loadgen results document (no schemaVersion)');
  if (doc.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    fail(
      ['schemaVersion'],
      `unsupported schemaVersion ${JSON.stringify(doc.schemaVersion)} (this loadgen reads version ${RESULTS_SCHEMA_VERSION})`,
    );
  }
  const problem = checkShape(doc, DOCUMENT_SHAPE, []);
  if (problem) fail(problem.path, problem.reason);
  return doc as unknown as ResultsDocument;
}

// ---------------------------------------------------------------------------------------------
// Files


/**
 * Read and validate a results file. A missing or unreadable file is a UsageError
 * (`can't open FILE: ...`); bad JSON is an InputError at the line:column of the syntax error;
 * a wrong or missing field is an InputError naming the field.
 */
export async function readResultsFile(path: string): Promise<ResultsDocument> {
  const text = await readInputText(path);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const offset = jsonSyntaxErrorOffset(text);
    const at = offset >= 0 ? offset : text.length;
    const { line, column } = lineColumnAt(text, at);
    const found = at >= text.length ? 'unexpected end of file' : `unexpected ${JSON.stringify(text[at])}`;
    throw new InputError(path, line, column, `invalid JSON: ${found}`);
  }
  return validateResultsDocument(value, path, text);
}

/**
 * Write a results document as indented JSON, atomically: a temporary file in the same
 * directory is written, flushed to disk and renamed over `path`, so a reader never sees a
 * partial file and an existing file survives a failed write. Errors are UsageErrors
 * (`can't write FILE: ...`).
 */
export async function writeResultsFile(path: string, doc: ResultsDocument): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(doc, null, 2)}\n`);
}
