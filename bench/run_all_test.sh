#!/usr/bin/env bash
# ctest bench_run_all_quick: bench/run_all.sh --quick against the already built tree (no
# rebuild) must exit 0 and write a results file that holds every figure of issue 12, each with
# numbers, a limit and a verdict, so that the harness and the FIGURE lines cannot rot.
#
#   bench/run_all_test.sh BUILD_DIR
set -euo pipefail

build="${1:?usage: run_all_test.sh BUILD_DIR}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/enlace-run-all-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

BUILD_DIR="$build" TMPDIR="$tmp" "$(dirname "${BASH_SOURCE[0]}")/run_all.sh" --quick --no-build \
  --out "$tmp/results.json"

python3 - "$tmp/results.json" <<'PY'
import json, numbers, sys

results = json.load(open(sys.argv[1]))
expected = ["hub_submit_vs_echo", "e2e_p50_vs_echo_p50", "e2e_p99_at_half_rate",
            "seal_11_vs_primitives", "verifier_vs_sha256", "inclusion_proof_10m",
            "consistency_proof_10m", "hub_startup_10m_vs_empty", "hub_rss_10m",
            "drain_1m_vs_live"]
errors = []
figures = {f["id"]: f for f in results["figures"]}
for figure_id in expected:
    f = figures.get(figure_id)
    if f is None:
        errors.append(f"{figure_id}: missing")
        continue
    for key in ("value", "limit", "ratio"):
        if not isinstance(f.get(key), numbers.Real) or isinstance(f.get(key), bool):
            errors.append(f"{figure_id}: {key} is {f.get(key)!r}, not a number")
    if f.get("limit", 0) <= 0:
        errors.append(f"{figure_id}: limit {f.get('limit')!r} is not a measurement")
    if not isinstance(f.get("met"), bool):
        errors.append(f"{figure_id}: met is {f.get('met')!r}, not true or false")
    op = str(f.get("target", "")).split(" ")[0]
    if op not in ("<=", ">="):
        errors.append(f"{figure_id}: target {f.get('target')!r} is not '<= N' or '>= N'")
for key in ("nproc", "cpu_model", "kernel"):
    if not results["machine"].get(key):
        errors.append(f"machine.{key} is missing")
for key in ("date", "git_commit"):
    if not results.get(key):
        errors.append(f"{key} is missing")
if results.get("mode") != "quick":
    errors.append(f"mode is {results.get('mode')!r}, not 'quick'")
if errors:
    sys.exit("results file is incomplete:\n  " + "\n  ".join(errors))
print(f"results file holds all {len(expected)} figures ({len(figures)} with information)")
PY
