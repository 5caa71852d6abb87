#!/usr/bin/env bash
# bench/faults-memory.sh — the fault matrix's two memory figures and the think=0 request rate,
# against one nginx worker (bench/nginx.sh) on 127.0.0.1. Each step is bounded (timeout) and
# prints the command it ran; figures go to stdout for bench/RESULTS.md.
#   think0   one session of 5,000 one-request bursts, think 0, one keep-alive connection:
#            requests/s of loadgen and of httperf (same session file, same nginx)
#   conc10k  10,000 sessions held open at once (2 bursts, think 8 s, 2,500 sessions/s): peak RSS
#   soak100k 100,000 one-request sessions at 2,500/s (40 s): RSS every 5 s and peak RSS
# Usage: bash bench/faults-memory.sh [think0|conc10k|soak100k ...]   (default: all three)
set -euo pipefail
# shellcheck source=bench/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

STEPS=("$@")
[ ${#STEPS[@]} -gt 0 ] || STEPS=(think0 conc10k soak100k)
WORK="$(mktemp -d /tmp/loadgen-faults-memory.XXXXXX)"
mkdir -p "$WORK/docroot"
printf 'ok\n' >"$WORK/docroot/a"
trap 'nginx_stop "$WORK/nginx"; rm -rf "$WORK"' EXIT
nginx_start "$WORK/nginx" "$WORK/docroot" 0
PORT="$NGINX_PORT"
LOADGEN=(node "$ROOT/bin/loadgen.js" --server 127.0.0.1 --port "$PORT" --timeout=10 -q)
ulimit -n "$(ulimit -Hn)"  # 10k connections need > 10k descriptors

# Peak RSS (KB) of a command, from GNU time.
peak_rss() { /usr/bin/time -f '%M' -o "$WORK/time.txt" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || true; tail -n1 "$WORK/time.txt"; }

for step in "${STEPS[@]}"; do
  case "$step" in
    think0)
      for ((i = 0; i < 5000; i++)); do echo "/a think=0"; done >"$WORK/think0.txt"
      cmd=("${LOADGEN[@]}" "--wsesslog=1,0,$WORK/think0.txt" --rate=1)
      echo "\$ ${cmd[*]}"
      timeout -s INT 60 "${cmd[@]}" | grep -E '^(Total|Request rate|Errors: total)'
      cmd=(httperf --hog --server 127.0.0.1 --port "$PORT" --timeout=10 "--wsesslog=1,0,$WORK/think0.txt" --rate=1)
      echo "\$ ${cmd[*]}"
      timeout -s INT 60 "${cmd[@]}" | grep -E '^(Total|Request rate|Errors: total)'
      ;;
    conc10k)
      printf '/a think=8\n/a\n' >"$WORK/hold.txt"
      cmd=("${LOADGEN[@]}" "--wsesslog=10000,0,$WORK/hold.txt" --rate=2500 --max-connections=1)
      echo "\$ /usr/bin/time -f %M ${cmd[*]}"
      rss="$(peak_rss timeout -s INT 60 "${cmd[@]}")"
      grep -E '^(Total|Connection rate|Errors: total|Session rate)' "$WORK/out.txt"
      echo "peak RSS ${rss} KB"
      ;;
    soak100k)
      echo '/a' >"$WORK/one.txt"
      cmd=("${LOADGEN[@]}" "--wsesslog=100000,0,$WORK/one.txt" --rate=2500)
      echo "\$ /usr/bin/time -f %M ${cmd[*]}   (RSS sampled every 5 s with ps)"
      /usr/bin/time -f '%M' -o "$WORK/time.txt" timeout -s INT 60 "${cmd[@]}" >"$WORK/out.txt" 2>"$WORK/err.txt" &
      runner=$!
      samples=""
      for ((t = 5; t <= 55; t += 5)); do
        sleep 5
        # time -> timeout -> node: the generator is the grandchild of the job started above.
        pid="$(pgrep -P "$(pgrep -P "$runner" 2>/dev/null | head -n1)" 2>/dev/null | head -n1 || true)"
        [ -n "$pid" ] || break
        samples+="${t}s:$(ps -o rss= -p "$pid" | tr -d ' ')KB "
      done
      wait "$runner" || true
      grep -E '^(Total|Errors: total|Session rate)' "$WORK/out.txt"
      echo "RSS samples: $samples"
      echo "peak RSS $(tail -n1 "$WORK/time.txt") KB"
      ;;
    *) die "unknown step $step (think0, conc10k, soak100k)" ;;
  esac
done
