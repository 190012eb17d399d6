#!/usr/bin/env bash
# Every test of the platform: the Rust workspace (on SQLite, and on PostgreSQL too when
# FAPAI_TEST_POSTGRES_URL is set), schemathesis over the API's description, the web app's type check and
# unit tests, its browser tests in Debian's Chromium against the real `fapai` server, and — as root — the
# fault tests in their bounded form on a whole cluster (PostgreSQL failover, HAProxy, three `fapai`).
# Installs what a fresh machine lacks.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/frontend-deps.sh

log() { printf '\n== %s\n' "$*"; }

# Chromium and a CJK font (without one every Chinese character in a screenshot is a box).
ensure_browser() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-wqy-microhei)
  [ ${#missing[@]} -eq 0 ] && return
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "the browser tests need: ${missing[*]} (install them with your package manager)" >&2
    exit 1
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_browser
frontend_deps

log "Rust: cargo test --workspace"
cargo test --workspace

log "Rust: the bid tests again on the one-bid reference path (FAPAI_BID_PATH=single)"
FAPAI_TEST_BID_PATH=single cargo test -p backend --test api -- bidding:: concurrency:: crash:: live::

log "API conformance: schemathesis against the OpenAPI description, as a bidder and as a judge"
bash scripts/api-conformance.sh "${CARGO_TARGET_DIR:-$PWD/target}/debug/fapai"

log "web app: type check and unit tests"
(cd frontend && npm run check && npm run test:unit)

log "web app: build and browser tests"
(cd frontend && npm run build)
FAPAI_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/fapai" npm --prefix frontend run test:browser

if [ "$(id -u)" -eq 0 ]; then
  log "fault tests (bounded): a cluster of three fapai behind HAProxy on Patroni's PostgreSQL pair"
  bash load-tests/faults.sh --quick
else
  log "fault tests skipped: they make network namespaces and run PostgreSQL nodes, so they need root"
fi
