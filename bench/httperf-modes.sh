#!/usr/bin/env bash
# bench/httperf-modes.sh — `npm run bench:modes`: loadgen in httperf's connection mode against
# wrk, autocannon and httperf 0.9.0, each generator pinned to one core ($GEN_CPU), one nginx
# worker on another ($SRV_CPU), all in the same run so the ratios share the machine's state.
#
#   npm run bench:modes                          # build, then this script (~15-20 min)
#   BENCH_QUICK=1 bash bench/httperf-modes.sh    # smoke run (~1 min): small counts, short runs
#
# Phases:
#   1. keep-alive throughput, equal connections and pipelining: 50 connections, bursts of 10
#      pipelined calls:
#        loadgen/httperf  --uri /1k.html --num-conns 50 --num-calls $CALLS --burst-length 10
#                         --rate 5000 (the rate only makes the 50 connections start at once;
#                         without it httperf's meaning is one connection at a time)
#        autocannon       -c 50 -p 10 -d $SECONDS_PER_RUN
#        wrk              -t1 -c50 -d $SECONDS_PER_RUN (wrk does not pipeline)
#      figure: replies/s (loadgen/httperf: replies / test-duration of their report).
#   2. latency floor, one connection, calls back to back: loadgen --num-conns 1 --num-calls
#      $FLOOR_CALLS (response-time and reply-time p50 from --json) vs wrk -t1 -c1 --latency (p50).
#   3. The Book of Xen's first command, `--uri /index.html --num-conns R*T --rate R` (one call per
#      connection): the highest R each of loadgen and httperf sustains (every reply in, no error,
#      connection rate over the test-duration >= $HOLD_PCT % of R), doubling from $START_RATE
#      (halving first if it fails), then bisecting to $PRECISION_PCT %. BENCH_QUICK's 1-s trials
#      are too short for this criterion to mean much: the smoke run only checks the script works.
# Output in bench/runs/modes-<stamp>/ (raw/ holds every tool's output); a Markdown section with
# the figures and their ratios is printed on stdout at the end. Progress goes to stderr.
#
# Knobs (environment): GEN_CPU=0 SRV_CPU=1 CALLS=100000 SECONDS_PER_RUN=20 RUNS=3
# FLOOR_CALLS=20000 START_RATE=500 MAX_RATE=16000 TRIAL_SECONDS=4 HOLD_PCT=98 PRECISION_PCT=5
set -euo pipefail

# shellcheck source=bench/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

if [ -n "${BENCH_QUICK:-}" ]; then
  : "${CALLS:=400}" "${SECONDS_PER_RUN:=2}" "${RUNS:=1}" "${FLOOR_CALLS:=2000}" "${MAX_RATE:=1000}" "${TRIAL_SECONDS:=1}"
fi
GEN_CPU="${GEN_CPU:-0}"
SRV_CPU="${SRV_CPU:-1}"
CALLS="${CALLS:-100000}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-20}"
RUNS="${RUNS:-3}"
FLOOR_CALLS="${FLOOR_CALLS:-20000}"
START_RATE="${START_RATE:-500}"
MAX_RATE="${MAX_RATE:-16000}"
TRIAL_SECONDS="${TRIAL_SECONDS:-4}"
HOLD_PCT="${HOLD_PCT:-98}"
PRECISION_PCT="${PRECISION_PCT:-5}"

for tool_pkg in nginx:nginx httperf:httperf wrk:wrk taskset:util-linux ss:iproute2 timeout:coreutils; do
  require_tool "${tool_pkg%%:*}" "${tool_pkg#*:}"
done
[ -x node_modules/.bin/autocannon ] || die "autocannon missing: run npm install (it is a devDependency)"
[ -f dist/cli.js ] || die "dist/ missing: run npm run build"

STAMP="$(date +%Y%m%d-%H%M%S)"
OUT="$ROOT/bench/runs/modes-$STAMP"
RAW="$OUT/raw"
mkdir -p "$RAW" "$OUT/site"
head -c 1024 /dev/zero | tr '\0' 'x' >"$OUT/site/1k.html"
printf '<html>index</html>\n' >"$OUT/site/index.html"
nginx_start "$OUT/nginx" "$OUT/site" "$SRV_CPU"
trap 'nginx_stop "$OUT/nginx"' EXIT
PORT="$NGINX_PORT"
URL="http://127.0.0.1:$PORT"
log "nginx worker $NGINX_WORKER_PID on 127.0.0.1:$PORT (CPU $SRV_CPU); generators on CPU $GEN_CPU; output in $OUT"

# gen TAG CMD...: run CMD pinned to the generator core, output in raw/TAG.txt (bounded in time).
gen() {
  local tag="$1"
  shift
  timeout -s INT -k 5 900 taskset -c "$GEN_CPU" "$@" >"$RAW/$tag.txt" 2>&1 || log "$tag exited $?"
  echo "$*" >"$RAW/$tag.cmd"
}

# Replies per second of an httperf-style report: replies / test-duration.
report_rate() { awk '/^Total:/ { for (i = 1; i <= NF; i++) { if ($i == "replies") r = $(i + 1); if ($i == "test-duration") d = $(i + 1) } } END { if (d > 0) printf "%.0f", r / d; else print "nan" }' "$1"; }
wrk_rate() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1"; }
wrk_p50_us() { awk '$1 == "50%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); print v } else if (v ~ /ms$/) { sub(/ms$/, "", v); print v * 1000 } else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1e6 } }' "$1"; }
autocannon_rate() { node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").split("\n").find((l) => l.startsWith("{"))); console.log(Math.round(r.requests.total / (r.duration || 1)))' "$1"; }

# --- 1. keep-alive throughput -------------------------------------------------------------------
declare -A RATE
for tool in loadgen httperf autocannon wrk; do RATE[$tool]=""; done
for ((run = 1; run <= RUNS; run++)); do
  for tool in loadgen httperf autocannon wrk; do
    tag="keepalive-$tool-$run"
    case "$tool" in
      loadgen) gen "$tag" node bin/loadgen.js --server 127.0.0.1 --port "$PORT" --uri /1k.html --num-conns 50 --num-calls "$CALLS" --burst-length 10 --rate 5000 -q ;;
      httperf) gen "$tag" httperf --server 127.0.0.1 --port "$PORT" --uri /1k.html --num-conns 50 --num-calls "$CALLS" --burst-length 10 --rate 5000 ;;
      autocannon) gen "$tag" node node_modules/.bin/autocannon -c 50 -p 10 -d "$SECONDS_PER_RUN" --json "$URL/1k.html" ;;
      wrk) gen "$tag" wrk -t1 -c50 -d "${SECONDS_PER_RUN}s" "$URL/1k.html" ;;
    esac
    case "$tool" in
      loadgen | httperf) r="$(report_rate "$RAW/$tag.txt")" ;;
      autocannon) r="$(autocannon_rate "$RAW/$tag.txt")" ;;
      wrk) r="$(wrk_rate "$RAW/$tag.txt")" ;;
    esac
    RATE[$tool]="${RATE[$tool]} $r"
    log "keep-alive run $run $tool: $r replies/s"
  done
done
declare -A MED
for tool in loadgen httperf autocannon wrk; do
  # shellcheck disable=SC2086
  MED[$tool]="$(median ${RATE[$tool]})"
done

# --- 2. latency floor ---------------------------------------------------------------------------
gen floor-loadgen node bin/loadgen.js --server 127.0.0.1 --port "$PORT" --uri /1k.html --num-conns 1 --num-calls "$FLOOR_CALLS" -q --json "$RAW/floor-loadgen.json"
gen floor-wrk wrk -t1 -c1 -d "${SECONDS_PER_RUN}s" --latency "$URL/1k.html"
read -r LG_RESP_P50 LG_REPLY_P50 < <(node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(d.histograms.responseTime.p50, d.histograms.replyTime.p50)' "$RAW/floor-loadgen.json")
WRK_P50="$(wrk_p50_us "$RAW/floor-wrk.txt")"
log "latency floor p50: loadgen response ${LG_RESP_P50} us, reply ${LG_REPLY_P50} us; wrk ${WRK_P50} us"

# --- 3. Book of Xen: highest sustained --rate of one-call connections ---------------------------
# trial TOOL RATE: 0 when the rate held (every reply in, no error, conn rate >= HOLD_PCT % of R).
trial() {
  local tool="$1" rate="$2" n tag conn_rate replies errors
  n=$((rate * TRIAL_SECONDS))
  tag="xen-$tool-$rate"
  wait_timewait_below 20000 >/dev/null
  if [ "$tool" = loadgen ]; then
    gen "$tag" node bin/loadgen.js --server 127.0.0.1 --port "$PORT" --uri /index.html --num-conns "$n" --rate "$rate" --timeout 5 -q
  else
    gen "$tag" httperf --server 127.0.0.1 --port "$PORT" --uri /index.html --num-conns "$n" --rate "$rate" --timeout 5
  fi
  conn_rate="$(awk '/^Connection rate:/ { print $3 }' "$RAW/$tag.txt")"
  replies="$(awk '/^Total:/ { for (i = 1; i <= NF; i++) if ($i == "replies") print $(i + 1) }' "$RAW/$tag.txt")"
  errors="$(awk '/^Errors: total/ { print $3 }' "$RAW/$tag.txt")"
  log "xen $tool rate $rate: replies ${replies:-?}/$n errors ${errors:-?} conn rate ${conn_rate:-?}"
  [ "${replies:-0}" = "$n" ] && [ "${errors:-1}" = 0 ] && awk -v c="${conn_rate:-0}" -v r="$rate" -v p="$HOLD_PCT" 'BEGIN { exit !(c >= r * p / 100) }'
}

# highest TOOL: doubling from START_RATE while it holds, then bisection; prints the rate held.
highest() {
  local tool="$1" lo=0 hi rate="$START_RATE"
  while [ "$rate" -le "$MAX_RATE" ] && trial "$tool" "$rate"; do
    lo="$rate"
    rate=$((rate * 2))
  done
  # START_RATE already failed: halve until a rate holds (down to 25/s).
  while [ "$lo" -eq 0 ] && [ "$rate" -gt 25 ]; do
    rate=$((rate / 2))
    if trial "$tool" "$rate"; then lo="$rate"; rate=$((rate * 2)); fi
  done
  if [ "$rate" -gt "$MAX_RATE" ] && [ "$lo" -gt 0 ]; then
    log "xen $tool held every rate up to the cap: raise MAX_RATE (now $MAX_RATE) to find its limit"
    echo "$lo"
    return
  fi
  hi="$rate"
  while [ "$lo" -gt 0 ] && [ $(((hi - lo) * 100)) -gt $((lo * PRECISION_PCT)) ]; do
    rate=$(((lo + hi) / 2))
    if trial "$tool" "$rate"; then lo="$rate"; else hi="$rate"; fi
  done
  echo "$lo"
}
XEN_LOADGEN="$(highest loadgen)"
XEN_HTTPERF="$(highest httperf)"

ratio() { calc_fmt '%.2f' "($2 > 0) ? $1 / $2 : 0"; }
{
  echo "### httperf connection mode: loadgen vs wrk, autocannon, httperf ($STAMP)"
  echo
  echo "One core per generator (taskset -c $GEN_CPU), one nginx worker on CPU $SRV_CPU; medians of $RUNS runs."
  echo
  echo "| keep-alive, 50 connections, 10 pipelined calls | replies/s | loadgen / tool |"
  echo "|---|---:|---:|"
  for tool in loadgen wrk autocannon httperf; do echo "| $tool | ${MED[$tool]} | $(ratio "${MED[loadgen]}" "${MED[$tool]}") |"; done
  echo
  echo "Latency floor (1 connection, back to back, /1k.html): loadgen response-time p50 ${LG_RESP_P50} µs (reply-time p50 ${LG_REPLY_P50} µs), wrk -t1 -c1 p50 ${WRK_P50} µs: loadgen − wrk = $(calc "$LG_RESP_P50 - ${WRK_P50:-0}") µs."
  echo
  echo "Book of Xen's first command (one call per connection), highest --rate held (search capped at MAX_RATE=$MAX_RATE/s): loadgen $XEN_LOADGEN/s, httperf $XEN_HTTPERF/s, ratio $(ratio "$XEN_LOADGEN" "$XEN_HTTPERF")."
  echo
  echo "Commands: see $OUT/raw/*.cmd."
} | tee "$OUT/RESULTS-section.md"
