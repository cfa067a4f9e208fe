#!/usr/bin/env bash
# The CI gate: replays the gate workloads (typical, busy, seed-example, burst) with the release
# build and checks deterministic figures only (no wall-clock): speedup typical >= 3 and busy >= 9,
# hit rates within +-1 pp of target, measured memory overhead < 10 %, single-flight joins on burst,
# and no metric worse than scripts/gate-baseline.json by more than its tolerance, including the curve
# of typical at 16MiB, 64MiB, 256MiB and 1GiB (each point's speedup and hit rate).
# Exit 0 pass, 1 a check failed, 2 unusable input (e.g. missing or corrupt baseline).
# Extra arguments go to `harness gate` (e.g. --update-baseline, deliberately).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== harness gate (release)"
exec cargo run --quiet --release -p harness --bin harness -- gate --baseline scripts/gate-baseline.json "$@"
