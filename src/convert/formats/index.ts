/**
 * `--format` values to line parsers: the named formats, Apache LogFormat strings, nginx
 * log_format strings, JSON lines, and auto-detection from the first lines of the input.
 */
import { ParseFailure, type LineParser } from '../record.js';
import { COMBINED_LOG_FORMAT, COMMON_LOG_FORMAT, compileApacheFormat } from './apache.js';
import { buildJsonMapping, createJsonParser } from './json.js';
import { NGINX_COMBINED_FORMAT, compileNginxFormat } from './nginx.js';
import { createScanner } from './scanner.js';

/** Named formats `--format` accepts besides a format string. */
export const NAMED_FORMATS = ['auto', 'common', 'combined', 'nginx', 'json'] as const;

/** Lines looked at to detect the format. */
export const DETECT_SAMPLE_LINES = 50;

/** How to parse lines: a ready parser, or detect one from the first lines. */
export type FormatChoice = { readonly kind: 'fixed'; readonly parser: LineParser } | { readonly kind: 'auto' };

/**
 * Resolve a `--format` value. A value with `%` is an Apache LogFormat, one with `$` an nginx
 * log_format. Throws Error with a readable message for a bad format string.
 */
export function resolveFormat(spec: string, jsonFields: readonly string[]): FormatChoice {
  switch (spec) {
    case 'auto':
      return { kind: 'auto' };
    case 'common':
      return { kind: 'fixed', parser: createScanner(compileApacheFormat(COMMON_LOG_FORMAT, 'common')) };
    case 'combined':
      return { kind: 'fixed', parser: createScanner(compileApacheFormat(COMBINED_LOG_FORMAT, 'combined')) };
    case 'nginx':
      return { kind: 'fixed', parser: createScanner(compileNginxFormat(NGINX_COMBINED_FORMAT, 'nginx')) };
    case 'json':
      return { kind: 'fixed', parser: createJsonParser(buildJsonMapping(jsonFields)) };
    default:
      break;
  }
  if (spec.includes('%')) return { kind: 'fixed', parser: createScanner(compileApacheFormat(spec)) };
  if (spec.includes('$')) return { kind: 'fixed', parser: createScanner(compileNginxFormat(spec)) };
  throw new Error(
    `unknown --format "${spec}": use ${NAMED_FORMATS.join(', ')}, an Apache LogFormat string (with %) or an nginx log_format string (with $)`,
  );
}

/** Parsers tried by auto-detection, most specific first (ties go to the earlier one). */
function candidates(jsonFields: readonly string[]): LineParser[] {
  return [
    createJsonParser(buildJsonMapping(jsonFields)),
    createScanner(compileApacheFormat(COMBINED_LOG_FORMAT, 'combined')),
    createScanner(compileApacheFormat(COMMON_LOG_FORMAT, 'common')),
    // Combined with extra fields appended (nginx "main", Apache combinedio, ...).
    createScanner(compileApacheFormat(COMBINED_LOG_FORMAT, 'combined+extra fields'), true),
    createScanner(compileApacheFormat(COMMON_LOG_FORMAT, 'common+extra fields'), true),
  ];
}

/**
 * Pick the parser that reads most of `sample` (non-empty lines). Undefined when none reads any.
 * A line counts as read when it parses or fails only on its request line (a garbage request
 * line says nothing about the format).
 */
export function detectFormat(sample: readonly string[], jsonFields: readonly string[]): LineParser | undefined {
  let best: LineParser | undefined;
  let bestScore = 0;
  for (const parser of candidates(jsonFields)) {
    let score = 0;
    for (const line of sample) {
      const result = parser.parse(line, 0, 0, 0);
      if (!(result instanceof ParseFailure) || result.reason.includes('request')) score++;
    }
    if (score > bestScore) {
      best = parser;
      bestScore = score;
    }
  }
  return best;
}
