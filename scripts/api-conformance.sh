#!/usr/bin/env bash
# Does the server do what its OpenAPI description says? Schemathesis (PyPI, in a venv this script makes)
# generates requests from /api/openapi.json against a fresh `fapai` with the demo data, signed in once
# as a bidder and once as a judge, and runs every check: no 5xx, no dropped connection, every status
# and body declared, every request the schema allows accepted and every one it forbids refused.
# Usage: scripts/api-conformance.sh [path to a built fapai] (default: the debug build).
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
fapai="${1:-$target_dir/debug/fapai}"
venv="${FAPAI_TOOLS_DIR:-$HOME/.cache}/fapai-schemathesis"
schemathesis_version="4.32.5"
examples="${FAPAI_CONFORMANCE_EXAMPLES:-10}"

log() { printf '\n== %s\n' "$*"; }

if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$schemathesis_version"; then
  log "installing schemathesis $schemathesis_version in $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$schemathesis_version"
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

log "starting $fapai with the demo data"
# The per-address limits are off: schemathesis signs in far more often than a person would.
FAPAI_DEMO=1 FAPAI_LISTEN=127.0.0.1:0 FAPAI_DATA_DIR="$work" \
  FAPAI_DATABASE_URL="sqlite://$work/fapai.db?mode=rwc" FAPAI_MAIL=log \
  FAPAI_LOGIN_FAILURES_ALLOWED=0 FAPAI_LOGINS_PER_ADDRESS_PER_MINUTE=0 FAPAI_SIGNUPS_PER_ADDRESS_PER_HOUR=0 \
  RUST_LOG=warn,fapai=info,backend=info "$fapai" serve >"$work/server.log" 2>&1 &
server_pid=$!
base=""
for _ in $(seq 1 120); do
  base="$(grep -o 'listening on http://[0-9.:]*' "$work/server.log" | head -n1 | sed 's/listening on //')" || true
  [ -n "$base" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.5
done
[ -n "$base" ] || { echo "fapai did not start" >&2; cat "$work/server.log" >&2; exit 1; }

token_for() {
  curl -fsS -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"demo-password\"}" "$base/api/auth/login" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

status=0
for who in liu@demo.fapai judge.hz@demo.fapai; do
  log "schemathesis as $who ($examples examples an operation)"
  token="$(token_for "$who")"
  timeout 900 "$venv/bin/st" --config-file scripts/schemathesis.toml run "$base/api/openapi.json" \
    --checks all --max-examples "$examples" --seed 1127 --no-color \
    -H "Authorization: Bearer $token" || status=1
done

if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "fapai stopped during the run" >&2
  status=1
fi
exit "$status"
