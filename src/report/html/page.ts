/**
 * `--html FILE`: one self-contained page (no network access needed) with the figures table and
 * the charts of one or several runs. Charts are drawn by uPlot (MIT, about 50 KB), inlined into
 * the page together with the chart data; the data is computed here (charts.ts) so the page
 * script only draws.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { allCharts, type ChartSpec, type LabelledRun } from './charts.js';
import { PAGE_SCRIPT, PAGE_STYLE, RUN_COLOURS } from './assets.js';
import { runWarnings, summarySections } from './summary.js';

const require = createRequire(import.meta.url);

/** uPlot's script and style, read once from the installed package. */
let uplot: { script: string; style: string } | undefined;
function uplotAssets(): { script: string; style: string } {
  uplot ??= {
    script: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    style: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return uplot;
}

/** Text made safe for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON made safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function swatch(run: number): string {
  return `<span class="swatch" style="background:${RUN_COLOURS[run % RUN_COLOURS.length]}"></span>`;
}

/** The figures: one small table per section, laid out in a grid; a column per run. */
function summaryTables(runs: readonly LabelledRun[]): string {
  const head = (heading: string): string =>
    `<tr class="head"><th>${escapeHtml(heading)}</th>${runs.map((r, i) => `<th>${runs.length > 1 ? `${swatch(i)}${escapeHtml(r.label)}` : ''}</th>`).join('')}</tr>`;
  const tables = summarySections(runs).map(
    (section) =>
      `<table>${head(section.heading)}${section.rows.map(([name, ...cells]) => `<tr><th>${escapeHtml(name)}</th>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</table>`,
  );
  return `<div class="figures${runs.length > 1 ? ' compare' : ''}">${tables.join('')}</div>`;
}

function chartSection(chart: ChartSpec): string {
  const notes = chart.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('');
  return `<section class="chart" id="chart-${chart.id}" data-chart="${chart.id}">
<h2>${escapeHtml(chart.title)}</h2>
<p class="caption">${escapeHtml(chart.caption)}</p>
<div class="plot"></div>
${notes ? `<ul class="notes">${notes}</ul>` : ''}
</section>`;
}

/** The whole page for one run or a comparison of several. */
export function renderHtmlReport(runs: readonly LabelledRun[]): string {
  const charts = allCharts(runs);
  const { script, style } = uplotAssets();
  const title = runs.length === 1 ? `loadgen report: ${runs[0]!.label}` : `loadgen comparison: ${runs.map((r) => r.label).join(' vs ')}`;
  const warnings = runWarnings(runs).map((w) => `<p class="warning">${escapeHtml(w)}</p>`).join('');
  const commands = runs.map((r, i) => `<li>${swatch(i)}<b>${escapeHtml(r.label)}</b> <code>${escapeHtml(r.doc.run.commandLine)}</code> <span class="meta">loadgen ${escapeHtml(r.doc.tool.version)}, schema ${r.doc.schemaVersion}.${r.doc.schemaMinorVersion ?? 0}</span></li>`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<ul class="commands">${commands}</ul>
${warnings}
</header>
<main>
${summaryTables(runs)}
${charts.map(chartSection).join('\n')}
</main>
<footer>Made by loadgen. Times on the x axes are seconds since each run's start; rates are counts divided by the measured length of their own window.</footer>
<script type="application/json" id="loadgen-data">${scriptJson({ colours: RUN_COLOURS, runs: runs.length, charts })}</script>
<script>${script}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
