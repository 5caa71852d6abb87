/**
 * JSON-lines access logs (one JSON object per line), with a mapping from the converter's fields
 * to the log's keys: `--field client=remote_ip --field time=ts`. A key may be a dotted path into
 * nested objects (`http.request.method`). Unmapped fields are looked up under common names.
 *
 * Times may be ISO 8601 strings, Common Log Format strings, or epoch numbers in seconds,
 * milliseconds or microseconds (told apart by magnitude). `duration` (seconds) is subtracted when
 * `time-is-end` is set, as nginx logs the end of a request.
 */
import { ParseFailure, type LineParser, type LogRecord } from '../record.js';
import { ClfTimeParser, parseEpoch, parseIsoTime } from './time.js';
import { normalizeReferer, normalizeTarget, originForm, splitRequestLine, type RequestLine } from './uri.js';

/** Fields `--field` can map. */
export const JSON_FIELDS = ['client', 'time', 'request', 'method', 'uri', 'status', 'referer', 'user-agent', 'duration'] as const;
export type JsonField = (typeof JSON_FIELDS)[number];

/** Keys tried, in order, for a field the user did not map. */
const DEFAULT_KEYS: Record<JsonField, readonly string[]> = {
  client: ['client', 'remote_addr', 'remote_ip', 'client_ip', 'clientip', 'ip', 'host'],
  time: ['time', 'timestamp', '@timestamp', 'ts', 'time_local', 'time_iso8601', 'date'],
  request: ['request'],
  method: ['method', 'request_method', 'verb'],
  uri: ['uri', 'request_uri', 'url', 'path'],
  status: ['status', 'status_code', 'response'],
  referer: ['referer', 'referrer', 'http_referer'],
  'user-agent': ['user_agent', 'http_user_agent', 'useragent', 'agent', 'ua'],
  duration: ['request_time', 'duration'],
};

/** A resolved field mapping: for each field, the key paths to try. */
export type JsonMapping = Record<JsonField, ReadonlyArray<readonly string[]>>;

/**
 * Build a mapping from `--field NAME=KEY` pairs. Throws Error for an unknown NAME or an empty KEY.
 */
export function buildJsonMapping(pairs: readonly string[]): JsonMapping {
  const chosen: Partial<Record<JsonField, string>> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = (eq < 0 ? pair : pair.slice(0, eq)).trim().toLowerCase().replace('_', '-') as JsonField;
    const key = eq < 0 ? '' : pair.slice(eq + 1).trim();
    const canonical = (name as string) === 'ua' ? 'user-agent' : name;
    if (!(JSON_FIELDS as readonly string[]).includes(canonical)) {
      throw new Error(`--field ${pair}: unknown field "${name}" (fields: ${JSON_FIELDS.join(', ')})`);
    }
    if (key.length === 0) throw new Error(`--field ${pair}: write --field ${canonical}=KEY`);
    chosen[canonical as JsonField] = key;
  }
  const mapping = {} as Record<JsonField, ReadonlyArray<readonly string[]>>;
  for (const field of JSON_FIELDS) {
    const key = chosen[field];
    mapping[field] = (key !== undefined ? [key] : DEFAULT_KEYS[field]).map((k) => (k.startsWith('@') ? [k] : k.split('.')));
  }
  return mapping;
}

function lookup(obj: Record<string, unknown>, paths: ReadonlyArray<readonly string[]>): unknown {
  for (const path of paths) {
    let value: unknown = obj;
    for (const part of path) {
      if (value === null || typeof value !== 'object') {
        value = undefined;
        break;
      }
      value = (value as Record<string, unknown>)[part];
    }
    if (value !== undefined && value !== null && value !== '') return value;
  }
  return undefined;
}

/** Turn a JSON string's text (real Unicode) into the byte-per-char form normalizeTarget expects. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/** A JSON-lines parser with this mapping; `timeIsEnd` subtracts `duration` from `time`. */
export function createJsonParser(mapping: JsonMapping, timeIsEnd = false): LineParser {
  const context: JsonContext = { mapping, clf: new ClfTimeParser(), timeIsEnd, request: { method: '', target: '' } };
  return {
    name: 'json',
    // JSON.parse needs the line as a string of its own; the record is a new object (JSON lines are
    // not the fast path: parsing the JSON dominates).
    parseRange(text: string, start: number, stop: number, file: number, line: number, seq: number): LogRecord | ParseFailure {
      return parse(start === 0 && stop === text.length ? text : text.slice(start, stop), file, line, seq);
    },
    parse,
  };
  function parse(text: string, file: number, line: number, seq: number): LogRecord | ParseFailure {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch {
      return new ParseFailure('bad JSON', 0, 'line is not valid JSON');
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      return new ParseFailure('bad JSON', 0, 'line is not a JSON object');
    }
    const record = obj as Record<string, unknown>;
    const time = recordTime(record, context);
    if (time instanceof ParseFailure) return time;
    const target = requestOf(record, context);
    if (target instanceof ParseFailure) return target;
    const status = statusOf(lookup(record, mapping.status));
    if (status instanceof ParseFailure) return status;
    return {
      time,
      client: asText(lookup(record, mapping.client)),
      userAgent: asText(lookup(record, mapping['user-agent'])).replace(/^-$/, ''),
      method: target.method,
      uri: target.target,
      status,
      referer: normalizeReferer(asText(lookup(record, mapping.referer))),
      file,
      line,
      seq,
    };
  }
}

/** What a JSON-lines parser keeps between lines. */
interface JsonContext {
  readonly mapping: JsonMapping;
  readonly clf: ClfTimeParser;
  /** The time field is the end of the request: subtract the duration. */
  readonly timeIsEnd: boolean;
  /** Reused for every request line split. */
  readonly request: RequestLine;
}

/** The record's start time (its end time less the duration with `timeIsEnd`). */
function recordTime(record: Record<string, unknown>, { mapping, clf, timeIsEnd }: JsonContext): number | ParseFailure {
  const rawTime = lookup(record, mapping.time);
  let time = Number.NaN;
  if (typeof rawTime === 'number') time = parseEpoch(rawTime);
  else if (typeof rawTime === 'string') {
    time = /^\d+(\.\d+)?$/.test(rawTime) ? parseEpoch(rawTime) : /^\[?\d{2}\/[A-Za-z]{3}\//.test(rawTime) ? clf.parse(rawTime) : parseIsoTime(rawTime);
  }
  if (Number.isNaN(time)) {
    return new ParseFailure('bad time', 0, rawTime === undefined ? 'no time field' : `time ${JSON.stringify(rawTime)} is not a valid time`);
  }
  const duration = Number(lookup(record, mapping.duration));
  return timeIsEnd && Number.isFinite(duration) && duration > 0 ? time - duration : time;
}

/** Method and target from the `uri` (and `method`) fields, else from the `request` line. */
function requestOf(record: Record<string, unknown>, { mapping, request }: JsonContext): RequestLine | ParseFailure {
  const rawUri = lookup(record, mapping.uri);
  if (typeof rawUri === 'string') {
    const target = originForm(rawUri);
    if (target === undefined) return new ParseFailure('bad request target', 0, `request target ${JSON.stringify(rawUri.slice(0, 80))} does not start with /`);
    return { target: normalizeTarget(target), method: asText(lookup(record, mapping.method)).toUpperCase() || 'GET' };
  }
  const rawRequest = lookup(record, mapping.request);
  if (typeof rawRequest !== 'string') return new ParseFailure('empty request line', 0, 'no request or uri field');
  const problem = splitRequestLine(rawRequest, request);
  if (problem !== undefined) return new ParseFailure(problem, 0, `${problem}: ${JSON.stringify(rawRequest.slice(0, 80))}`);
  return request;
}

/** A status field: 0 when absent or `-`, else a 3-digit HTTP status. */
function statusOf(rawStatus: unknown): number | ParseFailure {
  if (rawStatus === undefined || rawStatus === '-') return 0;
  const status = Number(rawStatus);
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    return new ParseFailure('bad status', 0, `status ${JSON.stringify(rawStatus)} is not a 3-digit HTTP status`);
  }
  return status;
}
