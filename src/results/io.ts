/**
 * Results files on disk: atomic writing (`--json FILE`) and validated reading (`loadgen gate`,
 * `loadgen sweep`, merging). A bad file is an InputError `FILE:LINE:COL: what is wrong`, located
 * by util/locate.ts.
 */
import { InputError } from '../errors.js';
import { readInputText, writeFileAtomic } from '../util/files.js';
import { lineColumnAt, locateJsonPath, parseJsonText } from '../util/locate.js';
import { COUNTER_FIELDS, COUNTER_NAMES, ERROR_KEYS, FINE_BUCKET_COUNTS, FINE_BUCKET_PEAKS, GENERATOR_FIELDS, TIMELINE_COUNTS, type CounterRule } from './fields.js';
import { BUCKET_HISTOGRAM_NAMES, HISTOGRAM_NAMES, RESULTS_SCHEMA_VERSION, type ResultsDocument } from './schema.js';

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
  return validateResultsDocument(parseJsonText(text, path), path, text);
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
