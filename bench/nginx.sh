#!/usr/bin/env bash
# bench/nginx.sh — the server under load for the benchmarks: one nginx worker pinned to a CPU,
# listening on a free port of 127.0.0.1, everything (config, pid, temp dirs, logs) in one
# directory. It is stopped by the PID it recorded, never by name.
#
# As a library (source lib.sh first):
#   nginx_start DIR DOCROOT CPU   sets NGINX_PORT, NGINX_MASTER_PID, NGINX_WORKER_PID
#   nginx_stop DIR                stops the master recorded in DIR/master.pid (if alive)
# As a command (for poking at it by hand):
#   bash bench/nginx.sh start DIR DOCROOT [CPU]   prints the port
#   bash bench/nginx.sh stop DIR

# Write DIR/nginx.conf for PORT and DOCROOT. Tuned so that one worker is as cheap per request
# as nginx gets: no access log, sendfile, cached open files, keep-alive without a request cap.
nginx_write_conf() {
  local dir="$1" docroot="$2" port="$3" mime=""
  [ -r /etc/nginx/mime.types ] && mime="include /etc/nginx/mime.types;"
  mkdir -p "$dir/tmp" "$dir/logs"
  cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
worker_rlimit_nofile 65536;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 16384; use epoll; multi_accept on; }
http {
  $mime
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush ${NGINX_TCP_NOPUSH:-off};
  tcp_nodelay on;
  keepalive_timeout 65s;
  keepalive_requests 1000000;
  open_file_cache max=1000 inactive=60s;
  open_file_cache_valid 60s;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$port backlog=4096;
    root $docroot;
    index index.html;
  }
}
EOF
}

# Start nginx in the foreground of a background job (daemon off), so $! is the master; the
# worker inherits the CPU affinity taskset gives the master. Waits (max 5 s) until a request
# to "/" is answered by the worker.
nginx_start() {
  local dir="$1" docroot="$2" cpu="$3" port i worker=""
  port="$(free_port)"
  nginx_write_conf "$dir" "$docroot" "$port"
  timeout 10 nginx -t -q -p "$dir" -c "$dir/nginx.conf" 2>"$dir/logs/configtest.log" \
    || die "nginx rejected $dir/nginx.conf: $(cat "$dir/logs/configtest.log")"
  taskset -c "$cpu" nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' \
    >>"$dir/logs/stdout.log" 2>&1 </dev/null &
  NGINX_MASTER_PID=$!
  echo "$NGINX_MASTER_PID" >"$dir/master.pid"
  for ((i = 0; i < 50; i++)); do
    kill -0 "$NGINX_MASTER_PID" 2>/dev/null || break
    worker="$(pgrep -P "$NGINX_MASTER_PID" | head -n1 || true)"
    if [ -n "$worker" ] && timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
      break
    fi
    worker=""
    sleep 0.1
  done
  if [ -z "$worker" ]; then
    nginx_stop "$dir"
    die "nginx did not start on 127.0.0.1:$port: $(tail -n 3 "$dir/logs/error.log" "$dir/logs/stdout.log" 2>/dev/null)"
  fi
  NGINX_PORT="$port"
  NGINX_WORKER_PID="$worker"
  echo "$port" >"$dir/port"
  echo "$worker" >"$dir/worker.pid"
}

# Graceful stop (SIGQUIT), then SIGTERM after 5 s, of the master this script started.
nginx_stop() {
  local dir="$1" pid i
  [ -s "$dir/master.pid" ] || return 0
  pid="$(cat "$dir/master.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -QUIT "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/master.pid"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  source "$(dirname "$0")/lib.sh"
  case "${1:-}" in
    start)
      [ $# -ge 3 ] || { echo "usage: $0 start DIR DOCROOT [CPU]" >&2; exit 2; }
      mkdir -p "$2"
      nginx_start "$(cd "$2" && pwd)" "$(cd "$3" && pwd)" "${4:-1}"
      log "nginx master $NGINX_MASTER_PID worker $NGINX_WORKER_PID on 127.0.0.1:$NGINX_PORT"
      echo "$NGINX_PORT"
      ;;
    stop)
      [ $# -ge 2 ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
      nginx_stop "$(cd "$2" && pwd)"
      ;;
    *) echo "usage: $0 start DIR DOCROOT [CPU] | stop DIR" >&2; exit 2 ;;
  esac
fi
