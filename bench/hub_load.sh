#!/usr/bin/env bash
# The hub's load benchmark (docs/hub.md, "Benchmark"): builds enlace-hub and hub_load (Release,
# in build/ unless BUILD_DIR says otherwise), starts a hub on a temp dir and K simulated nodes
# submitting 1 KB envelopes to 2 recipients with 64 calls in flight; in the same run, a bare
# mutual-TLS gRPC echo with the same payload, connections and concurrency.
# The last line is exactly: hub_submit_per_s=X echo_per_s=Y ratio=Z p50_ms=A p99_ms=B
#
#   bench/hub_load.sh [--nodes K] [--inflight N] [--seconds S] [more hub_load options]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
jobs="${JOBS:-2}"

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j"$jobs" --target enlace-hub hub_load >/dev/null

work="$(mktemp -d "${TMPDIR:-/tmp}/enlace-hub-load.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$build/bin/hub_load" --hub-binary "$build/bin/enlace-hub" --dir "$work" "$@"
