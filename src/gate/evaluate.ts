/**
 * Gate evaluation: assertions and baseline regressions checked against one or more documents.
 * With several documents (`--repeat N`, or several files given to `loadgen gate`) every metric
 * is the median of its per-run values, because single CI runs are noisy.
 */
import { EXIT_GATE_FAILED, EXIT_OK, EXIT_USAGE } from '../errors.js';
import { compare, formatAssertion, type Assertion, type ComparisonOp } from './expression.js';
import { findMetric, targetRate, type GateDocument, type Measurement, type MetricDefinition, type MetricKind } from './metrics.js';
import { formatRegression, regressionLimit, type Regression } from './regression.js';
import { formatValue, toInternal, trimNumber } from './units.js';

/** Outcome of one gate. 'error' means it could not be evaluated at all (the figure does not exist). */
export type GateStatus = 'pass' | 'fail' | 'error';

/** One evaluated gate, with everything the reporters print. Values are in internal units. */
export interface GateResult {
  /** Canonical text: the assertion, or `METRIC=+10% vs baseline`. */
  name: string;
  kind: 'assert' | 'regression';
  metric: string;
  metricKind: MetricKind;
  op: ComparisonOp;
  status: GateStatus;
  /** The measured value (median over runs), when there is one. */
  measured?: number;
  /** Per-run values when more than one document was gated. */
  runs?: number[];
  /** The limit the measured value was compared with. */
  limit?: number;
  /** Baseline value (regressions only). */
  baseline?: number;
  /** One line explaining the verdict. */
  message: string;
}

/** A baseline run and the regressions allowed against it. */
export interface BaselineSpec {
  /** The baseline document, or several (their medians are the baseline). */
  doc: GateDocument | GateDocument[];
  regressions: Regression[];
}

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A figure's median across documents, or the first reason it is missing from one of them. */
function medianOf(docs: readonly GateDocument[], read: (doc: GateDocument) => Measurement): { value: number; runs: number[] } | Exclude<Measurement, { value: number }> {
  const runs: number[] = [];
  for (const [i, doc] of docs.entries()) {
    const m = read(doc);
    if (!('value' in m)) {
      return docs.length > 1 ? { ...m, detail: `${m.detail} (run ${i + 1} of ${docs.length})` } : m;
    }
    runs.push(m.value);
  }
  return { value: median(runs), runs };
}

/** Metric value in internal units (median over docs); undefined when the document lacks it. */
export function metricValue(doc: GateDocument | readonly GateDocument[], name: string): number | undefined {
  const metric = findMetric(name);
  if (metric === undefined) return undefined;
  const m = medianOf(Array.isArray(doc) ? doc : [doc as GateDocument], metric.read);
  return 'value' in m ? m.value : undefined;
}

/** The verdict for a missing figure: a missing figure of this document type cannot be gated (error);
 *  a figure with no samples fails, since e.g. a latency limit cannot be met by a run without replies. */
function unavailable(base: Omit<GateResult, 'status' | 'message'>, m: { reason: string; detail: string }): GateResult {
  return { ...base, status: m.reason === 'not-applicable' ? 'error' : 'fail', message: `${base.metric}: ${m.detail}` };
}

function evaluateAssertion(docs: readonly GateDocument[], assertion: Assertion): GateResult {
  const metric = findMetric(assertion.metric) as MetricDefinition;
  const base = { name: formatAssertion(assertion), kind: 'assert' as const, metric: metric.name, metricKind: metric.kind, op: assertion.op };
  let limit: number;
  let limitNote = '';
  if (assertion.limit.kind === 'target') {
    const factor = assertion.limit.factor;
    const which = metric.target!;
    const target = medianOf(docs, (d) => targetRate(d, which));
    if (!('value' in target)) return unavailable(base, target);
    limit = factor * target.value;
    limitNote = ` (${trimNumber(factor, 4)} x demanded ${formatValue('rate', target.value)})`;
  } else {
    limit = toInternal(metric.kind, assertion.limit.amount, assertion.limit.unit)!;
  }
  const measured = medianOf(docs, metric.read);
  if (!('value' in measured)) return { ...unavailable(base, measured), limit };
  const ok = compare(assertion.op, measured.value, limit);
  const shown = `${formatValue(metric.kind, measured.value)}${docs.length > 1 ? ` (median of ${docs.length} runs)` : ''}`;
  return {
    ...base,
    status: ok ? 'pass' : 'fail',
    measured: measured.value,
    ...(docs.length > 1 ? { runs: measured.runs } : {}),
    limit,
    message: `${metric.name} = ${shown}; ${ok ? 'within' : 'violates'} ${assertion.op} ${formatValue(metric.kind, limit)}${limitNote}`,
  };
}

function evaluateRegression(docs: readonly GateDocument[], baselineDocs: readonly GateDocument[], r: Regression): GateResult {
  const metric = findMetric(r.metric) as MetricDefinition;
  const op: ComparisonOp = r.direction === 'up' ? '<=' : '>=';
  const base = { name: `${formatRegression(r)} vs baseline`, kind: 'regression' as const, metric: metric.name, metricKind: metric.kind, op };
  const before = medianOf(baselineDocs, metric.read);
  if (!('value' in before)) return unavailable(base, { reason: before.reason, detail: `in the baseline: ${before.detail}` });
  const limit = regressionLimit(r, metric.kind, before.value);
  const after = medianOf(docs, metric.read);
  if (!('value' in after)) return { ...unavailable(base, after), baseline: before.value, limit };
  const ok = compare(op, after.value, limit);
  const change = before.value === 0 ? '' : ` (${after.value >= before.value ? '+' : ''}${trimNumber(((after.value - before.value) / Math.abs(before.value)) * 100, 1)}%)`;
  return {
    ...base,
    status: ok ? 'pass' : 'fail',
    measured: after.value,
    ...(docs.length > 1 ? { runs: after.runs } : {}),
    limit,
    baseline: before.value,
    message:
      `${metric.name} = ${formatValue(metric.kind, after.value)} vs baseline ${formatValue(metric.kind, before.value)}${change}; ` +
      `${ok ? 'within' : 'violates'} ${op} ${formatValue(metric.kind, limit)}`,
  };
}

/**
 * Evaluate every assertion, then every baseline regression, against the documents (medians when
 * there are several). Never throws for a missing figure: that gate gets status 'error' or 'fail'.
 */
export function evaluateGates(
  docs: readonly GateDocument[],
  assertions: readonly Assertion[],
  baseline?: BaselineSpec,
): GateResult[] {
  if (docs.length === 0) throw new Error('evaluateGates needs at least one document');
  const results = assertions.map((a) => evaluateAssertion(docs, a));
  if (baseline !== undefined) {
    const baselineDocs = Array.isArray(baseline.doc) ? baseline.doc : [baseline.doc];
    for (const r of baseline.regressions) results.push(evaluateRegression(docs, baselineDocs, r));
  }
  return results;
}

/** Exit code for a set of results: 0 all passed, 1 a gate failed, 2 a gate could not be evaluated. */
export function gateExitCode(results: readonly GateResult[]): number {
  if (results.some((r) => r.status === 'error')) return EXIT_USAGE;
  if (results.some((r) => r.status === 'fail')) return EXIT_GATE_FAILED;
  return EXIT_OK;
}
