#!/usr/bin/env bash
# Runs API tests again and again under CPU pressure, as CI meets them on a busy machine: one busy process
# pinned to each core beside the tests. Prints each run's failures and the flake rate at the end.
#
#   scripts/stress.sh [--repeat N] [--busy K] [--bid-path group|single] [-- FILTER…]
#
#   scripts/stress.sh --repeat 5                       # the whole API suite, five times
#   scripts/stress.sh --repeat 50 -- crash::a_stop bidding::a_round_runs concurrency::no_bid_is_accepted
#
# Set FAPAI_TEST_POSTGRES_URL to include the PostgreSQL variants (as CI does). Exits non-zero if any run
# failed.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/fapai-target}"

repeat=5
busy=$(nproc)
bid_path=group
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) repeat="$2"; shift 2 ;;
    --busy) busy="$2"; shift 2 ;;
    --bid-path) bid_path="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
filters=("$@")

cargo test -q -p backend --test api --no-run
cargo build -q -p backend --bin fapai
binary=$(cargo test -q -p backend --test api --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "api":
        print(m["executable"])' | tail -1)

# Run copies, of the tests and of the server some of them start: a rebuild while the loop runs must not
# change what is measured (a newer server beside older tests meets a schema they did not migrate).
log=$(mktemp -d)/stress
cp "$binary" "$log.api"
binary="$log.api"
cp "$CARGO_TARGET_DIR/debug/fapai" "$log.fapai"
export FAPAI_TEST_SERVER_BIN="$log.fapai"

hogs=()
stop_hogs() { for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap stop_hogs EXIT
cores=$(nproc)
for i in $(seq 0 $((busy - 1))); do
  taskset -c $((i % cores)) bash -c 'while :; do :; done' &
  hogs+=($!)
done

failed_runs=0
for run in $(seq 1 "$repeat"); do
  started=$(date +%s)
  if FAPAI_TEST_BID_PATH="$bid_path" timeout 1800 "$binary" -q "${filters[@]}" >"$log.$run" 2>&1; then
    printf 'run %d/%d: ok (%d s)\n' "$run" "$repeat" $(( $(date +%s) - started ))
  else
    failed_runs=$((failed_runs + 1))
    printf 'run %d/%d: FAILED (%d s):' "$run" "$repeat" $(( $(date +%s) - started ))
    grep -E -- '--- FAILED|^    [a-z_:]+$' "$log.$run" | sed 's/ --- FAILED//' | sort -u | tr '\n' ' '
    printf '\n  log: %s\n' "$log.$run"
  fi
done
printf '%d of %d runs failed (busy processes: %d, bid path: %s)\n' "$failed_runs" "$repeat" "$busy" "$bid_path"
[ "$failed_runs" -eq 0 ]
