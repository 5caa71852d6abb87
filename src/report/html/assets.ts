/**
 * The HTML report's own style and page script (plain ES2017, no build step). The script reads
 * the chart data from the page, joins several runs on their x values (null stays a gap: a
 * figure that was not measurable; x values only one run has are bridged) and draws each chart
 * with uPlot. It exposes `window.loadgenCharts` (id, series labels, drawn data) so tests and
 * users can check what was plotted, and sets `document.body.dataset.ready` when done.
 */

/** One colour per run, in order (colour-blind-safe, dark enough on white). */
export const RUN_COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];

export const PAGE_STYLE = `
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --line: #e3e7ee; --paper: #ffffff; --bg: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: var(--bg); }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 18px; }
h1 { font-size: 22px; margin: 0 0 8px; font-weight: 650; }
h2 { font-size: 16px; margin: 0 0 4px; font-weight: 620; }
.commands { list-style: none; padding: 0; margin: 0 0 10px; color: var(--muted); font-size: 12px; }
.commands li { margin: 2px 0; }
.commands code { font-size: 11.5px; color: var(--ink); word-break: break-all; }
.meta { color: var(--muted); margin-left: 6px; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
.warning { background: #fff4e5; border: 1px solid #f5c27a; color: #7a4a00; padding: 8px 12px; border-radius: 6px; margin: 6px 0; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 12px; margin: 10px 0 18px; }
.figures.compare { grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); }
.figures table { border-collapse: collapse; background: var(--paper); border: 1px solid var(--line); border-radius: 8px; width: 100%; font-variant-numeric: tabular-nums; align-self: start; }
.figures th, .figures td { text-align: left; padding: 3px 10px; border-bottom: 1px solid var(--line); font-size: 12.5px; vertical-align: top; }
.figures tr:last-child > * { border-bottom: none; }
.figures tr.head th { background: #eef1f6; color: var(--ink); font-size: 11.5px; text-transform: uppercase; letter-spacing: .04em; font-weight: 650; padding-top: 5px; }
.figures tr.head th:first-child { color: var(--muted); }
.figures td { font-weight: 550; }
.figures tr > th:first-child { font-weight: 450; color: var(--muted); width: 45%; }
section.chart { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px 10px; margin: 0 0 16px; }
.caption { color: var(--muted); margin: 0 0 8px; font-size: 12.5px; max-width: 980px; }
.plot { min-height: 60px; }
.plot .empty { color: var(--muted); font-style: italic; padding: 18px 0; }
.notes { margin: 6px 0 0; padding-left: 18px; color: #8a5a00; font-size: 12.5px; }
.u-legend { font-size: 12px; text-align: left; }
.u-legend .u-marker { width: 14px; height: 3px; }
footer { color: var(--muted); font-size: 12px; padding-bottom: 24px; }
`;

export const PAGE_SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('loadgen-data').textContent);
  var charts = [];
  window.loadgenCharts = charts;

  function percentLabel(x) {
    if (x <= 1) return '0%';
    var p = 100 * (1 - 1 / x);
    var digits = Math.max(0, Math.ceil(-Math.log10(100 - p)) + 1);
    var text = p.toFixed(Math.min(digits, 6));
    if (text.indexOf('.') >= 0) text = text.replace(/0+$/, '').replace(/\\.$/, '');
    return text + '%';
  }
  function number(v) {
    if (v == null) return '-';
    var a = Math.abs(v);
    return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
  }

  // Windows where the figure was not measurable: a light band with its reason, not a zero.
  function shadeGaps(u, gaps, labels) {
    var ctx = u.ctx;
    ctx.save();
    gaps.forEach(function (g, i) {
      var x0 = u.valToPos(g.from, 'x', true);
      var x1 = u.valToPos(g.to, 'x', true);
      if (labels) {
        ctx.fillStyle = '#4a5263';
        ctx.font = Math.round(11.5 * devicePixelRatio) + 'px system-ui, sans-serif';
        ctx.textAlign = 'center';
        ctx.fillText(g.label, (x0 + x1) / 2, u.bbox.top + (14 + 14 * (i % 2)) * devicePixelRatio);
      } else {
        ctx.fillStyle = 'rgba(120, 130, 150, 0.14)';
        ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
      }
    });
    ctx.restore();
  }

  function draw(spec) {
    var root = document.getElementById('chart-' + spec.id).querySelector('.plot');
    var tables = spec.tables.filter(function (t) { return t.x.length > 0 && t.series.length > 0; });
    var series = [];
    tables.forEach(function (t) { series = series.concat(t.series); });
    if (tables.length === 0) {
      root.innerHTML = '<div class="empty">Nothing was measured that this chart could show (see the notes).</div>';
      charts.push({ id: spec.id, labels: [], data: [] });
      return;
    }
    var aligned = tables.length === 1
      ? [tables[0].x].concat(tables[0].series.map(function (s) { return s.values; }))
      : uPlot.join(
          tables.map(function (t) { return [t.x].concat(t.series.map(function (s) { return s.values; })); }),
          // 2 = NULL_EXPAND: a gap also covers the other runs' x values inside it, so no line
          // heads into a window where the figure was not measurable.
          tables.map(function (t) { return [0].concat(t.series.map(function () { return 2; })); })
        );
    var percentile = spec.xKind === 'percentile';
    var single = data.runs === 1;
    var xMax = Math.max.apply(null, aligned[0]);
    var hasY2 = series.some(function (s) { return s.scale === 'y2'; });
    var opts = {
      width: Math.max(320, root.clientWidth),
      height: 300,
      cursor: { drag: { x: true, y: false } },
      scales: {
        x: percentile ? { time: false, distr: 3, log: 10, range: function () { return [1, Math.pow(10, Math.ceil(Math.log10(Math.max(10, xMax))))]; } } : { time: false, range: function (u, min, max) { return [0, max > 0 ? max : 1]; } },
        y: spec.yLog ? { distr: 3, log: 10 } : spec.yFromZero ? { range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; } } : {}
      },
      legend: { live: true },
      series: [{
        label: percentile ? 'percentile' : 'seconds',
        value: function (u, v) { return v == null ? '-' : percentile ? percentLabel(v) : v.toFixed(1) + ' s'; }
      }].concat(series.map(function (s, i) {
        // One run: a colour per line. Several runs: a colour per run, the line style says what it is.
        var colour = data.colours[(single ? i : s.run) % data.colours.length];
        var line = { label: s.label, stroke: colour, width: s.width, dash: s.dash, scale: s.scale, spanGaps: false,
          points: { show: percentile ? false : undefined, size: 5, fill: colour },
          value: function (u, v) { return number(v); } };
        if (s.pointsOnly) {
          line.paths = function () { return null; };
          line.points = { show: true, size: 7, stroke: colour, fill: '#ffffff', width: 1.5 };
        }
        return line;
      })),
      axes: [
        { label: spec.xLabel, grid: { stroke: '#eef0f4' },
          splits: percentile ? function (u, axis, min, max) { var s = []; for (var v = 1; v <= max * 1.0001; v *= 10) s.push(v); return s; } : undefined,
          values: percentile ? function (u, splits) { return splits.map(percentLabel); } : undefined },
        { label: spec.yLabel, scale: 'y', grid: { stroke: '#eef0f4' } }
      ].concat(hasY2 ? [{ label: spec.y2Label, scale: 'y2', side: 1, grid: { show: false } }] : [])
    };
    if (spec.gaps && spec.gaps.length > 0) opts.hooks = { drawClear: [function (u) { shadeGaps(u, spec.gaps, false); }], draw: [function (u) { shadeGaps(u, spec.gaps, true); }] };
    if (hasY2) opts.scales.y2 = { range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; } };
    var plot = new uPlot(opts, aligned, root);
    charts.push({ id: spec.id, labels: series.map(function (s) { return s.label; }), data: plot.data, plot: plot });
  }

  data.charts.forEach(draw);
  window.addEventListener('resize', function () {
    charts.forEach(function (c) { if (c.plot) c.plot.setSize({ width: Math.max(320, c.plot.root.parentNode.clientWidth), height: 300 }); });
  });
  requestAnimationFrame(function () { document.body.dataset.ready = 'yes'; });
})();
`;
