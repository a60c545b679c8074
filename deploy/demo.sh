#!/usr/bin/env bash
# The README's main command. Installs what is missing, builds, then runs the most complete job the
# code can do today. (It grows into the 11-country demo network as the hub and nodes land.)
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/setup.sh
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/enlace-ccache}
export CCACHE_BASEDIR=$PWD
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "${ENLACE_JOBS:-2}"
ctest --test-dir build -L unit -j 2
