#!/usr/bin/env bash
# The full review report in one command: replay every preset (baseline vs cached) and write
# report.md, a self-contained report.html and the charts (SVG + PNG).
#
#   scripts/report.sh                     # all presets -> target/report/
#   scripts/report.sh OUT_DIR             # somewhere else
#   scripts/report.sh OUT_DIR main_dir    # also compare against an earlier results directory
#   WORKLOAD=typical,busy scripts/report.sh
#   LABEL=branch scripts/report.sh target/report-branch target/report/current
#
# Results land in OUT_DIR/LABEL (results.json, CSVs, histograms; LABEL defaults to "current"
# and names this run in the report), the report in OUT_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-target/report}"
compare_with="${2:-}"
workload="${WORKLOAD:-all}"
label="${LABEL:-current}"
results="$out/$label"

if [[ -n "$compare_with" && ! -e "$compare_with" ]]; then
    echo "report.sh: results to compare with not found: $compare_with" >&2
    exit 2
fi

echo "== replaying workload(s) '$workload' into $results" >&2
cargo run --release --quiet -p harness -- run --workload "$workload" --out "$results" --no-report

inputs=("$results")
if [[ -n "$compare_with" ]]; then
    # The earlier results first: changes in the comparison table read as "this run vs that one".
    inputs=("$compare_with" "$results")
fi

echo "== writing the report into $out" >&2
cargo run --release --quiet -p harness -- report "${inputs[@]}" --out "$out"

echo "report: $out/report.html (self-contained) and $out/report.md; charts: $out/*.svg, $out/*.png" >&2
