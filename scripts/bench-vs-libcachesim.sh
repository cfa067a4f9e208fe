#!/usr/bin/env bash
# harness sweep / replay against libCacheSim's LRU (Python bindings), side by side in one run on
# the same trace: 20 M requests, Zipf 0.9 over 2 M keys (scripts/bench/zipf-20m.toml), written
# in libCacheSim's oracleGeneral format by `harness gen`.
#
# Measures, wall clock:
#   - `harness sweep --max-entries` over 16 budgets vs libcachesim LRU at the same 16 sizes
#     (one process_trace per size, as its Python API offers) — target: >= 10x faster;
#   - `harness replay --max-entries` at one budget vs libcachesim at that size — target: >= 2x;
# and checks that the miss counts are identical at every size.
#
# The venv lives under target/ (`pip install libcachesim`); LCS_VENV points at another one.
# Slow (minutes): not part of .ci/run. Exit 1 when a miss count differs.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${LCS_VENV:-target/lcs-venv}"
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet libcachesim
fi
cargo build --release --quiet -p harness
harness=target/release/harness
dir=target/bench-vs-libcachesim
mkdir -p "$dir"
trace="$dir/zipf-20m.oracleGeneral"
if [[ ! -s "$trace" ]]; then
    "$harness" gen --workload scripts/bench/zipf-20m.toml --format oracle-general --out "$trace"
fi

# 16 log-spaced entry budgets from 1,000 to 1,000,000.
sizes=$("$venv/bin/python" -c 'print(",".join(str(round(1000 * 1000 ** (i / 15))) for i in range(16)))')
one=$(echo "$sizes" | cut -d, -f9)
echo "trace: $trace ($(( $(stat -c %s "$trace") / 24 )) requests); budgets: $sizes; replay budget: $one"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

now() { date +%s.%N; }

t0=$(now)
"$harness" sweep "$trace" --max-entries "$sizes" --json --quiet >"$dir/sweep.json"
t1=$(now)
"$harness" replay "$trace" --max-entries "$one" --json --quiet >"$dir/replay.json"
t2=$(now)

"$venv/bin/python" - "$trace" "$sizes" "$one" "$dir" "$t0" "$t1" "$t2" <<'PY'
import json, sys, time
import libcachesim as lcs

trace, sizes, one, out, t0, t1, t2 = sys.argv[1:]
sizes = [int(s) for s in sizes.split(",")]
one = int(one)
sweep_s = float(t1) - float(t0)
replay_s = float(t2) - float(t1)

def reader():
    params = lcs.ReaderInitParam(ignore_obj_size=True)
    return lcs.TraceReader(trace, lcs.TraceType.ORACLE_GENERAL_TRACE, params)

def lru_misses(size):
    r = reader()
    n = r.get_num_of_req()
    miss_ratio, _ = lcs.LRU(cache_size=size).process_trace(r)
    return round(miss_ratio * n), n

start = time.time()
lcs_misses = {}
for s in sizes:
    lcs_misses[s], n = lru_misses(s)
lcs_sweep_s = time.time() - start
start = time.time()
lcs_one, _ = lru_misses(one)
lcs_replay_s = time.time() - start

sweep = json.load(open(f"{out}/sweep.json"))
ours = {p["max_entries"]: p["misses"] for p in sweep["points"]}
replay = json.load(open(f"{out}/replay.json"))["runs"][0]["cache"]["misses"]

print(f"{'entries':>10} {'harness misses':>15} {'libcachesim misses':>19}")
same = True
for s in sizes:
    mark = "" if ours.get(s) == lcs_misses[s] else "  DIFFERENT"
    same = same and not mark
    print(f"{s:>10} {ours.get(s, -1):>15} {lcs_misses[s]:>19}{mark}")
print(f"replay at {one}: harness {replay} misses, libcachesim {lcs_one}"
      + ("" if replay == lcs_one else "  DIFFERENT"))
same = same and replay == lcs_one
print(f"sweep over {len(sizes)} budgets: harness {sweep_s:.2f} s, libcachesim {lcs_sweep_s:.2f} s "
      f"-> {lcs_sweep_s / sweep_s:.1f}x faster (target >= 10x)")
print(f"replay at one budget: harness {replay_s:.2f} s, libcachesim {lcs_replay_s:.2f} s "
      f"-> {lcs_replay_s / replay_s:.2f}x faster (target >= 2x)")
print("miss counts identical" if same else "MISS COUNTS DIFFER")
sys.exit(0 if same else 1)
PY
