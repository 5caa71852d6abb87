/**
 * CI performance gates: `--assert` expressions, baseline regressions, evaluation on results
 * documents (medians across repeated runs) and the verdict table / JUnit / Markdown reporters.
 */
export { parseAssertion, formatAssertion, formatLimit, compare, COMPARISON_OPS } from './expression.js';
export type { Assertion, ComparisonOp, Limit } from './expression.js';
export { parseRegression, formatRegression, regressionLimit } from './regression.js';
export type { Regression } from './regression.js';
export { METRICS, findMetric, validMetricNames, targetRate, isSweepDocument } from './metrics.js';
export type { GateDocument, SweepDocumentLike, MetricDefinition, MetricKind, Measurement } from './metrics.js';
export { evaluateGates, metricValue, median, gateExitCode } from './evaluate.js';
export type { GateResult, GateStatus, BaselineSpec } from './evaluate.js';
export { formatVerdictTable, toJUnitXml, toMarkdown, writeGateReports, gateSummaryLine, escapeXml } from './report.js';
export type { GateReportTargets, JUnitOptions } from './report.js';
export { readGateDocument } from './read.js';
export { formatValue } from './units.js';
