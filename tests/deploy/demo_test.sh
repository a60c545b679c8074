#!/usr/bin/env bash
# ctest deploy_demo: the README's main command, deploy/demo.sh, with the programs of this build
# (--no-build: no apt, no compiler). It must exit 0, print the auditor's verification line and
# "demo passed", and leave no daemon of its network running.
#   tests/deploy/demo_test.sh BUILD_DIR
set -uo pipefail
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${1:?usage: demo_test.sh BUILD_DIR}
work=$(mktemp -d /tmp/enlace-demo-test.XXXXXX)
trap 'rm -rf "$work"' EXIT

"$source_dir/deploy/demo.sh" --no-build --build-dir "$build_dir" --dir "$work/net" >"$work/out" 2>&1
status=$?
cat "$work/out"
failures=0
check() {
  if "$@"; then echo "ok: $description"; else echo "FAIL: $description"; failures=$((failures + 1)); fi
}
description="demo.sh exits 0 (it exited $status)"
check test "$status" -eq 0
description="the auditor's verification line was printed"
check grep -Eq 'OK: [0-9]+ entries and [0-9]+ tree heads of log [0-9a-f]{32} verified' "$work/out"
description="the summary says the demo passed"
check grep -q 'demo passed' "$work/out"
description="no process of the demo network is left running"
check test -z "$(pgrep -f "$work/net" || true)"
echo "$((4 - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
