#!/usr/bin/env node
/**
 * trial-stats: read what one benchmark trial left behind and print the few figures the bench
 * needs, as one line of space-separated values, in this order:
 *
 *   ok total duration_s min_lifetime_ms replies_2xx replies errors cpu_user_s cpu_system_s start_lag_p99_ms max_conc
 *
 *   node bench/trial-stats.mjs httperf STDOUT_FILE    httperf's printed report
 *   node bench/trial-stats.mjs loadgen JSON_FILE      loadgen's --json results document
 *
 * ok/total are successful/created sessions; errors is the total of the error counters;
 * start_lag_p99_ms is "NA" for httperf (it does not measure it). When the file is missing or
 * incomplete (the tool was killed before it reported) it prints "0 0 0 0 0 0 NA 0 0 NA 0", so the
 * trial counts as failed rather than the bench stopping.
 */
import { readFileSync } from 'node:fs';

const MISSING = '0 0 0 0 0 0 NA 0 0 NA 0';

/** Figures from httperf 0.9.0's report; undefined when a needed line is absent. */
function fromHttperf(text) {
  const match = (re) => text.match(re);
  const total = match(/^Total: connections \d+ requests \d+ replies (\d+) test-duration ([\d.]+) s/m);
  const conn = match(/^Connection time \[ms\]: min ([\d.]+)/m);
  const status = match(/^Reply status: 1xx=\d+ 2xx=(\d+)/m);
  const cpu = match(/^CPU time \[s\]: user ([\d.]+) system ([\d.]+)/m);
  const errors = match(/^Errors: total (\d+)/m);
  const sessions = match(/^Session rate \[sess\/s\]: .*\((\d+)\/(\d+)\)/m);
  const conc = match(/<=(\d+) concurrent connections/);
  if (!total || !conn || !status || !cpu || !errors || !sessions) return undefined;
  return [sessions[1], sessions[2], total[2], conn[1], status[1], total[1], errors[1], cpu[1], cpu[2], 'NA', conc ? conc[1] : 0];
}

/** Figures from a loadgen results document (src/results/schema.ts). */
function fromLoadgen(text) {
  const doc = JSON.parse(text);
  const c = doc.counters;
  const errors = Object.values(c.errors).reduce((sum, n) => sum + n, 0);
  const ms = (us) => (us / 1000).toFixed(3);
  return [
    c.sessionsSucceeded,
    c.sessionsCreated,
    doc.duration.toFixed(3),
    ms(doc.histograms.sessionLifetime.min),
    c.status[1],
    c.replies,
    errors,
    doc.generator.cpuUserSeconds.toFixed(3),
    doc.generator.cpuSystemSeconds.toFixed(3),
    ms(doc.histograms.startLag.p99),
    c.maxConcurrentConnections,
  ];
}

const [tool, file] = process.argv.slice(2);
if (!['httperf', 'loadgen'].includes(tool) || !file) {
  process.stderr.write('usage: node bench/trial-stats.mjs httperf|loadgen FILE\n');
  process.exit(2);
}
let fields;
try {
  const text = readFileSync(file, 'utf8');
  fields = tool === 'httperf' ? fromHttperf(text) : fromLoadgen(text);
} catch {
  fields = undefined;
}
process.stdout.write(`${fields ? fields.join(' ') : MISSING}\n`);
