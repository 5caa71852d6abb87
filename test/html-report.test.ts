/**
 * The HTML report in a real headless Chromium: pages rendered from recorded results documents
 * (test/fixtures/html, made by real short runs) load without console errors or network access,
 * every chart plots the document's figures, not-measurable windows are gaps with a note, and
 * screenshots are written to .tmp/ (CI keeps them as artefacts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderHtmlReport } from '../src/report/html/index.js';
import { readResultsFile } from '../src/results/io.js';
import type { ResultsDocument } from '../src/results/schema.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && !process.env.CI) console.warn(`html-report tests skipped: no Chromium at ${CHROMIUM} (install the chromium package; on CI they run)`);
const suite = available || process.env.CI ? describe : describe.skip;

const ROOT = resolve(__dirname, '..');
const ARTEFACTS = join(ROOT, '.tmp');
const CLI = join(ROOT, 'bin/loadgen.js');

/** What the page exposes as window.loadgenCharts. */
interface DrawnChart {
  id: string;
  labels: string[];
  data: (number | null | undefined)[][];
}

interface Loaded {
  charts: DrawnChart[];
  errors: string[];
  requests: string[];
  page: Page;
}

let browser: Browser;
let dir: string;

beforeAll(async () => {
  if (!available && !process.env.CI) return;
  dir = await mkdtemp(join(tmpdir(), 'loadgen-html-'));
  await mkdir(ARTEFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Open a page file; collect console errors, page errors and any request that is not the file. */
async function open(file: string, screenshot?: string): Promise<Loaded> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file://')) requests.push(r.url());
  });
  await page.goto(`file://${file}`);
  await page.waitForSelector('body[data-ready="yes"]', { timeout: 20_000 });
  const charts = await page.evaluate(() =>
    (window as unknown as { loadgenCharts: DrawnChart[] }).loadgenCharts.map((c) => ({ id: c.id, labels: c.labels, data: c.data.map((s) => Array.from(s)) })),
  );
  if (screenshot) await page.screenshot({ path: join(ARTEFACTS, screenshot), fullPage: true });
  return { charts, errors, requests, page };
}

async function renderToFile(name: string, docs: ResultsDocument[], labels: string[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, renderHtmlReport(docs.map((doc, i) => ({ doc, label: labels[i]! }))));
  return file;
}

const fixture = (name: string): Promise<ResultsDocument> => readResultsFile(join(ROOT, 'test/fixtures/html', `${name}.json`));
const chart = (loaded: Loaded, id: string): DrawnChart => loaded.charts.find((c) => c.id === id)!;
/** JSON turns undefined into null; compare numbers to 6 significant digits. */
const rounded = (values: readonly (number | null | undefined)[]): (number | null)[] => values.map((v) => (v == null ? null : Number(v.toPrecision(6))));

/** Pixels that are not background inside every plot canvas (a chart that drew nothing has ~0). */
async function inkPerChart(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const out: Record<string, number> = {};
    for (const section of Array.from(document.querySelectorAll('section.chart'))) {
      const canvas = section.querySelector('canvas');
      if (!canvas) {
        out[section.getAttribute('data-chart')!] = 0;
        continue;
      }
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let ink = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3]! > 0 && (pixels[i]! < 200 || pixels[i + 1]! < 200 || pixels[i + 2]! < 200)) ink++;
      out[section.getAttribute('data-chart')!] = ink;
    }
    return out;
  });
}

suite('HTML report in headless Chromium', () => {
  it('a single run: loads offline without errors and every chart plots the document’s figures', async () => {
    const doc = await fixture('degraded');
    const loaded = await open(await renderToFile('single.html', [doc], ['degraded']), 'html-report.png');
    expect(loaded.errors).toEqual([]);
    expect(loaded.requests).toEqual([]);
    expect(loaded.charts.map((c) => c.id)).toEqual(['request-rate', 'latency', 'distribution', 'errors', 'session-rate', 'start-lag', 'generator']);

    // Rates per 5-s sample: replies / the sample's own interval.
    const rates = chart(loaded, 'request-rate');
    const sampleAt = doc.timeline.map((s) => rates.data[0]!.indexOf(s.t));
    const replies = rates.data[rates.labels.indexOf('replies/s') + 1]!;
    expect(rounded(sampleAt.map((i) => replies[i]))).toEqual(rounded(doc.timeline.map((s) => s.replies / s.interval)));
    expect(rates.labels).toContain('demanded requests/s');
    const perBucket = rates.data[rates.labels.indexOf('replies/s per 1-s bucket') + 1]!.filter((v) => v != null);
    expect(perBucket).toHaveLength(doc.fineTimeline!.buckets.length);

    // Latency per fine bucket: p50 of each bucket, and a gap (null) where no reply completed.
    const latency = chart(loaded, 'latency');
    const buckets = doc.fineTimeline!.buckets;
    expect(latency.data[0]).toHaveLength(buckets.length);
    expect(rounded(latency.data[1]!)).toEqual(rounded(buckets.map((b) => (b.replyTime.count > 0 ? b.replyTime.p50 / 1000 : null))));
    expect(rounded(latency.data[4]!)).toEqual(rounded(buckets.map((b) => (b.replyTime.count > 0 ? b.replyTime.max / 1000 : null))));
    const stalled = buckets.filter((b) => b.replies === 0).length;
    expect(stalled).toBeGreaterThan(0);
    expect(latency.data[1]!.filter((v) => v === null)).toHaveLength(stalled);
    const note = await loaded.page.textContent('#chart-latency .notes');
    expect(note).toContain(`no reply completed in ${stalled} of ${buckets.length}`);
    expect(note).toContain('not measurable');

    // Percentile distribution: ends at the exact maximum after `count` values.
    const distribution = chart(loaded, 'distribution');
    const xs = distribution.data[0]!.filter((x): x is number => x != null);
    expect(Math.max(...xs)).toBe(doc.histograms.replyTime.count);
    const replyLine = distribution.data[distribution.labels.indexOf('reply time') + 1]!;
    expect(replyLine.at(-1) ?? replyLine.findLast((v) => v != null)).toBe(doc.histograms.replyTime.max / 1000);

    // Errors by kind: the resets the fixture's server caused, counted bucket by bucket.
    const errors = chart(loaded, 'errors');
    const resets = errors.data[errors.labels.indexOf('connection reset') + 1]!;
    const counted = resets.reduce<number>((sum, v, i) => sum + (v ?? 0) * ((buckets[i]!.to - buckets[i]!.from) / 1000), 0);
    expect(Math.round(counted)).toBe(doc.counters.errors.connReset);
    expect(errors.labels).toContain('5xx replies');

    // Generator: one CPU value per bucket.
    expect(chart(loaded, 'generator').data[1]).toHaveLength(buckets.length);

    const ink = await inkPerChart(loaded.page);
    for (const id of Object.keys(ink)) expect(ink[id], id).toBeGreaterThan(500);
    expect(await loaded.page.textContent('.figures')).toContain(`${doc.counters.sessionsCreated} / ${doc.counters.sessionsSucceeded} / ${doc.counters.sessionsFailed}`);
  }, 60_000);

  it('a comparison overlays the runs with a legend entry per run and keeps each run’s values at its own x', async () => {
    const [a, b] = [await fixture('baseline'), await fixture('degraded')];
    const loaded = await open(await renderToFile('compare.html', [a, b], ['baseline', 'degraded']), 'html-compare.png');
    expect(loaded.errors).toEqual([]);
    expect(loaded.requests).toEqual([]);
    const latency = chart(loaded, 'latency');
    expect(latency.labels).toEqual(['baseline: p50', 'baseline: p90', 'baseline: p99', 'baseline: max', 'degraded: p50', 'degraded: p90', 'degraded: p99', 'degraded: max']);
    const x = latency.data[0]!;
    const xsOf = (doc: ResultsDocument): number[] => doc.fineTimeline!.buckets.map((bucket) => Math.round(bucket.to - Date.parse(doc.startedAt)) / 1000);
    expect(x).toEqual([...new Set([...xsOf(a), ...xsOf(b)])].sort((p, q) => p - q));
    for (const [run, doc] of [[0, a], [1, b]] as const) {
      const values = latency.data[1 + run * 4]!;
      doc.fineTimeline!.buckets.forEach((bucket, i) => {
        const at = x.indexOf(xsOf(doc)[i]!);
        expect(values[at] ?? null).toBe(bucket.replyTime.count > 0 ? bucket.replyTime.p50 / 1000 : null);
      });
    }
    const legend = await loaded.page.$$eval('#chart-distribution .u-legend .u-label', (els) => els.map((e) => e.textContent));
    expect(legend).toEqual(expect.arrayContaining(['baseline: reply time', 'degraded: reply time']));
    expect(await loaded.page.$$eval('.figures table:first-child tr.head th', (els) => els.map((e) => e.textContent))).toEqual(['Run', 'baseline', 'degraded']);
  }, 60_000);

  it('a schema 1.0 document still renders, and says which charts it cannot have', async () => {
    const doc = await readResultsFile(join(ROOT, 'test/fixtures/gate/healthy.json'));
    const loaded = await open(await renderToFile('v1.html', [doc], ['healthy']));
    expect(loaded.errors).toEqual([]);
    expect(chart(loaded, 'latency').data).toEqual([]);
    expect(await loaded.page.textContent('#chart-latency')).toContain('has no fine timeline');
    expect(chart(loaded, 'request-rate').data[0]).toEqual(doc.timeline.map((s) => s.t));
  }, 60_000);

  it('loadgen report A.json B.json --html and a replay with --html write pages that load cleanly', async () => {
    const page = join(dir, 'cli-compare.html');
    const report = await run(['report', join(ROOT, 'test/fixtures/html/baseline.json'), join(ROOT, 'test/fixtures/html/workers.json'), '--html', page, '-q']);
    expect(report.code).toBe(0);
    const compared = await open(page);
    expect(compared.errors).toEqual([]);
    expect(chart(compared, 'latency').labels[0]).toBe('baseline: p50');
    expect(chart(compared, 'latency').labels[4]).toBe('workers: p50');

    const server = http.createServer((req, res) => {
      req.resume();
      setTimeout(() => res.end('ok\n'), 2);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const sessions = join(dir, 'sessions.txt');
      await writeFile(sessions, '/a\n/b think=0.1\n');
      const replayPage = join(dir, 'replay.html');
      const json = join(dir, 'replay.json');
      const replay = await run(['--server', '127.0.0.1', '--port', String((server.address() as AddressInfo).port), `--wsesslog=12,0,${sessions}`, '--rate', '20', '--timeout', '5', '--json', json, '--html', replayPage]);
      expect(replay.code).toBe(0);
      const doc = JSON.parse(await readFile(json, 'utf8')) as ResultsDocument;
      const loaded = await open(replayPage);
      expect(loaded.errors).toEqual([]);
      const latency = chart(loaded, 'latency');
      expect(latency.data[0]).toHaveLength(doc.fineTimeline!.buckets.length);
      expect(doc.fineTimeline!.buckets.reduce((n, bucket) => n + bucket.replies, 0)).toBe(24);
    } finally {
      server.close();
    }
  }, 60_000);
});

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => done({ code, stderr }));
  });
}
