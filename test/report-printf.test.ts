import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { exponential, fixed, g, padLeft, padRight } from '../src/report/printf.js';

/**
 * Reference outputs printed by glibc's printf (test/fixtures/report/glibc-printf.c, compiled with
 * gcc and run once): [value, %.0f, %.1f, %.2f, %.3f, %g].
 */
const table = JSON.parse(
  readFileSync(new URL('./fixtures/report/glibc-printf.json', import.meta.url), 'utf8'),
) as [number, string, string, string, string, string][];

describe('fixed (printf %.Nf)', () => {
  it('matches glibc on every value of the reference table', () => {
    expect(table.length).toBeGreaterThan(300);
    for (const [value, f0, f1, f2, f3] of table) {
      expect([value, fixed(value, 0)]).toEqual([value, f0]);
      expect([value, fixed(value, 1)]).toEqual([value, f1]);
      expect([value, fixed(value, 2)]).toEqual([value, f2]);
      expect([value, fixed(value, 3)]).toEqual([value, f3]);
    }
  });

  it('rounds exact binary ties to even, unlike toFixed', () => {
    expect(fixed(0.25, 1)).toBe('0.2');
    expect((0.25).toFixed(1)).toBe('0.3');
    expect(fixed(0.75, 1)).toBe('0.8');
    expect(fixed(2.5, 0)).toBe('2');
    expect(fixed(3.5, 0)).toBe('4');
    // 0.35 is stored just below .35, 0.45 just above: the exact value decides.
    expect(fixed(0.35, 1)).toBe('0.3');
    expect(fixed(0.45, 1)).toBe('0.5');
  });

  it('never prints inf or nan', () => {
    expect(fixed(Number.NaN, 1)).toBe('0.0');
    expect(fixed(Number.POSITIVE_INFINITY, 2)).toBe('0.00');
    expect(fixed(Number.NEGATIVE_INFINITY, 3)).toBe('0.000');
  });
});

describe('g (printf %g)', () => {
  it('matches glibc on every value of the reference table', () => {
    for (const [value, , , , , gRef] of table) expect([value, g(value)]).toEqual([value, gRef]);
  });

  it('formats the echo-line values like httperf', () => {
    expect(g(5)).toBe('5');
    expect(g(2.5)).toBe('2.5');
    expect(g(0.2)).toBe('0.2');
    expect(g(1 / 3)).toBe('0.333333');
    expect(g(1e-5)).toBe('1e-05');
    expect(g(1234567)).toBe('1.23457e+06');
    expect(g(Number.NaN)).toBe('0');
  });
});

describe('exponential (printf %.Ne)', () => {
  // Reference values from awk (which formats doubles with glibc's printf).
  it('matches known glibc outputs', () => {
    expect(exponential(12345, 2)).toBe('1.23e+04');
    expect(exponential(0.000125, 1)).toBe('1.3e-04');
    expect(exponential(0.000375, 1)).toBe('3.8e-04');
    expect(exponential(2.5, 0)).toBe('2e+00');
    expect(exponential(9.99, 1)).toBe('1.0e+01');
    expect(exponential(0, 3)).toBe('0.000e+00');
  });
});

describe('padding', () => {
  it('pads like %-8.1f and %16.1f', () => {
    expect(padRight(fixed(32.4, 1), 8)).toBe('32.4    ');
    expect(padLeft(fixed(1001.5, 1), 16)).toBe('          1001.5');
    expect(padRight('123456789', 8)).toBe('123456789');
  });
});
