/**
 * httperf's workload generators as plain data (version 1, stored in the results document with
 * the replay options). `src/workload/plan.ts` turns each into the session templates the engine
 * runs; the report reads `generator.kind` to print each mode's lines.
 */

/** Where the URI of each call comes from (httperf's uri_fixed / uri_wlog / uri_wset). */
export type UriSource =
  /** `--uri U`: every call asks for U. */
  | { readonly kind: 'fixed'; readonly uri: string }
  /** `--wlog=B,FILE`: the NUL-separated URIs of FILE in order; `loop` (B = y) starts over at the end. */
  | { readonly kind: 'wlog'; readonly file: string; readonly loop: boolean }
  /**
   * `--wset=N,X`: N files `PREFIX/d/d/d.html` (PREFIX = --uri), moving to the next file with
   * probability X per call (X is the target miss rate of a server's file cache).
   */
  | { readonly kind: 'wset'; readonly files: number; readonly missRate: number; readonly prefix: string };

/** The workload generator of a run. */
export type Generator =
  /** `--wsesslog=N,X,FILE`: sessions replayed from a session file (the options' sessionFile). */
  | { readonly kind: 'wsesslog' }
  /**
   * `--num-conns N --num-calls C [--burst-length B]`: N connections, each doing C calls in
   * bursts of B calls written back to back (pipelined), the next burst when a burst's replies are in.
   */
  | { readonly kind: 'connections'; readonly connections: number; readonly calls: number; readonly burstLength: number; readonly uris: UriSource }
  /**
   * `--wsess=N1,N2,X`: N1 sessions of N2 calls, in bursts of B (the first call of a burst alone,
   * the rest after its reply), X seconds of think time between bursts.
   */
  | { readonly kind: 'wsess'; readonly sessions: number; readonly calls: number; readonly thinkTime: number; readonly burstLength: number; readonly uris: UriSource };

/** What `--print-request` / `--print-reply` ask for (absent = off). */
export type PrintParts = 'header' | 'body' | 'all';

/** The httperf options beyond the session replayer's, with their parsed values. */
export interface Workload {
  readonly generator: Generator;
  /** `--uri` as given (echoed; the wset prefix). */
  readonly uri: string;
  /** `--method M` for generated calls (absent: GET). */
  readonly method?: string;
  /** `--close-with-reset`: close connections with a TCP RST instead of a FIN. */
  readonly closeWithReset: boolean;
  /** `--no-host-hdr`: send no Host header. */
  readonly noHostHeader: boolean;
  /** `--ssl-ciphers L` (OpenSSL cipher list) and `--ssl-no-reuse` (echoed; loadgen never resumes TLS sessions). */
  readonly sslCiphers?: string;
  readonly sslNoReuse: boolean;
  readonly printRequest?: PrintParts;
  readonly printReply?: PrintParts;
}

/** True for the generators whose report has httperf's Session lines. */
export function isSessionWorkload(workload: Workload | undefined): boolean {
  return workload === undefined || workload.generator.kind !== 'connections';
}
