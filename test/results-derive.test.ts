import { describe, it, expect } from 'vitest';
import { deriveRates, errorTotal, ratio, sampleStats } from '../src/results/derive.js';
import { sample, zeroCounters } from './fixtures/report/documents.js';

describe('sampleStats', () => {
  it('gives zeros without samples and stddev 0 with one sample', () => {
    expect(sampleStats([])).toEqual({ min: 0, avg: 0, max: 0, stddev: 0, samples: 0 });
    expect(sampleStats([32.4])).toEqual({ min: 32.4, avg: 32.4, max: 32.4, stddev: 0, samples: 1 });
  });

  it('uses the n-1 sample standard deviation', () => {
    const stats = sampleStats([24.4, 27.4]);
    expect(stats.min).toBe(24.4);
    expect(stats.max).toBe(27.4);
    expect(stats.avg).toBeCloseTo(25.9, 12);
    expect(stats.stddev).toBeCloseTo(3 / Math.SQRT2, 12);
    expect(sampleStats([2, 4, 4, 4, 5, 5, 7, 9]).stddev).toBeCloseTo(Math.sqrt(32 / 7), 12);
  });

  it('is never negative or NaN for identical samples, and skips non-finite values', () => {
    const stats = sampleStats([0.1, 0.1, 0.1, 0.1, 0.1]);
    expect(stats.stddev).toBe(0);
    expect(sampleStats([1, Number.NaN, 3]).samples).toBe(2);
  });
});

describe('deriveRates', () => {
  it('derives httperf rates from counters and the timeline', () => {
    const counters = {
      ...zeroCounters(),
      connections: 60,
      requests: 330,
      replies: 330,
      requestBytes: 24271,
      replyHeaderBytes: 71710,
      replyContentBytes: 534370,
      replyFooterBytes: 1000,
      sessionsSucceeded: 60,
      errors: { ...zeroCounters().errors, connReset: 2, clientTimeout: 1 },
    };
    const rates = deriveRates(counters, [sample(5, 122, 18), sample(10, 137, 24)], 13.603);
    expect(rates.connectionRate).toBeCloseTo(60 / 13.603, 12);
    expect(rates.requestRate).toBeCloseTo(330 / 13.603, 12);
    expect(rates.replyRate).toBeCloseTo(330 / 13.603, 12);
    expect(rates.replyRateSamples).toMatchObject({ min: 24.4, max: 27.4, samples: 2 });
    expect(rates.sessionRate).toBeCloseTo(60 / 13.603, 12);
    expect(rates.sessionRateSamples).toMatchObject({ min: 3.6, max: 4.8, samples: 2 });
    expect(rates.sessionRateSamples.stddev).toBeCloseTo(1.2 / Math.SQRT2, 12);
    // Footer bytes are excluded from Net I/O, as in httperf.
    expect(rates.netIoKBps).toBeCloseTo((24271 + 71710 + 534370) / 13.603 / 1024, 12);
    expect(rates.errorRate).toBeCloseTo(3 / 330, 12);
  });

  it('is all zeros, never NaN or Infinity, for a zero duration and no requests', () => {
    const counters = { ...zeroCounters(), connections: 5, errors: { ...zeroCounters().errors, connRefused: 5 } };
    const rates = deriveRates(counters, [{ ...sample(5, 1, 1), interval: 0 }], 0);
    expect(rates.connectionRate).toBe(0);
    expect(rates.netIoKBps).toBe(0);
    expect(rates.replyRateSamples.max).toBe(0);
    expect(rates.errorRate).toBe(5); // 5 errors / max(requests, 1)
    expect(JSON.stringify(rates)).not.toMatch(/null/); // NaN/Infinity would serialise as null
  });

  it('ratio and errorTotal', () => {
    expect(ratio(1, 0)).toBe(0);
    expect(ratio(1, Number.NaN)).toBe(0);
    expect(ratio(3, 2)).toBe(1.5);
    const errors = { clientTimeout: 1, socketTimeout: 2, connRefused: 3, connReset: 4, fdUnavail: 5, addrUnavail: 6, ftabFull: 7, other: 8 };
    expect(errorTotal(errors)).toBe(36);
  });
});
