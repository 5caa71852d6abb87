import { describe, it, expect } from 'vitest';
import { UsageError } from '../src/errors.js';
import { deriveRates } from '../src/results/derive.js';
import { decodeHistogram, mergeEncoded } from '../src/results/histogram.js';
import { mergeResults } from '../src/results/merge.js';
import { HISTOGRAM_NAMES, type ResultsDocument, type TimelineSample } from '../src/results/schema.js';
import { buildDocument, sampleOptions, zeroCounters } from './fixtures/report/documents.js';

/** One simulated session: times are multiples of 1/8 (lifetimes of 1/8 s) so sums are exact in any order. */
interface SimSession {
  lifetimeMs: number;
  connectMs: number;
  responsesMs: number[];
  failed: boolean;
  slot: number;
}

/** Deterministic pseudo-random sessions (a small LCG: no Math.random in tests). */
function simulate(count: number): SimSession[] {
  let state = 12345;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  return Array.from({ length: count }, (_, i) => ({
    lifetimeMs: 500 + Math.floor(next() * 64) * 125,
    connectMs: Math.floor(1 + next() * 16) / 8,
    responsesMs: Array.from({ length: 1 + Math.floor(next() * 6) }, () => Math.floor(next() * 4000) / 8),
    failed: next() < 0.2,
    slot: Math.min(2, Math.floor(i / (count / 3))),
  }));
}

/** The results document of a generator that ran these sessions. */
function documentOf(sessions: SimSession[], interrupted = false, startedAt?: string): ResultsDocument {
  const ok = sessions.filter((s) => !s.failed);
  const failed = sessions.filter((s) => s.failed);
  const responses = sessions.flatMap((s) => s.responsesMs);
  const histogram: number[] = [];
  for (const s of sessions) histogram[s.responsesMs.length] = (histogram[s.responsesMs.length] ?? 0) + 1;
  const timeline: TimelineSample[] = [0, 1, 2].map((slot) => {
    const inSlot = sessions.filter((s) => s.slot === slot);
    const replies = inSlot.reduce((n, s) => n + s.responsesMs.length, 0);
    return {
      t: 5 * (slot + 1),
      interval: 5,
      replies,
      requests: replies,
      connections: inSlot.length,
      sessionsStarted: inSlot.length,
      sessionsSucceeded: inSlot.filter((s) => !s.failed).length,
      sessionsFailed: inSlot.filter((s) => s.failed).length,
      errors: inSlot.filter((s) => s.failed).length,
      replies5xx: 0,
    };
  });
  const doc = buildDocument({
    options: sampleOptions({ arrival: { kind: 'fixed', interval: 0.1 } }),
    duration: 16,
    startedAt,
    counters: {
      connections: sessions.length,
      requests: responses.length,
      replies: responses.length,
      status: [0, responses.length, 0, 0, 0],
      requestBytes: 73 * responses.length,
      replyHeaderBytes: 200 * responses.length,
      replyContentBytes: 1000 * responses.length,
      transferTimeSumMs: responses.length / 8,
      maxConcurrentConnections: sessions.length % 7,
      maxConnectBurst: sessions.length % 3,
      errors: { ...zeroCounters().errors, clientTimeout: failed.length },
      sessionsSucceededConnections: ok.length,
      sessionLengthHistogram: Array.from(histogram, (n) => n ?? 0),
      retries: failed.length,
      quietReconnects: sessions.length,
    },
    connectionLifetimesMs: sessions.map((s) => s.lifetimeMs),
    connectTimesMs: sessions.map((s) => s.connectMs),
    responseTimesMs: responses,
    sessionLifetimes: ok.map((s) => s.lifetimeMs / 1000),
    sessionFailtimes: failed.map((s) => s.lifetimeMs / 1000),
    timeline,
    cpu: { user: 0.25 * sessions.length, system: 0.5 },
    histograms: { startLag: sessions.map((s) => s.connectMs / 4), correctedFirstReply: sessions.map((s) => s.responsesMs[0]! + 1) },
  });
  if (interrupted) doc.run.ended = 'interrupted';
  return doc;
}

describe('mergeResults', () => {
  const sessions = simulate(90);
  const whole = documentOf(sessions);
  // Two generators that shared the test: even and odd sessions.
  const halves = [documentOf(sessions.filter((_, i) => i % 2 === 0)), documentOf(sessions.filter((_, i) => i % 2 === 1))];
  const merged = mergeResults(halves);

  it('adds the counters exactly, taking the max of the peaks and min/max of lifetimes', () => {
    const { maxConcurrentConnections, maxConnectBurst, ...additive } = merged.counters;
    const { maxConcurrentConnections: _a, maxConnectBurst: _b, ...wholeAdditive } = whole.counters;
    expect(additive).toEqual(wholeAdditive);
    expect(maxConcurrentConnections).toBe(Math.max(...halves.map((h) => h.counters.maxConcurrentConnections)));
    expect(maxConnectBurst).toBe(Math.max(...halves.map((h) => h.counters.maxConnectBurst)));
    expect(merged.counters.connectionLifetimeMinMs).toBe(Math.min(...sessions.map((s) => s.lifetimeMs)));
  });

  it('adds the histograms exactly: same counts and percentiles as the whole run', () => {
    for (const name of HISTOGRAM_NAMES) {
      const m = merged.histograms[name];
      const w = whole.histograms[name];
      expect(m.count, name).toBe(w.count);
      // Percentiles agree to the bucket: the top ones are capped at a max known only to 0.1%.
      const pm = [m.p50, m.p90, m.p99, m.p999, m.p9999];
      const pw = [w.p50, w.p90, w.p99, w.p999, w.p9999];
      pm.forEach((v, i) => expect(Math.abs(v - pw[i]!), name).toBeLessThanOrEqual(pw[i]! / 1000));
      // Decoded histograms know values only to their bucket (3 significant digits).
      expect(Math.abs(m.min - w.min), name).toBeLessThanOrEqual(w.min / 1000);
      expect(Math.abs(m.max - w.max), name).toBeLessThanOrEqual(w.max / 1000);
      // The merged histogram has exactly the whole run's bucket counts.
      expect(m, name).toEqual(mergeEncoded([w.encoded]));
      expect(decodeHistogram(m.encoded).totalCount, name).toBe(w.count);
    }
  });

  it('adds the timelines sample by sample and re-derives the rates', () => {
    expect(merged.timeline).toEqual(whole.timeline);
    expect(merged.duration).toBe(16);
    expect(merged.rates).toEqual(deriveRates(whole.counters, whole.timeline, 16));
    expect(merged.rates.replyRateSamples.samples).toBe(3);
  });

  it('keeps the first run description and sums the target rate of concurrent generators', () => {
    expect(merged.run.options).toEqual(halves[0]!.run.options);
    expect(merged.run.commandLine).toBe(halves[0]!.run.commandLine);
    expect(merged.run.targetSessionRate).toBe(20);
    expect(merged.run.ended).toBe('completed');
    expect(merged.generator.cpuUserSeconds).toBe(0.25 * 90);
    expect(merged.generator.lateSessions).toBe(0);
  });

  it('covers earliest start to latest end for runs one after the other', () => {
    const first = documentOf(sessions.slice(0, 45), false, '2026-11-22T10:00:00.000Z');
    const second = documentOf(sessions.slice(45), true, '2026-11-22T10:01:00.000Z');
    const both = mergeResults([second, first]);
    expect(both.startedAt).toBe('2026-11-22T10:00:00.000Z');
    expect(both.endedAt).toBe('2026-11-22T10:01:16.000Z');
    expect(both.duration).toBe(76);
    expect(both.run.ended).toBe('interrupted');
    expect(both.run.targetSessionRate).toBe(10); // a repeated rate, not twice the rate
    expect(both.counters.replies).toBe(whole.counters.replies);
  });

  it('falls back to the longest duration when a time stamp is unreadable', () => {
    const a = documentOf(sessions.slice(0, 30));
    const b = documentOf(sessions.slice(30));
    b.startedAt = 'not a date';
    b.duration = 17.5;
    expect(mergeResults([a, b]).duration).toBe(17.5);
  });

  it('returns a single document unchanged apart from the re-derived rates', () => {
    const single = mergeResults([whole]);
    expect(single.counters).toEqual(whole.counters);
    expect(single.duration).toBe(whole.duration);
    expect(single.rates).toEqual(whole.rates);
  });

  it('refuses an empty list', () => {
    expect(() => mergeResults([])).toThrow(UsageError);
  });
});
