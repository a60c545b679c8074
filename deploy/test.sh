#!/usr/bin/env bash
# The README's test command: installs what is missing, builds everything, runs every test, then
# rebuilds the fast unit tests with AddressSanitizer + UndefinedBehaviorSanitizer and runs them.
#
#   deploy/test.sh              full run (what CI does)
#   deploy/test.sh --no-asan    skip the sanitized pass (quicker local iterations)
#   deploy/test.sh --no-fuzz    skip the short libFuzzer run (clang-14 tree build-fuzz/)
#
# Build trees: build/ (Release; binaries in build/bin/) and build-asan/.
set -euo pipefail
cd "$(dirname "$0")/.."

asan=1
fuzz=1
for arg in "$@"; do
  case "$arg" in
    --no-asan) asan=0 ;;
    --no-fuzz) fuzz=0 ;;
    *) echo "test.sh: unknown option $arg (known: --no-asan, --no-fuzz)" >&2; exit 2 ;;
  esac
done

jobs=${ENLACE_JOBS:-2}
start=$(date +%s)
deploy/setup.sh

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/enlace-ccache}
export CCACHE_BASEDIR=$PWD
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}

echo "== configure and build (Release) =="
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$jobs"

echo "== all tests =="
ctest --test-dir build -j "$jobs" --output-on-failure --timeout 600

if [[ $asan -eq 1 ]]; then
  echo "== unit tests under ASan + UBSan =="
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DENLACE_SANITIZE=address \
        -DENLACE_BENCH=OFF
  # Only the unit-test binaries (and what they link) are built here.
  cmake --build build-asan -j "$jobs" --target unit_tests
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan -L unit -j "$jobs" --output-on-failure --timeout 900
fi

if [[ $fuzz -eq 1 ]]; then
  echo "== fuzzing (libFuzzer + ASan + UBSan, a few seconds per target) =="
  tests/fuzz/run_fuzzers.sh --seconds "${ENLACE_FUZZ_SECONDS:-5}" --build-dir build-fuzz
fi

echo "test.sh: all passed in $(( $(date +%s) - start )) s"
