/**
 * `--assert` expressions: `METRIC OP VALUE`, e.g. `response_time.p99 < 50ms`,
 * `error_rate <= 1%`, `reply_rate >= 0.95*target`. Parsing is strict (a typo must not silently
 * pass a gate) and every error is a UsageError naming what is wrong and listing the valid names.
 */
import { UsageError } from '../errors.js';
import { findMetric, METRICS, validMetricNames, type MetricDefinition } from './metrics.js';
import { canonicalUnit, toInternal, unitsFor, type Unit } from './units.js';

/** Comparison operators of an assertion. */
export type ComparisonOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

export const COMPARISON_OPS: readonly ComparisonOp[] = ['<', '<=', '>', '>=', '==', '!='];

/** The right-hand side: a number with a unit, or a multiple of the demanded (target) rate. */
export type Limit =
  | { kind: 'absolute'; amount: number; unit: Unit }
  | { kind: 'target'; factor: number };

/** A parsed `--assert` expression. */
export interface Assertion {
  metric: string;
  op: ComparisonOp;
  limit: Limit;
}

/** A decimal number as users write it: sign, digits, optional fraction and exponent. */
const NUMBER = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?`;
const SHAPE = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(<=|>=|==|!=|<|>)\s*(\S(?:.*\S)?)\s*$/s;
const ABSOLUTE = new RegExp(String.raw`^(${NUMBER})\s*(%|[A-Za-z]+/s|/s|[A-Za-z]+)?$`);
const TARGET = new RegExp(String.raw`^(?:(${NUMBER})\s*(%)?\s*\*\s*)?target$`, 'i');

const EXAMPLE = "e.g. 'response_time.p99 < 50ms' or 'reply_rate >= 0.95*target' (OP is one of < <= > >= == !=)";

/** Parse a decimal written by a user; -0 becomes 0 so values compare and round-trip plainly. */
export function parseNumber(text: string): number {
  const n = Number(text);
  return n === 0 ? 0 : n;
}

/** Levenshtein distance, for "did you mean" hints on misspelt metric names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The known metric closest to a misspelt name, when it is close enough to be a likely typo. */
function closestMetric(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const m of METRICS) {
    const d = editDistance(name.toLowerCase(), m.name);
    if (d < bestDistance) {
      bestDistance = d;
      best = m.name;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

/** The metric of this name, or a UsageError that lists every valid name (shared with --max-regression). */
export function requireMetric(name: string, fail: (reason: string) => never): MetricDefinition {
  const metric = findMetric(name);
  if (metric !== undefined) return metric;
  const hint = closestMetric(name);
  fail(`unknown metric '${name}'${hint !== undefined ? ` (did you mean '${hint}'?)` : ''}; valid metrics: ${validMetricNames()}`);
}

/** Check a unit against a metric; returns it in canonical spelling or fails naming the valid ones. */
export function requireUnit(metric: MetricDefinition, written: string, fail: (reason: string) => never): Unit {
  const unit = canonicalUnit(written);
  if (unit !== undefined && toInternal(metric.kind, 1, unit) !== undefined) return unit;
  const allowed = unitsFor(metric.kind).filter((u) => u !== '');
  const list = allowed.length > 0 ? `a plain number or one of ${allowed.join(' ')}` : 'a plain number (it is a count)';
  fail(`unit '${written}' does not fit ${metric.name} (a ${metric.kind}); use ${list}`);
}

/** Parse one `--assert` expression; throws UsageError on anything malformed or unknown. */
export function parseAssertion(text: string): Assertion {
  const fail = (reason: string): never => {
    throw new UsageError(`invalid assertion '${text}': ${reason}`);
  };
  const shape = SHAPE.exec(text);
  if (shape === null) return fail(`expected METRIC OP VALUE, ${EXAMPLE}`);
  const [, name, op, right] = shape as unknown as [string, string, ComparisonOp, string];
  const metric = requireMetric(name, fail);

  const target = TARGET.exec(right);
  if (target !== null) {
    if (metric.target === undefined) {
      fail(`'target' is only defined for reply_rate, request_rate, connection_rate and session_rate (and their samples), not ${metric.name}`);
    }
    const amount = target[1] === undefined ? 1 : parseNumber(target[1]);
    const factor = target[2] === '%' ? parseNumber(String(amount / 100)) : amount;
    if (!Number.isFinite(factor)) fail(`factor '${target[1]}' is not a finite number`);
    return { metric: metric.name, op, limit: { kind: 'target', factor } };
  }

  const absolute = ABSOLUTE.exec(right);
  if (absolute === null) return fail(`'${right}' is not a value: expected a number with an optional unit or N*target, ${EXAMPLE}`);
  const amount = parseNumber(absolute[1]!);
  if (!Number.isFinite(amount)) fail(`'${absolute[1]}' is not a finite number`);
  const unit = requireUnit(metric, absolute[2] ?? '', fail);
  return { metric: metric.name, op, limit: { kind: 'absolute', amount, unit } };
}

/** The canonical text of an assertion; `parseAssertion(formatAssertion(a))` equals `a`. */
export function formatAssertion(a: Assertion): string {
  return `${a.metric} ${a.op} ${formatLimit(a.limit)}`;
}

/** The right-hand side as text (`50ms`, `0.95*target`). */
export function formatLimit(limit: Limit): string {
  if (limit.kind === 'target') return limit.factor === 1 ? 'target' : `${String(limit.factor)}*target`;
  return `${String(limit.amount)}${limit.unit}`;
}

/** True when `measured OP limit` holds. */
export function compare(op: ComparisonOp, measured: number, limit: number): boolean {
  switch (op) {
    case '<':
      return measured < limit;
    case '<=':
      return measured <= limit;
    case '>':
      return measured > limit;
    case '>=':
      return measured >= limit;
    case '==':
      return measured === limit;
    case '!=':
      return measured !== limit;
  }
}
