#!/usr/bin/env bash
# The fault tests (README: Running in production): the whole cluster on this machine (scripts/cluster.sh),
# then four runs of `fapai-load faults`, each a bid storm with WebSocket watchers through the balancer while
# one fault strikes, followed by the close and the checks (every acknowledged bid in the record and its
# verified ledger, none twice, none after the end, one close, watchers caught up with no gap):
#
#   1. kill -9 one `fapai` mid-storm (it is started again);
#   2. kill -9 the PostgreSQL primary's machine — Patroni and PostgreSQL — mid-storm (the standby takes over;
#      the old primary comes back as the new standby);
#   3. cut the primary off the network (its namespace's link down), then heal;
#   4. a rolling restart of every `fapai` (SIGTERM, drained by HAProxy, started again).
#
#   load-tests/faults.sh [--quick]     --quick: CI's bounded form (shorter storms, fewer clients)
#
# Each run's row goes to load-tests/report.md (--quick: to the terminal only). Run as root. FAPAI_BIN names
# the `fapai` binary (default: the release build, built when absent); the load tool is built here.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=false
[ "${1:-}" = "--quick" ] && quick=true

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fapai-target}
if $quick; then
  profile=debug
  cargo build -q -p load-tests
  cargo build -q -p backend --bin fapai
  export FAPAI_BIN=${FAPAI_BIN:-$CARGO_TARGET_DIR/debug/fapai}
  storm=40 bidders=12 watchers=6 report=()
else
  profile=release
  cargo build --release -q -p load-tests
  storm=90 bidders=40 watchers=30 report=(--report load-tests/report.md)
fi
load="$CARGO_TARGET_DIR/$profile/fapai-load"

# Many accounts from one address, as the other load tests: the address limits have tests of their own.
export FAPAI_SIGNUPS_PER_ADDRESS_PER_HOUR=0 FAPAI_LOGINS_PER_ADDRESS_PER_MINUTE=0
export FAPAI_WEBSOCKET_MAX_PER_ADDRESS=100000

# A cluster of its own: whatever ran before is taken down first, and this one at the end.
bash scripts/cluster.sh down >/dev/null 2>&1 || true
trap 'bash scripts/cluster.sh down >/dev/null 2>&1 || true' EXIT
bash scripts/cluster.sh up

run() { # name fault recover [after recover_after]
  local name=$1 fault=$2 recover=$3 after=${4:-5} recover_after=${5:-5}
  local args=(--url http://127.0.0.1:8080 --label "cluster: 3 fapai, Patroni 2 nodes" --seconds "$storm"
    "${report[@]}" faults --bidders "$bidders" --watchers "$watchers" --name "$name" --fault "$fault"
    --after "$after" --recover-after "$recover_after")
  [ -n "$recover" ] && args+=(--recover "$recover")
  printf '\n== fault: %s\n' "$name"
  FAPAI_ADMIN_EMAIL=admin@cluster.fapai FAPAI_ADMIN_PASSWORD=cluster-admin-password "$load" "${args[@]}"
  bash scripts/cluster.sh status
}

run "kill -9 one fapai" "bash scripts/cluster.sh kill-fapai 2" "bash scripts/cluster.sh start-fapai 2"
run "kill -9 the PostgreSQL primary" "bash scripts/cluster.sh kill-primary" "bash scripts/cluster.sh heal" 5 25
run "partition of the primary" "bash scripts/cluster.sh partition-primary" "bash scripts/cluster.sh heal" 5 25
run "rolling restart of every fapai" "bash scripts/cluster.sh rolling-restart" ""
