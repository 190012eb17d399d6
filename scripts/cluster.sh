#!/usr/bin/env bash
# The whole production topology on one machine (README: Running in production):
#
#   etcd ── Patroni + PostgreSQL node 1 (primary or synchronous standby)   each node in its own network
#        └─ Patroni + PostgreSQL node 2                                     namespace, as on its own machine
#   HAProxy: 127.0.0.1:8080 → three `fapai` (127.0.0.1:8081–8083), health-checked on /api/ready;
#            127.0.0.1:5480 → the PostgreSQL primary, 127.0.0.1:5481 → the replicas (Patroni's REST checks)
#
#   scripts/cluster.sh up | down | status
#   scripts/cluster.sh kill-fapai N | start-fapai N | rolling-restart        (N = 1, 2, 3)
#   scripts/cluster.sh kill-node N | start-node N                            (N = 1, 2: the whole machine)
#   scripts/cluster.sh kill-primary | partition-primary | heal               (whichever node leads now)
#   scripts/cluster.sh primary                                               (prints 1 or 2)
#
# Run as root (it installs Debian's patroni, etcd-server and haproxy when missing, and makes the network
# namespaces). State lives in FAPAI_CLUSTER_DIR (default /var/tmp/fapai-cluster). The `fapai` binary is
# FAPAI_BIN, else the release build (built here, with the web app, when absent). Every FAPAI_* variable in
# the environment reaches the three processes; by default they run with the test clock (FAPAI_CLOCK=manual,
# shared by the cluster through PostgreSQL) and the sandbox gateway, as the test suite does — FAPAI_CLOCK=system
# for real time. The administrator is FAPAI_ADMIN_EMAIL / FAPAI_ADMIN_PASSWORD (printed by `up`).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

state=${FAPAI_CLUSTER_DIR:-/var/tmp/fapai-cluster}
subnet=10.231.0
bridge=fapai-br0
http_port=${FAPAI_CLUSTER_HTTP_PORT:-8080}
fapai_ports=(8081 8082 8083)
pg_primary_port=5480
pg_replica_port=5481
stats_port=8404
etcd_url="http://$subnet.1:2379"
export FAPAI_ADMIN_EMAIL=${FAPAI_ADMIN_EMAIL:-admin@cluster.fapai}
export FAPAI_ADMIN_PASSWORD=${FAPAI_ADMIN_PASSWORD:-cluster-admin-password}

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

node_address() { echo "$subnet.1$1"; }
namespace() { echo "fapai-pg$1"; }

require_root() {
  [ "$(id -u)" -eq 0 ] || die "run as root: it makes network namespaces and runs PostgreSQL as postgres"
}

install_packages() {
  local missing=()
  command -v patroni >/dev/null || missing+=(patroni)
  command -v etcd >/dev/null || missing+=(etcd-server)
  command -v etcdctl >/dev/null || missing+=(etcd-client)
  command -v haproxy >/dev/null || missing+=(haproxy)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v curl >/dev/null || missing+=(curl)
  [ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql-15)
  command -v psql >/dev/null || missing+=(postgresql-client)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

fapai_binary() {
  if [ -n "${FAPAI_BIN:-}" ]; then
    echo "$FAPAI_BIN"
    return
  fi
  local target=${CARGO_TARGET_DIR:-$HOME/.cache/fapai-target}
  if [ ! -x "$target/release/fapai" ]; then
    log "building the release binary with the web app (once)"
    # shellcheck source=scripts/frontend-deps.sh
    source scripts/frontend-deps.sh
    frontend_deps
    (cd frontend && npm run build >/dev/null)
    CARGO_TARGET_DIR=$target cargo build --release -q -p backend --bin fapai
  fi
  echo "$target/release/fapai"
}

# --- the network: a bridge on this machine, one namespace per database node ---------------------------------

network_up() {
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
    ip addr add "$subnet.1/24" dev "$bridge"
  fi
  ip link set "$bridge" up
  for n in 1 2; do
    local ns; ns=$(namespace "$n")
    if ! ip netns list | grep -qw "$ns"; then
      ip netns add "$ns"
      ip link add "fapai-v$n" type veth peer name "fapai-v${n}n"
      ip link set "fapai-v${n}n" netns "$ns"
      ip link set "fapai-v$n" master "$bridge"
      ip netns exec "$ns" ip addr add "$(node_address "$n")/24" dev "fapai-v${n}n"
      ip netns exec "$ns" ip link set "fapai-v${n}n" up
      ip netns exec "$ns" ip link set lo up
      ip netns exec "$ns" ip route add default via "$subnet.1"
    fi
    ip link set "fapai-v$n" up
  done
}

network_down() {
  for n in 1 2; do
    ip netns del "$(namespace "$n")" 2>/dev/null || true
    ip link del "fapai-v$n" 2>/dev/null || true
  done
  ip link del "$bridge" 2>/dev/null || true
}

# --- etcd -----------------------------------------------------------------------------------------------------

etcd_up() {
  mkdir -p "$state/etcd"
  if running "$state/etcd/pid"; then return; fi
  etcd --name fapai-etcd --data-dir "$state/etcd/data" \
    --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
    --listen-peer-urls "http://$subnet.1:2380" --initial-advertise-peer-urls "http://$subnet.1:2380" \
    --initial-cluster "fapai-etcd=http://$subnet.1:2380" --initial-cluster-state new \
    --enable-v2=false >"$state/etcd/etcd.log" 2>&1 &
  echo $! >"$state/etcd/pid"
  wait_for "etcd" 30 curl -fsS "$etcd_url/health"
}

# --- PostgreSQL nodes under Patroni ---------------------------------------------------------------------------

render() { # template output key=value...
  local template=$1 output=$2; shift 2
  local text; text=$(cat "$template")
  for pair in "$@"; do
    text=${text//"@${pair%%=*}@"/"${pair#*=}"}
  done
  printf '%s\n' "$text" >"$output"
}

node_up() {
  local n=$1 dir="$state/pg$1"
  mkdir -p "$dir"
  chown postgres:postgres "$dir"
  chmod 700 "$dir"
  render deploy/patroni.yml.in "$dir/patroni.yml" NAME="pg$n" ADDRESS="$(node_address "$n")" \
    NODE_DIR="$dir" DATA_DIR="$dir/data" ETCD="$subnet.1:2379"
  chown postgres:postgres "$dir/patroni.yml"
  # From the node's own directory: postgres may not enter the caller's (a clone under a private /tmp).
  (cd "$dir" && exec ip netns exec "$(namespace "$n")" runuser -u postgres -- \
    setsid patroni "$dir/patroni.yml" >>"$dir/patroni.log" 2>&1 </dev/null) &
  echo $! >"$dir/pid"
}

# Every process of node N — Patroni and PostgreSQL — as the death of its machine would take them.
node_kill() {
  local pids; pids=$(ip netns pids "$(namespace "$1")" 2>/dev/null || true)
  [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
  rm -f "$state/pg$1/pid"
}

node_role() { # primary | replica | down
  local answer
  answer=$(curl -s -m 1 -o /dev/null -w '%{http_code}' "http://$(node_address "$1"):8008/primary" || true)
  case "$answer" in
    200) echo primary ;;
    503) echo replica ;;
    *) echo down ;;
  esac
}

primary_node() {
  for n in 1 2; do
    [ "$(node_role "$n")" = primary ] && { echo "$n"; return 0; }
  done
  return 1
}

wait_for_cluster() {
  wait_for "a primary" 90 primary_node
  wait_for "a streaming synchronous standby" 120 synchronous_standby
}

synchronous_standby() {
  local members
  members=$(curl -fsS -m 2 "http://$(node_address "$(primary_node)"):8008/cluster" 2>/dev/null) || return 1
  python3 -c 'import json, sys; members = json.load(sys.stdin)["members"]; sys.exit(0 if any(m["role"] == "sync_standby" and m["state"] in ("running", "streaming") for m in members) else 1)' <<<"$members"
}

# --- HAProxy --------------------------------------------------------------------------------------------------

haproxy_up() {
  local servers="" nodes=""
  for i in 0 1 2; do
    servers+="    server fapai$((i + 1)) 127.0.0.1:${fapai_ports[$i]} check"$'\n'
  done
  for n in 1 2; do
    nodes+="    server pg$n $(node_address "$n"):5432 check port 8008"$'\n'
  done
  render deploy/haproxy.cfg.in "$state/haproxy.cfg" HTTP="127.0.0.1:$http_port" \
    FAPAI_SERVERS="${servers%$'\n'}" PG_NODES="${nodes%$'\n'}" PG_PRIMARY="127.0.0.1:$pg_primary_port" \
    PG_REPLICAS="127.0.0.1:$pg_replica_port" STATS="127.0.0.1:$stats_port" STATE="$state" \
    ERRORS="$root/deploy/haproxy-errors"
  haproxy -c -q -f "$state/haproxy.cfg"
  if running "$state/haproxy.pid"; then
    haproxy -D -f "$state/haproxy.cfg" -sf "$(cat "$state/haproxy.pid")"
  else
    haproxy -D -f "$state/haproxy.cfg"
  fi
}

# --- fapai ----------------------------------------------------------------------------------------------------

secrets() {
  if [ ! -f "$state/secrets.env" ]; then
    umask 077
    printf 'FAPAI_JWT_SECRET=%s\nFAPAI_PAYMENTS_SECRET=%s\n' \
      "$(head -c 32 /dev/urandom | base64 | tr -d '/+=')" "$(head -c 32 /dev/urandom | base64 | tr -d '/+=')" \
      >"$state/secrets.env"
  fi
}

fapai_up() {
  local n=$1 port=${fapai_ports[$(($1 - 1))]}
  local bin; bin=$(cat "$state/fapai-bin")
  mkdir -p "$state/fapai$n" "$state/data"
  (
    set -a
    # shellcheck source=/dev/null
    source "$state/secrets.env"
    set +a
    export FAPAI_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_primary_port/fapai"
    export FAPAI_DATABASE_READ_URL="${FAPAI_DATABASE_READ_URL-postgres://postgres@127.0.0.1:$pg_replica_port/fapai}"
    export FAPAI_LISTEN="127.0.0.1:$port"
    export FAPAI_DATA_DIR="$state/data"
    export FAPAI_MAIL="${FAPAI_MAIL:-file:$state/outbox}"
    export FAPAI_CLOCK="${FAPAI_CLOCK:-manual}"
    export FAPAI_INSTANCE="fapai$n"
    export RUST_LOG="${RUST_LOG:-warn,backend=info}"
    ulimit -n 65536 2>/dev/null || true
    exec setsid "$bin" serve >>"$state/fapai$n/fapai.log" 2>&1 </dev/null
  ) &
  echo $! >"$state/fapai$n/pid"
  wait_for "fapai$n" 60 curl -fsS -m 1 "http://127.0.0.1:$port/api/ready"
}

# Whether HAProxy sends requests to fapai N again (its health checks passed).
balanced() {
  curl -fsS -m 1 "http://127.0.0.1:$stats_port/;csv" 2>/dev/null | grep -q "^fapai,fapai$1,.*,UP,"
}

fapai_stop() { # N [signal]
  local pidfile="$state/fapai$1/pid"
  running "$pidfile" || return 0
  local pid; pid=$(cat "$pidfile")
  kill "-${2:-TERM}" "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  rm -f "$pidfile"
}

# --- helpers --------------------------------------------------------------------------------------------------

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() { # what seconds command...
  local what=$1 seconds=$2; shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  die "$what did not come up within ${seconds}s (logs under $state)"
}

create_database() {
  local url="postgres://postgres@127.0.0.1:$pg_primary_port"
  wait_for "the primary through HAProxy" 60 psql "$url/postgres" -qAtc 'SELECT 1'
  if [ "$(psql "$url/postgres" -qAtc "SELECT count(*) FROM pg_database WHERE datname = 'fapai'")" = 0 ]; then
    psql "$url/postgres" -qc 'CREATE DATABASE fapai'
  fi
}

status() {
  printf 'etcd      %s\n' "$(curl -fsS -m 1 "$etcd_url/health" 2>/dev/null || echo down)"
  for n in 1 2; do
    printf 'pg%s       %s  %s:5432  (Patroni %s:8008)\n' "$n" "$(node_role "$n")" "$(node_address "$n")" "$(node_address "$n")"
  done
  for n in 1 2 3; do
    local port=${fapai_ports[$((n - 1))]} ready
    ready=$(curl -s -m 1 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/ready" || true)
    printf 'fapai%s    %s  127.0.0.1:%s  pid %s\n' "$n" "$([ "$ready" = 200 ] && echo ready || echo "down ($ready)")" \
      "$port" "$(cat "$state/fapai$n/pid" 2>/dev/null || echo -)"
  done
  printf 'haproxy   %s  http://127.0.0.1:%s  pg primary 127.0.0.1:%s  replicas 127.0.0.1:%s  stats http://127.0.0.1:%s/\n' \
    "$(running "$state/haproxy.pid" && echo up || echo down)" "$http_port" "$pg_primary_port" "$pg_replica_port" "$stats_port"
}

command=${1:-status}
case "$command" in
  up)
    require_root
    install_packages
    mkdir -p "$state"
    fapai_binary >"$state/fapai-bin"
    network_up
    etcd_up
    for n in 1 2; do running "$state/pg$n/pid" || node_up "$n"; done
    haproxy_up
    wait_for_cluster
    create_database
    secrets
    for n in 1 2 3; do running "$state/fapai$n/pid" || fapai_up "$n"; done
    for n in 1 2 3; do wait_for "fapai$n behind HAProxy" 30 balanced "$n"; done
    status
    log "up: http://127.0.0.1:$http_port/ (administrator $FAPAI_ADMIN_EMAIL / $FAPAI_ADMIN_PASSWORD)"
    ;;
  down)
    require_root
    for n in 1 2 3; do fapai_stop "$n" KILL; done
    running "$state/haproxy.pid" && kill "$(cat "$state/haproxy.pid")" 2>/dev/null || true
    for n in 1 2; do node_kill "$n"; done
    running "$state/etcd/pid" && kill "$(cat "$state/etcd/pid")" 2>/dev/null || true
    sleep 0.5
    network_down
    rm -rf "$state"
    log "down"
    ;;
  status) status ;;
  primary) primary_node ;;
  kill-fapai) fapai_stop "${2:?which fapai: 1, 2 or 3}" KILL ;;
  start-fapai)
    fapai_up "${2:?which fapai: 1, 2 or 3}"
    wait_for "fapai$2 behind HAProxy" 30 balanced "$2"
    ;;
  rolling-restart)
    # One at a time: SIGTERM drains it (HAProxy stops sending to it once /api/ready fails), then it comes
    # back, and the next goes only once HAProxy sends to this one again.
    for n in 1 2 3; do
      fapai_stop "$n" TERM
      fapai_up "$n"
      wait_for "fapai$n behind HAProxy" 30 balanced "$n"
    done
    ;;
  kill-node) node_kill "${2:?which node: 1 or 2}" ;;
  start-node) node_up "${2:?which node: 1 or 2}" ;;
  kill-primary)
    n=$(primary_node) || die "no primary"
    node_kill "$n"
    echo "$n"
    ;;
  partition-primary)
    n=$(primary_node) || die "no primary"
    ip link set "fapai-v$n" down
    echo "$n"
    ;;
  heal)
    for n in 1 2; do ip link set "fapai-v$n" up; done
    for n in 1 2; do running "$state/pg$n/pid" || node_up "$n"; done
    wait_for_cluster
    ;;
  *) die "unknown command $command (up, down, status, kill-fapai, start-fapai, rolling-restart, kill-node, start-node, kill-primary, partition-primary, heal, primary)" ;;
esac
