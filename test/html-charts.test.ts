/**
 * The HTML report's data, without a browser: percentile distribution points, not-measurable
 * windows as gaps, warnings, escaping. (test/html-report.test.ts checks the drawn page.)
 */
import { describe, it, expect } from 'vitest';
import { errorTotal, zeroErrors } from '../src/results/fields.js';
import { readResultsFile } from '../src/results/io.js';
import { allCharts, errorsChart, latencyChart } from '../src/report/html/charts.js';
import { renderHtmlReport } from '../src/report/html/index.js';
import { percentileDistribution } from '../src/report/html/percentiles.js';
import { runWarnings, summarySections } from '../src/report/html/summary.js';
import type { ResultsDocument } from '../src/results/schema.js';

const fixture = (name: string): Promise<ResultsDocument> => readResultsFile(`test/fixtures/html/${name}.json`);

describe('HTML report data', () => {
  it('the percentile distribution rises with the percentile and ends at the exact maximum', async () => {
    const doc = await fixture('degraded');
    const points = percentileDistribution(doc.histograms.replyTime);
    expect(points[0]).toMatchObject({ percentile: 0, x: 1 });
    for (let i = 1; i < points.length; i++) {
      expect(points[i]!.x).toBeGreaterThan(points[i - 1]!.x);
      expect(points[i]!.ms).toBeGreaterThanOrEqual(points[i - 1]!.ms);
    }
    expect(points.at(-1)).toMatchObject({ x: doc.histograms.replyTime.count, ms: doc.histograms.replyTime.max / 1000 });
    // The p50 point agrees with the document's own p50 (same histogram, same rule).
    const median = points.find((p) => p.percentile === 50)!;
    expect(median.ms).toBe(doc.histograms.replyTime.p50 / 1000);
    expect(percentileDistribution({ ...doc.histograms.replyTime, count: 0 })).toEqual([]);
  });

  it('buckets without replies are gaps (null) with a shaded window and a note, never zero', async () => {
    const doc = await fixture('degraded');
    const chart = latencyChart([{ doc, label: 'degraded' }]);
    const p50 = chart.tables[0]!.series[0]!.values;
    const empty = doc.fineTimeline!.buckets.map((b) => b.replyTime.count === 0);
    expect(p50.map((v) => v === null)).toEqual(empty);
    expect(p50.filter((v) => v === 0)).toEqual([]);
    expect(chart.gaps).toHaveLength(1); // the two stalled seconds are one window
    expect(chart.notes.join(' ')).toMatch(/no reply completed in 2 of \d+ 1-s buckets/);
  });

  it('a 1.0 document gives empty fine charts with a reason, and the 5-s and histogram charts as usual', async () => {
    const doc = await readResultsFile('test/fixtures/gate/healthy.json');
    const charts = allCharts([{ doc, label: 'old' }]);
    for (const id of ['latency', 'errors', 'generator']) {
      const chart = charts.find((c) => c.id === id)!;
      expect(chart.tables.every((t) => t.x.length === 0)).toBe(true);
      expect(chart.notes.join(' ')).toContain('old has no fine timeline');
    }
    expect(charts.find((c) => c.id === 'request-rate')!.tables[0]!.x).toEqual(doc.timeline.map((s) => s.t));
  });

  it('warns about interrupted runs and runs without replies; says "none measured" instead of 0 ms', async () => {
    const doc = await fixture('baseline');
    const silent: ResultsDocument = {
      ...doc,
      run: { ...doc.run, ended: 'interrupted' },
      counters: { ...doc.counters, replies: 0 },
      histograms: { ...doc.histograms, replyTime: { ...doc.histograms.replyTime, count: 0 } },
    };
    const warnings = runWarnings([{ doc: silent, label: 'cut' }]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^cut was interrupted after 10\.\d s/);
    const latency = summarySections([{ doc: silent, label: 'cut' }]).find((s) => s.heading === 'Latency')!;
    expect(latency.rows.find((r) => r[0] === 'Reply time p99')![1]).toBe('none measured');
  });

  it('the errors chart and the figures table state the run\'s own error and 5xx counts', async () => {
    const doc = await fixture('degraded');
    const { errors, status } = doc.counters;
    const total = errorTotal(errors);
    expect(errorsChart([{ doc, label: 'd' }]).notes).toContain(`d: ${total} errors, ${status[4]} 5xx replies.`);
    const rows = summarySections([{ doc, label: 'd' }]).find((s) => s.heading === 'Errors')!.rows;
    expect(rows[0]![1]).toMatch(new RegExp(`^${total} \\(`));
    const clean = { ...doc, counters: { ...doc.counters, errors: zeroErrors(), status: [0, 1, 0, 0, 0] as typeof status } };
    expect(errorsChart([{ doc: clean, label: 'c' }]).notes).toContain('c: no errors and no 5xx replies in the whole run.');
  });

  it('escapes labels and command lines in the page', async () => {
    const doc = await fixture('baseline');
    const html = renderHtmlReport([{ doc: { ...doc, run: { ...doc.run, commandLine: 'loadgen </script><b>' } }, label: '<img src=x>' }]);
    expect(html).not.toContain('<img src=x>');
    expect(html).not.toContain('</script><b>');
    expect(html).toContain('&#60;img src=x&#62;');
    expect(html).not.toMatch(/<(link|img|iframe)\b|https?:\/\/(?!github\.com\/leeoniya)/i);
  });
});
