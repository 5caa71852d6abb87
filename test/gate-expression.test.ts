import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import {
  COMPARISON_OPS, METRICS, evaluateGates, formatAssertion, formatRegression, parseAssertion, parseRegression, type Assertion,
} from '../src/gate/index.js';
import { makeResultsDocument, makeSweepDocument, spread } from './fixtures/gate/documents.js';
import { unitsFor } from '../src/gate/units.js';

/** The UsageError message of a call that must fail. */
function usageError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseAssertion', () => {
  it('parses METRIC OP VALUE with units', () => {
    expect(parseAssertion('response_time.p99 < 50ms')).toEqual({ metric: 'response_time.p99', op: '<', limit: { kind: 'absolute', amount: 50, unit: 'ms' } });
    expect(parseAssertion('response_time.p99<0.5s')).toEqual({ metric: 'response_time.p99', op: '<', limit: { kind: 'absolute', amount: 0.5, unit: 's' } });
    expect(parseAssertion('  error_rate   <=  1 %  ')).toEqual({ metric: 'error_rate', op: '<=', limit: { kind: 'absolute', amount: 1, unit: '%' } });
    expect(parseAssertion('reply_rate >= 100/s').limit).toEqual({ kind: 'absolute', amount: 100, unit: '/s' });
    expect(parseAssertion('net_io > 300KB/s').limit).toEqual({ kind: 'absolute', amount: 300, unit: 'KB/s' });
    expect(parseAssertion('net_io > 2 mb/s').limit).toEqual({ kind: 'absolute', amount: 2, unit: 'MB/s' });
    expect(parseAssertion('errors == 0')).toEqual({ metric: 'errors', op: '==', limit: { kind: 'absolute', amount: 0, unit: '' } });
    expect(parseAssertion('status_5xx != 3').op).toBe('!=');
    expect(parseAssertion('connect_time.max > 1e3us').limit).toEqual({ kind: 'absolute', amount: 1000, unit: 'us' });
    expect(parseAssertion('start_lag.p99 <= .5ms').limit).toEqual({ kind: 'absolute', amount: 0.5, unit: 'ms' });
  });

  it('parses rates relative to the target', () => {
    expect(parseAssertion('reply_rate >= 0.95*target').limit).toEqual({ kind: 'target', factor: 0.95 });
    expect(parseAssertion('session_rate >= 95% * target').limit).toEqual({ kind: 'target', factor: 0.95 });
    expect(parseAssertion('request_rate >= target').limit).toEqual({ kind: 'target', factor: 1 });
    expect(parseAssertion('connection_rate <= 2*TARGET').limit).toEqual({ kind: 'target', factor: 2 });
  });

  it('accepts every operator', () => {
    for (const op of COMPARISON_OPS) expect(parseAssertion(`errors ${op} 1`).op).toBe(op);
  });

  it('rejects an unknown metric, listing the valid names and the closest one', () => {
    const message = usageError(() => parseAssertion('respnse_time.p99 < 50ms'));
    expect(message).toContain("unknown metric 'respnse_time.p99'");
    expect(message).toContain("did you mean 'response_time.p99'");
    for (const name of ['reply_rate', 'session_rate', 'error_rate', 'status_5xx', 'sessions_failed', 'knee', 'saturation', 'errors']) {
      expect(message).toContain(name);
    }
    expect(message).toContain('response_time.{min,mean,p50,p90,p99,p999,p9999,max,stddev}');
    expect(message).toContain('connect_time.{');
    expect(message).toContain('session_lifetime.{');
    expect(message).toContain('start_lag.{');
  });

  it('rejects a histogram metric without a statistic', () => {
    expect(usageError(() => parseAssertion('response_time < 5ms'))).toContain("unknown metric 'response_time'");
  });

  it('rejects malformed expressions with an example', () => {
    for (const bad of ['', 'response_time.p99', 'response_time.p99 < ', '< 5ms', 'errors = 0', 'errors => 0', 'errors < five', 'errors < 1 2', 'errors <<= 1']) {
      expect(usageError(() => parseAssertion(bad))).toMatch(/invalid assertion/);
    }
    expect(usageError(() => parseAssertion('errors = 0'))).toContain("'response_time.p99 < 50ms'");
  });

  it('rejects units that do not fit the metric', () => {
    expect(usageError(() => parseAssertion('reply_rate > 5ms'))).toContain("unit 'ms' does not fit reply_rate");
    expect(usageError(() => parseAssertion('response_time.p99 < 5%'))).toContain('use a plain number or one of us ms s');
    expect(usageError(() => parseAssertion('errors < 5/s'))).toContain('a plain number (it is a count)');
    expect(usageError(() => parseAssertion('response_time.p99 < 5parsecs'))).toContain("unit 'parsecs'");
  });

  it('rejects target on metrics without a demanded rate', () => {
    expect(usageError(() => parseAssertion('response_time.p99 < 2*target'))).toContain("'target' is only defined for");
    expect(usageError(() => parseAssertion('knee > target'))).toContain("'target' is only defined for");
  });

  it('rejects numbers that are not finite', () => {
    expect(usageError(() => parseAssertion('errors < 1e999'))).toContain('not a finite number');
  });
});

describe('formatAssertion', () => {
  it('gives canonical text', () => {
    expect(formatAssertion(parseAssertion('response_time.p99<50 ms'))).toBe('response_time.p99 < 50ms');
    expect(formatAssertion(parseAssertion('reply_rate >= 95%*target'))).toBe('reply_rate >= 0.95*target');
    expect(formatAssertion(parseAssertion('reply_rate >= 1*target'))).toBe('reply_rate >= target');
    expect(formatAssertion(parseAssertion('net_io >= 3kb/s'))).toBe('net_io >= 3KB/s');
  });
});

/** Arbitrary valid assertions: any metric, operator, a unit fitting the metric or a target factor. */
const validAssertion: fc.Arbitrary<Assertion> = fc
  .record({
    metric: fc.constantFrom(...METRICS),
    op: fc.constantFrom(...COMPARISON_OPS),
    amount: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
    unitIndex: fc.nat(),
    useTarget: fc.boolean(),
  })
  .map(({ metric, op, amount, unitIndex, useTarget }) => {
    const amountValue = amount === 0 ? 0 : amount;
    if (useTarget && metric.target !== undefined) return { metric: metric.name, op, limit: { kind: 'target' as const, factor: amountValue } };
    const units = unitsFor(metric.kind);
    return { metric: metric.name, op, limit: { kind: 'absolute' as const, amount: amountValue, unit: units[unitIndex % units.length]! } };
  });

describe('expression properties', () => {
  it('valid expressions round-trip through formatAssertion', () => {
    fc.assert(
      fc.property(validAssertion, (a) => {
        expect(parseAssertion(formatAssertion(a))).toEqual(a);
      }),
      { numRuns: 1000 },
    );
  });

  it('random text never throws anything but UsageError', () => {
    const pieces = fc.constantFrom('response_time.p99', 'reply_rate', 'errors', '<', '<=', '>=', '==', '!=', '=', ' ', '*', 'target', '%', 'ms', '/s', 'KB/s', '1', '0.5', '-', '.', 'e', '1e999', '\n', '\u0000', 'ä');
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.array(pieces, { maxLength: 8 }).map((p) => p.join('')));
    fc.assert(
      fc.property(text, (t) => {
        try {
          const a = parseAssertion(t);
          // Whatever parses must also round-trip.
          expect(parseAssertion(formatAssertion(a))).toEqual(a);
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe('evaluation properties', () => {
  const docs = [
    makeResultsDocument({ samplesMs: { responseTime: spread(50, 1, 40) } }),
    makeResultsDocument({ targetSessionRate: 0, status: [0, 0, 0, 0, 0] }),
    makeSweepDocument(null, 12),
  ];
  it('every valid assertion evaluates to pass, fail or error on any document without throwing', () => {
    fc.assert(
      fc.property(validAssertion, fc.constantFrom(...docs), (a, doc) => {
        const [result] = evaluateGates([doc], [a]);
        expect(['pass', 'fail', 'error']).toContain(result!.status);
        expect(result!.name).toBe(formatAssertion(a));
        if (result!.status === 'pass') expect(result!.measured).toBeTypeOf('number');
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseRegression', () => {
  it('round-trips generated regressions', () => {
    const regression = fc
      .record({ metric: fc.constantFrom(...METRICS), up: fc.boolean(), amount: fc.double({ min: 0, max: 1e9, noNaN: true }), percent: fc.boolean(), unitIndex: fc.nat() })
      .map(({ metric, up, amount, percent, unitIndex }) => {
        const units = unitsFor(metric.kind);
        return { metric: metric.name, direction: up ? ('up' as const) : ('down' as const), amount: amount === 0 ? 0 : amount, unit: percent ? ('%' as const) : units[unitIndex % units.length]! };
      });
    fc.assert(
      fc.property(regression, (r) => {
        expect(parseRegression(formatRegression(r))).toEqual(r);
      }),
      { numRuns: 500 },
    );
  });

  it('parses relative and absolute allowances in both directions', () => {
    expect(parseRegression('response_time.p99=+10%')).toEqual({ metric: 'response_time.p99', direction: 'up', amount: 10, unit: '%' });
    expect(parseRegression('reply_rate=-5%')).toEqual({ metric: 'reply_rate', direction: 'down', amount: 5, unit: '%' });
    expect(parseRegression('response_time.p99 = +5 ms')).toEqual({ metric: 'response_time.p99', direction: 'up', amount: 5, unit: 'ms' });
    expect(parseRegression('errors=+0')).toEqual({ metric: 'errors', direction: 'up', amount: 0, unit: '' });
  });

  it('round-trips', () => {
    for (const text of ['response_time.p99=+10%', 'reply_rate=-5%', 'connect_time.max=+2ms', 'error_rate=+0.01']) {
      expect(formatRegression(parseRegression(text))).toBe(text);
    }
  });

  it('rejects a missing sign, a bad unit and unknown metrics', () => {
    expect(usageError(() => parseRegression('response_time.p99=10%'))).toContain('expected METRIC=+N%');
    expect(usageError(() => parseRegression('reply_rate=-5ms'))).toContain("unit 'ms' does not fit reply_rate");
    expect(usageError(() => parseRegression('latency=+5%'))).toContain("unknown metric 'latency'");
  });
});
