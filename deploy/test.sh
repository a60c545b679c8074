#!/usr/bin/env bash
# The README's test command: installs what is missing, builds everything, runs every test, then
# rebuilds everything with AddressSanitizer + UndefinedBehaviorSanitizer and runs the whole suite
# again (the hubs, nodes and tools the tests start are the sanitized programs of that tree).
#
#   deploy/test.sh              full run (what CI does)
#   deploy/test.sh --no-asan    skip the ASan+UBSan pass (quicker local iterations)
#   deploy/test.sh --tsan       also the whole suite under ThreadSanitizer (build-tsan/; not in CI,
#                               see docs/development.md "CI timing")
#   deploy/test.sh --no-fuzz    skip the short libFuzzer run (clang-14 tree build-fuzz/)
#
# Build trees: build/ (Release; binaries in build/bin/), build-asan/, build-tsan/, build-fuzz/.
# A sanitizer report from any process, a test or a program it starts, fails the run: each is
# written under <tree>/sanitizer-logs/ and printed.
set -euo pipefail
cd "$(dirname "$0")/.."

asan=1
tsan=0
fuzz=1
for arg in "$@"; do
  case "$arg" in
    --no-asan) asan=0 ;;
    --no-fuzz) fuzz=0 ;;
    --tsan) tsan=1 ;;
    *) echo "test.sh: unknown option $arg (known: --no-asan, --no-fuzz, --tsan)" >&2; exit 2 ;;
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

# sanitized_suite DIR KIND [CMAKE_ARGS...]: builds everything with ENLACE_SANITIZE=KIND in DIR
# and runs every test there. Each sanitized process writes its reports to DIR/sanitizer-logs
# (log_path), so reports of the programs the tests start count too.
sanitized_suite() {
  local dir=$1 kind=$2
  shift 2
  cmake -S . -B "$dir" -G Ninja -DENLACE_SANITIZE="$kind" -DENLACE_BENCH=OFF "$@"
  cmake --build "$dir" -j "$jobs"
  local logs=$PWD/$dir/sanitizer-logs status=0
  rm -rf "$logs" && mkdir -p "$logs"
  # A small quarantine: HubProcessTest bounds the hub's memory during a 100 MB upload, and
  # ASan's default 256 MB of freed-but-held memory alone exceeds that bound.
  ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=8:log_path=$logs/asan \
  UBSAN_OPTIONS=print_stacktrace=1:log_path=$logs/ubsan \
  TSAN_OPTIONS=log_path=$logs/tsan \
    ctest --test-dir "$dir" -j "$jobs" --output-on-failure --timeout 1800 || status=$?
  if compgen -G "$logs/*" >/dev/null; then
    echo "== $kind sanitizer reports ($logs) =="
    cat "$logs"/*
    status=1
  fi
  return "$status"
}

if [[ $asan -eq 1 ]]; then
  echo "== all tests under ASan + UBSan =="
  sanitized_suite build-asan address -DCMAKE_BUILD_TYPE=Debug
fi

if [[ $tsan -eq 1 ]]; then
  echo "== all tests under TSan =="
  sanitized_suite build-tsan thread -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g"
fi

if [[ $fuzz -eq 1 ]]; then
  echo "== fuzzing (libFuzzer + ASan + UBSan, a few seconds per target) =="
  tests/fuzz/run_fuzzers.sh --seconds "${ENLACE_FUZZ_SECONDS:-5}" --build-dir build-fuzz
fi

echo "test.sh: all passed in $(( $(date +%s) - start )) s"
