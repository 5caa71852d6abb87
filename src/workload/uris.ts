/**
 * The URI of every call of a generated workload, as httperf's uri_fixed, uri_wlog and uri_wset
 * produce them, computed before the run so the engine only copies references.
 */
import { UsageError } from '../errors.js';
import { readInputFile } from '../util/files.js';
import type { UriSource } from './spec.js';

/**
 * The first value of glibc's drand48() when nothing seeded it (state 0: (0 * a + 11) / 2^48).
 * httperf's uri_wset starts its miss accumulator there, so loadgen walks the same files in the
 * same order (checked against httperf 0.9.0: --wset=100,0.3 moves on at calls 4 and 7).
 */
const FIRST_DRAND48 = 11 / 2 ** 48;

/** A loaded URI source: the URI of global call number `n` (0-based, in call order). */
export interface UriSequence {
  /** URI of call `n`; undefined past the end of a non-looping --wlog list. */
  uri(n: number): string | undefined;
  /** Calls before the sequence repeats (1 for a fixed URI), or Infinity when it does not. */
  readonly period: number;
  /** Calls available in total (Infinity unless a non-looping --wlog). */
  readonly total: number;
}

/** Load the source (reads the --wlog file). */
export async function loadUriSequence(source: UriSource, clientId: number, clientCount: number): Promise<UriSequence> {
  switch (source.kind) {
    case 'fixed':
      return { uri: () => source.uri, period: 1, total: Infinity };
    case 'wlog':
      return wlogSequence(source.file, source.loop, await readInputFile(source.file));
    case 'wset':
      return wsetSequence(source.files, source.missRate, source.prefix, clientId, clientCount);
  }
}

/** `--wlog`: NUL-separated URIs; empty entries are skipped (as httperf's set_uri does). */
export function wlogSequence(file: string, loop: boolean, bytes: Buffer): UriSequence {
  const uris = bytes.toString('latin1').split('\0').filter((u) => u !== '');
  if (uris.length === 0) throw new UsageError(`--wlog: ${file} does not contain any URI (expected URIs separated by NUL bytes)`);
  return {
    uri: (n) => (loop ? uris[n % uris.length] : uris[n]),
    period: uris.length,
    total: loop ? Infinity : uris.length,
  };
}

/**
 * `--wset=N,X`: call by call, a miss accumulator grows by X; when it reaches 1 the next file is
 * used (file numbers step by the --client count, starting at the client id). File k is named by
 * its decimal digits as directories, most significant first, as many digits as N-1 has:
 * N=100, k=42 -> PREFIX/4/2.html. httperf drops the first character of a PREFIX that ends in
 * '/' (a bug); loadgen drops the trailing '/' instead, so `--uri=/` gives `/4/2.html` in both.
 */
export function wsetSequence(files: number, missRate: number, prefix: string, clientId: number, clientCount: number): UriSequence {
  const base = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  const digits = Math.max(1, String(files - 1).length);
  const name = (k: number): string => `${base}/${String(k).padStart(digits, '0').split('').join('/')}.html`;
  const names: string[] = [];
  let miss = FIRST_DRAND48;
  let file = clientId % files;
  return {
    uri(n: number): string {
      while (names.length <= n) {
        miss += missRate;
        if (miss >= 1) {
          miss -= 1;
          file = (file + clientCount) % files;
        }
        names.push(name(file));
      }
      return names[n]!;
    },
    period: Infinity,
    total: Infinity,
  };
}
