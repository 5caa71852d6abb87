/**
 * The one demanded-rate definition (src/workload/demand.ts) for each workload generator, as the
 * sweep uses it (planned templates, modelled connections) and as the gate's `target` does
 * (request counts and measured connections per unit of a results document).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { targetRate } from '../src/gate/metrics.js';
import { DEFAULT_REPLAY_OPTIONS, type ReplayOptions } from '../src/options.js';
import { parseSessionFile } from '../src/session/parse.js';
import { sessionShape, stepDemand } from '../src/sweep/demand.js';
import { withUnits } from '../src/sweep/workload.js';
import { demandedRates, rateUnit, RATE_UNIT_NAMES } from '../src/workload/demand.js';
import { planWorkload } from '../src/workload/plan.js';
import type { Generator, UriSource } from '../src/workload/spec.js';
import { makeResultsDocument } from './fixtures/gate/documents.js';

const dir = mkdtempSync(join(tmpdir(), 'loadgen-demand-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Replay options of a generated workload (what toReplayOptions builds from httperf's flags). */
function generated(generator: Generator, extra: Partial<ReplayOptions> = {}): ReplayOptions {
  const units = generator.kind === 'connections' ? generator.connections : generator.kind === 'wsess' ? generator.sessions : 1;
  return {
    ...DEFAULT_REPLAY_OPTIONS,
    sessionFile: '',
    sessions: units,
    thinkTime: generator.kind === 'wsess' ? generator.thinkTime : 0,
    workload: { generator, uri: '/', closeWithReset: false, noHostHeader: false, sslNoReuse: false },
    ...extra,
  };
}

const FIXED: UriSource = { kind: 'fixed', uri: '/index.html' };
const connections = (calls: number, burstLength: number, uris: UriSource = FIXED): Generator => ({ kind: 'connections', connections: 3, calls, burstLength, uris });

/** The demand at `rate` of a workload, from its planned templates (the sweep's path). */
async function planned(options: ReplayOptions, rate: number) {
  const plan = await planWorkload(options);
  return demandedRates(rate, { options, templates: plan.file.templates });
}

describe('demanded rates of each workload generator', () => {
  it('--wsesslog: sessions/s, mean requests per template, httperf slot rules for connections', () => {
    const file = parseSessionFile('/p\n  /q\n  /r\n/s think=1\n\n/u\n', 'two.txt');
    const options = { ...DEFAULT_REPLAY_OPTIONS, sessionFile: 'two.txt', sessions: 1, thinkTime: 0 };
    // Templates of 4 and 1 requests: 2.5 requests and 1 connection per session.
    expect(demandedRates(10, { options, templates: file.templates })).toEqual({ unit: 'session', sessionRate: 10, connectionRate: 10, requestRate: 25, replyRate: 25 });
    // HTTP/1.0: one connection per request.
    expect(demandedRates(10, { options: { ...options, httpVersion: '1.0' }, templates: file.templates }).connectionRate).toBe(25);
  });

  it('--uri --num-calls C: connections/s, autobench\'s dem_req_rate = C x rate, one connection each', async () => {
    for (const burst of [1, 5]) {
      expect(await planned(generated(connections(5, burst)), 80)).toEqual({ unit: 'connection', sessionRate: null, connectionRate: 80, requestRate: 400, replyRate: 400 });
    }
    // Pipelined bursts stay on the one connection whatever --max-piped-calls says; HTTP/1.0 reconnects per call.
    expect((await planned(generated(connections(6, 6), { maxPipedCalls: 1 }), 10)).connectionRate).toBe(10);
    expect((await planned(generated(connections(6, 1), { httpVersion: '1.0' }), 10)).connectionRate).toBe(60);
  });

  it('--wlog (looping) and --wset: C calls per connection whatever the URIs', async () => {
    const list = join(dir, 'list.wlog');
    writeFileSync(list, '/a\0/b\0/c\0');
    expect(await planned(generated(connections(2, 1, { kind: 'wlog', file: list, loop: true })), 7)).toMatchObject({ unit: 'connection', requestRate: 14, connectionRate: 7 });
    expect(await planned(generated(connections(3, 1, { kind: 'wset', files: 100, missRate: 0.3, prefix: '/' })), 7)).toMatchObject({ unit: 'connection', requestRate: 21, connectionRate: 7 });
  });

  it('--wsess=N1,N2,X: sessions/s of N2 calls, bursts opening alone as in session files', async () => {
    const wsess: Generator = { kind: 'wsess', sessions: 4, calls: 6, thinkTime: 2, burstLength: 3, uris: FIXED };
    expect(await planned(generated(wsess), 5)).toEqual({ unit: 'session', sessionRate: 5, connectionRate: 5, requestRate: 30, replyRate: 30 });
    // Bursts of 3 with one piped call per connection: 2 calls in flight after the first, 2 connections.
    expect((await planned(generated(wsess, { maxPipedCalls: 1 }), 5)).connectionRate).toBe(10);
  });

  it('uses the measured connections per unit when given, and says when connections are unknown', () => {
    const options = DEFAULT_REPLAY_OPTIONS;
    expect(demandedRates(10, { options, templates: [2, 4] })).toEqual({ unit: 'session', sessionRate: 10, connectionRate: null, requestRate: 30, replyRate: 30 });
    expect(demandedRates(10, { options, templates: [2, 4], measuredConnectionsPerUnit: 1.5 }).connectionRate).toBe(15);
    expect(() => demandedRates(10, { options, templates: [] })).toThrow(RangeError);
  });

  it('names the units where users read them', () => {
    expect(rateUnit(undefined)).toBe('session');
    expect(rateUnit(generated(connections(1, 1)).workload)).toBe('connection');
    expect(RATE_UNIT_NAMES.connection.short).toBe('conn/s');
    expect(RATE_UNIT_NAMES.session.perSecond).toBe('sessions/s');
  });
});

describe('the same definition in the sweep and in the gate', () => {
  it('gives the sweep step and the gate target the same demand for a connection-mode run', async () => {
    const options = generated(connections(5, 1));
    const plan = await planWorkload(options);
    const step = stepDemand(80, sessionShape(plan.file, options));
    const doc = makeResultsDocument({ targetSessionRate: 80, templateRequestCounts: [5], sessionsCreated: 100, connections: 100 });
    doc.run.options = options;
    expect(targetRate(doc, 'request')).toEqual({ value: step.requestRate });
    expect(targetRate(doc, 'connection')).toEqual({ value: step.connectionRate });
    expect(targetRate(doc, 'session')).toMatchObject({ reason: 'not-applicable', detail: expect.stringContaining('connection mode') });
  });

  it('plans each sweep run with its own number of units in place of N', () => {
    const options = generated(connections(5, 1));
    const run = withUnits(options, 1200);
    expect(run.sessions).toBe(1200);
    expect(run.workload!.generator).toMatchObject({ kind: 'connections', connections: 1200, calls: 5 });
    expect(withUnits({ ...DEFAULT_REPLAY_OPTIONS, sessionFile: 'x', sessions: 1, thinkTime: 0 }, 40).sessions).toBe(40);
  });
});
