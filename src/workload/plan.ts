/**
 * The plan layer for httperf's workload generators: each becomes the session templates the
 * engine already runs.
 * - connections (`--num-conns/--num-calls/--burst-length`): one template per distinct URI
 *   sequence, each a single-connection "session" of C calls in bursts of B that are written
 *   back to back (`pipelineBursts`);
 * - wsess (`--wsess=N1,N2,X`): templates of N2 calls in bursts of B, httperf's burst rule and
 *   think time X (the session engine as for --wsesslog);
 * - wsesslog: the session file itself.
 * Unit k (connection or session) takes calls k*C .. k*C+C-1 of the URI sequence, the order in
 * which httperf hands out URIs when units do not overlap.
 */
import { UsageError } from '../errors.js';
import type { ReplayOptions } from '../options.js';
import type { Burst, HttpMethod, SessionFile, SessionRequest, SessionTemplate } from '../session/model.js';
import { loadSessionFile } from '../session/parse.js';
import type { Generator } from './spec.js';
import { loadUriSequence, type UriSequence } from './uris.js';

/** More planned calls than this would hold too much memory; the message says what to change. */
const MAX_PLANNED_CALLS = 20_000_000;

/** A generated workload: its templates and the number of units (sessions) the run creates. */
export interface WorkloadPlan {
  readonly file: SessionFile;
  /** Sessions/connections to create (a non-looping --wlog list may allow fewer than asked). */
  readonly units: number;
}

/** The session templates of any workload (reads the session file or the --wlog file). */
export async function buildSessionFile(options: ReplayOptions): Promise<SessionFile> {
  return (await planWorkload(options)).file;
}

/** Plan the run's units and templates. */
export async function planWorkload(options: ReplayOptions): Promise<WorkloadPlan> {
  const generator: Generator = options.workload?.generator ?? { kind: 'wsesslog' };
  if (generator.kind === 'wsesslog') return { file: await loadSessionFile(options.sessionFile, { rawUriBytes: options.rawUriBytes }), units: options.sessions };
  const units = generator.kind === 'connections' ? generator.connections : generator.sessions;
  const uris = await loadUriSequence(generator.uris, options.client.id, options.client.count);
  const method = (options.workload?.method ?? 'GET') as HttpMethod;
  const possibleUnits = Number.isFinite(uris.total) ? Math.min(units, Math.ceil(uris.total / generator.calls)) : units;
  const templateCount = Math.min(possibleUnits, distinctSequences(uris, generator.calls));
  if (templateCount * generator.calls > MAX_PLANNED_CALLS) {
    throw new UsageError(`${templateCount * generator.calls} distinct calls to plan (over ${MAX_PLANNED_CALLS}): lower --num-calls or the number of connections/sessions`);
  }
  const requests = new Map<string, SessionRequest>();
  const request = (uri: string): SessionRequest => {
    let req = requests.get(uri);
    if (req === undefined) {
      req = { uri, method, line: 0 };
      requests.set(uri, req);
    }
    return req;
  };
  const pipelineBursts = generator.kind === 'connections';
  const templates: SessionTemplate[] = [];
  for (let k = 0; k < templateCount; k++) {
    const calls: SessionRequest[] = [];
    for (let j = 0; j < generator.calls; j++) {
      const uri = uris.uri(k * generator.calls + j);
      if (uri === undefined) break;
      calls.push(request(uri));
    }
    templates.push({ bursts: inBursts(calls, generator.burstLength), line: 0, pipelineBursts });
  }
  return { file: { path: describeSource(generator), templates }, units: possibleUnits };
}

/** Templates needed before unit k's URIs repeat those of unit k - T. */
function distinctSequences(uris: UriSequence, calls: number): number {
  if (!Number.isFinite(uris.period)) return Infinity;
  return uris.period / gcd(uris.period, calls);
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Calls grouped in bursts of `length`; the last burst holds the remainder (httperf hangs there: its bug #20). */
function inBursts(calls: readonly SessionRequest[], length: number): Burst[] {
  const bursts: Burst[] = [];
  for (let i = 0; i < calls.length; i += length) bursts.push({ requests: calls.slice(i, i + length) });
  return bursts;
}

function describeSource(generator: Exclude<Generator, { kind: 'wsesslog' }>): string {
  const u = generator.uris;
  return u.kind === 'fixed' ? `--uri=${u.uri}` : u.kind === 'wlog' ? `--wlog=${u.loop ? 'y' : 'n'},${u.file}` : `--wset=${u.files},${u.missRate}`;
}
