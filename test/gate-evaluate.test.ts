import { describe, expect, it } from 'vitest';
import { evaluateGates, gateExitCode, median, metricValue, parseAssertion, parseRegression, type GateResult } from '../src/gate/index.js';
import { makeResultsDocument, makeSweepDocument, spread } from './fixtures/gate/documents.js';

const gate = (docs: Parameters<typeof evaluateGates>[0], ...texts: string[]): GateResult[] => evaluateGates(docs, texts.map(parseAssertion));

describe('metricValue', () => {
  const doc = makeResultsDocument({
    samplesMs: { responseTime: spread(1000, 1, 100), connectTime: [0.2, 0.4], startLag: [0.05, 3] },
    replyRate: 98, requestRate: 99, sessionRate: 19, connectionRate: 21, errorRate: 0.02, netIoKBps: 321,
    errors: { clientTimeout: 2, connReset: 1, other: 4 }, status: [0, 90, 0, 3, 5], sessionsFailed: 2,
  });

  it('reads rates, counters and fractions', () => {
    expect(metricValue(doc, 'reply_rate')).toBe(98);
    expect(metricValue(doc, 'request_rate')).toBe(99);
    expect(metricValue(doc, 'session_rate')).toBe(19);
    expect(metricValue(doc, 'connection_rate')).toBe(21);
    expect(metricValue(doc, 'net_io')).toBe(321);
    expect(metricValue(doc, 'error_rate')).toBe(0.02);
    expect(metricValue(doc, 'errors')).toBe(7);
    expect(metricValue(doc, 'errors.client_timeout')).toBe(2);
    expect(metricValue(doc, 'status_5xx')).toBe(5);
    expect(metricValue(doc, 'status_4xx')).toBe(3);
    expect(metricValue(doc, 'sessions_failed')).toBe(2);
    expect(metricValue(doc, 'duration')).toBe(5000);
  });

  it('reads histogram percentiles in milliseconds', () => {
    // 1000 samples evenly over 1..100 ms: p99 is about 99 ms, p50 about 50 ms (HDR: 3 digits).
    expect(metricValue(doc, 'response_time.p99')).toBeCloseTo(99, 0);
    expect(metricValue(doc, 'response_time.p50')).toBeCloseTo(50.5, 0);
    expect(metricValue(doc, 'response_time.max')).toBeCloseTo(100, 0);
    expect(metricValue(doc, 'connect_time.max')).toBeCloseTo(0.4, 3);
    expect(metricValue(doc, 'start_lag.p99')).toBeCloseTo(3, 2);
  });

  it('has no value for an empty histogram, a sweep figure or an unknown name', () => {
    expect(metricValue(doc, 'session_lifetime.p99')).toBeUndefined();
    expect(metricValue(doc, 'knee')).toBeUndefined();
    expect(metricValue(doc, 'no_such_metric')).toBeUndefined();
  });

  it('reads sweep documents', () => {
    const sweep = makeSweepDocument({ sessionRate: 40, replyRate: 200 }, 230);
    expect(metricValue(sweep, 'knee')).toBe(40);
    expect(metricValue(sweep, 'knee.reply_rate')).toBe(200);
    expect(metricValue(sweep, 'saturation')).toBe(230);
    expect(metricValue(makeSweepDocument(null, 90), 'knee')).toBe(0);
    expect(metricValue(sweep, 'reply_rate')).toBeUndefined();
  });

  it('takes the median across documents', () => {
    const docs = [10, 30, 20].map((replyRate) => makeResultsDocument({ replyRate }));
    expect(metricValue(docs, 'reply_rate')).toBe(20);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('evaluateGates', () => {
  const healthy = makeResultsDocument({ samplesMs: { responseTime: spread(200, 2, 12) }, replyRate: 99 });
  const slow = makeResultsDocument({ samplesMs: { responseTime: spread(200, 150, 250) }, replyRate: 60, errors: { clientTimeout: 3 }, errorRate: 0.03, status: [0, 95, 0, 0, 2] });

  it('passes a healthy run and fails a slow one on latency, rate and errors', () => {
    const texts = ['response_time.p99 < 50ms', 'reply_rate >= 0.95*target', 'error_rate < 1%', 'status_5xx == 0', 'errors == 0'];
    const good = gate([healthy], ...texts);
    expect(good.map((r) => r.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    expect(gateExitCode(good)).toBe(0);
    const bad = gate([slow], ...texts);
    expect(bad.map((r) => r.status)).toEqual(['fail', 'fail', 'fail', 'fail', 'fail']);
    expect(gateExitCode(bad)).toBe(1);
    expect(bad[0]!.measured).toBeGreaterThan(200);
    expect(bad[0]!.limit).toBe(50);
    expect(bad[0]!.message).toMatch(/violates < 50 ms/);
  });

  it('normalises units before comparing', () => {
    expect(gate([slow], 'response_time.p99 < 0.3s')[0]!.status).toBe('pass');
    expect(gate([slow], 'response_time.p99 < 200000us')[0]!.status).toBe('fail');
    expect(gate([slow], 'error_rate <= 3%')[0]!.status).toBe('pass');
    expect(gate([slow], 'error_rate < 0.03')[0]!.status).toBe('fail');
    expect(gate([healthy], 'net_io >= 0.1MB/s')[0]!.status).toBe('pass');
  });

  it('derives the target from the target session rate and the requests per template', () => {
    // 10 sessions/s, templates of 2 and 4 requests: demanded 30 requests/s.
    const doc = makeResultsDocument({ targetSessionRate: 10, templateRequestCounts: [2, 4], replyRate: 28.6, sessionRate: 9.6, sessionsCreated: 20, connections: 40, connectionRate: 19 });
    const [reply, session, connection] = gate([doc], 'reply_rate >= 0.95*target', 'session_rate >= 0.95*target', 'connection_rate >= 0.95*target');
    expect(reply!.limit).toBeCloseTo(28.5, 9);
    expect(reply!.status).toBe('pass');
    expect(session!.limit).toBeCloseTo(9.5, 9);
    expect(session!.status).toBe('pass');
    // Two connections per created session: demanded 20 connections/s.
    expect(connection!.limit).toBeCloseTo(19, 9);
    expect(connection!.status).toBe('pass');
    expect(gate([doc], 'reply_rate >= 0.96*target')[0]!.status).toBe('fail');
  });

  it('derives the target of a connection-mode run (--num-conns) from its connections/s', () => {
    // 20 connections/s of 5 calls: demanded 100 requests/s; httperf has no sessions in this mode.
    const doc = makeResultsDocument({ targetSessionRate: 20, templateRequestCounts: [5], replyRate: 99 });
    doc.run.options = { ...doc.run.options, workload: { generator: { kind: 'connections', connections: 100, calls: 5, burstLength: 1, uris: { kind: 'fixed', uri: '/' } }, uri: '/', closeWithReset: false, noHostHeader: false, sslNoReuse: false } };
    const [reply, session] = gate([doc], 'reply_rate >= 0.95*target', 'session_rate >= 0.95*target');
    expect(reply!.limit).toBeCloseTo(95, 9);
    expect(reply!.status).toBe('pass');
    expect(session!.status).toBe('error');
    expect(session!.message).toContain('connection mode (--num-conns) has no sessions');
  });

  it('cannot evaluate target for sequential runs (rate 0)', () => {
    const [result] = gate([makeResultsDocument({ targetSessionRate: 0 })], 'reply_rate >= 0.9*target');
    expect(result!.status).toBe('error');
    expect(result!.message).toContain('fixed arrival rate');
  });

  it('fails a latency gate when nothing was measured (an empty histogram is not 0 ms)', () => {
    const noReplies = makeResultsDocument({ status: [0, 0, 0, 0, 0], errors: { connRefused: 20 } });
    const [result] = gate([noReplies], 'response_time.p99 < 50ms');
    expect(result!.status).toBe('fail');
    expect(result!.measured).toBeUndefined();
    expect(result!.message).toContain('no response time was measured');
  });

  it('reports an error for figures the document does not have', () => {
    const results = gate([healthy], 'knee > 10');
    expect(results[0]!.status).toBe('error');
    expect(gateExitCode(results)).toBe(2);
    const sweepResults = gate([makeSweepDocument({ sessionRate: 40, replyRate: 200 }, 230)], 'knee >= 30', 'saturation > 250/s', 'response_time.p99 < 1s');
    expect(sweepResults.map((r) => r.status)).toEqual(['pass', 'fail', 'error']);
  });

  it('gates on the median of repeated runs', () => {
    const runs = [healthy, slow, healthy];
    const [latency] = gate(runs, 'response_time.p99 < 50ms');
    expect(latency!.status).toBe('pass');
    expect(latency!.runs).toHaveLength(3);
    expect(latency!.message).toContain('median of 3 runs');
    expect(gate([slow, slow, healthy], 'response_time.p99 < 50ms')[0]!.status).toBe('fail');
  });
});

describe('baseline regressions', () => {
  const baseline = makeResultsDocument({ samplesMs: { responseTime: spread(1000, 1, 100) }, replyRate: 100 });
  const withP99 = (factor: number, replyRate: number) =>
    makeResultsDocument({ samplesMs: { responseTime: spread(1000, 1, 100).map((ms) => ms * factor) }, replyRate });
  const check = (doc: ReturnType<typeof makeResultsDocument>, ...specs: string[]) =>
    evaluateGates([doc], [], { doc: baseline, regressions: specs.map(parseRegression) });

  it('fails a latency rise beyond the allowance and passes one within it', () => {
    expect(check(withP99(1.2, 100), 'response_time.p99=+10%')[0]!.status).toBe('fail');
    expect(check(withP99(1.05, 100), 'response_time.p99=+10%')[0]!.status).toBe('pass');
  });

  it('passes any latency fall with a + allowance (improvements never fail)', () => {
    const [result] = check(withP99(0.5, 100), 'response_time.p99=+0%');
    expect(result!.status).toBe('pass');
    expect(result!.baseline).toBeCloseTo(99, 0);
  });

  it('fails a rate fall beyond the allowance and passes a rise', () => {
    const fell = check(withP99(1, 90), 'reply_rate=-5%')[0]!;
    expect(fell.status).toBe('fail');
    expect(fell.limit).toBeCloseTo(95, 9);
    expect(fell.message).toContain('-10%');
    expect(check(withP99(1, 96), 'reply_rate=-5%')[0]!.status).toBe('pass');
    expect(check(withP99(1, 150), 'reply_rate=-5%')[0]!.status).toBe('pass');
  });

  it('supports absolute allowances in the metric units', () => {
    const [result] = check(withP99(1.04, 100), 'response_time.p99=+3ms');
    expect(result!.limit).toBeCloseTo(result!.baseline! + 3, 9);
    expect(result!.status).toBe('fail');
    expect(check(withP99(1.02, 100), 'response_time.p99=+3ms')[0]!.status).toBe('pass');
  });

  it('runs assertions and regressions together, assertions first', () => {
    const results = evaluateGates([withP99(1.2, 100)], [parseAssertion('response_time.p99 < 1s')], { doc: baseline, regressions: [parseRegression('response_time.p99=+10%')] });
    expect(results.map((r) => [r.kind, r.status])).toEqual([['assert', 'pass'], ['regression', 'fail']]);
    expect(results[1]!.name).toBe('response_time.p99=+10% vs baseline');
  });
});
