#!/usr/bin/env bash
# bench/floor.sh — `npm run bench:floor`: what one wsesslog session costs at the least, next to
# what it costs loadgen. Same sessions (sessions/bookofxen.txt: 21 requests in 4 bursts, one
# keep-alive connection), same nginx (one worker pinned to CPU $SRV_CPU), every client pinned to
# CPU $GEN_CPU; CPU microseconds (user, system) per session, medians of $RUNS runs:
#   floor.c        blocking C client, one session at a time (bench/floor.c, built with cc here)
#   floor-node c=K raw node:net client, K sessions in flight (bench/floor-node.mjs)
#   loadgen R/s    loadgen itself, open loop at R sessions/s (generator CPU from its --json)
# The system-time column is the kernel's own work for connect, writes, reads and close (plus
# loopback delivery charged to the sender); no client can go below it on this machine.
#
# Knobs: GEN_CPU=0 SRV_CPU=1 SESSIONS=6000 RUNS=3 LOADGEN_RATE=1000 SESSION_FILE=sessions/bookofxen.txt
set -euo pipefail
# shellcheck source=bench/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

GEN_CPU="${GEN_CPU:-0}"
SRV_CPU="${SRV_CPU:-1}"
SESSIONS="${SESSIONS:-6000}"
RUNS="${RUNS:-3}"
LOADGEN_RATE="${LOADGEN_RATE:-1000}"
SESSION_FILE="${SESSION_FILE:-sessions/bookofxen.txt}"

[ -f dist/cli.js ] || die "dist/ is missing: run 'npm run build' (npm run bench:floor does it)"
for tool_pkg in nginx:nginx cc:gcc taskset:util-linux; do require_tool "${tool_pkg%%:*}" "${tool_pkg#*:}"; done
ulimit -n 65536 2>/dev/null || true

RUN_DIR="$BENCH_DIR/runs/floor-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RUN_DIR"
trap 'nginx_stop "$RUN_DIR/nginx"' EXIT
trap 'exit 130' INT TERM
timeout 60 node tools/make-site.mjs "$SESSION_FILE" "$RUN_DIR/nginx/docroot" >/dev/null
nginx_start "$RUN_DIR/nginx" "$RUN_DIR/nginx/docroot" "$SRV_CPU"
cc -O2 -o "$RUN_DIR/floor" bench/floor.c
log "nginx on 127.0.0.1:$NGINX_PORT (CPU $SRV_CPU), clients on CPU $GEN_CPU, $SESSIONS sessions per run"

# Each measure prints "USER_US SYS_US" per session.
measure_c() {
  timeout 120 taskset -c "$GEN_CPU" "$RUN_DIR/floor" 127.0.0.1 "$NGINX_PORT" "$SESSION_FILE" "$SESSIONS" \
    | awk '{ print $8, $10 }'
}
measure_node() {
  timeout 120 taskset -c "$GEN_CPU" node bench/floor-node.mjs 127.0.0.1 "$NGINX_PORT" "$SESSION_FILE" "$SESSIONS" "$1" \
    | awk '{ print $6, $8 }'
}
measure_loadgen() {
  local json="$RUN_DIR/loadgen-$RANDOM.json"
  timeout 120 taskset -c "$GEN_CPU" node bin/loadgen.js --server 127.0.0.1 --port "$NGINX_PORT" --timeout 5 \
    "--wsesslog=$SESSIONS,0,$SESSION_FILE" --rate "$LOADGEN_RATE" --quiet --json "$json" >/dev/null
  node -e 'const d = require(process.argv[1]); const n = d.counters.sessionsSucceeded;
    if (n !== d.counters.sessionsCreated) { console.error("loadgen: not every session succeeded"); process.exit(1); }
    console.log((d.generator.cpuUserSeconds * 1e6 / n).toFixed(1), (d.generator.cpuSystemSeconds * 1e6 / n).toFixed(1));' "$json"
}

declare -A USER SYS
CLIENTS=("floor.c" "floor-node c=15" "floor-node c=50" "loadgen ${LOADGEN_RATE}/s")
for ((run = 1; run <= RUNS; run++)); do
  for client in "${CLIENTS[@]}"; do
    wait_quiet 20 10
    case "$client" in
      floor.c) read -r u s < <(measure_c) ;;
      "floor-node c="*) read -r u s < <(measure_node "${client#floor-node c=}") ;;
      loadgen*) read -r u s < <(measure_loadgen) ;;
    esac
    USER[$client]+="$u "
    SYS[$client]+="$s "
    log "run $run $client: user $u µs, system $s µs per session"
  done
done

echo "| client | user µs/session | system µs/session | total µs/session |"
echo "|---|---|---|---|"
for client in "${CLIENTS[@]}"; do
  # shellcheck disable=SC2086
  u="$(median ${USER[$client]})"; s="$(median ${SYS[$client]})"
  printf '| %s | %.0f | %.0f | %.0f |\n' "$client" "$u" "$s" "$(calc "$u + $s")"
done
echo
echo "Medians of $RUNS runs, $SESSIONS sessions of $SESSION_FILE each, $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)."
