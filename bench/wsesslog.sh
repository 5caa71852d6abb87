#!/usr/bin/env bash
# bench/wsesslog.sh — `npm run bench`: loadgen and httperf 0.9.0 side by side replaying the same
# wsesslog sessions against the same nginx, each generator pinned to one core.
#
#   npm run bench                    # build, then this script (~10-15 min)
#   BENCH_QUICK=1 bash bench/wsesslog.sh   # smoke run (~1-2 min): low rate cap, one run each
#
# Phases (all trials against one nginx worker pinned to CPU $SRV_CPU; generators on $GEN_CPU):
#   1. search   per tool, alternating trial by trial: a trial at rate R replays N = R x
#               $TRIAL_SECONDS sessions (think 0); it holds when every session succeeded, there
#               were no errors and sessions/s over the arrival window >= $HOLD_PCT % of R.
#               Double from $START_RATE while it holds, then bisect to within $PRECISION_PCT %.
#   2. confirm  the rate found, $CONFIRM_RUNS more times per tool (alternating): medians.
#   3. lag      loadgen at each of $LAG_RATES sessions/s, $LAG_RUNS times: start-lag p50/p99/max
#               beside its CPU and event-loop delay.
#   4. undici   bench/undici-ceiling.mjs, closed loop, $UNDICI_CONCURRENCY sessions in flight,
#               $UNDICI_RUNS times: what a plain undici replay gets from one core.
# Output in bench/runs/<stamp>/: trials.tsv (one line per trial), meta.tsv, raw/ (every tool's
# output), RESULTS-section.md (printed on stdout at the end). Progress goes to stderr.
#
# Knobs (environment): GEN_CPU=0 SRV_CPU=1 START_RATE=500 MAX_RATE=16000 TRIAL_SECONDS=4
# HOLD_PCT=98 PRECISION_PCT=5 CONFIRM_RUNS=3 LAG_RATES="200 500 1000 2000" LAG_RUNS=3 UNDICI_RUNS=3
# UNDICI_SECONDS=5 UNDICI_CONCURRENCY=50 TW_BUDGET=25000 FOREIGN_MAX=25 MAX_RETRIES=1
# QUIET_WAIT_S=10 RETRY_QUIET_WAIT_S=30 SESSION_FILE=sessions/bookofxen.txt NGINX_TCP_NOPUSH=off
# GEN_QUOTA_PCT=0 (e.g. 50: each generator runs in a cgroup limited to 50% of one core, so the
# tools are compared at equal CPU; `npm run bench:equal-cpu` sets it)
set -euo pipefail

# shellcheck source=bench/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

if [ -n "${BENCH_QUICK:-}" ]; then
  : "${MAX_RATE:=1000}" "${TRIAL_SECONDS:=2}" "${CONFIRM_RUNS:=1}" "${LAG_RUNS:=1}"
  : "${UNDICI_RUNS:=1}" "${UNDICI_SECONDS:=2}" "${LAG_RATES:=200}"
fi
SESSION_FILE="${SESSION_FILE:-sessions/bookofxen.txt}"
GEN_CPU="${GEN_CPU:-0}"
SRV_CPU="${SRV_CPU:-1}"
START_RATE="${START_RATE:-500}"
MAX_RATE="${MAX_RATE:-16000}"
TRIAL_SECONDS="${TRIAL_SECONDS:-4}"
HOLD_PCT="${HOLD_PCT:-98}"
PRECISION_PCT="${PRECISION_PCT:-5}"
CONFIRM_RUNS="${CONFIRM_RUNS:-3}"
LAG_RATES="${LAG_RATES:-200 500 1000 2000}"
LAG_RUNS="${LAG_RUNS:-3}"
UNDICI_RUNS="${UNDICI_RUNS:-3}"
UNDICI_SECONDS="${UNDICI_SECONDS:-5}"
UNDICI_CONCURRENCY="${UNDICI_CONCURRENCY:-50}"
# httperf starts only while TIME-WAIT sockets + its own connections stay below this.
TW_BUDGET="${TW_BUDGET:-25000}"
# A failed trial during which other processes used more than this % of a core is run again
# (up to MAX_RETRIES times). Before each trial, wait up to QUIET_WAIT_S s for a quiet second.
FOREIGN_MAX="${FOREIGN_MAX:-25}"
MAX_RETRIES="${MAX_RETRIES:-1}"
QUIET_WAIT_S="${QUIET_WAIT_S:-10}"
RETRY_QUIET_WAIT_S="${RETRY_QUIET_WAIT_S:-30}"
TOOLS=(httperf loadgen)

# ---------------------------------------------------------------------------------------------
# Preconditions: fail early, with a message that says what to do.
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (nginx on one, the generator on the other); nproc says $(nproc)"
[ "$GEN_CPU" != "$SRV_CPU" ] || die "GEN_CPU and SRV_CPU must differ"
[ -r "$SESSION_FILE" ] || die "session file $SESSION_FILE not readable"
[ -f dist/cli.js ] || die "dist/ is missing: run 'npm run build' (npm run bench does it)"
for tool_pkg in nginx:nginx httperf:httperf taskset:util-linux ss:iproute2 timeout:coreutils; do
  require_tool "${tool_pkg%%:*}" "${tool_pkg#*:}"
done
ulimit -n 65536 2>/dev/null || true
GEN_QUOTA_PCT="${GEN_QUOTA_PCT:-0}"
quota_setup "$GEN_QUOTA_PCT"

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RUN_DIR="$BENCH_DIR/runs/$STAMP"
RAW="$RUN_DIR/raw"
NGINX_DIR="$RUN_DIR/nginx"
TRIALS="$RUN_DIR/trials.tsv"
META="$RUN_DIR/meta.tsv"
mkdir -p "$RAW" "$NGINX_DIR"
REL_RUN_DIR="${RUN_DIR#"$ROOT"/}"

on_exit() {
  local status=$?
  nginx_stop "$NGINX_DIR"
  [ "$status" -eq 0 ] || log "bench stopped (exit $status); partial results in $RUN_DIR"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

meta() { printf '%s\t%s\n' "$1" "$2" >>"$META"; }

# ---------------------------------------------------------------------------------------------
# The site and the server.
log "run directory $RUN_DIR"
timeout 60 node tools/make-site.mjs "$SESSION_FILE" "$NGINX_DIR/docroot" >"$RUN_DIR/site.txt" \
  || die "tools/make-site.mjs failed: $(cat "$RUN_DIR/site.txt")"
nginx_start "$NGINX_DIR" "$NGINX_DIR/docroot" "$SRV_CPU"
PORT="$NGINX_PORT"
log "nginx master $NGINX_MASTER_PID, worker $NGINX_WORKER_PID on 127.0.0.1:$PORT (CPU $SRV_CPU); generators on CPU $GEN_CPU"

meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta stamp "$STAMP"
meta run_dir "$REL_RUN_DIR"
meta nproc "$(nproc)"
meta kernel "$(uname -r)"
meta cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
meta node "$(node --version)"
meta httperf "$(httperf --version 2>/dev/null | head -n1 | sed 's/ compiled.*//')"
meta nginx "$(nginx -v 2>&1 | sed 's/^nginx version: //')"
meta loadgen "$(node -p 'require("./package.json").version')"
meta undici "$(node -p 'require("undici/package.json").version')"
meta site "$(cat "$RUN_DIR/site.txt")"
meta session_file "$SESSION_FILE"
meta port "$PORT"
meta gen_cpu "$GEN_CPU"
meta srv_cpu "$SRV_CPU"
meta gen_quota_pct "$GEN_QUOTA_PCT"
meta trial_seconds "$TRIAL_SECONDS"
meta hold_pct "$HOLD_PCT"
meta precision_pct "$PRECISION_PCT"
meta start_rate "$START_RATE"
meta max_rate "$MAX_RATE"
meta tw_budget "$TW_BUDGET"
meta foreign_max "$FOREIGN_MAX"
meta undici_concurrency "$UNDICI_CONCURRENCY"
meta undici_seconds "$UNDICI_SECONDS"

printf '%s\n' "$(IFS=$'\t'; echo "trial time phase tool target_rate sessions ok errors duration_s min_lifetime_ms achieved_s replies_s gen_cpu_s gen_cpu_pct nginx_cpu_pct start_lag_p99_ms max_conc foreign_cpu_pct steal_pct timewait_before timewait_wait_s exit holds note command" | tr ' ' '\t')" >"$TRIALS"

# ---------------------------------------------------------------------------------------------
# One trial.
TRIAL_NO=0

# run_trial PHASE TOOL RATE [NOTE]: replay RATE x TRIAL_SECONDS sessions at RATE/s with TOOL,
# append a line to trials.tsv and set HOLDS (1/0) and FOREIGN (other processes' CPU %).
run_trial() {
  local phase="$1" tool="$2" rate="$3" note="${4:-}"
  local n=$((rate * TRIAL_SECONDS)) limit=$((TRIAL_SECONDS + 25)) tag out stats tw tw_wait=0
  local w0 w1 b0 b1 s0 s1 t0 t1 rc=0 tf times cmd_text
  local -a cmd
  TRIAL_NO=$((TRIAL_NO + 1))
  tag="$(printf '%03d-%s-%s-%s' "$TRIAL_NO" "$phase" "$tool" "$rate")"
  case "$tool" in
    httperf)
      out="$RAW/$tag.txt"; stats="$out"
      cmd=(httperf --hog --server 127.0.0.1 --port "$PORT" --timeout=5 "--wsesslog=$n,0,$SESSION_FILE" "--rate=$rate")
      # httperf --hog cannot reuse client ports in TIME-WAIT (see lib.sh): wait for room.
      tw_wait="$(wait_timewait_below $((TW_BUDGET - n)))"
      [ "$tw_wait" -lt 2 ] || log "waited ${tw_wait}s for TIME-WAIT sockets to drop below $((TW_BUDGET - n))"
      ;;
    loadgen)
      out="$RAW/$tag.txt"; stats="$RAW/$tag.json"
      cmd=(node bin/loadgen.js --hog --server 127.0.0.1 --port "$PORT" --timeout=5 "--wsesslog=$n,0,$SESSION_FILE" "--rate=$rate" --json "${stats#"$ROOT"/}")
      ;;
    *) die "unknown tool $tool" ;;
  esac
  wait_quiet 20 "$QUIET_WAIT_S"
  tw="$(timewait_count)"
  w0="$(proc_ticks "$NGINX_WORKER_PID")"; b0="$(box_busy_ticks)"; s0="$(box_steal_ticks)"
  t0="$(date +%s.%N)"
  tf="$(mktemp)"
  # `time` reports the CPU of the whole command (timeout, taskset and the tool it execs).
  { TIMEFORMAT='%U %S'; time timeout -s INT -k 5 "$limit" taskset -c "$GEN_CPU" "${QUOTA_PREFIX[@]}" "${cmd[@]}" >"$out" 2>&1; } 2>"$tf" || rc=$?
  t1="$(date +%s.%N)"
  w1="$(proc_ticks "$NGINX_WORKER_PID")"; b1="$(box_busy_ticks)"; s1="$(box_steal_ticks)"
  times="$(tail -n1 "$tf")"; rm -f "$tf"
  kill -0 "$NGINX_WORKER_PID" 2>/dev/null || die "the nginx worker $NGINX_WORKER_PID is gone (see $NGINX_DIR/logs/error.log)"

  local ok total dur minlt rep2 rep err cu cs lag maxc
  read -r ok total dur minlt rep2 rep err cu cs lag maxc < <(node "$BENCH_DIR/trial-stats.mjs" "$tool" "$stats")
  cmd_text="timeout -s INT -k 5 $limit taskset -c $GEN_CPU ${cmd[*]}"
  local line
  line="$(awk -v OFS='\t' -v tag="$tag" -v now="$(date -u +%H:%M:%S)" -v phase="$phase" -v tool="$tool" \
    -v rate="$rate" -v n="$n" -v ok="$ok" -v total="$total" -v err="$err" -v dur="$dur" -v minlt="$minlt" \
    -v rep2="$rep2" -v cu="$cu" -v cs="$cs" -v lag="$lag" -v maxc="$maxc" -v rc="$rc" -v hold="$HOLD_PCT" \
    -v w="$((w1 - w0))" -v b="$((b1 - b0))" -v s="$((s1 - s0))" -v t0="$t0" -v t1="$t1" -v tck="$CLK_TCK" \
    -v times="$times" -v tw="$tw" -v tww="$tw_wait" -v note="$note" -v cmd="$cmd_text" 'BEGIN {
      wall = t1 - t0; if (wall <= 0) wall = 1
      d = (dur > 0) ? dur : wall
      # Arrival window: the run minus the shortest session, i.e. from the first start to about
      # the last start, so a full run at the target rate gives achieved = R.
      win = dur - minlt / 1000; if (win <= 0) win = d
      achieved = ok / win
      gen_s = cu + cs
      split(times, tm, " ")
      nginx_s = w / tck
      foreign = (b / tck - tm[1] - tm[2] - nginx_s) / wall * 100; if (foreign < 0) foreign = 0
      holds = (rc == 0 && err == 0 && ok == n && total == n && achieved >= hold / 100 * rate) ? 1 : 0
      print tag, now, phase, tool, rate, n, ok, err, dur, minlt, sprintf("%.1f", achieved), \
        sprintf("%.0f", rep2 / win), sprintf("%.2f", gen_s), sprintf("%.1f", gen_s / d * 100), \
        sprintf("%.1f", nginx_s / d * 100), lag, maxc, sprintf("%.0f", foreign), \
        sprintf("%.0f", s / tck / wall * 100), tw, tww, rc, holds, note, cmd }')"
  printf '%s\n' "$line" >>"$TRIALS"
  local f
  IFS=$'\t' read -r -a f <<<"$line"
  HOLDS="${f[22]}"; FOREIGN="${f[17]}"
  log "$(printf '%-8s %-7s R=%-6s %6s/%-6s ok, errors %s, achieved %s/s, %s replies/s, gen CPU %s%%, nginx %s%%, others %s%%, TW %s%s -> %s' \
    "$phase" "$tool" "$rate" "$ok" "$n" "$err" "${f[10]}" "${f[11]}" "${f[13]}" "${f[14]}" "$FOREIGN" "$tw" \
    "$([ "$lag" = NA ] || echo ", start-lag p99 ${lag} ms")" "$([ "$HOLDS" = 1 ] && echo holds || echo "does not hold (exit $rc)")")"
}

# trial PHASE TOOL RATE: run_trial, and again (up to MAX_RETRIES times) while it fails with other
# processes busy meanwhile: a neighbour's burst must not cap the search.
trial() {
  local retry
  run_trial "$@"
  for ((retry = 1; retry <= MAX_RETRIES; retry++)); do
    [ "$HOLDS" != 1 ] && [ "$FOREIGN" -gt "$FOREIGN_MAX" ] || break
    log "other processes used ${FOREIGN}% of a core during that trial: running it again after a quiet second (max ${RETRY_QUIET_WAIT_S}s)"
    wait_quiet 20 "$RETRY_QUIET_WAIT_S"
    run_trial "$1" "$2" "$3" "retry of $(printf '%03d' "$TRIAL_NO")"
  done
}

# ---------------------------------------------------------------------------------------------
# Phase 1: sustained-rate search, tools alternating trial by trial.
declare -A LO HI NEXT DONE FOUND
for tool in "${TOOLS[@]}"; do LO[$tool]=0; HI[$tool]=0; NEXT[$tool]=$START_RATE; DONE[$tool]=0; done

# search_step TOOL RATE: update TOOL's search after a trial at RATE ($HOLDS).
search_step() {
  local tool="$1" rate="$2" mid
  if [ "$HOLDS" = 1 ]; then LO[$tool]=$rate; else HI[$tool]=$rate; fi
  if [ "${HI[$tool]}" -eq 0 ]; then                      # still doubling
    if [ "$rate" -ge "$MAX_RATE" ]; then DONE[$tool]=1; else NEXT[$tool]=$((2 * rate < MAX_RATE ? 2 * rate : MAX_RATE)); fi
  elif [ "${LO[$tool]}" -eq 0 ]; then                    # even the start rate failed: halve
    if [ "$rate" -le 50 ]; then DONE[$tool]=1; else NEXT[$tool]=$((rate / 2 / 10 * 10)); fi
  else                                                   # bisect between last good and first bad
    mid=$(((LO[$tool] + HI[$tool]) / 2 / 10 * 10))
    if [ $(((HI[$tool] - LO[$tool]) * 100)) -le $((PRECISION_PCT * LO[$tool])) ] || [ "$mid" -le "${LO[$tool]}" ]; then
      DONE[$tool]=1
    else
      NEXT[$tool]=$mid
    fi
  fi
}

START_S=$SECONDS
log "phase 1: sustained-rate search (${TOOLS[*]} alternating; N = ${TRIAL_SECONDS} x R sessions per trial)"
while :; do
  active=0
  for tool in "${TOOLS[@]}"; do
    [ "${DONE[$tool]}" = 1 ] && continue
    active=1
    rate="${NEXT[$tool]}"
    trial search "$tool" "$rate"
    search_step "$tool" "$rate"
  done
  [ "$active" = 1 ] || break
done
for tool in "${TOOLS[@]}"; do
  FOUND[$tool]=${LO[$tool]}
  meta "found_$tool" "${FOUND[$tool]}"
  if [ "${HI[$tool]}" -gt 0 ]; then
    log "$tool sustains ${FOUND[$tool]} sessions/s (first failure at ${HI[$tool]}/s)"
  else
    log "$tool sustains ${FOUND[$tool]} sessions/s (the search cap MAX_RATE=$MAX_RATE: its limit is higher)"
  fi
done

# Phase 2: confirm each found rate, alternating.
log "phase 2: $CONFIRM_RUNS confirmation runs per tool at the rate found"
for ((i = 1; i <= CONFIRM_RUNS; i++)); do
  for tool in "${TOOLS[@]}"; do
    [ "${FOUND[$tool]}" -gt 0 ] && run_trial confirm "$tool" "${FOUND[$tool]}"
  done
done

# Phase 3: loadgen's start lag at fixed rates.
log "phase 3: loadgen start lag at ${LAG_RATES} sessions/s ($LAG_RUNS runs each)"
for ((i = 1; i <= LAG_RUNS; i++)); do
  for rate in $LAG_RATES; do
    run_trial lag loadgen "$rate"
  done
done

# Phase 4: the undici ceiling.
log "phase 4: plain undici replay, closed loop, $UNDICI_CONCURRENCY concurrent sessions ($UNDICI_RUNS runs of ${UNDICI_SECONDS}s)"
for ((i = 1; i <= UNDICI_RUNS; i++)); do
  TRIAL_NO=$((TRIAL_NO + 1))
  tag="$(printf '%03d-undici-undici-c%s' "$TRIAL_NO" "$UNDICI_CONCURRENCY")"
  cmd=(node bench/undici-ceiling.mjs "$PORT" "$SESSION_FILE" "$UNDICI_SECONDS" "$UNDICI_CONCURRENCY")
  limit=$((UNDICI_SECONDS + 20))
  wait_quiet 20 "$QUIET_WAIT_S"
  tw="$(timewait_count)"
  w0="$(proc_ticks "$NGINX_WORKER_PID")"; b0="$(box_busy_ticks)"; s0="$(box_steal_ticks)"; t0="$(date +%s.%N)"
  rc=0
  { TIMEFORMAT='%U %S'; time timeout -s INT -k 5 "$limit" taskset -c "$GEN_CPU" "${QUOTA_PREFIX[@]}" "${cmd[@]}" >"$RAW/$tag.json" 2>"$RAW/$tag.txt"; } 2>"$RAW/$tag.time" || rc=$?
  t1="$(date +%s.%N)"; w1="$(proc_ticks "$NGINX_WORKER_PID")"; b1="$(box_busy_ticks)"; s1="$(box_steal_ticks)"
  line="$(node -e '
    const [file, tag, now, tw, rc, w, b, s, t0, t1, tck, times, cmd] = process.argv.slice(1);
    let r = {};
    try { r = JSON.parse(require("fs").readFileSync(file, "utf8")); } catch {}
    const wall = Math.max(t1 - t0, 1e-3), [tu, ts] = times.split(" ").map(Number);
    const secs = r.seconds ?? 0, cpuS = ((r.cpuPercent ?? 0) / 100) * secs;
    const foreign = Math.max(0, ((b / tck - tu - ts - w / tck) / wall) * 100);
    const ok = r.sessions ?? 0, errors = (r.errors ?? 1) + (r.non2xx ?? 0);
    console.log([tag, now, "undici", "undici", 0, ok, ok, errors, secs, "NA", r.sessionsPerSecond ?? 0,
      r.repliesPerSecond ?? 0, cpuS.toFixed(2), r.cpuPercent ?? 0, ((w / tck / wall) * 100).toFixed(1), "NA",
      r.concurrency ?? 0, foreign.toFixed(0), ((s / tck / wall) * 100).toFixed(0), tw, 0, rc,
      rc === "0" && errors === 0 ? 1 : 0, "", cmd].join("\t"));
  ' "$RAW/$tag.json" "$tag" "$(date -u +%H:%M:%S)" "$tw" "$rc" "$((w1 - w0))" "$((b1 - b0))" "$((s1 - s0))" \
    "$t0" "$t1" "$CLK_TCK" "$(tail -n1 "$RAW/$tag.time")" "timeout -s INT -k 5 $limit taskset -c $GEN_CPU ${cmd[*]}")"
  printf '%s\n' "$line" >>"$TRIALS"
  log "undici   run $i: $(tail -n1 "$RAW/$tag.txt")"
done

meta elapsed_s "$((SECONDS - START_S))"
nginx_stop "$NGINX_DIR"
log "benchmarks took $((SECONDS - START_S)) s; writing the report"
node "$BENCH_DIR/report.mjs" "$RUN_DIR" >"$RUN_DIR/RESULTS-section.md" || die "bench/report.mjs failed"
cat "$RUN_DIR/RESULTS-section.md"
log "trials: $TRIALS"
log "Markdown section: $RUN_DIR/RESULTS-section.md"
