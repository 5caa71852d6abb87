/**
 * Gate reporters: the verdict table for the terminal, JUnit XML for CI test reporters (one test
 * case per gate), and a Markdown summary (for `$GITHUB_STEP_SUMMARY` or `--markdown FILE`).
 */
import { appendFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/files.js';
import { UsageError } from '../errors.js';
import type { GateResult } from './evaluate.js';
import { formatValue } from './units.js';

/** Measured value as shown in reports ('n/a' when nothing could be measured). */
function measuredText(r: GateResult): string {
  return r.measured === undefined ? 'n/a' : formatValue(r.metricKind, r.measured);
}

/** Limit as shown in reports, with the operator (`< 50 ms`) and the baseline for regressions. */
function limitText(r: GateResult): string {
  if (r.limit === undefined) return 'n/a';
  const limit = `${r.op} ${formatValue(r.metricKind, r.limit)}`;
  return r.baseline === undefined ? limit : `${limit} (baseline ${formatValue(r.metricKind, r.baseline)})`;
}

const VERDICT = { pass: 'pass', fail: 'FAIL', error: 'ERROR' } as const;

/** Count of results by status. */
function tally(results: readonly GateResult[]): { passed: number; failed: number; errors: number } {
  return {
    passed: results.filter((r) => r.status === 'pass').length,
    failed: results.filter((r) => r.status === 'fail').length,
    errors: results.filter((r) => r.status === 'error').length,
  };
}

/** One line summing up the gates, e.g. `Gates: 3 passed, 1 failed`. */
export function gateSummaryLine(results: readonly GateResult[]): string {
  const { passed, failed, errors } = tally(results);
  const parts = [`${passed} passed`, `${failed} failed`];
  if (errors > 0) parts.push(`${errors} could not be evaluated`);
  return `Gates: ${parts.join(', ')} -> ${errors > 0 ? 'ERROR' : failed > 0 ? 'FAILED' : 'PASSED'}`;
}

/** The verdict table for the terminal: gate, measured value, limit, verdict; then a summary line. */
export function formatVerdictTable(results: readonly GateResult[]): string {
  const header = ['Gate', 'Measured', 'Limit', 'Result'];
  const rows = results.map((r) => [r.name, measuredText(r), limitText(r), VERDICT[r.status]]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const out = [line(header), line(widths.map((w) => '-'.repeat(w)))];
  for (const [i, r] of results.entries()) {
    out.push(line(rows[i]!));
    // Explain what is not a plain pass: the reader should not need another tool to see why.
    if (r.status !== 'pass') out.push(`    ${r.message}`);
    if (r.runs !== undefined) out.push(`    median of ${r.runs.length} runs: ${r.runs.map((v) => formatValue(r.metricKind, v)).join(', ')}`);
  }
  out.push(gateSummaryLine(results));
  return `${out.join('\n')}\n`;
}

/** Escape text for XML attribute values and character data; drops characters XML 1.0 forbids. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Options of the JUnit report. */
export interface JUnitOptions {
  /** Seconds the measured run took (shown as the suite's time); 0 when unknown. */
  time?: number;
  /** ISO time stamp of the run. */
  timestamp?: string;
}

/**
 * JUnit XML: `<testsuites>` with one `<testsuite>` and one `<testcase>` per gate; a failed gate
 * has a `<failure>`, a gate that could not be evaluated an `<error>`. The shape is the common
 * denominator read by Jenkins, GitLab and the GitHub test-report actions.
 */
export function toJUnitXml(results: readonly GateResult[], suiteName: string, options: JUnitOptions = {}): string {
  const { failed, errors } = tally(results);
  const time = (options.time ?? 0).toFixed(3);
  const a = (name: string, value: string | number): string => ` ${name}="${escapeXml(String(value))}"`;
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites${a('name', suiteName)}${a('tests', results.length)}${a('failures', failed)}${a('errors', errors)}${a('time', time)}>`);
  out.push(
    `  <testsuite${a('name', suiteName)}${a('tests', results.length)}${a('failures', failed)}${a('errors', errors)}${a('skipped', 0)}${a('time', time)}` +
      `${options.timestamp !== undefined ? a('timestamp', options.timestamp.replace(/Z$/, '')) : ''}>`,
  );
  for (const r of results) {
    const open = `    <testcase${a('name', r.name)}${a('classname', `loadgen.gate.${r.kind}`)}${a('time', '0')}`;
    const detail = `measured: ${measuredText(r)}\nlimit: ${limitText(r)}\n${r.message}`;
    if (r.status === 'pass') {
      out.push(`${open}>`, `      <system-out>${escapeXml(detail)}</system-out>`, '    </testcase>');
    } else {
      const tag = r.status === 'fail' ? 'failure' : 'error';
      const type = r.status === 'fail' ? 'GateFailed' : 'GateNotEvaluated';
      out.push(`${open}>`, `      <${tag}${a('message', r.message)}${a('type', type)}>${escapeXml(detail)}</${tag}>`, '    </testcase>');
    }
  }
  out.push('  </testsuite>', '</testsuites>');
  return `${out.join('\n')}\n`;
}

/** Escape a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A Markdown summary: headline verdict and a table of every gate. */
export function toMarkdown(results: readonly GateResult[], title = 'Performance gates'): string {
  const { passed, failed, errors } = tally(results);
  const verdict = errors > 0 ? ':warning: ERROR' : failed > 0 ? ':x: FAILED' : ':white_check_mark: PASSED';
  const out = [
    `### ${cell(title)}: ${verdict}`,
    '',
    `${passed} passed, ${failed} failed${errors > 0 ? `, ${errors} could not be evaluated` : ''}.`,
    '',
    '| Result | Gate | Measured | Limit | Detail |',
    '| --- | --- | --- | --- | --- |',
  ];
  const icon = { pass: ':white_check_mark: pass', fail: ':x: **fail**', error: ':warning: **error**' } as const;
  for (const r of results) {
    const code = '`' + r.name.replace(/`/g, "'") + '`';
    const runs = r.runs !== undefined ? ` (runs: ${r.runs.map((v) => formatValue(r.metricKind, v)).join(', ')})` : '';
    out.push(`| ${icon[r.status]} | ${cell(code)} | ${cell(measuredText(r))} | ${cell(limitText(r))} | ${cell(r.message + runs)} |`);
  }
  return `${out.join('\n')}\n`;
}

/** Where `writeGateReports` writes. */
export interface GateReportTargets {
  /** JUnit XML file (written atomically, replaced). */
  junit?: string;
  /** Markdown file (written atomically, replaced). */
  markdown?: string;
  /** JUnit suite name; default 'loadgen'. */
  suiteName?: string;
  /** Markdown headline; default `Performance gates: SUITE`. */
  title?: string;
  /** Passed to the JUnit writer. */
  junitOptions?: JUnitOptions;
  /** Environment to read GITHUB_STEP_SUMMARY from (default process.env). */
  env?: NodeJS.ProcessEnv;
}


/**
 * Write the requested reports, and append the Markdown summary to `$GITHUB_STEP_SUMMARY` when that
 * variable is set (GitHub Actions shows it on the run's summary page).
 */
export async function writeGateReports(results: readonly GateResult[], targets: GateReportTargets): Promise<void> {
  const suite = targets.suiteName ?? 'loadgen';
  if (targets.junit !== undefined) await writeFileAtomic(targets.junit, toJUnitXml(results, suite, targets.junitOptions));
  const markdown = toMarkdown(results, targets.title ?? `Performance gates: ${suite}`);
  if (targets.markdown !== undefined) await writeFileAtomic(targets.markdown, markdown);
  const summary = (targets.env ?? process.env).GITHUB_STEP_SUMMARY;
  if (summary !== undefined && summary !== '') {
    try {
      await appendFile(summary, `${markdown}\n`);
    } catch (err) {
      throw new UsageError(`can't append to GITHUB_STEP_SUMMARY ${summary}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
}
