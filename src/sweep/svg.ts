/**
 * `--svg FILE` / `--html FILE`: a hand-written SVG chart of a sweep (no dependency).
 * Left panel: achieved reply rate against the demanded session (or connection) rate, with the
 * demanded reply rate as a dashed reference line (points on it kept up). Right panel: p99
 * response time against the same rate on a log scale. One colour per target; filled points passed, hollow
 * points failed; each target's knee is a vertical dashed line with a label.
 */
import { formatMs, formatPercent, formatSeconds } from './evaluate.js';
import type { SweepDocument, SweepStep, SweepTargetResult } from './schema.js';
import { formatStepDesign } from './table.js';
import { formatRate } from './verdict.js';
import { RATE_UNIT_NAMES, type RateUnit } from '../workload/demand.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const WIDTH = 960;
const HEIGHT = 440;
const PANEL = { width: 400, height: 300, top: 60, left: [70, 550] as const };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** 1, 2, 5 x 10^k ticks covering [0, max]. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 0.999; v += step) ticks.push(Math.round(v / step) * step);
  return ticks;
}

/** Powers of ten covering [min, max] (log axis). */
function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(Math.max(min, 1e-3)));
  const hi = Math.ceil(Math.log10(Math.max(max, min * 10, 1e-2)));
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) ticks.push(10 ** e);
  return ticks;
}

interface Axis {
  toX(v: number): number;
  toY(v: number): number;
}

function frame(out: string[], left: number, title: string, xTicks: number[], yTicks: number[], axis: Axis, yLabel: (v: number) => string, unit: RateUnit): void {
  const { top, width, height } = PANEL;
  out.push(`<text x="${left + width / 2}" y="${top - 14}" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>`);
  for (const t of yTicks) {
    const y = axis.toY(t);
    out.push(`<line x1="${left}" y1="${y.toFixed(1)}" x2="${left + width}" y2="${y.toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${escapeXml(yLabel(t))}</text>`);
  }
  for (const t of xTicks) {
    const x = axis.toX(t);
    out.push(`<line x1="${x.toFixed(1)}" y1="${top + height}" x2="${x.toFixed(1)}" y2="${top + height + 5}" stroke="#333"/>`);
    out.push(`<text x="${x.toFixed(1)}" y="${top + height + 18}" text-anchor="middle">${formatRate(t)}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${width}" height="${height}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${left + width / 2}" y="${top + height + 38}" text-anchor="middle">demanded ${RATE_UNIT_NAMES[unit].noun} rate (${RATE_UNIT_NAMES[unit].perSecond})</text>`);
}

function series(out: string[], target: SweepTargetResult, color: string, axis: Axis, value: (s: SweepTargetResult['steps'][number]) => number | undefined): void {
  const points = target.steps
    .map((s) => ({ s, v: value(s) }))
    .filter((p): p is { s: typeof p.s; v: number } => p.v !== undefined && Number.isFinite(p.v))
    .sort((a, b) => a.s.rate - b.s.rate);
  if (points.length === 0) return;
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${axis.toX(p.s.rate).toFixed(1)},${axis.toY(p.v).toFixed(1)}`).join(' ');
  out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
  for (const p of points) {
    const fill = p.s.passed ? color : '#fff';
    out.push(
      `<circle cx="${axis.toX(p.s.rate).toFixed(1)}" cy="${axis.toY(p.v).toFixed(1)}" r="4" fill="${fill}" stroke="${color}" stroke-width="2"><title>${escapeXml(`${target.name} ${formatRate(p.s.rate)}/s: ${p.s.passed ? 'passed' : p.s.reasons.join(', ')}`)}</title></circle>`,
    );
  }
}

function kneeMarker(out: string[], target: SweepTargetResult, color: string, axis: Axis, index: number): void {
  if (!target.knee) return;
  const x = axis.toX(target.knee.rate);
  const { top, height } = PANEL;
  out.push(`<line x1="${x.toFixed(1)}" y1="${top}" x2="${x.toFixed(1)}" y2="${top + height}" stroke="${color}" stroke-dasharray="6,4" stroke-width="1.5"/>`);
  out.push(`<text x="${(x + 4).toFixed(1)}" y="${top + 14 + index * 14}" fill="${color}">knee ${escapeXml(formatRate(target.knee.rate))}/s</text>`);
}

/** The chart as a standalone SVG document. */
export function renderSweepSvg(doc: SweepDocument): string {
  const targets = doc.targets;
  const unit = doc.options.unit;
  const steps = targets.flatMap((t) => t.steps);
  const maxRate = Math.max(1, ...steps.map((s) => s.rate));
  const maxReply = Math.max(1, ...steps.map((s) => Math.max(s.demanded.replyRate, s.achieved?.replyRate.avg ?? 0)));
  const p99s = steps.map((s) => s.latency?.p99).filter((v): v is number => v !== undefined && v > 0);
  const xTicks = niceTicks(maxRate);
  const xMax = xTicks.at(-1)!;
  const { top, width, height } = PANEL;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`);

  // Left: achieved vs demanded reply rate.
  const yTicks = niceTicks(maxReply);
  const yMax = yTicks.at(-1)!;
  const left0 = PANEL.left[0];
  const rateAxis: Axis = { toX: (v) => left0 + (v / xMax) * width, toY: (v) => top + height - (v / yMax) * height };
  frame(out, left0, 'achieved reply rate (replies/s)', xTicks, yTicks, rateAxis, (v) => formatRate(v), unit);
  const demandLine = [...new Set(steps.map((s) => s.rate))].sort((a, b) => a - b);
  if (demandLine.length > 0) {
    const perUnit = steps[0]!.demanded.replyRate / steps[0]!.rate;
    // Clipped to the plot: the diagonal stops where it leaves the top edge.
    const xEnd = perUnit > 0 ? Math.min(xMax, yMax / perUnit) : xMax;
    out.push(`<line x1="${rateAxis.toX(0)}" y1="${rateAxis.toY(0)}" x2="${rateAxis.toX(xEnd).toFixed(1)}" y2="${rateAxis.toY(xEnd * perUnit).toFixed(1)}" stroke="#999" stroke-dasharray="3,3"/>`);
    out.push(`<text x="${left0 + 8}" y="${top + 16}" fill="#777">dashed: demanded</text>`);
  }
  targets.forEach((t, i) => {
    const color = COLORS[i % COLORS.length]!;
    series(out, t, color, rateAxis, (s) => s.achieved?.replyRate.avg);
    kneeMarker(out, t, color, rateAxis, i + 1);
  });

  // Right: p99 vs demanded (log scale).
  const left1 = PANEL.left[1];
  const lt = logTicks(Math.min(...(p99s.length ? p99s : [1])), Math.max(...(p99s.length ? p99s : [10])));
  const lo = Math.log10(lt[0]!);
  const hi = Math.log10(lt.at(-1)!);
  const latencyAxis: Axis = {
    toX: (v) => left1 + (v / xMax) * width,
    toY: (v) => top + height - ((Math.log10(Math.max(v, lt[0]!)) - lo) / Math.max(hi - lo, 1e-9)) * height,
  };
  frame(out, left1, 'p99 response time (log scale)', xTicks, lt, latencyAxis, (v) => formatMs(v), unit);
  targets.forEach((t, i) => {
    const color = COLORS[i % COLORS.length]!;
    series(out, t, color, latencyAxis, (s) => s.latency?.p99);
    kneeMarker(out, t, color, latencyAxis, i + 1);
  });

  // Legend.
  targets.forEach((t, i) => {
    const color = COLORS[i % COLORS.length]!;
    const x = 70 + i * 220;
    out.push(`<rect x="${x}" y="${HEIGHT - 22}" width="12" height="12" fill="${color}"/>`);
    out.push(`<text x="${x + 18}" y="${HEIGHT - 12}">${escapeXml(t.name)}${t.knee ? ` (knee ${formatRate(t.knee.rate)}/s)` : ''}</text>`);
  });
  out.push(`<text x="${WIDTH - 10}" y="${HEIGHT - 12}" text-anchor="end" fill="#777">filled: step passed · hollow: failed</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** One step's row of the HTML table. */
function htmlRow(t: SweepTargetResult, s: SweepStep): string {
  const m = s.metrics && !('unavailable' in s.metrics) ? s.metrics.cpu : undefined;
  const cells = [
    escapeXml(t.name),
    `${formatRate(s.rate)}${s.phase === 'refine' ? '*' : ''}`,
    formatSeconds(s.timing.warmup),
    formatRate(s.demanded.replyRate),
    s.achieved ? formatRate(s.achieved.replyRate.avg) : '-',
    s.latency ? formatMs(s.latency.p50) : '-',
    s.latency ? formatMs(s.latency.p99) : '-',
    s.errors ? formatPercent(s.errors.rate) : '-',
    s.generator ? formatPercent(s.generator.cpu) : '-',
    m ? formatPercent(m.busy / 100) : '-',
    m ? formatPercent(m.steal / 100) : '-',
  ];
  const result = s.passed ? 'pass' : `<b>FAIL</b>: ${escapeXml(s.reasons.join(', '))}`;
  const notes = s.notes.length > 0 ? `<br><small>${escapeXml(s.notes.join('; '))}</small>` : '';
  return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}<td style="text-align:left">${result}${notes}</td></tr>`;
}

/** An HTML page with the chart, the verdicts and a table of the steps. */
export function renderSweepHtml(doc: SweepDocument): string {
  const rows = doc.targets.flatMap((t) => t.steps.map((s) => htmlRow(t, s)));
  const header = ['target', RATE_UNIT_NAMES[doc.options.unit].perSecond, 'warm-up', 'demanded replies/s', 'achieved replies/s', 'p50', 'p99', 'errors', 'generator CPU', 'target CPU', 'steal', 'result'];
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"><title>loadgen sweep</title>',
    '<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style>',
    '</head><body>',
    `<h1>loadgen sweep, ${escapeXml(doc.startedAt)}</h1>`,
    ...(doc.interrupted ? ['<p><b>Interrupted: this sweep is partial; its gates are not evaluated.</b></p>'] : []),
    `<p>${escapeXml(formatStepDesign(doc.options))}</p>`,
    ...doc.targets.map((t) => `<p><b>${escapeXml(t.name)}</b>: ${escapeXml(t.verdict)}</p>`),
    ...doc.comparison.map((line) => `<p>${escapeXml(line)}</p>`),
    renderSweepSvg(doc),
    `<table><tr>${header.map((h) => `<th>${h}</th>`).join('')}</tr>`,
    ...rows,
    '</table></body></html>',
    '',
  ].join('\n');
}
