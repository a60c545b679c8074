#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, -DENLACE_FUZZ=ON: ASan + UBSan + coverage) and runs each
# for a while from seeds it writes itself (tests/fuzz/fuzz_support.h), then prints, per target,
# its executions, speed, coverage and any crash. Exits non-zero on any finding (crash, leak,
# undefined behaviour, timeout, out of memory) or build failure.
#
#   tests/fuzz/run_fuzzers.sh [--seconds T] [--build-dir D] [--work-dir W] [TARGET...]
#
#   --seconds T     fuzzing time per target (default 60)
#   --build-dir D   the fuzz build tree (default build-fuzz; configured here if needed)
#   --work-dir W    seeds, corpora, logs and crash artifacts (default ${TMPDIR:-/tmp}/enlace-fuzz-$UID,
#                   outside the repository); corpora grow from run to run, seeds are rewritten
#   TARGET...       some of: envelope_fuzz domain_json_fuzz proof_fuzz directory_fuzz config_fuzz
#
# A crash leaves W/artifacts/<target>/crash-<sha1>; replay it with
#   D/bin/<target> W/artifacts/<target>/crash-<sha1>
# Needs clang-14 and libclang-rt-14-dev (deploy/setup.sh installs both).
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=60
build=build-fuzz
work=${TMPDIR:-/tmp}/enlace-fuzz-$(id -u)
all_targets=(envelope_fuzz domain_json_fuzz proof_fuzz directory_fuzz config_fuzz)
targets=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --build-dir) build=${2:?--build-dir needs a folder}; shift 2 ;;
    --work-dir) work=${2:?--work-dir needs a folder}; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "run_fuzzers.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *)
      if [[ " ${all_targets[*]} " != *" $1 "* ]]; then
        echo "run_fuzzers.sh: unknown target $1 (known: ${all_targets[*]})" >&2
        exit 2
      fi
      targets+=("$1"); shift ;;
  esac
done
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "run_fuzzers.sh: --seconds must be a positive integer" >&2; exit 2; }
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")

for tool in clang-14 clang++-14; do
  command -v $tool >/dev/null || { echo "run_fuzzers.sh: $tool is missing: run deploy/setup.sh" >&2; exit 1; }
done
if ! compgen -G "/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null; then
  echo "run_fuzzers.sh: libFuzzer is missing (package libclang-rt-14-dev): run deploy/setup.sh" >&2
  exit 1
fi

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/enlace-ccache}
export CCACHE_BASEDIR=$PWD
build_start=$(date +%s)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang-14 \
  -DCMAKE_CXX_COMPILER=clang++-14 -DENLACE_FUZZ=ON -DENLACE_BENCH=OFF >/dev/null
cmake --build "$build" -j "${ENLACE_JOBS:-2}" --target "${targets[@]}"
echo "run_fuzzers: built ${#targets[@]} targets in $(( $(date +%s) - build_start )) s"

# Undefined behaviour and leaks are findings too; libFuzzer reports ASan's errors itself.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1

mkdir -p "$work"
work=$(cd "$work" && pwd)
failed=()
summary=()
for target in "${targets[@]}"; do
  seeds=$work/seeds/$target corpus=$work/corpus/$target artifacts=$work/artifacts/$target
  log=$work/logs/$target.log
  rm -rf "$seeds"
  mkdir -p "$corpus" "$artifacts" "$work/logs"
  ENLACE_FUZZ_WRITE_SEEDS=$seeds "$build/bin/$target" 2>"$log" ||
    { cat "$log" >&2; echo "run_fuzzers: $target could not write its seeds" >&2; exit 1; }
  start=$(date +%s%N)
  rc=0
  "$build/bin/$target" "$corpus" "$seeds" -max_total_time="$seconds" -timeout=30 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" >>"$log" 2>&1 || rc=$?
  tenths=$(( ($(date +%s%N) - start) / 100000000 ))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2)
  corpus_size=$(find "$corpus" -type f | wc -l)
  line=$(printf '%-17s %4d.%d s  %10s runs  %7s exec/s  cov %5s  corpus %5s' "$target" \
    $((tenths / 10)) $((tenths % 10)) "${runs:-?}" "${speed:-?}" "${cov:-?}" "$corpus_size")
  if [[ $rc -ne 0 ]]; then
    failed+=("$target")
    line+="  FAILED (exit $rc)"
    echo "---- $target: last lines of $log" >&2
    tail -n 40 "$log" >&2
    for artifact in "$artifacts"/*; do
      [[ -e $artifact ]] && echo "run_fuzzers: $target finding: $artifact" >&2
    done
  else
    line+="  ok"
  fi
  echo "$line"
  summary+=("$line")
done

echo "== fuzzing summary (${seconds} s per target; logs and corpora in $work) =="
printf '%s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "run_fuzzers: findings in: ${failed[*]}" >&2
  exit 1
fi
