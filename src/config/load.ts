/**
 * `--config FILE`: command-line options kept in a JSON or YAML file so a CI job is one short line.
 * Keys are option names as on the command line without the leading dashes (`wsesslog`, `rate`,
 * `max-regression`) and repeatable options take lists (`assert: [...]`).
 * Options given on the command line win over the file. Relative paths inside the file are
 * relative to the working directory, like paths typed on the command line.
 */
import { readFileSync } from 'node:fs';
import { cannotOpen } from '../util/files.js';
import { extname, isAbsolute, relative } from 'node:path';
import type { Argv } from 'yargs';
import YAML from 'yaml';
import { InputError } from '../errors.js';
import { lineColumnAt, parseJsonText, yamlError, yamlReason } from '../util/locate.js';

/** A path as the user would recognise it: relative to the working directory when inside it. */
function displayPath(path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** YAML's words for JSON mistakes, in JSON terms. */
function jsonReason(reason: string): string {
  const scalar = /^Unresolved plain scalar "(.*)"$/s.exec(reason);
  if (scalar === null) return reason;
  return scalar[1] === '' ? 'expected a value' : `unexpected ${scalar[1]} (not a JSON value; strings need double quotes)`;
}

/**
 * Parse a JSON text strictly; a syntax error is located by the shared JSON scanner and worded
 * as YAML's JSON-schema parser words it (which says what was expected), when it has words for it.
 */
function parseJson(text: string, file: string): unknown {
  return parseJsonText(text, file, () => {
    const error = YAML.parseDocument(text, { schema: 'json', prettyErrors: true }).errors[0];
    return error === undefined ? undefined : jsonReason(yamlReason(error));
  });
}

/** Parse a YAML text (YAML 1.2; duplicate keys are errors). */
function parseYaml(text: string, file: string): unknown {
  const document = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const error = yamlError(document, file, 'YAML');
  if (error !== undefined) throw error;
  return document.toJS();
}

/** The kind of value an option takes, as the command line defines it. */
export type ConfigValueType = 'boolean' | 'string' | 'number' | 'count' | 'list';

/** Option name -> kind of value; options not listed are passed through unchecked. */
export type ConfigTypes = Readonly<Record<string, ConfigValueType>>;

/** What is wrong with `value` for an option of `type`, or undefined when it fits. */
function typeProblem(value: unknown, type: ConfigValueType): string | undefined {
  const scalar = isScalar(value);
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `must be true or false, not ${describeValue(value)}`;
    case 'count':
      return typeof value === 'boolean' || (Number.isInteger(value) && (value as number) >= 0) ? undefined : `must be a whole number >= 0, not ${describeValue(value)}`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `must be a number, not ${describeValue(value)}`;
    case 'string':
    case 'list': {
      // A list is the option given several times, as on the command line; only a list option may be empty.
      if (scalar || (Array.isArray(value) && (value.length > 0 || type === 'list') && value.every(isScalar))) return undefined;
      return `must be a value (text or number) or a list of values, not ${describeValue(value)}`;
    }
  }
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** A value as a user would name it in a message. */
function describeValue(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object' && value !== null) return 'a mapping';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** 1-based line and column of top-level `key` in the file's text (1:1 when it cannot be found). */
function keyPosition(text: string, key: string): { line: number; column: number } {
  const contents = YAML.parseDocument(text).contents;
  if (YAML.isMap(contents)) {
    for (const pair of contents.items) {
      if (YAML.isScalar(pair.key) && pair.key.value === key && pair.key.range) return lineColumnAt(text, pair.key.range[0]);
    }
  }
  return { line: 1, column: 1 };
}

/**
 * Read a config file (`.json` is parsed as strict JSON, anything else as YAML) and return its
 * options. Throws UsageError when the file cannot be read and InputError `FILE:LINE:COL: what`
 * for bad content, when the top level is not a mapping of option names to values, or when a
 * value does not fit its option's type in `types` (`ssl: "no"`, `period: []`).
 * Keys with null values are dropped (an empty `assert:` line means "none").
 */
export function loadConfigFile(path: string, types: ConfigTypes = {}): Record<string, unknown> {
  const file = displayPath(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw cannotOpen(file, err, 'config');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const value = extname(path).toLowerCase() === '.json' ? parseJson(text, file) : parseYaml(text, file);
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(file, 1, 1, 'a config file must be a mapping of option names to values (e.g. `rate: 20`)');
  }
  const options: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(value as Record<string, unknown>)) {
    if (option === null) continue;
    const type = Object.hasOwn(types, key) ? types[key] : undefined;
    const problem = type === undefined ? undefined : typeProblem(option, type);
    if (problem !== undefined) {
      const { line, column } = keyPosition(text, key);
      throw new InputError(file, line, column, `option "${key}" ${problem}`);
    }
    options[key] = option;
  }
  return options;
}

/** The value types of a yargs instance's options (read when the config file is loaded). */
function yargsTypes<T>(y: Argv<T>): ConfigTypes {
  const defined = (y as unknown as { getOptions(): Record<string, unknown> }).getOptions() as {
    boolean?: string[];
    string?: string[];
    number?: string[];
    count?: string[];
    array?: string[];
  };
  const types: Record<string, ConfigValueType> = {};
  // Later kinds win: an array option is also listed under its element type.
  for (const [kind, type] of [['string', 'string'], ['number', 'number'], ['boolean', 'boolean'], ['count', 'count'], ['array', 'list']] as const) {
    for (const name of defined[kind] ?? []) types[name] = type;
  }
  return types;
}

/**
 * Add `--config FILE` to a yargs instance. Errors from the file surface through yargs' failure
 * handler as the original UsageError / InputError (see `rethrowUserError`). Values are checked
 * against the instance's option types; `keep` leaves out keys another command owns (the gate
 * reads the replay's config file without its replay-only options).
 */
export function addConfigOption<T>(y: Argv<T>, keep: (key: string) => boolean = () => true) {
  return y.config('config', 'JSON or YAML file of options (keys are option names; command-line options win)', (path: string) =>
    Object.fromEntries(Object.entries(loadConfigFile(path, yargsTypes(y))).filter(([key]) => keep(key))),
  );
}
