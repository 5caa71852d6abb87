import { describe, it, expect } from 'vitest';
import { ProgressLine } from '../src/commands/progress.js';
import type { TimelineSample } from '../src/results/schema.js';
import { sampleOptions } from './fixtures/report/documents.js';

function sample(t: number, replies: number, started: number, done: number, errors = 0): TimelineSample {
  return { t, interval: 5, replies, requests: replies, connections: 1, sessionsStarted: started, sessionsSucceeded: done, sessionsFailed: 0, errors, replies5xx: 0 };
}

const strip = (line: string): string => line.replace('\r\x1b[K', '');

describe('live progress line', () => {
  it('shows running totals, the last sample’s rate and when the last session starts', () => {
    const line = new ProgressLine(sampleOptions({ sessions: 400, arrival: { kind: 'fixed', interval: 0.1 } }));
    line.add(sample(5, 400, 50, 40));
    const text = strip(line.add(sample(10, 450, 50, 48, 2)));
    expect(text).toBe('[10s] 850 replies (90.0/s in the latest sample), sessions 100 started, 88 done of 400, 2 errors, last session starts in 30 s');
    expect(strip(line.add(sample(45, 10, 0, 300)))).toContain('all sessions started');
  });

  it('adds up the samples of several worker processes', () => {
    const line = new ProgressLine(sampleOptions({ sessions: 100, arrival: { kind: 'fixed', interval: 0.1 } }), 2);
    expect(strip(line.add(sample(2.5, 100, 25, 20), 0))).toContain('100 replies (rate after every worker reports)');
    const text = strip(line.add(sample(5, 120, 25, 22, 1), 1));
    expect(text).toBe('[5s] 220 replies (44.0/s in the latest sample), sessions 50 started, 42 done of 100, 1 error, last session starts in 5 s');
  });

  it('one session after another: time left at the pace so far, unknown before any session ended', () => {
    const line = new ProgressLine(sampleOptions({ sessions: 30, arrival: { kind: 'sequential' } }));
    expect(strip(line.add(sample(5, 10, 1, 0)))).toContain('time left not known yet');
    expect(strip(line.add(sample(10, 10, 9, 10)))).toContain('about 20 s left');
  });
});
