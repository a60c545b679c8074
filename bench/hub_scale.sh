#!/usr/bin/env bash
# The hub at scale (docs/hub.md, "Benchmark"; bench/hub_scale.cc): builds enlace-hub and
# hub_scale (Release, in build/ unless BUILD_DIR says otherwise), then in one run
#   - builds in bulk a hub whose audit log holds 10 M entries (the hub's own store and log code,
#     batched writes; a mix of SUBMITTED/DELIVERED/ACKNOWLEDGED/PURGED leaves with real
#     signatures) and measures enlace-hub's start-up (fork -> health check SERVING) against an
#     empty hub, and its memory (VmHWM/VmRSS) after start-up and under a short load;
#   - queues 1 M messages for one node through the hub's own Exchange (sealed, verified,
#     committed, logged), lets that node come online and measures the drain rate against the
#     live delivery rate to the same node on the same hub.
# Prints progress and details on stderr, and on stdout three FIGURE lines (bench/figure.h):
# hub_startup_10m_vs_empty, hub_rss_10m, drain_1m_vs_live.
# Run time on 2 cores shared with other work (load average 16), measured: the 10 M part 17 min
# (its build 16 min, 3.3 CPU-minutes), a 300,000 queue 4 min to build and 4 min to drain, so the
# full 1 M queue about 12 + 13 min: about 45 minutes in all, less on an idle machine (the build
# times are printed). ENLACE_BENCH_QUICK=1: 200,000 entries and 20,000 queued, 1-2 minutes.
# The states take about 4 GB under ENLACE_BENCH_STATE_DIR (or TMPDIR, /tmp) and are removed at
# the end: they hold keys of a network made for the run, so they are rebuilt on every run.
#
#   [BUILD_DIR=build] bench/hub_scale.sh [--entries N] [--queued N] [more hub_scale options]
# (--entries 0 skips the start-up and memory figures, --queued 0 the drain; each FIGURE line is
# printed as soon as it is measured.)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
jobs="${JOBS:-2}"

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j"$jobs" --target enlace-hub hub_scale >/dev/null

parent="${ENLACE_BENCH_STATE_DIR:-${TMPDIR:-/tmp}}"
mkdir -p "$parent"
work="$(mktemp -d "$parent/enlace-hub-scale.XXXXXX")"
trap 'rm -rf "$work"' EXIT

size=()
if [[ "${ENLACE_BENCH_QUICK:-0}" == 1 ]]; then
  size=(--entries 200000 --queued 20000 --startups 2 --load-seconds 3 --seconds 2
        --envelopes 10000)
fi
"$build/bin/hub_scale" --hub-binary "$build/bin/enlace-hub" --dir "$work" "${size[@]}" "$@"
