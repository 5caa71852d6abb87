#!/usr/bin/env bash
# Conversion throughput and peak memory of `loadgen convert` (run via `npm run bench:convert`,
# which builds first). Builds 1M- and 2M-line combined logs from the real logs in
# ../shared/data/logs (bench/convert-make-log.mjs), converts each on one core (taskset -c 0),
# and writes lines/s, MB/s and peak RSS to bench/convert-results.md. Peak RSS comes from
# /usr/bin/time -v when present, else from the profile's maxRssBytes (process.resourceUsage()).
#
#   bash bench/convert.sh [LOGDIR]        (env RUNS=N repeats each size, default 1; RESULTS=FILE writes
#                                          the table elsewhere than bench/convert-results.md)
set -euo pipefail
cd "$(dirname "$0")/.."
LOGDIR=${1:-${LOGDIR:-../shared/data/logs}}
RUNS=${RUNS:-1}
RESULTS=${RESULTS:-bench/convert-results.md}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/loadgen-convert-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

[ -f dist/cli.js ] || { echo "convert.sh: dist/ is missing: run npm run build (or npm run bench:convert)" >&2; exit 2; }
PIN=(); command -v taskset >/dev/null && PIN=(taskset -c 0)
TIMEV=(); [ -x /usr/bin/time ] && TIMEV=(/usr/bin/time -v)

rows=()
for LINES in 1000000 2000000; do
  LOG="$WORK/access-$LINES.log"
  node bench/convert-make-log.mjs "$LOG" "$LINES" "$LOGDIR" >&2
  for ((run = 1; run <= RUNS; run++)); do
    START=$(date +%s.%N)
    "${TIMEV[@]}" "${PIN[@]}" node bin/loadgen.js convert "$LOG" -o "$WORK/sessions.txt" -q --profile-json "$WORK/profile.json" 2> "$WORK/time.txt"
    END=$(date +%s.%N)
    row=$(node -e '
      const fs = require("fs");
      const [log, profilePath, timePath, start, end] = process.argv.slice(1);
      const p = JSON.parse(fs.readFileSync(profilePath, "utf8"));
      const time = fs.readFileSync(timePath, "utf8");
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(time);
      const rssMB = rss ? Number(rss[1]) / 1024 : p.maxRssBytes / 1048576;
      const seconds = Number(end) - Number(start);
      const user = /User time \(seconds\): ([\d.]+)/.exec(time);
      const sys = /System time \(seconds\): ([\d.]+)/.exec(time);
      const cpu = user && sys ? Number(user[1]) + Number(sys[1]) : NaN;
      const bytes = fs.statSync(log).size;
      const lines = p.lines.read;
      console.log([lines, (bytes / 1e6).toFixed(0), seconds.toFixed(2), Math.round(lines / seconds), (bytes / 1e6 / seconds).toFixed(1), cpu.toFixed(2), Math.round(lines / cpu), rssMB.toFixed(0), p.sessions.written, p.lines.used].join("|"));
    ' "$LOG" "$WORK/profile.json" "$WORK/time.txt" "$START" "$END")
    echo "convert.sh: $row" >&2
    rows+=("$row")
  done
done

{
  echo "# loadgen convert: throughput and peak memory"
  echo
  echo "Recorded $(date -u +%Y-%m-%dT%H:%M:%SZ) with \`bash bench/convert.sh\` (node $(node --version), $(nproc) cores,"
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); the machine is shared, so times are upper bounds)."
  echo "Each log is built by \`bench/convert-make-log.mjs\` from the two real logs (elastic combined + NASA common with"
  echo "\`\"-\" \"-\"\` appended), time-shifted 4 days per round, clients renamed per round. Command per size:"
  echo "\`${PIN[*]} node bin/loadgen.js convert LOG -o sessions.txt -q --profile-json profile.json\` (wall time includes start-up);"
  echo "peak RSS and CPU time from \`/usr/bin/time -v\` when present. On a shared machine the CPU time (lines per CPU"
  echo "second) is the steadier figure: wall time also counts waiting for the core."
  echo
  echo "| lines | MB | wall s | lines/s (wall) | MB/s (wall) | CPU s (user+sys) | lines per CPU s | peak RSS (MB) | sessions written | lines used |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for row in "${rows[@]}"; do echo "| ${row//|/ | } |"; done
} > "$RESULTS"
cat "$RESULTS"
