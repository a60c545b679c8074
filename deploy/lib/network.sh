# shellcheck shell=bash
# A whole enlace network on one machine (127.0.0.1), made and run with the real programs:
# enlace-admin creates the PKI and the bundles, enlace-hub and one enlace-node per participant run
# as background processes, each node with its own Unix socket. Sourced by deploy/demo.sh and the
# tests in tests/deploy/; nothing here is a test hook.
#
#   source deploy/lib/network.sh
#   net_setup /tmp/net build/bin        # folder, programs
#   net_create node/MX node/GT admin/secretariat auditor/maria
#   net_start_hub && net_start_nodes node/MX node/GT
#   net_cli node/MX inbox
#   net_stop_all
#
# Every wait is bounded (NET_TIMEOUT seconds, default 30); a failure prints what failed and the
# last lines of the logs concerned, and returns non-zero (callers run with set -e).

NET_TIMEOUT=${NET_TIMEOUT:-30}

# Where everything goes: $NET_DIR/ws (the operator's workspace), hub/, nodes/<id>/, logs, pids.
net_setup() {
  NET_DIR=$1
  NET_BIN=$2
  mkdir -p "$NET_DIR"
  NET_DIR=$(cd "$NET_DIR" && pwd)
  NET_BIN=$(cd "$NET_BIN" && pwd)
  local program
  for program in enlace-admin enlace-hub enlace-node enlace enlace-audit; do
    if [[ ! -x $NET_BIN/$program ]]; then
      echo "error: $NET_BIN/$program is missing: build first (cmake --build build)" >&2
      return 1
    fi
  done
  NET_WS=$NET_DIR/ws
  NET_PIDS=$NET_DIR/pids
  touch "$NET_PIDS"
  NET_ADMIN=(--workspace "$NET_WS" --passphrase-file "$NET_DIR/operator-passphrase")
  # More options for net_create's `enlace-admin init-network` (e.g. --crl-url URL).
  NET_INIT_OPTIONS=()
}

# A participant id's folder name, as enlace-admin names bundles: node/MX -> node-MX.
net_slug() { echo "${1/\//-}"; }

# Prints the last lines of the logs named (default: the hub's and every node's).
net_log_tails() {
  local log
  local logs=("$@")
  if [[ ${#logs[@]} -eq 0 ]]; then
    logs=("$NET_DIR"/hub/hub.log "$NET_DIR"/nodes/*/node.log)
  fi
  for log in "${logs[@]}"; do
    [[ -s $log ]] || continue
    echo "---- last lines of $log" >&2
    tail -n 12 "$log" >&2
  done
}

# net_fail MESSAGE [LOG...]: the message, then the tails of the logs named (default: all).
net_fail() {
  echo "error: $1" >&2
  net_log_tails "${@:2}"
  return 1
}

# net_wait SECONDS WHAT COMMAND...: runs COMMAND every 0.2 s until it succeeds. With NET_WATCH
# set to a pid, gives up at once if that process has exited (a daemon that failed to start).
net_wait() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [[ -n ${NET_WATCH:-} ]] && ! kill -0 "$NET_WATCH" 2>/dev/null; then
      net_fail "the process expected to serve exited early, while waiting for: $what"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      net_fail "timed out after ${seconds} s waiting for: $what"
      return 1
    fi
    sleep 0.2
  done
}

# The operator's workspace: the network's root CA, the hub, and every participant named
# (node/XX, admin/name, observer/ORG, auditor/name), each with its bundle; then directory v1.
# The passphrases are random and kept in 0600 files beside the workspace.
net_create() {
  local id out
  (umask 077
   head -c 18 /dev/urandom | base64 >"$NET_DIR/operator-passphrase"
   head -c 18 /dev/urandom | base64 >"$NET_DIR/bundle-passphrase")
  local bundle=(--bundle-passphrase-file "$NET_DIR/bundle-passphrase")
  out=$NET_DIR/admin.log
  "$NET_BIN/enlace-admin" "${NET_ADMIN[@]}" init-network --name CRM "${NET_INIT_OPTIONS[@]}" \
    >>"$out" 2>&1 ||
    { net_fail "enlace-admin init-network failed" "$out"; return 1; }
  "$NET_BIN/enlace-admin" "${NET_ADMIN[@]}" enrol hub --dns-name localhost "${bundle[@]}" \
    >>"$out" 2>&1 || { net_fail "enlace-admin enrol hub failed" "$out"; return 1; }
  for id in "$@"; do
    local names=()
    case $id in
      admin/secretariat) names=(--name-es "Secretaría Técnica de la CRM"
                                --name-en "CRM Technical Secretariat") ;;
      observer/IOM) names=(--name-es "Organización Internacional para las Migraciones"
                           --name-en "International Organization for Migration") ;;
    esac
    "$NET_BIN/enlace-admin" "${NET_ADMIN[@]}" enrol "$id" "${names[@]}" "${bundle[@]}" \
      >>"$out" 2>&1 || { net_fail "enlace-admin enrol $id failed" "$out"; return 1; }
  done
  "$NET_BIN/enlace-admin" "${NET_ADMIN[@]}" directory publish >>"$out" 2>&1 ||
    { net_fail "enlace-admin directory publish failed" "$out"; return 1; }
  # What the operator publishes for auditors: the hub's log key (public half of its signing key).
  openssl pkey -in "$(ls "$NET_WS"/bundles/hub/signing-*.pem)" \
    -passin "file:$NET_DIR/bundle-passphrase" -pubout -out "$NET_DIR/hub-log-key.pem" \
    2>>"$out" || { net_fail "cannot extract the hub's public log key" "$out"; return 1; }
}

# The hub's configuration (docs/hub.md §10), its keys straight from its bundle.
net_write_hub_config() {
  local b=$NET_WS/bundles/hub
  mkdir -p "$NET_DIR/hub"
  cat >"$NET_DIR/hub/hub.conf" <<EOF
# enlace-hub configuration written by deploy/lib/network.sh
listen_address: "127.0.0.1:${NET_HUB_PORT:-0}"
data_dir: "$NET_DIR/hub/data"
backup_dir: "$NET_DIR/hub/backups"
tls {
  root_certificate: "$b/root.pem"
  certificate: "$b/tls.pem"
  private_key { path: "$b/tls-key.pem" passphrase_file: "$NET_DIR/bundle-passphrase" }
}
log_key {
  path: "$(ls "$b"/signing-*.pem)"
  passphrase_file: "$NET_DIR/bundle-passphrase"
}
directory_file: "$NET_WS/directory/current.pb"
metrics_address: "127.0.0.1:0"
max_merge_delay_ms: 500
shutdown_grace_ms: 2000
ready_file: "$NET_DIR/hub/ready"
EOF
}

# Starts enlace-hub (port 0 the first time, the same port afterwards) and waits for its ready
# file. Sets NET_HUB_ADDRESS and NET_METRICS_PORT.
net_start_hub() {
  [[ -f $NET_DIR/hub/hub.conf ]] || net_write_hub_config
  rm -f "$NET_DIR/hub/ready"
  "$NET_BIN/enlace-hub" --config "$NET_DIR/hub/hub.conf" >>"$NET_DIR/hub/hub.log" 2>&1 &
  local pid=$!
  echo "hub $pid" >>"$NET_PIDS"
  NET_WATCH=$pid net_wait "$NET_TIMEOUT" "enlace-hub to serve (its ready file)" \
    test -s "$NET_DIR/hub/ready" || return 1
  local port metrics
  read -r port metrics <"$NET_DIR/hub/ready"
  if [[ -z ${NET_HUB_PORT:-} ]]; then
    # Later starts (a restore) keep the port the nodes were configured with.
    NET_HUB_PORT=$port
    sed -i "s/^listen_address: .*/listen_address: \"127.0.0.1:$port\"/" "$NET_DIR/hub/hub.conf"
  fi
  NET_HUB_ADDRESS=127.0.0.1:$port
  export NET_METRICS_PORT=$metrics  # for callers (the demo prints it)
}

# The hub's Prometheus metrics (docs/hub.md §9), as text.
net_metrics() {
  python3 -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' \
    "http://127.0.0.1:$NET_METRICS_PORT/metrics"
}

# A node's configuration (docs/user-guide.md, "Configuring the node"): the bundle's files, the
# calling OS user as focal point, a socket in the node's folder.
net_write_node_config() {
  local id=$1 lang=${2:-es}
  local slug
  slug=$(net_slug "$id")
  local b=$NET_WS/bundles/$slug dir=$NET_DIR/nodes/$slug
  mkdir -p "$dir"
  local signing=() encryption=() f
  for f in "$b"/signing-*.pem; do signing+=("  signing_key_files: \"$f\""); done
  for f in "$b"/encryption-*.pem; do encryption+=("  encryption_key_files: \"$f\""); done
  cat >"$dir/node.conf" <<EOF
# enlace-node configuration written by deploy/lib/network.sh
participant_id: "$id"
data_dir: "$dir/data"
hub {
  address: "$NET_HUB_ADDRESS"
  root_certificate: "$b/root.pem"
  certificate: "$b/tls.pem"
  private_key: "$b/tls-key.pem"
}
keys {
$(printf '%s\n' "${signing[@]}" "${encryption[@]}")
  passphrase_file: "$NET_DIR/bundle-passphrase"
}
local_api { socket_path: "$dir/node.sock" }
users { os_user: "$(id -un)" role: NODE_ROLE_FOCAL_POINT officer: "Punto focal / focal point" }
language: "$lang"
outbox { initial_backoff_ms: 200 max_backoff_ms: 2000 }
witness { check_interval_s: 5 }
EOF
}

net_socket() { echo "$NET_DIR/nodes/$(net_slug "$1")/node.sock"; }

# The node's answer to `enlace whoami`: it serves its socket and knows who calls.
net_node_ready() { "$NET_BIN/enlace" --socket "$(net_socket "$1")" whoami; }

# Starts one enlace-node per id (all at once), then waits until each answers on its socket.
net_start_nodes() {
  local id slug dir
  for id in "$@"; do
    slug=$(net_slug "$id")
    dir=$NET_DIR/nodes/$slug
    [[ -f $dir/node.conf ]] || net_write_node_config "$id"
    "$NET_BIN/enlace-node" --config "$dir/node.conf" >>"$dir/node.log" 2>&1 &
    echo "$slug $!" >>"$NET_PIDS"
  done
  local pid
  for id in "$@"; do
    slug=$(net_slug "$id")
    pid=$(net_pid "$slug") ||
      { net_fail "enlace-node $id exited at start" "$NET_DIR/nodes/$slug/node.log"; return 1; }
    NET_WATCH=$pid net_wait "$NET_TIMEOUT" "enlace-node $id to answer on its socket" \
      net_node_ready "$id" || return 1
  done
}

# The pid recorded for a process name (hub, node-MX ...), if it still runs.
net_pid() {
  local name=$1 pid
  pid=$(awk -v n="$name" '$1 == n { p = $2 } END { print p }' "$NET_PIDS")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# SIGTERM, then waits (bounded) for the process to exit. Non-zero if it had to be killed.
net_stop() {
  local name=$1 pid
  pid=$(net_pid "$name") || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  local deadline=$((SECONDS + NET_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      kill -KILL "$pid" 2>/dev/null
      echo "error: $name (pid $pid) did not stop within ${NET_TIMEOUT} s of SIGTERM: killed" >&2
      return 1
    fi
    sleep 0.1
  done
  wait "$pid" 2>/dev/null || true
}

# Stops the nodes, then the hub (it drains and signs a last tree head).
net_stop_all() {
  local name status=0
  for name in $(awk '$1 != "hub" { print $1 }' "$NET_PIDS" | sort -u); do
    net_stop "$name" || status=1
  done
  net_stop hub || status=1
  return $status
}

# `enlace` as the node's focal point: net_cli node/MX inbox --unread
net_cli() {
  local id=$1
  shift
  "$NET_BIN/enlace" --socket "$(net_socket "$id")" "$@"
}

# One field of a node's case, from `enlace --json cases`: net_case_field node/MX REF referral_state
net_case_field() {
  net_cli "$1" --json cases | python3 -c '
import json, sys
ref, field = sys.argv[1], sys.argv[2]
for case in json.load(sys.stdin).get("cases", []):
    if case.get("ref") == ref:
        value = case.get(field, "")
        print(json.dumps(value) if isinstance(value, (list, dict)) else value)
        break
' "$2" "$3"
}

# The delivery state of a message in a node's inbox (ITEM_STATE_...).
net_item_state() {
  net_cli "$1" --json inbox | python3 -c '
import json, sys
for item in json.load(sys.stdin).get("items", []):
    if item.get("message_id") == sys.argv[1]:
        print(item.get("delivery", ""), item.get("error", ""))
' "$2"
}
