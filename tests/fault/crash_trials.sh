#!/usr/bin/env bash
# Crash trials (docs/security.md, "Crashes"): the real enlace-hub (--target hub, the default) or
# enlace-node (--target node) killed with SIGKILL at random moments under load, restarted on the
# same data, and checked: every receipt honoured (delivered, logged, inclusion proven), the log
# consistent with every tree head handed out, no message shown to a user twice.
# Builds crash_driver, enlace-hub and enlace-node (Release, in build/ unless BUILD_DIR says
# otherwise; NO_BUILD=1 skips it). The last line is exactly:
#   N trials, L lost, D duplicated, V verify failures
# and the exit status is 0 only if L, D and V are all 0.
#
#   tests/fault/crash_trials.sh --trials N [--target hub|node] [--seed S]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${BUILD_DIR:-$root/build}"
jobs="${JOBS:-2}"

if [[ "${NO_BUILD:-0}" != 1 ]]; then
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  cmake --build "$build" -j"$jobs" --target crash_driver enlace-hub enlace-node >/dev/null
fi

# The processes' JSON logs go to the trials' own folders; the driver's stderr (gRPC noise) to a
# file shown only when a trial fails.
errors="$(mktemp "${TMPDIR:-/tmp}/enlace-crash.XXXXXX")"
out="$(mktemp "${TMPDIR:-/tmp}/enlace-crash.XXXXXX")"
trap 'rm -f "$errors" "$out"' EXIT
set +e
"$build/bin/crash_driver" "$@" 2>"$errors" | tee "$out"
status=${PIPESTATUS[0]}
set -e
if [[ $status -ne 0 ]]; then
  echo "--- crash_driver's standard error (last 40 lines) ---"
  tail -n 40 "$errors"
  tail -n 1 "$out"  # the summary stays the last line
fi
exit $status
