import { describe, it, expect } from 'vitest';
import { newHistogram, recordMs, summarize } from '../src/results/histogram.js';
import { formatHgrm } from '../src/results/hgrm.js';

/** Summary of a histogram holding the given millisecond values. */
function summaryOf(valuesMs: number[]) {
  const histogram = newHistogram();
  for (const ms of valuesMs) recordMs(histogram, ms);
  return summarize(histogram);
}

describe('formatHgrm', () => {
  it('prints HdrHistogram percentile distribution text in milliseconds', () => {
    const values = Array.from({ length: 1000 }, (_, i) => 1 + i / 10); // 1.0 .. 100.9 ms
    const text = formatHgrm(summaryOf(values));
    const lines = text.split('\n');
    expect(lines[0]!.trim().split(/\s+/)).toEqual(['Value', 'Percentile', 'TotalCount', '1/(1-Percentile)']);
    expect(lines[1]).toBe('');
    const rows = lines.slice(2).filter((line) => /^\s+\d/.test(line));
    expect(rows.length).toBeGreaterThan(20);
    const parsed = rows.map((row) => row.trim().split(/\s+/).map(Number));
    // First row: the minimum at percentile 0; last row: percentile 1 with the full count.
    expect(parsed[0]![0]).toBeCloseTo(1, 2);
    expect(parsed[0]![1]).toBe(0);
    expect(parsed.at(-1)![1]).toBe(1);
    expect(parsed.at(-1)![2]).toBe(1000);
    // The median row is at about 50.9 ms (values are ms, not us).
    const median = parsed.find((row) => row[1] === 0.5)!;
    expect(median[0]).toBeGreaterThan(50.8);
    expect(median[0]).toBeLessThan(51.1);
    // Percentiles and counts never decrease.
    for (let i = 1; i < parsed.length; i++) {
      expect(parsed[i]![0]).toBeGreaterThanOrEqual(parsed[i - 1]![0]!);
      expect(parsed[i]![2]).toBeGreaterThanOrEqual(parsed[i - 1]![2]!);
    }
    expect(text).toMatch(/#\[Mean {4}= +50\.9\d*, StdDeviation {3}= +28\.\d+\]\n/);
    expect(text).toMatch(/#\[Max {5}= +100\.9\d*, Total count {4}= +1000\]\n/);
    expect(text).toMatch(/#\[Buckets = +\d+, SubBuckets {5}= +2048\]\n$/);
  });

  it('scales values by the given ratio', () => {
    const text = formatHgrm(summaryOf([2000]), 1_000_000); // 2 s printed in seconds
    expect(text).toMatch(/#\[Mean {4}= +2\.000,/);
    expect(text).toMatch(/#\[Max {5}= +2\.00\d, Total count {4}= +1\]/); // within its HDR bucket
  });

  it('prints an empty distribution with a zero footer', () => {
    const text = formatHgrm(summaryOf([]));
    expect(text).toContain('#[Mean    =        0.000, StdDeviation   =        0.000]');
    expect(text).toContain('Total count    =            0]');
  });
});
