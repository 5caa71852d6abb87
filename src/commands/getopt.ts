/**
 * httperf's command-line grammar (glibc getopt_long) in front of yargs: it rewrites the
 * arguments into one canonical form, `--full-name=value` or `--full-name`, which yargs then
 * validates. What getopt_long accepts and scripts rely on:
 * - any unique prefix of a long option (`--num-conn`, `--wsesslo`); an exact name wins over
 *   longer names it prefixes (`--server` is not ambiguous with `--server-name`);
 * - an ambiguous prefix is an error naming the candidates;
 * - a required argument as `--opt=value` or `--opt value` (the next word, even if it starts with
 *   `-`); an optional argument only as `--opt=value`;
 * - clustered short options (`-vv`), a short option's argument attached (`-d3`) or next.
 * Where a prefix matches both an httperf option and a loadgen-only option, httperf's wins: a
 * script written for httperf means httperf's option.
 */
import { UsageError } from '../errors.js';

/** Whether an option takes an argument (getopt's no_argument / required / optional). */
export type ArgKind = 'none' | 'required' | 'optional';

/** One long option the command knows. */
export interface LongOption {
  readonly name: string;
  readonly arg: ArgKind;
}

/** The option grammar of one command. */
export interface OptionGrammar {
  readonly long: readonly LongOption[];
  /** Short letter -> long option name (its ArgKind comes from `long`). */
  readonly short: Readonly<Record<string, string>>;
  /** Names that win a prefix tie against the others (httperf's own option names). */
  readonly preferred?: ReadonlySet<string>;
}

/** Resolve a typed long name (without dashes) to an option, as getopt_long does. */
export function resolveLong(typed: string, grammar: OptionGrammar): LongOption {
  const exact = grammar.long.find((o) => o.name === typed);
  if (exact) return exact;
  let candidates = grammar.long.filter((o) => o.name.startsWith(typed));
  if (candidates.length > 1 && grammar.preferred) {
    const preferred = candidates.filter((o) => grammar.preferred!.has(o.name));
    if (preferred.length === 1) candidates = preferred;
  }
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length === 0) throw new UsageError(`unrecognized option '--${typed}' (try --help)`);
  const names = candidates.map((o) => `'--${o.name}'`).join(' ');
  throw new UsageError(`option '--${typed}' is ambiguous; possibilities: ${names}`);
}

/**
 * Rewrite `args` into canonical `--name=value` / `--name` words. Words after `--` and words that
 * are not options (positionals, a lone `-`) are kept as they are.
 */
export function canonicalArgs(args: readonly string[], grammar: OptionGrammar): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (word === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const typed = eq < 0 ? word.slice(2) : word.slice(2, eq);
      const option = resolveLong(typed, grammar);
      const inline = eq < 0 ? undefined : word.slice(eq + 1);
      if (option.arg === 'none') {
        if (inline !== undefined) throw new UsageError(`option '--${option.name}' doesn't allow an argument`);
        out.push(`--${option.name}`);
      } else if (inline !== undefined) out.push(`--${option.name}=${inline}`);
      else if (option.arg === 'optional') out.push(`--${option.name}`);
      else {
        if (i + 1 >= args.length) throw new UsageError(`option '--${option.name}' requires an argument`);
        out.push(`--${option.name}=${args[++i]!}`);
      }
    } else if (word.startsWith('-') && word.length > 1) {
      i = shortCluster(args, i, grammar, out);
    } else out.push(word);
  }
  return out;
}

/** One `-abc` word (and the next word when its last option needs an argument); returns the last index used. */
function shortCluster(args: readonly string[], i: number, grammar: OptionGrammar, out: string[]): number {
  const word = args[i]!;
  for (let k = 1; k < word.length; k++) {
    const letter = word[k]!;
    const name = Object.hasOwn(grammar.short, letter) ? grammar.short[letter] : undefined;
    const option = name === undefined ? undefined : grammar.long.find((o) => o.name === name);
    if (option === undefined) throw new UsageError(`invalid option -- '${letter}' (try --help)`);
    if (option.arg === 'none') {
      out.push(`--${option.name}`);
      continue;
    }
    const rest = word.slice(k + 1);
    if (rest !== '') out.push(`--${option.name}=${rest}`);
    else if (option.arg === 'optional') out.push(`--${option.name}`);
    else if (i + 1 < args.length) out.push(`--${option.name}=${args[++i]!}`);
    else throw new UsageError(`option requires an argument -- '${letter}'`);
    break;
  }
  return i;
}

/** yargs' view of its declared options (`Argv.getOptions()`), the fields read here. */
export interface DeclaredOptions {
  readonly key: Readonly<Record<string, unknown>>;
  readonly boolean: readonly string[];
  readonly count: readonly string[];
  readonly alias: Readonly<Record<string, readonly string[]>>;
}

/**
 * The grammar of a yargs command: booleans and counts take no argument, everything else a
 * required one, except the names in `optional`. Single-letter aliases become short options.
 */
export function grammarOf(declared: DeclaredOptions, optional: ReadonlySet<string>, preferred?: ReadonlySet<string>): OptionGrammar {
  const none = new Set([...declared.boolean, ...declared.count]);
  const long: LongOption[] = Object.keys(declared.key)
    .filter((name) => name.length > 1)
    .map((name) => ({ name, arg: optional.has(name) ? 'optional' : none.has(name) ? 'none' : 'required' }));
  const short: Record<string, string> = {};
  for (const [name, aliases] of Object.entries(declared.alias)) {
    for (const alias of aliases) if (alias.length === 1 && name.length > 1) short[alias] = name;
  }
  return { long, short, preferred };
}
