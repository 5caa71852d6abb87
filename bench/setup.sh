# bench/setup.sh — the common start of every benchmark script: source it first, right after
# `set -euo pipefail`. It sets BENCH_DIR (this folder) and ROOT (the repository), loads the
# helpers (lib.sh) and the nginx functions (nginx.sh), and moves to ROOT.
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
# shellcheck source=bench/nginx.sh
source "$BENCH_DIR/nginx.sh"
cd "$ROOT"
