#!/usr/bin/env bash
# The README's main command: the CRM liaison officers' network on this machine, in one go.
#
#   deploy/demo.sh                 install what is missing, build, run the demo, stop everything
#   deploy/demo.sh --keep          ... and leave the network running to try the CLI by hand
#   deploy/demo.sh --no-build      use the programs already built (no apt, no build; for tests)
#   deploy/demo.sh --build-dir D   programs from D/bin (default: build, or $ENLACE_BUILD_DIR)
#   deploy/demo.sh --dir D         make the network in D (default: a new folder under /tmp)
#   deploy/demo.sh --lang es       tables and messages in Spanish (default English)
#
# It creates a fresh network with enlace-admin (root CA, hub, the 11 countries BZ CA CR SV US GT
# HN MX NI PA DO, the Secretariat, an IOM observer, an auditor), starts enlace-hub and one
# enlace-node per country, the Secretariat and IOM on 127.0.0.1 (free ports, one socket each),
# and plays the network's scenario with the real `enlace`, `enlace-admin` and `enlace-audit`:
#   1. Mexico refers an unaccompanied Guatemalan girl to Guatemala; her case moves to assistance;
#   2. a US investigator's smuggling alert to GT, HN, SV and MX;
#   3. the Secretariat's legislation-matrix request to CR, HN and PA (two answer; the
#      Secretariat's node shows Panama overdue, and so does Panama's) and an IOM bulletin with an
#      annex, which Guatemala exports and checks against the original's SHA-256;
#   4. Belize's stolen signing key is revoked and its next message refused;
#   5. the auditor verifies the log, and the hub's stored data is searched for the girl's data
#      (none may be found).
# Exit status: 0 when every step held; 1 otherwise (the failing step, its output and the last
# lines of the logs are printed). Everything started is stopped on every exit, unless --keep.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

keep=0 build=1 lang=en
build_dir=${ENLACE_BUILD_DIR:-build}
net_dir=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --keep) keep=1 ;;
    --no-build) build=0 ;;
    --build-dir) build_dir=${2:?--build-dir needs a folder}; shift ;;
    --dir) net_dir=${2:?--dir needs a folder}; shift ;;
    --lang) lang=${2:?--lang needs es or en}; shift
            [[ $lang == es || $lang == en ]] || { echo "demo.sh: --lang is es or en" >&2; exit 2; } ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

start=$SECONDS
bold=$'\e[1m' green=$'\e[32m' red=$'\e[31m' plain=$'\e[0m'
if [[ ! -t 1 ]]; then bold="" green="" red="" plain=""; fi
step_name="set-up"
step_label="set-up"
summary=()

say() { echo "  $*"; }
# step LABEL TITLE: LABEL names the step in the summary.
step() {
  step_label=$1
  step_name=$2
  echo
  echo "${bold}== $2 ==${plain}"
}
passed() {
  echo "  ${green}✓${plain} $*"
  summary+=("$(printf '✓ %-10s %s' "$step_label" "$*")")
}
# A command as one would type it: arguments with spaces or quotes in double quotes, and paths
# inside the network's folder relative to it (the demo runs there).
typed() {
  local arg words=() special="[[:space:]\"'\$]"
  for arg in "$@"; do
    arg=${arg//"$NET_DIR"\//}
    arg=${arg#"$NET_BIN"/}
    if [[ -z $arg || $arg =~ $special ]]; then arg="\"${arg//\"/\\\"}\""; fi
    words+=("$arg")
  done
  echo "${words[*]}"
}
fail() {
  echo "${red}FAILED${plain} in \"$step_name\": $*" >&2
  exit 1
}
# Runs a command, showing it; its output is indented. Fails the step on a non-zero exit.
show() {
  echo "  \$ $(typed "$@")"
  local out
  if ! out=$("$@" 2>&1); then
    echo "$out" | sed 's/^/    /'
    fail "command failed: $(typed "$@")"
  fi
  [[ -z $out ]] || echo "$out" | sed 's/^/    /'
}
# `enlace` at a participant's node, shown as the focal point would type it there.
at() {
  local id=$1
  shift
  echo "  [$id] \$ $(typed enlace "$@")"
  local out
  if ! out=$(net_cli "$id" --lang "$lang" "$@" 2>&1); then
    echo "$out" | sed 's/^/    /'
    fail "enlace $* failed at $id"
  fi
  if [[ -n ${BRIEF:-} ]]; then out=${out%%$'\n\n'*}; fi  # a thread's steps, not every message
  [[ -z $out ]] || echo "$out" | sed 's/^/    /'
}
# The same, quietly, for values the demo reads (JSON).
ask() {
  local id=$1
  shift
  net_cli "$id" --json "$@" 2>&1 || fail "enlace $* failed at $id"
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
has_case() { [[ -n $(net_case_field "$1" "$2" ref) ]]; }

if [[ $build -eq 1 ]]; then
  step build "Set-up and build"
  deploy/setup.sh
  export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/enlace-ccache}
  export CCACHE_BASEDIR=$ROOT
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build_dir" -j "${ENLACE_JOBS:-2}" \
    --target enlace-hub enlace-node enlace enlace-admin enlace-audit
fi

# shellcheck source=deploy/lib/network.sh
source deploy/lib/network.sh
[[ -n $net_dir ]] || net_dir=$(mktemp -d /tmp/enlace-demo.XXXXXX)
net_setup "$net_dir" "$build_dir/bin" || exit 1
cd "$NET_DIR" # the commands shown can be typed as they are, from here
command -v ldb >/dev/null || fail "RocksDB's ldb is missing: run deploy/setup.sh (rocksdb-tools)"

finish() {
  local status=$?
  trap - EXIT INT TERM
  if [[ $status -ne 0 ]]; then
    echo >&2
    net_log_tails
    echo "${red}demo failed${plain} (exit $status) in \"$step_name\"; the network's files are in $NET_DIR" >&2
  fi
  if [[ $keep -eq 1 && $status -eq 0 ]]; then
    return
  fi
  if ! net_stop_all; then
    echo "error: a daemon did not stop cleanly" >&2
    status=1
  fi
  exit $status
}
trap finish EXIT
trap 'exit 130' INT TERM

COUNTRIES=(BZ CA CR SV US GT HN MX NI PA DO)
NODES=()
for c in "${COUNTRIES[@]}"; do NODES+=("node/$c"); done
NODES+=(admin/secretariat observer/IOM)
EXAMPLES=$ROOT/tests/data/examples
# An example of tests/data/examples as if written now, without its attachments (they name files
# that do not exist).
fill() { python3 "$ROOT/deploy/demo/fill_example.py" --no-attachments "$EXAMPLES/$1" "${@:2}"; }

echo "${bold}enlace demo${plain}: the CRM liaison officers' network on 127.0.0.1, in $NET_DIR"
echo "(the commands below run there; [node/MX] names the node whose socket \`enlace\` talks to)"

# ---------------------------------------------------------------------------------------------
step network "The network"
t0=$(date -u +%FT%TZ)
net_create "${NODES[@]}" auditor/demo
say "enlace-admin made the root CA, the hub and ${#NODES[@]} participants + auditor/demo" \
    "(bundles in $NET_WS/bundles), and published directory version 1"
net_start_hub
say "enlace-hub serves 127.0.0.1:${NET_HUB_PORT} (mutual TLS); metrics http://127.0.0.1:${NET_METRICS_PORT}/metrics"
for id in "${NODES[@]}"; do
  case $id in node/US|node/CA|node/BZ) net_write_node_config "$id" en ;;
              *) net_write_node_config "$id" es ;; esac
done
net_start_nodes "${NODES[@]}"
say "${#NODES[@]} enlace-node daemons answer on their sockets: ${COUNTRIES[*]}, Secretariat, IOM"
passed "hub and ${#NODES[@]} nodes running"

# ---------------------------------------------------------------------------------------------
step "1 referral" "1. Mexico refers an unaccompanied Guatemalan girl to Guatemala for assisted return"
fill victim_referral_mx_to_gt_unaccompanied_girl.json >"$NET_DIR/referral.json"
at node/MX send referral --file "$NET_DIR/referral.json"
case_ref=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["victim_referral"]["case_ref"])' \
  "$NET_DIR/referral.json")
state_is() { [[ $(net_case_field "$1" "$case_ref" referral_state) == "REFERRAL_STATE_$2" ]]; }
net_wait 20 "Guatemala's node to receive the referral and Mexico to see it Received" \
  state_is node/MX RECEIVED || fail "the referral did not reach Guatemala"
say "Guatemala's node verified, stored and acknowledged it; Mexico sees: Received"
at node/GT inbox --kind VICTIM_REFERRAL
for move in GT:ACCEPTED GT:RISK_ASSESSMENT GT:RETURN_PLANNED MX:IN_TRANSIT GT:RETURN_COMPLETED \
            GT:ASSISTANCE_STARTED; do
  who=node/${move%%:*} what=${move#*:}
  other=node/MX; [[ $who == node/MX ]] && other=node/GT
  note=()
  [[ $what == ACCEPTED ]] && note=(--note "Caso aceptado por la PGN")
  [[ $what == IN_TRANSIT ]] && note=(--note "Traslado terrestre por Ciudad Hidalgo – Tecún Umán")
  at "$who" status "$case_ref" "$what" "${note[@]}"
  net_wait 20 "$other to see the case in $what" state_is "$other" "$what" ||
    fail "$other did not see the step $what"
  say "→ $other sees the case in $what"
done
BRIEF=1 at node/MX thread "$case_ref"
passed "case ${case_ref:0:8}…: Received → Accepted → … → Assistance started, both sides saw each step"

# ---------------------------------------------------------------------------------------------
step "2 alert" "2. A US investigator alerts GT, HN, SV and MX about a smuggling route (B2, H2)"
fill smuggling_alert_us_route_to_gt_hn_sv_mx.json >"$NET_DIR/alert.json"
at node/US send alert --file "$NET_DIR/alert.json"
alert_ref=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["smuggling_alert"]["alert_ref"])' \
  "$NET_DIR/alert.json")
for c in GT HN SV MX; do
  net_wait 20 "node/$c to receive the alert" has_case "node/$c" "$alert_ref" ||
    fail "node/$c has no alert"
done
for c in GT HN SV MX; do at "node/$c" respond "$alert_ref" --feedback ACKNOWLEDGED; done
at node/GT respond "$alert_ref" --feedback HIT \
  --note "Tractocamión blanco UB-4721-X visto en Tecún Umán / white truck UB-4721-X seen at Tecún Umán"
feedback_count() {
  [[ $(net_case_field node/US "$alert_ref" recipients | python3 -c '
import json, sys
print(sum(1 for r in json.load(sys.stdin) if r.get("last_feedback", "FEEDBACK_TYPE_UNSPECIFIED") != "FEEDBACK_TYPE_UNSPECIFIED"))') == 4 ]]
}
net_wait 20 "the four answers to reach the US" feedback_count || fail "the US did not get four answers"
BRIEF=1 at node/US thread "$alert_ref"
alert_id=$(ask node/GT inbox --kind SMUGGLING_ALERT | json 'd["items"][0]["message_id"]')
echo "  [node/GT] \$ enlace forward $alert_id --to PA --note \"ruta relevante\""
if out=$(net_cli node/GT --lang "$lang" forward "$alert_id" --to PA --note "ruta relevante" 2>&1); then
  echo "$out" | sed 's/^/    /'
  fail "the H2 alert was forwarded"
fi
echo "$out" | sed 's/^/    /'
passed "${alert_ref:0:8}…: 4 acknowledged, 1 hit, seen by the US; the H2 alert's forward refused"

# ---------------------------------------------------------------------------------------------
step "3 request" "3. The Secretariat asks for legislation-matrix inputs and distributes an IOM bulletin"
deadline=$(date -u -d "+12 seconds" +%FT%TZ)
fill info_request_secretariat_legislation_matrix.json --set "info_request.deadline=$deadline" \
  >"$NET_DIR/request.json"
at admin/secretariat send request --file "$NET_DIR/request.json" --to CR,HN,PA
request_ref=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["info_request"]["request_ref"])' \
  "$NET_DIR/request.json")
for c in CR HN PA; do
  net_wait 20 "node/$c to receive the request" has_case "node/$c" "$request_ref" ||
    fail "node/$c has no request"
done
fill legislation_matrix_update_cr.json \
  --set "legislation_matrix_update.request_ref=$request_ref" \
  --set "legislation_matrix_update.request_deadline=$deadline" \
  --set "legislation_matrix_update.entries.2.text=Las víctimas no son sancionadas por delitos cometidos como consecuencia directa de la trata (texto ilustrativo)." \
  >"$NET_DIR/matrix-cr.json"
at node/CR send matrix --file "$NET_DIR/matrix-cr.json"
at node/HN respond "$request_ref" \
  --answer "Honduras: Ley contra la Trata de Personas (Decreto 59-2012) vigente, sin reformas en el periodo"
# The Secretariat's node tracks each addressee: who answered, and (after the deadline) who is
# overdue. Prints "CC:DEADLINE_STATUS[:answered]" per addressee in order, e.g.
# "CR:DEADLINE_STATUS_MET:answered HN:DEADLINE_STATUS_PENDING PA:DEADLINE_STATUS_PENDING".
addressees() {
  net_case_field admin/secretariat "$request_ref" recipients | python3 -c '
import json, sys
print(" ".join(r["participant_id"].split("/")[1] + ":" + r.get("deadline_status", "-")
               + (":answered" if r.get("answered_at") else "")
               for r in sorted(json.load(sys.stdin), key=lambda r: r["participant_id"])))'
}
answered() { [[ $(addressees) == *CR:*:answered*HN:*:answered* ]]; }
net_wait 20 "the answers of CR and HN to reach the Secretariat" answered ||
  fail "the Secretariat did not get both answers"
BRIEF=1 at admin/secretariat thread "$request_ref"
# The bulletin carries an annex: a real file, sealed with the message and checked on arrival.
annex=$NET_DIR/anexo-boletin-oim-2026-03.txt
cat >"$annex" <<'ANNEX'
OIM / IOM — Anexo del boletín regional / Regional bulletin annex (2026-03)
Calendario de capacitaciones del segundo trimestre / Training calendar, second quarter:
  - Identificación de víctimas en frontera / Victim identification at borders
  - Retorno asistido de la niñez / Assisted return of children
  - Captación en línea / Online recruitment
Distribución: TLP:GREEN — Red de Funcionarios de Enlace de la CRM.
ANNEX
fill bulletin_secretariat_iom_es_en.json >"$NET_DIR/bulletin.json"
bulletin_ref=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bulletin"]["bulletin_ref"])' \
  "$NET_DIR/bulletin.json")
at admin/secretariat send bulletin --file "$NET_DIR/bulletin.json" --to all --attach "$annex"
bulletin_at() { [[ $(net_cli "$1" --json inbox --kind BULLETIN) == *"\"$bulletin_ref\""* ]]; }
for id in "${NODES[@]}"; do
  [[ $id == admin/secretariat ]] && continue
  net_wait 20 "$id to receive the bulletin" bulletin_at "$id" || fail "$id has no bulletin"
done
say "the bulletin and its annex reached the 11 countries and IOM"
at observer/IOM inbox
bulletin_id=$(ask node/GT inbox --kind BULLETIN | json 'd["items"][0]["message_id"]')
at node/GT export "$bulletin_id" --attachment 1 --out "$NET_DIR/annex-exported-by-GT.txt"
sent_sha=$(sha256sum "$annex" | cut -d' ' -f1)
got_sha=$(sha256sum "$NET_DIR/annex-exported-by-GT.txt" | cut -d' ' -f1)
say "SHA-256 of the annex sent: $sent_sha"
say "SHA-256 exported at GT:    $got_sha"
[[ $sent_sha == "$got_sha" ]] || fail "the annex exported at Guatemala differs from the one sent"
remaining=$(($(date -u -d "$deadline" +%s) - $(date -u +%s) + 1))
if ((remaining > 0)); then
  say "waiting ${remaining} s for the request's deadline ($deadline) to pass ..."
  sleep "$remaining"
fi
at admin/secretariat cases --overdue
# CR and HN answered (met, or met late on a slow machine); PA is overdue.
expected='CR:DEADLINE_STATUS_MET*:answered HN:DEADLINE_STATUS_MET*:answered PA:DEADLINE_STATUS_OVERDUE'
got=$(addressees)
# shellcheck disable=SC2053 # $expected is a pattern
[[ $got == $expected ]] ||
  fail "the Secretariat's node does not show CR and HN answered and PA overdue: $got"
at node/PA cases --overdue
overdue=$(ask node/PA cases --overdue |
  json "sum(1 for c in d.get('cases', []) if c['ref'] == '$request_ref' and c.get('overdue'))")
[[ $overdue == 1 ]] || fail "Panama's node does not show the unanswered request as overdue"
passed "${request_ref:0:8}…: CR, HN answered, PA overdue (Secretariat, PA); bulletin + annex to 12, checked"

# ---------------------------------------------------------------------------------------------
step "4 revoke" "4. Belize's signing key is stolen: the operator revokes it; Belize's next message is refused"
bz_key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signing_keys"][0]["key_id"])' \
  "$NET_WS/bundles/node-BZ/bundle.json")
show "$NET_BIN/enlace-admin" "${NET_ADMIN[@]}" revoke "$bz_key" --reason "laptop stolen"
show "$NET_BIN/enlace-admin" "${NET_ADMIN[@]}" directory publish
show "$NET_BIN/enlace-admin" "${NET_ADMIN[@]}" directory push --hub "$NET_HUB_ADDRESS" \
  --bundle "$NET_WS/bundles/admin-secretariat" --bundle-passphrase-file "$NET_DIR/bundle-passphrase"
at node/BZ request --to GT --subject "Verification" --question "Is this route known?" --deadline 3d
bz_id=$(ask node/BZ inbox --kind INFO_REQUEST | json 'd["items"][0]["message_id"]')
refused() { [[ $(net_item_state node/BZ "$bz_id") == ITEM_STATE_FAILED* ]]; }
net_wait 20 "the hub to refuse Belize's message" refused || fail "Belize's message was not refused"
at node/BZ inbox --kind INFO_REQUEST
say "why: $(net_item_state node/BZ "$bz_id" | cut -d' ' -f2-)"
passed "Belize's key ${bz_key:0:8}… revoked and pushed; its next message refused by the hub"

# ---------------------------------------------------------------------------------------------
step "5 audit" "5. The auditor fetches and verifies the log; the hub's store holds none of the girl's data"
sleep 1 # the hub signs a tree head within its merge delay (500 ms): the last events are covered
ab=$NET_WS/bundles/auditor-demo
show "$NET_BIN/enlace-audit" fetch --hub "$NET_HUB_ADDRESS" --root-cert "$ab/root.pem" \
  --cert "$ab/tls.pem" --key "$ab/tls-key.pem" --passphrase-file "$NET_DIR/bundle-passphrase" \
  --log-key "$NET_DIR/hub-log-key.pem" "$NET_DIR/audit-export"
# With the operator's directory, every acknowledgement's signature is checked too.
verified_line=$("$NET_BIN/enlace-audit" verify "$NET_DIR/audit-export" \
  --directory "$NET_WS/directory/current.pb" --root-cert "$NET_WS/ca/root.pem" 2>&1) ||
  { echo "$verified_line" | sed 's/^/    /'; fail "enlace-audit verify failed"; }
echo "  \$ enlace-audit verify audit-export --directory ws/directory/current.pb --root-cert ws/ca/root.pem"
echo "$verified_line" | sed 's/^/    /'
show "$NET_BIN/enlace-audit" report "$NET_DIR/audit-export" --from "$t0" \
  --to "$(date -u -d '+1 minute' +%FT%TZ)" --lang "$lang"
backup=$("$NET_BIN/enlace-admin" --json backup --hub "$NET_HUB_ADDRESS" \
  --bundle "$NET_WS/bundles/admin-secretariat" \
  --bundle-passphrase-file "$NET_DIR/bundle-passphrase") ||
  fail "enlace-admin backup failed: $backup"
checkpoint=$(echo "$backup" | json 'd["path"]')
say "the hub's stored data, searched for the referral's identifying fields"
say "(an online backup taken with enlace-admin backup: $checkpoint, and the live data folder):"
python3 "$ROOT/deploy/demo/scan_hub_store.py" --checkpoint "$checkpoint" --data-dir "$NET_DIR/hub/data" \
  --referral "$NET_DIR/referral.json" --control node/MX --control node/GT ||
  fail "the search of the hub's store found victim data, or could not run"
passed "log verified; none of the victim's fields in the hub's store (ids, kinds, hashes only)"

# ---------------------------------------------------------------------------------------------
step summary "Summary"
printf '  %s\n' "${summary[@]}"
echo "  audit: ${verified_line//$'\n'/; }"
if [[ $keep -eq 1 ]]; then
  {
    echo '#!/usr/bin/env bash'
    echo "# Stops the demo network started in $NET_DIR (SIGTERM, then waits)."
    echo "source '$ROOT/deploy/lib/network.sh'"
    echo "net_setup '$NET_DIR' '$NET_BIN' && net_stop_all && echo 'enlace demo network stopped'"
  } >"$NET_DIR/stop.sh"
  chmod +x "$NET_DIR/stop.sh"
  echo
  echo "The network keeps running (hub 127.0.0.1:$NET_HUB_PORT, ${#NODES[@]} nodes). Try it, e.g. as Guatemala:"
  echo "  export ENLACE_SOCKET=$(net_socket node/GT)"
  echo "  $NET_BIN/enlace inbox"
  echo "  $NET_BIN/enlace thread $case_ref"
  echo "  $NET_BIN/enlace doctor"
  echo "  $NET_BIN/enlace --help"
  echo "Other nodes: --socket $NET_DIR/nodes/<node-MX|admin-secretariat|observer-IOM|...>/node.sock"
  echo "The operator: $NET_BIN/enlace-admin --workspace $NET_WS --passphrase-file $NET_DIR/operator-passphrase list"
  echo "Logs: $NET_DIR/hub/hub.log, $NET_DIR/nodes/*/node.log"
  echo "Stop everything: $NET_DIR/stop.sh"
fi
echo
echo "${green}${bold}demo passed${plain} in $((SECONDS - start)) s"
