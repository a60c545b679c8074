#!/usr/bin/env bash
# The hub's load benchmark (docs/hub.md, "Benchmark"; bench/hub_load.cc): builds enlace-hub and
# hub_load (Release, in build/ unless BUILD_DIR says otherwise), starts the hubs on a temp dir and
# K simulated nodes submitting 1 KB envelopes to 2 recipients with 64 calls in flight; in the
# same run, a bare mutual-TLS gRPC echo with the same payload, connections and concurrency, and
# with 1 call in flight. Then, on a second hub with both recipients subscribed and acknowledging:
# end-to-end latency (Submit -> the recipient's stream) idle, the maximum submit rate, and an
# open loop at half that rate.
# Prints details on stderr; on stdout the FIGURE lines (bench/figure.h) hub_submit_vs_echo,
# e2e_p50_vs_echo_p50 and e2e_p99_at_half_rate, then, as the last line, exactly:
#   hub_submit_per_s=X echo_per_s=Y ratio=Z p50_ms=A p99_ms=B
# Run time: about a minute (--seconds 5), plus sealing the envelopes.
#
#   [BUILD_DIR=build] bench/hub_load.sh [--nodes K] [--inflight N] [--seconds S] [more options]
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
