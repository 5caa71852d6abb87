#!/usr/bin/env bash
# Conversion throughput (lines per CPU second) and peak memory of `loadgen convert` (run via
# `npm run bench:convert`, which builds first). Everything comes from the repository: the two real
# logs in test/fixtures/logs (gunzipped here) and 1M- and 2M-line combined logs built from them
# (bench/convert-make-log.mjs). Each log is converted RUNS times pinned to one core (taskset -c
# $CORE); the table gives medians of the CPU time (user+sys, /usr/bin/time -v, else the profile's
# process figures) and lines per CPU second, and the largest peak RSS. A 1-line log measures the
# start-up cost (loading the CLI), which dominates the small real logs: their line also gives the
# rate without it ("net of start-up" = lines / (CPU s - start-up CPU s)), labelled as such.
#
#   bash bench/convert.sh            (env RUNS=N runs per log, default 3; CORE=N, default 1;
#                                     RESULTS=FILE writes the table elsewhere than bench/convert-results.md,
#                                     where it is appended as a dated section)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
CORE=${CORE:-1}
RESULTS=${RESULTS:-bench/convert-results.md}
FIXTURES=test/fixtures/logs
WORK=$(mktemp -d "${TMPDIR:-/tmp}/loadgen-convert-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

[ -f dist/cli.js ] || { echo "convert.sh: dist/ is missing: run npm run build (or npm run bench:convert)" >&2; exit 2; }
PIN=(); command -v taskset >/dev/null && PIN=(taskset -c "$CORE")
TIMEV=(); [ -x /usr/bin/time ] && TIMEV=(/usr/bin/time -v)

gunzip -c "$FIXTURES/nasa-aug95-common.log.gz" > "$WORK/nasa-aug95-common.log"
gunzip -c "$FIXTURES/elastic-apache-combined.log.gz" > "$WORK/elastic-apache-combined.log"
head -n 1 "$WORK/nasa-aug95-common.log" > "$WORK/one-line.log"
node bench/convert-make-log.mjs "$WORK/generated-1m.log" 1000000 >&2
node bench/convert-make-log.mjs "$WORK/generated-2m.log" 2000000 >&2

# One run: prints "lines|bytes|wall|cpu|rssMB|sessions|used".
measure() {
  local log=$1 start end
  start=$(date +%s.%N)
  "${TIMEV[@]}" "${PIN[@]}" node bin/loadgen.js convert "$log" -o "$WORK/sessions.txt" -q --profile-json "$WORK/profile.json" 2> "$WORK/time.txt"
  end=$(date +%s.%N)
  node -e '
    const fs = require("fs");
    const [log, profilePath, timePath, start, end] = process.argv.slice(1);
    const p = JSON.parse(fs.readFileSync(profilePath, "utf8"));
    const time = fs.readFileSync(timePath, "utf8");
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(time);
    const user = /User time \(seconds\): ([\d.]+)/.exec(time);
    const sys = /System time \(seconds\): ([\d.]+)/.exec(time);
    const cpu = user && sys ? Number(user[1]) + Number(sys[1]) : NaN;
    const rssMB = rss ? Number(rss[1]) / 1024 : p.maxRssBytes / 1048576;
    console.log([p.lines.read, fs.statSync(log).size, Number(end) - Number(start), cpu, rssMB, p.sessions.written, p.lines.used].join("|"));
  ' "$log" "$WORK/profile.json" "$WORK/time.txt" "$start" "$end"
}

declare -A RAW
LOGS=(one-line nasa-aug95-common elastic-apache-combined generated-1m generated-2m)
# Runs alternate between the logs, so a burst of load from elsewhere hits every log alike.
for ((run = 1; run <= RUNS; run++)); do
  for name in "${LOGS[@]}"; do
    row=$(measure "$WORK/$name.log")
    echo "convert.sh: run $run $name: $row" >&2
    RAW[$name]+="$row;"
  done
done

TABLE=$(node -e '
  const [runs, ...pairs] = process.argv.slice(1);
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
  const logs = new Map();
  for (let i = 0; i < pairs.length; i += 2) logs.set(pairs[i], pairs[i + 1].split(";").filter(Boolean).map((r) => r.split("|").map(Number)));
  const startup = median(logs.get("one-line").map((r) => r[3]));
  const out = [];
  out.push("| log | lines | MB | CPU s (user+sys), median | lines per CPU s, median | (net of start-up) | wall s, median | peak RSS MB, max | sessions written | lines used |");
  out.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const [name, rows] of logs) {
    const [lines, bytes] = rows[0];
    const cpu = median(rows.map((r) => r[3]));
    const rate = median(rows.map((r) => r[0] / r[3]));
    const net = name === "one-line" ? "" : Math.round(lines / (cpu - startup)).toLocaleString("en-US");
    out.push(`| ${name} | ${lines} | ${(bytes / 1e6).toFixed(1)} | ${cpu.toFixed(2)} (${rows.map((r) => r[3].toFixed(2)).join(" ")}) | ${name === "one-line" ? "" : Math.round(rate).toLocaleString("en-US")} | ${net} | ${median(rows.map((r) => r[2])).toFixed(2)} | ${Math.max(...rows.map((r) => r[4])).toFixed(0)} | ${rows[0][5]} | ${rows[0][6]} |`);
  }
  out.push("");
  out.push(`Start-up (the one-line log): ${startup.toFixed(2)} CPU s, median of ${runs} runs.`);
  console.log(out.join("\n"));
' "$RUNS" $(for name in "${LOGS[@]}"; do printf '%s %s ' "$name" "${RAW[$name]}"; done))

{
  echo
  echo "## bench/convert.sh, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "node $(node --version), $(nproc) cores, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (shared machine)."
  echo "Command per log, $RUNS runs alternating between the logs: \`${PIN[*]} node bin/loadgen.js convert LOG -o sessions.txt -q"
  echo "--profile-json profile.json\` under \`${TIMEV[*]:-(no /usr/bin/time)}\`. Logs: the two real logs of test/fixtures/logs (NASA"
  echo "common, elastic combined), and 1M/2M-line combined logs built from them by \`bench/convert-make-log.mjs\`."
  echo
  echo "$TABLE"
} >> "$RESULTS"
echo "$TABLE"
