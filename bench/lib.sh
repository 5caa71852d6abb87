# bench/lib.sh — small shell helpers for the loadgen benchmarks. Source it; do not run it.
#
# Everything here is read-only with respect to the system: it reads /proc and `ss`, it never
# kills anything it did not start, and every wait is bounded.

# Timestamped progress line on stderr (stdout is kept for the Markdown the bench prints).
log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# Print a message and exit 1 (used for every precondition the bench cannot work without).
die() { log "ERROR: $*"; exit 1; }

CLK_TCK="$(getconf CLK_TCK)"

# Make sure a command exists; if it is missing and we are root, install PACKAGE with apt
# (`apt-get update` first); otherwise stop with a message that says what to install.
require_tool() {
  local cmd="$1" pkg="$2"
  command -v "$cmd" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "$cmd missing: installing $pkg with apt-get"
    timeout 300 apt-get update -qq >&2 || die "apt-get update failed (needed to install $pkg)"
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq "$pkg" >&2 \
      || die "apt-get install $pkg failed"
  fi
  command -v "$cmd" >/dev/null 2>&1 || die "$cmd not found: install the '$pkg' package (as root: apt-get install -y $pkg)"
}

# A TCP port on 127.0.0.1 that no socket uses in any state. httperf --hog bind()s its client
# ports anywhere in 1024-65535, so the server port must not collide with those either: pick it
# below the kernel's ephemeral range and check it is absent from `ss` altogether.
free_port() {
  local p
  for p in $(shuf -i 20000-29999 -n 100); do
    if [ -z "$(ss -Htan "( sport = :$p or dport = :$p )")" ]; then
      echo "$p"
      return 0
    fi
  done
  die "no free TCP port found in 20000-29999"
}

# CPU clock ticks (user + system) a process has used so far; 0 if it is gone.
proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# Busy ticks of the whole box (user + nice + system over all CPUs). softirq is left out on
# purpose: loopback packet processing of our own traffic is accounted there.
box_busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 }' /proc/stat; }

# Steal ticks (both CPUs): time the host ran something else while this VM wanted the CPU.
box_steal_ticks() { awk '/^cpu / { print $9 }' /proc/stat; }

# Loopback TCP sockets in TIME-WAIT right now.
timewait_count() { ss -Htan state time-wait | wc -l; }

# wait_timewait_below N [MAX_S]: wait (at most MAX_S s, default 65; TIME-WAIT lasts 60 s) until
# fewer than N sockets are in TIME-WAIT. httperf --hog picks client ports itself and cannot
# reuse a port in TIME-WAIT: with tens of thousands of them its port search stalls and a run
# that should hold collapses with nginx idle. Prints the seconds waited.
wait_timewait_below() {
  local budget="$1" max_s="${2:-65}" t0=$SECONDS
  [ "$budget" -ge 1000 ] || budget=1000
  while [ "$(timewait_count)" -ge "$budget" ] && [ $((SECONDS - t0)) -lt "$max_s" ]; do
    sleep 1
  done
  echo $((SECONDS - t0))
}

# wait_quiet PCT MAX_S: wait (at most MAX_S s) until the box is below PCT % busy (percent of one
# core) over one second. The machine may be shared; this avoids starting a trial in the middle
# of someone else's burst. Returns 0 either way (the trial's own foreign-CPU figure tells).
wait_quiet() {
  local pct="$1" max_s="$2" i a b
  for ((i = 0; i < max_s; i++)); do
    a="$(box_busy_ticks)"; sleep 1; b="$(box_busy_ticks)"
    [ $(((b - a) * 100 / CLK_TCK)) -lt "$pct" ] && return 0
  done
  log "box still above ${pct}% busy after ${max_s}s (other processes); measuring anyway"
}

# Float arithmetic in one place: calc 'EXPR' evaluates an awk expression and prints it
# (e.g. calc '100 * 3 / 4'). Format with calc_fmt FORMAT 'EXPR'.
calc() { awk "BEGIN { print $1 }"; }
calc_fmt() { awk "BEGIN { printf \"$1\", $2 }"; }

# Median of the numbers given as arguments (mean of the middle two for an even count).
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "nan"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# CPU quota for the generator (equal-CPU comparisons). quota_setup PCT creates a cgroup that may
# use PCT % of one core (cgroup v1 `cpu` controller, or v2 `cpu.max`) and sets QUOTA_PREFIX to a
# command prefix that runs its arguments inside it; PCT empty or 0 leaves QUOTA_PREFIX empty.
# A busy-polling tool (httperf --hog) then spends its polling inside the same budget as a tool
# that sleeps, so the comparison is at equal CPU, not at equal appetite.
QUOTA_PREFIX=()
quota_setup() {
  # A 10-ms period: the quota is spent and refilled every 10 ms, so throttling shows up as at
  # most ~5 ms pauses (a 100-ms period would pause a half-core generator for 50 ms at a time and
  # put that into every start-lag figure).
  local pct="${1:-0}" dir period=10000
  QUOTA_PREFIX=()
  [ "$pct" -gt 0 ] 2>/dev/null || return 0
  if [ -d /sys/fs/cgroup/cpu ] && [ -w /sys/fs/cgroup/cpu ]; then
    dir=/sys/fs/cgroup/cpu/loadgen-bench-gen
    mkdir -p "$dir" || die "cannot create $dir"
    echo "$period" >"$dir/cpu.cfs_period_us"
    echo $((period * pct / 100)) >"$dir/cpu.cfs_quota_us"
  elif [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw cpu /sys/fs/cgroup/cgroup.controllers; then
    dir=/sys/fs/cgroup/loadgen-bench-gen
    mkdir -p "$dir" || die "cannot create $dir"
    echo "$((period * pct / 100)) $period" >"$dir/cpu.max"
  else
    die "no writable cgroup cpu controller for GEN_QUOTA_PCT=$pct (run as root on a cgroup v1 or v2 host)"
  fi
  # shellcheck disable=SC2016
  QUOTA_PREFIX=(bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$dir")
}
