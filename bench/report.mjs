#!/usr/bin/env node
/**
 * report: turn one `npm run bench` run directory (trials.tsv + meta.tsv, written by
 * bench/wsesslog.sh) into a Markdown section for bench/RESULTS.md, printed on stdout.
 *
 *   node bench/report.mjs bench/runs/<stamp>
 *
 * Figures: medians over the confirmation runs at the rate the search found; ratios are
 * loadgen / httperf (above 1 means loadgen did more). Nothing is averaged across runs of
 * different rates.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** nginx at or above this CPU % means the server, not the generator, was the limit. */
const SERVER_BOUND_PCT = 90;
/** A generator at or above this CPU % was using all of its core. */
const GENERATOR_BOUND_PCT = 90;

/** Rows of a tab-separated file with a header line, as objects keyed by the header. */
function readTsv(path) {
  const [header, ...lines] = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  const keys = header.split('\t');
  return lines.map((line) => {
    const cells = line.split('\t');
    return Object.fromEntries(keys.map((k, i) => [k, cells[i] ?? '']));
  });
}

/** meta.tsv as a key -> value map. */
function readMeta(path) {
  const meta = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) meta[line.slice(0, tab)] = line.slice(tab + 1);
  }
  return meta;
}

/** Median of finite numbers; NaN for none. */
function median(values) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Number formatting for tables: thousands separators, a dash for "not measured". */
function fmt(value, digits = 0) {
  if (!Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "a / b" as a ratio with two decimals, or a dash when either side is missing. */
function ratio(a, b) {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '–';
}

/** A loadgen results document, or undefined when the trial left none (killed, or not loadgen). */
function readLoadgenDoc(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

const num = (row, key) => (row[key] === 'NA' || row[key] === '' ? NaN : Number(row[key]));

/** Per-tool summary of the confirmation runs at the rate found by the search. */
function summarize(tool, trials, meta) {
  const found = Number(meta[`found_${tool}`] ?? 0);
  const retried = new Set(trials.filter((t) => t.note.startsWith('retry of ')).map((t) => t.note.slice(9)));
  const search = trials.filter((t) => t.tool === tool && t.phase === 'search');
  const firstBad = search.find((t) => t.holds !== '1' && !retried.has(t.trial.slice(0, 3)) && Number(t.target_rate) > found);
  const runs = trials.filter((t) => t.tool === tool && t.phase === 'confirm');
  const m = (key) => median(runs.map((r) => num(r, key)));
  const perCpu = median(runs.map((r) => num(r, 'replies_s') / (num(r, 'gen_cpu_pct') / 100)));
  const sessPerCpu = median(runs.map((r) => num(r, 'achieved_s') / (num(r, 'gen_cpu_pct') / 100)));
  return {
    tool,
    found,
    atCap: found > 0 && found >= Number(meta.max_rate),
    firstBad,
    runs,
    held: runs.filter((r) => r.holds === '1').length,
    achieved: m('achieved_s'),
    replies: m('replies_s'),
    genCpu: m('gen_cpu_pct'),
    nginxCpu: m('nginx_cpu_pct'),
    perCpu,
    sessPerCpu,
    lifetime: m('min_lifetime_ms'),
    others: m('foreign_cpu_pct'),
  };
}

/** What limited a tool, in words, from the medians of its confirmation runs. */
function limitOf(s, foreignMax) {
  if (s.found === 0) return 'did not hold even the lowest rate tried';
  if (s.others > foreignMax) return `other processes on the shared box (${fmt(s.others)}% of a core meanwhile): see the note`;
  if (s.atCap) return `held the search cap (${fmt(s.found)}/s): its limit is higher`;
  if (s.nginxCpu >= SERVER_BOUND_PCT) return `**server**: nginx at ${fmt(s.nginxCpu)}%, so the generator's own ceiling is higher`;
  if (s.genCpu >= GENERATOR_BOUND_PCT) {
    return s.tool === 'httperf'
      ? 'generator (httperf polls, so its CPU reads ~100% at any rate)'
      : `generator: CPU ${fmt(s.genCpu)}% of its core`;
  }
  return `neither core full (generator ${fmt(s.genCpu)}%, nginx ${fmt(s.nginxCpu)}%): see the failed trials`;
}

/** Why a trial did not hold, in a few words. */
function failureOf(t) {
  const reasons = [];
  if (t.exit !== '0') reasons.push(`exit ${t.exit}`);
  if (Number(t.errors) !== 0) reasons.push(`${t.errors} errors`);
  if (t.ok !== t.sessions) reasons.push(`${t.ok}/${t.sessions} sessions ok`);
  if (Number(t.achieved_s) < (Number(t.target_rate) * 98) / 100) reasons.push(`achieved ${t.achieved_s}/s`);
  return reasons.join(', ') || 'below the hold threshold';
}

function main() {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node bench/report.mjs RUN_DIR\n');
    process.exit(2);
  }
  const meta = readMeta(join(dir, 'meta.tsv'));
  const trials = readTsv(join(dir, 'trials.tsv'));
  const h = summarize('httperf', trials, meta);
  const l = summarize('loadgen', trials, meta);
  const out = [];
  const p = (line = '') => out.push(line);

  p(`## Replay benchmark: loadgen vs httperf (\`npm run bench\`, ${meta.date})`);
  p();
  p(`Machine: ${meta.nproc} CPUs (${meta.cpu}), Linux ${meta.kernel}, node ${meta.node}, ${meta.httperf}, ` +
    `nginx ${meta.nginx}, undici ${meta.undici}, loadgen ${meta.loadgen}. Run \`${meta.stamp}\` ` +
    `(raw output in \`${meta.run_dir}/\`), ${fmt(Number(meta.elapsed_s) / 60, 1)} min.`);
  p();
  p(`Setup: one nginx worker pinned to CPU ${meta.srv_cpu}; each generator pinned to CPU ${meta.gen_cpu} ` +
    `(\`taskset\`), so each side has one core. Same nginx, same session file \`${meta.session_file}\` ` +
    `(think 0, one connection per session), --timeout=5. A trial at rate R replays ${meta.trial_seconds} × R sessions ` +
    `and **holds** when every session succeeded, there were no errors and sessions/s over the arrival window ` +
    `(successful sessions ÷ (test-duration − shortest session)) ≥ ${meta.hold_pct}% of R. Search per tool, ` +
    `the two tools alternating trial by trial: from ${meta.start_rate}/s double while it holds, then bisect to within ` +
    `${meta.precision_pct}%; then ${h.runs.length || l.runs.length} confirmation runs at the rate found (medians below).`);
  p();
  p('### Summary');
  p();
  p('| | httperf | loadgen | loadgen / httperf |');
  p('|---|---|---|---|');
  p(`| highest sustained rate (search), sessions/s | **${fmt(h.found)}** | **${fmt(l.found)}** | **${ratio(l.found, h.found)}** |`);
  p(`| first rate that failed | ${h.firstBad ? `${fmt(Number(h.firstBad.target_rate))} (${failureOf(h.firstBad)})` : '–'} | ${l.firstBad ? `${fmt(Number(l.firstBad.target_rate))} (${failureOf(l.firstBad)})` : '–'} | |`);
  p(`| confirmation runs that held | ${h.held} of ${h.runs.length} | ${l.held} of ${l.runs.length} | |`);
  p(`| sessions/s achieved (median) | ${fmt(h.achieved, 1)} | ${fmt(l.achieved, 1)} | ${ratio(l.achieved, h.achieved)} |`);
  p(`| replies/s (median) | ${fmt(h.replies)} | ${fmt(l.replies)} | ${ratio(l.replies, h.replies)} |`);
  p(`| generator CPU % of one core (median) | ${fmt(h.genCpu)} | ${fmt(l.genCpu)} | |`);
  p(`| **replies per generator CPU-second** (median) | ${fmt(h.perCpu)} | ${fmt(l.perCpu)} | **${ratio(l.perCpu, h.perCpu)}** |`);
  p(`| nginx worker CPU % (median) | ${fmt(h.nginxCpu)} | ${fmt(l.nginxCpu)} | |`);
  p(`| shortest session, ms (median) | ${fmt(h.lifetime, 1)} | ${fmt(l.lifetime, 1)} | |`);
  p(`| other processes' CPU % meanwhile (median) | ${fmt(h.others)} | ${fmt(l.others)} | |`);
  p(`| limit | ${limitOf(h, Number(meta.foreign_max))} | ${limitOf(l, Number(meta.foreign_max))} | |`);
  p();
  p('- Generator CPU: httperf\'s own "CPU time" line; loadgen\'s results file ' +
    '(`generator.cpuUserSeconds + cpuSystemSeconds`) ÷ `duration`. httperf `--hog` busy-polls, so its figure ' +
    'is ~100% whatever the load; replies per CPU-second at its highest rate is therefore its real per-core cost.');
  p(`- nginx CPU: the worker's utime+stime (\`/proc/PID/stat\`) over the trial ÷ test-duration. At ≥ ${SERVER_BOUND_PCT}% the server, not the generator, limited the rate.`);
  const noisy = [h, l].filter((s) => s.others > Number(meta.foreign_max));
  if (noisy.length > 0) {
    p(`- **Noisy run:** other processes on this shared box used ${noisy.map((s) => `${fmt(s.others)}% of a core during ${s.tool}'s confirmation runs`).join(' and ')} ` +
      '(median). Each generator got only part of its core, so the rates above are below the tools\' limits. ' +
      'loadgen\'s replies per CPU-second is the figure least affected; httperf busy-polls, so its per-CPU figure means something only at its true top rate.');
  }
  const serverBound = [h, l].filter((s) => s.found > 0 && s.nginxCpu >= SERVER_BOUND_PCT);
  if (serverBound.length > 0) {
    p(`- **Note:** nginx was near 100% for ${serverBound.map((s) => s.tool).join(' and ')}: that figure is the server's limit on this box, not the generator's.`);
  }
  p();

  // Start lag.
  const lagRates = [...new Set(trials.filter((t) => t.phase === 'lag').map((t) => Number(t.target_rate)))];
  if (lagRates.length > 0) {
    p('### loadgen start lag (actual − scheduled session start)');
    p();
    p('Each figure is the median over the runs at that rate; p50 and max come from each run\'s results document ' +
      '(`raw/<trial>.json`), event-loop delay p99 likewise. Start lag depends on what else the box runs: see the load average above.');
    p();
    p('| rate, sessions/s | runs | start-lag p99, ms (each run) | p50, ms | **p99, ms** | max, ms | event-loop delay p99, ms | held | generator CPU % |');
    p('|---|---|---|---|---|---|---|---|---|');
    for (const rate of lagRates) {
      const runs = trials.filter((t) => t.phase === 'lag' && Number(t.target_rate) === rate);
      const lags = runs.map((r) => num(r, 'start_lag_p99_ms'));
      const docs = runs.map((r) => readLoadgenDoc(join(dir, 'raw', `${r.trial}.json`)));
      const fromDocs = (pick) => median(docs.map((d) => (d ? pick(d) : NaN)));
      p(`| ${fmt(rate)} | ${runs.length} | ${lags.map((v) => fmt(v, 2)).join(', ')} | ` +
        `${fmt(fromDocs((d) => d.histograms.startLag.p50 / 1000), 2)} | **${fmt(median(lags), 2)}** | ` +
        `${fmt(fromDocs((d) => d.histograms.startLag.max / 1000), 2)} | ${fmt(fromDocs((d) => d.generator.eventLoopDelayP99Ms), 2)} | ` +
        `${runs.filter((r) => r.holds === '1').length} of ${runs.length} | ${fmt(median(runs.map((r) => num(r, 'gen_cpu_pct'))))} |`);
    }
    p();
  }

  // undici ceiling.
  const undici = trials.filter((t) => t.phase === 'undici');
  if (undici.length > 0) {
    const uS = median(undici.map((r) => num(r, 'achieved_s')));
    const uR = median(undici.map((r) => num(r, 'replies_s')));
    const uCpu = median(undici.map((r) => num(r, 'gen_cpu_pct')));
    const uPerCpu = median(undici.map((r) => num(r, 'achieved_s') / (num(r, 'gen_cpu_pct') / 100)));
    p(`### Transport evidence: plain undici replay of the same sessions`);
    p();
    p(`\`bench/undici-ceiling.mjs\`: undici ${meta.undici} \`Client\` + \`dispatch\`, a new Client (\`pipelining: 32\`) per session, ` +
      `each burst's tail pipelined after its first reply, closed loop with ${meta.undici_concurrency} sessions in flight, ` +
      `think 0, ${meta.undici_seconds} s measured after a 1 s warm-up, pinned to CPU ${meta.gen_cpu}.`);
    p();
    p('| | sessions/s | replies/s | CPU % of one core | sessions per CPU-second |');
    p('|---|---|---|---|---|');
    undici.forEach((r, i) => p(`| undici run ${i + 1} | ${fmt(num(r, 'achieved_s'), 1)} | ${fmt(num(r, 'replies_s'))} | ${fmt(num(r, 'gen_cpu_pct'))} | ${fmt(num(r, 'achieved_s') / (num(r, 'gen_cpu_pct') / 100))} |`));
    p(`| **undici (median)** | **${fmt(uS, 1)}** | ${fmt(uR)} | ${fmt(uCpu)} | **${fmt(uPerCpu)}** |`);
    p(`| loadgen at ${fmt(l.found)}/s (median) | ${fmt(l.achieved, 1)} | ${fmt(l.replies)} | ${fmt(l.genCpu)} | ${fmt(l.sessPerCpu)} |`);
    p(`| httperf at ${fmt(h.found)}/s (median) | ${fmt(h.achieved, 1)} | ${fmt(h.replies)} | ${fmt(h.genCpu)} | ${fmt(h.sessPerCpu)} |`);
    p();
    p(`loadgen / undici: ${ratio(l.found, uS)} the sessions/s (loadgen's sustained rate vs undici's closed-loop ceiling), ` +
      `${ratio(l.sessPerCpu, uPerCpu)} the sessions per CPU-second.`);
    p();
  }

  // Every trial.
  p('### Trials (in the order run)');
  p();
  p('Phases: `search` (rate search), `confirm` (the found rate again), `lag` (loadgen start lag), `undici` (ceiling). ' +
    '"others %" is CPU used meanwhile by processes outside the bench (the box is shared); a failed trial with others above ' +
    `${meta.foreign_max}% was run again ("retry"). "TW" is loopback TIME-WAIT sockets at the start.`);
  p();
  p('| # | phase | tool | target/s | sessions ok | errors | achieved/s | replies/s | gen CPU % | nginx CPU % | start-lag p99 ms | max conc | others % | TW | holds |');
  p('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const t of trials) {
    const holds = t.holds === '1' ? 'yes' : 'no';
    const note = t.note ? ` (${t.note})` : '';
    p(`| ${t.trial.slice(0, 3)} | ${t.phase} | ${t.tool} | ${t.phase === 'undici' ? 'closed loop' : fmt(Number(t.target_rate))} | ` +
      `${t.ok}/${t.sessions} | ${t.errors} | ${fmt(num(t, 'achieved_s'), 1)} | ${fmt(num(t, 'replies_s'))} | ${fmt(num(t, 'gen_cpu_pct'))} | ` +
      `${fmt(num(t, 'nginx_cpu_pct'))} | ${fmt(num(t, 'start_lag_p99_ms'), 2)} | ${t.max_conc} | ${t.foreign_cpu_pct} | ${t.timewait_before} | ${holds}${note} |`);
  }
  p();

  // Commands.
  p('### Exact commands');
  p();
  p(`From the repository root, against nginx on 127.0.0.1:${meta.port} (config in \`${meta.run_dir}/nginx/nginx.conf\`, ` +
    `docroot from \`node tools/make-site.mjs ${meta.session_file} DOCROOT\`). Whole bench: \`npm run bench\`.`);
  p();
  p('```');
  const shown = new Set();
  const pick = (pred) => trials.find(pred);
  for (const t of [
    pick((x) => x.phase === 'confirm' && x.tool === 'httperf'),
    pick((x) => x.phase === 'confirm' && x.tool === 'loadgen'),
    ...lagRates.map((r) => pick((x) => x.phase === 'lag' && Number(x.target_rate) === r)),
    pick((x) => x.phase === 'undici'),
  ]) {
    if (t && !shown.has(t.command)) {
      shown.add(t.command);
      p(t.command);
    }
  }
  p('```');
  p();
  process.stdout.write(`${out.join('\n')}\n`);
}

main();
