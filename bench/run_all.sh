#!/usr/bin/env bash
# Every benchmark of issue 12, one table, one results file (docs/performance.md).
#
#   bench/run_all.sh [--quick] [--no-build] [--out FILE]
#
# Configures and builds a Release tree (build/ unless BUILD_DIR says otherwise; JOBS=2 jobs),
# runs each benchmark program and script, collects the FIGURE lines they print (bench/figure.h:
# each figure as a ratio to a limit measured in the same run on this machine), prints the table
#   figure | value | limit | ratio | target | met
# and writes bench/results/<YYYY-MM-DD>.json (machine, commit, every figure, each step's time);
# each step's whole output is kept in $BUILD_DIR/bench-logs/.
#
#   --quick     small sizes and short runs (a smoke run of the harness, about a minute): the
#               figures are not the targets' sizes and go to $BUILD_DIR/bench-results-quick.json
#   --no-build  use the tree as it is (also NO_BUILD=1; the ctest bench_run_all_quick does)
#   --out FILE  write the results there instead
#
# Exit status: 0 when every benchmark ran and printed its figures, even if a target is missed
# (the table says MISSED); 1 when a benchmark failed or a figure is missing; 2 on bad usage.
# A full run takes about 45 minutes on the 2-core machine (42 min 41 s on 2026-11-26), most of
# it bench/hub_scale.sh building its 10 M-entry hub and 1 M queued messages (rebuilt every run: they hold the keys of a
# network made for the run, under ${ENLACE_BENCH_STATE_DIR:-/tmp/enlace-bench}); auditlog_bench's
# 10 M-entry log is built once and kept.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
jobs="${JOBS:-2}"
quick=0
no_build="${NO_BUILD:-0}"
out=""

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1 ;;
    --no-build) no_build=1 ;;
    --out)
      [[ $# -ge 2 ]] || usage
      out="$2"
      shift
      ;;
    -h | --help) usage ;;
    *)
      echo "run_all.sh: unknown option '$1' (allowed: --quick, --no-build, --out FILE)" >&2
      exit 2
      ;;
  esac
  shift
done

# The figures of issue 12; a run that lacks one of them fails.
required_figures=(
  hub_submit_vs_echo e2e_p50_vs_echo_p50 e2e_p99_at_half_rate seal_11_vs_primitives
  verifier_vs_sha256 inclusion_proof_10m consistency_proof_10m hub_startup_10m_vs_empty
  hub_rss_10m drain_1m_vs_live
)

start_s=$(date +%s)
work="$(mktemp -d "${TMPDIR:-/tmp}/enlace-run-all.XXXXXX")"
trap 'rm -rf "$work"' EXIT

if [[ $no_build -eq 0 ]]; then
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    echo "== configuring $build (Release)"
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" ||
      { cat "$work/configure.log" >&2; exit 1; }
  fi
  echo "== building the benchmarks in $build (-j$jobs)"
  cmake --build "$build" -j"$jobs" \
    --target crypto_bench auditlog_bench enlace-hub hub_load hub_scale >"$work/build.log" || { tail -50 "$work/build.log" >&2; exit 1; }
fi
build_type="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)"
if [[ "$build_type" != "Release" ]]; then
  if [[ $quick -eq 0 ]]; then
    echo "run_all.sh: $build is a '$build_type' build; figures need Release" >&2
    exit 1
  fi
  echo "== note: $build is a '$build_type' build (fine for --quick, not for figures)"
fi

# Large states are built once and kept between full runs; a quick run builds small ones in its
# own temporary directory.
if [[ $quick -eq 1 ]]; then
  state="$work/state"
  export ENLACE_BENCH_QUICK=1
  gbench_args=(--benchmark_min_time=0.01)
else
  state="${ENLACE_BENCH_STATE_DIR:-/tmp/enlace-bench}"
  export ENLACE_BENCH_LARGE=1
  gbench_args=()
fi
mkdir -p "$state"
# The scripts below build their own targets unless NO_BUILD=1.
export ENLACE_BENCH_STATE_DIR="$state" BUILD_DIR="$build" NO_BUILD="$no_build"

# One step: runs the command with its output in $work/<name>.out, times it, keeps its FIGURE
# lines. A failing step is recorded and the others still run.
steps_file="$work/steps.tsv"
: >"$steps_file"
failed=()
run_step() {
  local name="$1"
  shift
  echo "== $name: $*"
  local t0 t1 rc=0
  t0=$(date +%s)
  "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  t1=$(date +%s)
  printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$((t1 - t0))" "$*" >>"$steps_file"
  grep '^FIGURE ' "$work/$name.out" | sed 's/^FIGURE //' >>"$work/figures.jsonl" || true
  if [[ $rc -ne 0 ]]; then
    failed+=("$name")
    echo "   FAILED (exit $rc) after $((t1 - t0)) s; last lines:" >&2
    tail -n 15 "$work/$name.err" "$work/$name.out" >&2 || true
  else
    echo "   done in $((t1 - t0)) s"
  fi
}
: >"$work/figures.jsonl"

bin="$build/bin"
if [[ $quick -eq 1 ]]; then
  crypto_filter=(--benchmark_filter='^BM_Seal/bytes:1000/recipients:11$|^BM_Primitive')
else
  crypto_filter=()
fi
run_step crypto_bench "$bin/crypto_bench" "${crypto_filter[@]}" "${gbench_args[@]}"
# The audit log's 1 M and 10 M logs stay where auditlog_bench keeps them by default.
if [[ $quick -eq 1 ]]; then export ENLACE_AUDITLOG_BENCH_DIR="$state/auditlog"; fi
run_step auditlog_bench "$bin/auditlog_bench" "${gbench_args[@]}"
# --quick: short phases, but envelopes enough for a fast, quiet machine (hub_load fails when a
# phase runs out of them).
if [[ $quick -eq 1 ]]; then
  run_step hub_load "$root/bench/hub_load.sh" --seconds 1 --warmup 0.2 --envelopes 40000 \
    --idle-messages 50
else
  run_step hub_load "$root/bench/hub_load.sh"
fi
# ENLACE_BENCH_QUICK=1 makes it small; its states go under ENLACE_BENCH_STATE_DIR.
run_step hub_scale "$root/bench/hub_scale.sh"

end_s=$(date +%s)
# Every step's full output, for the details behind a figure.
logs="$build/bench-logs"
rm -rf "$logs"
mkdir -p "$logs"
cp "$work"/*.out "$work"/*.err "$logs/"
if [[ -z "$out" ]]; then
  if [[ $quick -eq 1 ]]; then
    out="$build/bench-results-quick.json"
  else
    out="$root/bench/results/$(date -u +%Y-%m-%d).json"
  fi
fi
mkdir -p "$(dirname "$out")"

commit="$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
  commit="$commit (with local changes)"
fi
cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"

status=0
python3 - "$work/figures.jsonl" "$steps_file" "$out" "$quick" "$((end_s - start_s))" \
  "$(nproc)" "$cpu" "$(uname -sr)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$commit" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" "$build_type" "${required_figures[@]}" <<'EOF' || status=$?
import json, sys

(figures_path, steps_path, out, quick, seconds, nproc, cpu, kernel, date, commit, load,
 build_type, *required) = sys.argv[1:]
figures, problems = [], []
for number, line in enumerate(open(figures_path), 1):
    try:
        figure = json.loads(line)
    except json.JSONDecodeError as e:
        problems.append(f"FIGURE line {number} is not JSON ({e}): {line.strip()[:120]}")
        continue
    missing = [k for k in ("id", "value", "unit", "limit", "ratio", "target", "met")
               if k not in figure]
    if missing:
        problems.append(f"FIGURE {figure.get('id', '?')} lacks {', '.join(missing)}")
        continue
    figures.append(figure)
ids = [f["id"] for f in figures]
for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
    problems.append(f"figure {duplicate} printed more than once")
absent = [i for i in required if i not in ids]
steps = []
for line in open(steps_path):
    name, rc, secs, command = line.rstrip("\n").split("\t", 3)
    steps.append({"name": name, "exit_status": int(rc), "seconds": int(secs),
                  "command": command})

results = {
    "date": date, "git_commit": commit, "mode": "quick" if quick == "1" else "full",
    "build_type": build_type,
    "machine": {"nproc": int(nproc), "cpu_model": cpu, "kernel": kernel,
                "load_average_at_end": load},
    "run_seconds": int(seconds), "steps": steps, "figures": figures,
    "missing_figures": absent, "problems": problems,
}
with open(out, "w") as f:
    json.dump(results, f, indent=2)
    f.write("\n")

def number(x):
    if x is None:
        return "-"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"

rows = [("figure", "value", "limit", "ratio", "target", "met")]
for f in figures:
    on = " (value)" if f.get("target_on") == "value" else ""
    met = "info" if f["met"] is None else ("met" if f["met"] else "MISSED")
    rows.append((f["id"], f"{number(f['value'])} {f['unit']}",
                 f"{number(f['limit'])} {f.get('limit_unit', '')}", number(f["ratio"]),
                 (f["target"] + on) if f["target"] else "-", met))
for i in absent:
    rows.append((i, "-", "-", "-", "-", "MISSING"))
widths = [max(len(r[c]) for r in rows) for c in range(6)]
print()
for n, r in enumerate(rows):
    print(" | ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
    if n == 0:
        print("-+-".join("-" * w for w in widths))
for p in problems:
    print("problem:", p)
if quick == "1":
    print("\n(--quick: small sizes and short phases, a smoke run; not the targets' sizes)")
print(f"\nresults: {out}")
sys.exit(1 if absent or problems else 0)
EOF
echo "each step's output: $logs"
echo "run time: $((end_s - start_s)) s ($(((end_s - start_s) / 60)) min $(((end_s - start_s) % 60)) s)"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "run_all.sh: failed: ${failed[*]}" >&2
  exit 1
fi
exit "$status"
