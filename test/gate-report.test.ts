import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import {
  evaluateGates, formatVerdictTable, parseAssertion, parseRegression, toJUnitXml, toMarkdown, writeGateReports, type GateResult,
} from '../src/gate/index.js';
import { makeResultsDocument, makeSweepDocument, spread } from './fixtures/gate/documents.js';
import { junitProblems, parseXml } from './fixtures/gate/xml.js';

const healthy = makeResultsDocument({ samplesMs: { responseTime: spread(100, 2, 12) }, replyRate: 99 });
const slow = makeResultsDocument({ samplesMs: { responseTime: spread(100, 150, 250) }, replyRate: 60 });

/** Pass, fail (assertion and regression) and error, in that order. */
function mixedResults(): GateResult[] {
  return [
    ...evaluateGates([slow], ['reply_rate > 10/s', 'response_time.p99 < 50ms', 'knee > 5'].map(parseAssertion), {
      doc: healthy,
      regressions: [parseRegression('response_time.p99=+10%')],
    }),
  ];
}

describe('formatVerdictTable', () => {
  it('shows each gate with its measured value, limit and verdict, and explains failures', () => {
    const table = formatVerdictTable(mixedResults());
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Gate\s+Measured\s+Limit\s+Result$/);
    expect(table).toMatch(/reply_rate > 10\/s\s+60\/s\s+> 10\/s\s+pass/);
    expect(table).toMatch(/response_time\.p99 < 50ms\s+2\d\d(\.\d+)? ms\s+< 50 ms\s+FAIL/);
    expect(table).toMatch(/knee > 5\s+n\/a\s+> 5\/s\s+ERROR/);
    expect(table).toMatch(/response_time\.p99=\+10% vs baseline .*\(baseline 11\.\d+ ms\)\s+FAIL/);
    expect(table).toContain('    knee: only in a sweep document');
    expect(lines[lines.length - 1]).toBe('Gates: 1 passed, 2 failed, 1 could not be evaluated -> ERROR');
  });

  it('lists per-run values when gating on a median', () => {
    const table = formatVerdictTable(evaluateGates([healthy, slow, healthy], [parseAssertion('reply_rate >= 50')]));
    expect(table).toContain('median of 3 runs: 99/s, 60/s, 99/s');
    expect(table).toContain('Gates: 1 passed, 0 failed -> PASSED');
  });
});

describe('toJUnitXml', () => {
  it('is well-formed JUnit XML with one test case per gate', () => {
    const results = mixedResults();
    const root = parseXml(toJUnitXml(results, 'loadgen', { time: 5, timestamp: '2026-11-22T20:00:00.000Z' }));
    expect(junitProblems(root)).toEqual([]);
    const suite = root.children[0]!;
    expect(suite.attributes).toMatchObject({ name: 'loadgen', tests: '4', failures: '2', errors: '1', time: '5.000', timestamp: '2026-11-22T20:00:00.000' });
    const cases = suite.children.filter((c) => c.name === 'testcase');
    expect(cases.map((c) => c.attributes.name)).toEqual(results.map((r) => r.name));
    expect(cases.map((c) => c.children.find((x) => x.name !== 'system-out')?.name ?? 'pass')).toEqual(['pass', 'failure', 'error', 'failure']);
    const failure = cases[1]!.children[0]!;
    expect(failure.attributes.type).toBe('GateFailed');
    expect(failure.attributes.message).toMatch(/violates < 50 ms/);
    expect(failure.text).toContain('limit: < 50 ms');
  });

  it('escapes markup and drops characters XML forbids', () => {
    const [result] = evaluateGates([healthy], [parseAssertion('errors < 1')]);
    const nasty: GateResult = { ...result!, name: `a<b>&"c'\u0001 ]]> ` + 'é', message: '<script>&amp;</script>\u0007' };
    const xml = toJUnitXml([nasty, { ...nasty, status: 'fail' }], 'suite & <co>');
    const root = parseXml(xml);
    expect(junitProblems(root)).toEqual([]);
    expect(root.attributes.name).toBe('suite & <co>');
    const cases = root.children[0]!.children;
    expect(cases[0]!.attributes.name).toBe(`a<b>&"c' ]]> é`);
    expect(cases[1]!.children[0]!.attributes.message).toBe('<script>&amp;</script>');
  });

  it('has an empty but valid suite when there are no gates', () => {
    expect(junitProblems(parseXml(toJUnitXml([], 'empty')))).toEqual([]);
  });

  it('catches structural mistakes (the validator itself can fail)', () => {
    expect(() => parseXml('<testsuites><testsuite></testsuites>')).toThrow(/does not match/);
    expect(() => parseXml('<a b="1 & 2"/>')).toThrow(/bare '&'/);
    const wrongCount = parseXml('<testsuites><testsuite name="s" tests="2"><testcase name="x"/></testsuite></testsuites>');
    expect(junitProblems(wrongCount)).toEqual(['tests="2" but 1 test cases']);
  });
});

describe('toMarkdown', () => {
  it('has a headline verdict and a table row per gate', () => {
    const markdown = toMarkdown(mixedResults(), 'CI gates');
    expect(markdown.split('\n')[0]).toBe('### CI gates: :warning: ERROR');
    expect(markdown).toContain('| Result | Gate | Measured | Limit | Detail |');
    const rows = markdown.split('\n').filter((l) => l.startsWith('| :'));
    expect(rows).toHaveLength(4);
    expect(rows[1]).toMatch(/^\| :x: \*\*fail\*\* \| `response_time\.p99 < 50ms` \|/);
  });

  it('escapes table separators', () => {
    const [result] = evaluateGates([healthy], [parseAssertion('errors < 1')]);
    const markdown = toMarkdown([{ ...result!, message: 'a | b' }]);
    expect(markdown).toContain('a \\| b');
    expect(markdown.split('\n')[0]).toBe('### Performance gates: :white_check_mark: PASSED');
  });
});

describe('writeGateReports', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loadgen-gate-report-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes JUnit and Markdown files and appends to GITHUB_STEP_SUMMARY', async () => {
    const summary = join(dir, 'summary.md');
    await writeFile(summary, 'earlier step\n');
    const results = evaluateGates([makeSweepDocument({ sessionRate: 40, replyRate: 200 }, 230)], [parseAssertion('knee >= 30')]);
    const targets = { junit: join(dir, 'reports', 'gates.xml'), markdown: join(dir, 'gates.md'), env: { GITHUB_STEP_SUMMARY: summary } };
    await writeGateReports(results, targets);
    await writeGateReports(results, targets);
    expect(junitProblems(parseXml(await readFile(targets.junit, 'utf8')))).toEqual([]);
    expect(await readFile(targets.markdown, 'utf8')).toContain('`knee >= 30`');
    const appended = await readFile(summary, 'utf8');
    expect(appended.startsWith('earlier step\n### Performance gates: loadgen')).toBe(true);
    expect(appended.match(/### Performance gates/g)).toHaveLength(2);
  });

  it('writes nothing when no target is set and GITHUB_STEP_SUMMARY is absent', async () => {
    await expect(writeGateReports([], { env: {} })).resolves.toBeUndefined();
  });

  it('turns an unwritable report path into a UsageError', async () => {
    const file = join(dir, 'file');
    await writeFile(file, '');
    await expect(writeGateReports([], { junit: join(file, 'x.xml'), env: {} })).rejects.toBeInstanceOf(UsageError);
  });
});
