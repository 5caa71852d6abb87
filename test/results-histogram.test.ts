import { describe, expect, it } from 'vitest';
import * as hdr from 'hdr-histogram-js';
import { HISTOGRAM_MAX_US, meanAndStdDev, newHistogram, recordMs, recordUs, summarize } from '../src/results/histogram.js';
import { newBucketHistogram } from '../src/results/fine-timeline.js';
import { Erand48 } from '../src/schedule/erand48.js';

/** Values at every bucket edge of the range plus a spread of random ones. */
function sampleValues(): number[] {
  const values = [0, 1, 2, 3, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, HISTOGRAM_MAX_US - 1, HISTOGRAM_MAX_US];
  for (let k = 1; k < 32; k++) values.push(2 ** k - 1, 2 ** k, 2 ** k + 1);
  const random = new Erand48(7);
  for (let i = 0; i < 20_000; i++) values.push(Math.floor(random.next() ** 4 * HISTOGRAM_MAX_US));
  return values.filter((v) => v <= HISTOGRAM_MAX_US);
}

describe('recordUs (fast HDR slot)', () => {
  for (const [name, make] of [
    ['run histogram (3 digits)', newHistogram],
    ['bucket histogram (2 digits)', newBucketHistogram],
  ] as const) {
    it(`fills exactly the slots hdr-histogram-js's recordValue fills: ${name}`, () => {
      const fast = make();
      const library = make();
      for (const v of sampleValues()) {
        recordUs(fast, v);
        library.recordValue(v);
      }
      expect(fast.totalCount).toBe(library.totalCount);
      expect(fast.maxValue).toBe(library.maxValue);
      expect(fast.minNonZeroValue).toBe(library.minNonZeroValue);
      expect(hdr.encodeIntoCompressedBase64(fast)).toBe(hdr.encodeIntoCompressedBase64(library));
    });
  }

  it('clamps milliseconds into the range instead of throwing', () => {
    const h = newHistogram();
    recordMs(h, -3);
    recordMs(h, 5_000_000_000);
    recordMs(h, 1.2345);
    const s = summarize(h);
    expect(s.count).toBe(3);
    expect(s.max).toBeGreaterThanOrEqual(HISTOGRAM_MAX_US);
    expect(h.getCountAtValue(1235)).toBe(1);
  });
});

describe('meanAndStdDev', () => {
  it("gives exactly the library's mean and standard deviation", () => {
    const h = newHistogram();
    for (const v of sampleValues()) recordUs(h, v);
    expect(meanAndStdDev(h)).toEqual([h.mean, h.stdDeviation]);
    const small = newHistogram();
    for (const v of [5, 5, 17, 250, 1_000_001]) recordUs(small, v);
    expect(meanAndStdDev(small)).toEqual([small.mean, small.stdDeviation]);
    expect(meanAndStdDev(newHistogram())).toEqual([0, 0]);
  });
});
