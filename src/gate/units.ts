/**
 * Units of gate values: which ones each metric kind accepts and how they convert to the internal
 * units (time ms, rate /s, bandwidth KB/s, fraction 0..1, count 1). A bare number means the
 * internal unit, except for fractions where `1%` and `0.01` are the same limit.
 */
import type { MetricKind } from './metrics.js';

/** Canonical unit spellings; '' is a bare number. */
export type Unit = '' | 'us' | 'ms' | 's' | '/s' | 'KB/s' | 'MB/s' | '%';

/** Factor from each accepted unit to the internal unit of the kind. */
const UNIT_FACTORS: Record<MetricKind, Partial<Record<Unit, number>>> = {
  time: { '': 1, us: 0.001, ms: 1, s: 1000 },
  rate: { '': 1, '/s': 1 },
  bandwidth: { '': 1, 'KB/s': 1, 'MB/s': 1024 },
  fraction: { '': 1, '%': 0.01 },
  count: { '': 1 },
};

const CANONICAL = new Map<string, Unit>(
  (['us', 'ms', 's', '/s', 'KB/s', 'MB/s', '%'] as const).map((u) => [u.toLowerCase(), u]),
);

/** The canonical spelling of a unit written by a user (case-insensitive), or undefined. */
export function canonicalUnit(text: string): Unit | undefined {
  if (text === '') return '';
  return CANONICAL.get(text.toLowerCase());
}

/** Units a metric kind accepts, for error messages (the bare number first). */
export function unitsFor(kind: MetricKind): Unit[] {
  return Object.keys(UNIT_FACTORS[kind]) as Unit[];
}

/** Convert an amount in `unit` to the kind's internal unit; undefined when the unit does not fit. */
export function toInternal(kind: MetricKind, amount: number, unit: Unit): number | undefined {
  const factor = UNIT_FACTORS[kind][unit];
  return factor === undefined ? undefined : amount * factor;
}

/** A number with at most `decimals` decimals, trailing zeros dropped. */
export function trimNumber(n: number, decimals: number): string {
  if (!Number.isFinite(n)) return String(n);
  const fixed = n.toFixed(decimals);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** Decimals that keep about four significant digits for a display value. */
function decimalsFor(n: number): number {
  const abs = Math.abs(n);
  if (abs >= 1000) return 0;
  if (abs >= 100) return 1;
  if (abs >= 1) return 2;
  return 3;
}

/** A value in internal units as a reader-friendly string with its unit (`12.35 ms`, `19.9/s`, `1.5%`). */
export function formatValue(kind: MetricKind, value: number): string {
  switch (kind) {
    case 'time':
      return Math.abs(value) >= 10_000 ? `${trimNumber(value / 1000, 2)} s` : `${trimNumber(value, decimalsFor(value))} ms`;
    case 'rate':
      return `${trimNumber(value, decimalsFor(value))}/s`;
    case 'bandwidth':
      return `${trimNumber(value, decimalsFor(value))} KB/s`;
    case 'fraction':
      return `${trimNumber(value * 100, decimalsFor(value * 100))}%`;
    case 'count':
      return trimNumber(value, Number.isInteger(value) ? 0 : 2);
  }
}
