#!/usr/bin/env bash
# ctest deploy_backup_restore: online backups of a running hub (enlace-admin backup) and node
# (enlace backup), then a restore of each, as docs/operator-guide.md tells an operator to do it:
#   * the restored hub's log verifies (a fresh enlace-audit fetch + verify);
#   * it is consistent with the tree heads handed out before the backup: an auditor export
#     fetched before the backup resumes against the restored hub and still verifies;
#   * an export that saw heads signed after the backup is refused (the log went back: the
#     restore is visible, as it must be);
#   * a message waiting at the hub for an offline node when the backup was taken (large enough
#     to live in RocksDB's blob files) is delivered by the restored hub when that node starts;
#   * the restored node's store opens with its keys and shows its items, and its witness finds
#     the restored hub's log consistent with the heads it kept.
#   tests/deploy/backup_restore_test.sh BUILD_DIR
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${1:?usage: backup_restore_test.sh BUILD_DIR}
# shellcheck source=deploy/lib/network.sh
source "$source_dir/deploy/lib/network.sh"
work=$(mktemp -d /tmp/enlace-restore-test.XXXXXX)
net_setup "$work/net" "$build_dir/bin"
trap 'status=$?; net_stop_all || status=1; [[ $status -eq 0 ]] && rm -rf "$work"; exit $status' EXIT

passed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; net_log_tails; echo "$passed passed, 1 failed"; exit 1; }
admin_hub=(--hub "" --bundle "$NET_WS/bundles/admin-secretariat"
           --bundle-passphrase-file "$NET_DIR/bundle-passphrase")
backup_hub() { admin_hub[1]=$NET_HUB_ADDRESS; "$NET_BIN/enlace-admin" --json backup "${admin_hub[@]}"; }
audit() {
  local ab=$NET_WS/bundles/auditor-restore command=$1
  shift
  "$NET_BIN/enlace-audit" "$command" --hub "$NET_HUB_ADDRESS" --root-cert "$ab/root.pem" \
    --cert "$ab/tls.pem" --key "$ab/tls-key.pem" --passphrase-file "$NET_DIR/bundle-passphrase" \
    --log-key "$NET_DIR/hub-log-key.pem" "$@"
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
has_case() { [[ -n $(net_case_field "$1" "$2" ref) ]]; }
head_size() { sed -n 's/.*tree head of size \([0-9]*\).*/\1/p'; }

net_create node/MX node/GT node/HN admin/secretariat auditor/restore
net_start_hub
net_start_nodes node/MX node/GT

# Before the backups: a referral from MX to GT, received and acknowledged.
python3 "$source_dir/deploy/demo/fill_example.py" \
  "$source_dir/tests/data/examples/victim_referral_mx_to_gt_unaccompanied_girl.json" \
  >"$work/referral.json"
referral_id=$(net_cli node/MX --json send referral --file "$work/referral.json" |
  field '["message_id"]')
case_ref=$(field '["victim_referral"]["case_ref"]' <"$work/referral.json")
[[ $referral_id =~ ^[0-9a-f]{32}$ ]] || fail "enlace send referral gave no message id"
state_is() { [[ $(net_case_field "$1" "$case_ref" referral_state) == "REFERRAL_STATE_$2" ]]; }
net_wait 20 "GT to receive the referral" state_is node/MX RECEIVED
# And a request for HN, which is offline: it waits in HN's mailbox at the hub. Its question pads
# the envelope past the hub's blob threshold (4 KiB), so the backup must carry blob files too.
question="¿Puede Honduras verificar estos datos? $(printf 'Detalle %04d. ' $(seq 1 330))"
waiting_ref=$(net_cli node/MX --json request --to HN --subject "Verificación" \
  --question "$question" --deadline 7d | field '["ref"]')
waiting_at_hub() {
  [[ $(net_metrics) == *'enlace_hub_mailbox_depth{recipient="node/HN"} 1'* ]]
}
net_wait 20 "the request to wait at the hub for HN" waiting_at_hub
sleep 1 # a tree head covers both (merge delay 500 ms)
before_size=$(audit fetch "$work/export-before" | head_size)
[[ $before_size -gt 0 ]] || fail "the auditor's first fetch saved no tree head"
ok "auditor export fetched before the backup (tree head of size $before_size)"

# The node first, then the hub: the node's kept tree heads are then all within the hub's backup.
node_backup=$(net_cli node/GT --json backup)
node_checkpoint=$(field '["path"]' <<<"$node_backup")
node_items=$(field '.get("items", 0)' <<<"$node_backup")
[[ -d $node_checkpoint && $node_items -ge 2 ]] ||
  fail "enlace backup at GT: $node_backup"
ok "enlace backup at GT while it runs: $node_checkpoint ($node_items items)"
hub_backup=$(backup_hub)
hub_checkpoint=$(field '["path"]' <<<"$hub_backup")
hub_head=$(field '.get("tree_size", 0)' <<<"$hub_backup")
[[ -d $hub_checkpoint && -f $hub_checkpoint/CURRENT && $hub_head -ge $before_size ]] ||
  fail "enlace-admin backup: $hub_backup"
compgen -G "$hub_checkpoint/*.blob" >/dev/null ||
  fail "the hub's backup holds no blob file: the waiting request's envelope is not in one"
ok "enlace-admin backup of the running hub: $hub_checkpoint (holds the head of size $hub_head)"
if "$NET_BIN/enlace-admin" backup --hub "$NET_HUB_ADDRESS" --bundle "$NET_WS/bundles/node-MX" \
     --bundle-passphrase-file "$NET_DIR/bundle-passphrase" >"$work/refused" 2>&1; then
  fail "a node's bundle could make a hub backup"
fi
grep -q "PERMISSION_DENIED\|not an admin" "$work/refused" || fail "$(cat "$work/refused")"
ok "a node's certificate is refused a hub backup: $(tail -1 "$work/refused")"

# After the backups: one more step, which the restore will lose.
net_cli node/GT status "$case_ref" ACCEPTED >/dev/null
net_wait 20 "MX to see ACCEPTED" state_is node/MX ACCEPTED
sleep 1
after_size=$(audit fetch "$work/export-after" | head_size)
[[ $after_size -gt $hub_head ]] || fail "no tree head beyond the backup ($after_size)"

# Disaster: stop everything; restore the hub and GT from their checkpoints.
net_stop_all
mv "$NET_DIR/hub/data" "$work/hub-data-lost"
cp -a "$hub_checkpoint" "$NET_DIR/hub/data"
gt_data=$NET_DIR/nodes/node-GT/data
mv "$gt_data/store" "$work/gt-store-lost"
cp -a "$node_checkpoint" "$gt_data/store"
net_start_hub
net_start_nodes node/GT
ok "hub and GT restarted on their restored data"

out=$(audit fetch "$work/export-before") || fail "the pre-backup export did not resume: $out"
"$NET_BIN/enlace-audit" verify "$work/export-before" >"$work/verify-before" ||
  fail "$(cat "$work/verify-before")"
ok "the export fetched before the backup resumes consistently and verifies: $(cat "$work/verify-before")"
audit fetch "$work/export-fresh" >/dev/null || fail "a fresh fetch from the restored hub failed"
"$NET_BIN/enlace-audit" verify "$work/export-fresh" >"$work/verify-fresh" ||
  fail "$(cat "$work/verify-fresh")"
ok "a fresh export of the restored hub's log verifies: $(cat "$work/verify-fresh")"
set +e
audit fetch "$work/export-after" >"$work/fetch-after" 2>&1
after_status=$?
set -e
[[ $after_status -eq 1 ]] ||
  fail "an export that saw heads after the backup was not refused (exit $after_status)"
ok "an export that saw heads after the backup is refused: $(tail -1 "$work/fetch-after")"

items=$(net_cli node/GT --json inbox)
[[ $items == *"\"$referral_id\""* ]] || fail "GT's restored store lacks the referral: $items"
shown=$(net_cli node/GT --json show "$referral_id")
[[ $shown == *'"victim_referral"'* ]] ||
  fail "GT's restored store does not open the referral's content: $shown"
[[ $(net_case_field node/GT "$case_ref" referral_state) == REFERRAL_STATE_RECEIVED ]] ||
  fail "GT's restored case is not as it was at the backup"
ok "GT's restored store opens with its keys and shows the referral (case as at the backup)"
net_wait 20 "GT's witness to check the restored hub's log" net_cli node/GT doctor ||
  fail "enlace doctor at GT after the restore: $(net_cli node/GT doctor)"
ok "GT's log witness finds the restored log consistent with the heads it kept (enlace doctor)"
net_start_nodes node/HN
net_wait 20 "HN to receive the request that waited at the hub" has_case node/HN "$waiting_ref" ||
  fail "the restored hub did not deliver the request waiting for HN"
ok "the restored hub delivers the request that waited for HN at the backup (blob files restored)"

echo "$passed passed, 0 failed"
