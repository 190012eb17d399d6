#!/usr/bin/env bash
# One load test, end to end: builds the release binaries, starts `fapai` on a fresh database (SQLite in a
# temporary directory, or a fresh PostgreSQL database `fapai_load`), runs one scenario of `fapai-load`
# against it with the raw transaction on the same database beside it, appends the result to
# load-tests/report.md and stops the server.
#
#   load-tests/run.sh sqlite|postgres storm|rising|spread|watchers|reads [fapai-load options...]
#
# PostgreSQL: FAPAI_LOAD_POSTGRES (default postgres://postgres@127.0.0.1:5432) names the server; the database
# `fapai_load` is dropped and created. FAPAI_BID_PATH=single measures the one-bid reference path; FAPAI_LOAD_NOTE
# is added to the report's database column (e.g. "before, c4403f2").
set -euo pipefail
cd "$(dirname "$0")/.."

database=${1:?usage: load-tests/run.sh sqlite|postgres SCENARIO [options]}
scenario=${2:?usage: load-tests/run.sh sqlite|postgres SCENARIO [options]}
shift 2

# FAPAI_LOAD_BIN names a directory of prebuilt binaries (`fapai`, `fapai-load`), e.g. an earlier commit's
# for a before/after comparison in one sitting; otherwise this tree's are built.
if [ -n "${FAPAI_LOAD_BIN:-}" ]; then
  bin=$FAPAI_LOAD_BIN
else
  export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fapai-target}
  cargo build --release -q -p backend -p load-tests
  bin="$CARGO_TARGET_DIR/release"
fi

work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
case "$database" in
  sqlite)
    url="sqlite://$work/fapai.db?mode=rwc"
    raw="sqlite://$work/raw.db"
    label="SQLite"
    ;;
  postgres)
    base=${FAPAI_LOAD_POSTGRES:-postgres://postgres@127.0.0.1:5432}
    psql "$base/postgres" -qc 'DROP DATABASE IF EXISTS fapai_load' -c 'CREATE DATABASE fapai_load' >/dev/null
    url="$base/fapai_load"
    raw="$url"
    label="PostgreSQL"
    ;;
  *) echo "the database is sqlite or postgres" >&2; exit 2 ;;
esac
label="$label, bid_path=${FAPAI_BID_PATH:-group}${FAPAI_LOAD_NOTE:+, $FAPAI_LOAD_NOTE}"

# Enough file descriptors for thousands of WebSockets on both ends.
ulimit -n 65536 2>/dev/null || true
# FAPAI_LOAD_INSTANCES=N (PostgreSQL) starts N servers on the one database; the bids go to the first, the
# watchers are spread over all of them (a bid reaches the others' watchers through LISTEN/NOTIFY).
instances=${FAPAI_LOAD_INSTANCES:-1}
if [ "$instances" -gt 1 ] && [ "$database" != postgres ]; then
  echo "several instances share a PostgreSQL database only" >&2; exit 2
fi
[ "$instances" -gt 1 ] && label="$label, $instances instances"
servers=()
ports=()
trap 'kill "${servers[@]}" 2>/dev/null; wait "${servers[@]}" 2>/dev/null || true' EXIT
for i in $(seq "$instances"); do
  [ "$i" -eq 1 ] && this=$port || this=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  FAPAI_DATABASE_URL="$url" FAPAI_DATA_DIR="$work" FAPAI_LISTEN="127.0.0.1:$this" FAPAI_CLOCK=manual \
    FAPAI_ADMIN_EMAIL=admin@load.test FAPAI_ADMIN_PASSWORD=load-test-password \
    FAPAI_SIGNUPS_PER_ADDRESS_PER_HOUR=0 FAPAI_LOGINS_PER_ADDRESS_PER_MINUTE=0 \
    FAPAI_WEBSOCKET_MAX_PER_ADDRESS=100000 FAPAI_WEBSOCKET_MAX_CONNECTIONS=100000 \
    FAPAI_DATABASE_MAX_CONNECTIONS=${FAPAI_DATABASE_MAX_CONNECTIONS:-32} RUST_LOG=${RUST_LOG:-warn} \
    "$bin/fapai" serve >"$work/server-$i.log" 2>&1 &
  servers+=($!)
  ports+=("$this")
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$this/api/health" >/dev/null 2>&1 && break
    sleep 0.1
  done
done
server=${servers[0]}

# Bidding scenarios report HTTP as a ratio of the raw transaction on the same database; watchers report the
# (first) server's memory per watcher.
before=()
after=()
case "$scenario" in
  storm|rising|spread) before+=(--raw-database-url "$raw") ;;
  watchers)
    after+=(--server-pid "$server")
    for other in "${ports[@]:1}"; do after+=(--also-watch "http://127.0.0.1:$other"); done
    ;;
esac
"$bin/fapai-load" --url "http://127.0.0.1:$port" --label "$label" --report load-tests/report.md "${before[@]}" \
  "$scenario" "${after[@]}" "$@"
