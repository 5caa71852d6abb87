/**
 * `--max-regression METRIC=±AMOUNT`: how far a metric may move from the baseline run.
 * `response_time.p99=+10%` lets p99 rise by at most 10% over the baseline (a fall is always fine);
 * `reply_rate=-5%` lets the reply rate fall by at most 5% (a rise is always fine). The amount is a
 * percentage of the baseline value, or an absolute amount in the metric's units
 * (`response_time.p99=+5ms`, `errors=+0`, `error_rate=+0.01`).
 */
import { UsageError } from '../errors.js';
import { parseNumber, requireMetric, requireUnit } from './expression.js';
import { toInternal, type Unit } from './units.js';

/** A parsed `--max-regression` limit. */
export interface Regression {
  metric: string;
  /** 'up': the new value may exceed the baseline by at most the allowance; 'down': fall below it. */
  direction: 'up' | 'down';
  /** Non-negative allowance: a percentage of the baseline when `unit` is '%', else an absolute amount. */
  amount: number;
  unit: Unit;
}

const SHAPE = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*([+-])\s*((?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(%|[A-Za-z]+\/s|\/s|[A-Za-z]+)?\s*$/;

/** Parse `METRIC=+N%` / `METRIC=-N%` (or an absolute amount); throws UsageError. */
export function parseRegression(text: string): Regression {
  const fail = (reason: string): never => {
    throw new UsageError(`invalid --max-regression '${text}': ${reason}`);
  };
  const shape = SHAPE.exec(text);
  if (shape === null) {
    return fail("expected METRIC=+N% (may rise by at most N%) or METRIC=-N% (may fall by at most N%), e.g. 'response_time.p99=+10%'");
  }
  const [, name, sign, number, written] = shape as unknown as [string, string, '+' | '-', string, string | undefined];
  const metric = requireMetric(name, fail);
  const amount = parseNumber(number);
  if (!Number.isFinite(amount)) fail(`'${number}' is not a finite number`);
  // '%' is always relative to the baseline here, even for fractions such as error_rate.
  const unit: Unit = written === '%' ? '%' : requireUnit(metric, written ?? '', fail);
  return { metric: metric.name, direction: sign === '+' ? 'up' : 'down', amount, unit };
}

/** Canonical text; `parseRegression(formatRegression(r))` equals `r`. */
export function formatRegression(r: Regression): string {
  return `${r.metric}=${r.direction === 'up' ? '+' : '-'}${String(r.amount)}${r.unit}`;
}

/**
 * The limit a regression puts on the new value given the baseline value (internal units):
 * an upper bound for 'up', a lower bound for 'down'.
 */
export function regressionLimit(r: Regression, kind: Parameters<typeof toInternal>[0], baseline: number): number {
  const allowance = r.unit === '%' ? (Math.abs(baseline) * r.amount) / 100 : toInternal(kind, r.amount, r.unit)!;
  return r.direction === 'up' ? baseline + allowance : baseline - allowance;
}
