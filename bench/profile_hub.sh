#!/usr/bin/env bash
# Where the hub's time goes under load (docs/performance.md): runs hub_load (the same load as
# bench/hub_load.sh: 4 mutual-TLS nodes, 64 submissions of 1 KB to 2 recipients in flight),
# attaches `perf record` to the submit-phase enlace-hub for SECONDS, and prints the top entries
# of `perf report` by inclusive (children) time, then by shared object.
#
#   bench/profile_hub.sh [SECONDS]        # default 12; the data stays in $OUT (default
#                                         # ${TMPDIR:-/tmp}/enlace-hub-perf.data)
# Needs perf (linux-perf) and permission to attach (root, or kernel.perf_event_paranoid <= 1).
# Uses the programs of BUILD_DIR (default build/), built Release by bench/run_all.sh or
# bench/hub_load.sh. DWARF call graphs: OpenSSL's assembly has no frame pointers.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
seconds="${1:-12}"
out="${OUT:-${TMPDIR:-/tmp}/enlace-hub-perf.data}"
perf="${PERF:-perf}"

for program in "$build/bin/hub_load" "$build/bin/enlace-hub"; do
  [[ -x "$program" ]] || { echo "profile_hub.sh: $program is missing (build it first)" >&2; exit 1; }
done
work="$(mktemp -d "${TMPDIR:-/tmp}/enlace-hub-profile.XXXXXX")"
load_pid=""
cleanup() {
  if [[ -n "$load_pid" ]]; then wait "$load_pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The load runs longer than the recording so that perf sees only the steady submit phase, with
# envelopes for 12,000 submits/s until the recording ends (the hub reached 10,000): a hub that
# runs out stops early, and perf with it.
mkdir "$work/hub"
"$build/bin/hub_load" --hub-binary "$build/bin/enlace-hub" --dir "$work/hub" \
  --seconds "$((seconds + 8))" --envelopes "$((12000 * (seconds + 4)))" >"$work/load.log" 2>&1 &
load_pid=$!
hub=""
for _ in $(seq 1 600); do
  hub="$(pgrep -f "enlace-hub --config $work/hub/submit/" | head -1 || true)"
  [[ -n "$hub" ]] && break
  kill -0 "$load_pid" 2>/dev/null || { cat "$work/load.log" >&2; exit 1; }
  sleep 0.5
done
[[ -n "$hub" ]] || { echo "profile_hub.sh: the submit hub did not start" >&2; exit 1; }
sleep 3  # past the warm-up
"$perf" record -q -F 299 --call-graph dwarf,16384 -p "$hub" -o "$out" -- sleep "$seconds"
wait "$load_pid"
load_pid=""
grep -E '^hub A|^echo|FIGURE {"id":"hub_submit' "$work/load.log" || true

echo "== inclusive time (children), top entries with a name"
"$perf" report -i "$out" --stdio --children --sort symbol -g none 2>/dev/null |
  grep -E '^ +[0-9]' | grep -v '\] 0x0000' | sed 's/  */ /g; s/ - - *$//' | sed -n '1,40p'
echo "== self time by shared object"
"$perf" report -i "$out" --stdio --no-children --sort dso -g none 2>/dev/null |
  grep -E '^ +[0-9]' | sed 's/  */ /g' | sed -n '1,10p'
