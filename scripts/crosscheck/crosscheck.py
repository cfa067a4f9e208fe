#!/usr/bin/env python3
"""Cross-check the harness's policies against libCacheSim (the `libcachesim` Python package).

Run by scripts/crosscheck-libcachesim.sh inside its venv. For every (trace, policy, size) it
replays the same oracleGeneral file in both tools and compares the hit counts; it prints one
table and exits 1 on any difference. It also times both sides on the orm-busy replay.

- libCacheSim side: `process_trace` of a fresh cache with libCacheSim's default parameters
  (S3-FIFO: small queue 10 %, ghost 90 %, move-to-main threshold 2; Clock: 1-bit counter;
  BeladySize: 128 samples per eviction); hits = round((1 - miss ratio) x requests), exact for
  any trace below 2^52 requests. Its time is the CPU time of `process_trace` alone (read +
  simulate).
- harness side: `harness replay FILE --policy P --max-entries N` (unit-size traces) or
  `--max-bytes B` (the sized trace), closed loop, one client, lookups untimed, every generation
  1 s (scripts/crosscheck/unit-cost.toml: gdsf's cost term is then libCacheSim's exactly). Its
  time is the CPU time of the cached pass (`replay.cpu_s`: read + engine + policy), the same
  work. CPU time rather than wall time: the machine is shared, and wall time measures the load.
- s3fifo follows libCacheSim's admission exactly (an object larger than the small queue, 10 %
  of the cache, is not admitted; one exactly as large is dropped after the evictions made room
  for it, unless it comes back from the ghost), so every s3fifo row, sized or not, must be equal.
- belady-size samples 128 random objects per eviction in both tools, from different random
  streams: its counts cannot be bit-identical. It is shown as "~" and fails only beyond 2 %.

Usage: crosscheck.py HARNESS UNIT_COST_TOML TRACE_SPEC...
  TRACE_SPEC = name:path:requests:unit|bytes:size,size,...
"""
import json
import subprocess
import sys
import time

import libcachesim as lcs

CLASSES = {
    "lru": "LRU",
    "fifo": "FIFO",
    "clock": "Clock",
    "lfu": "LFU",
    "arc": "ARC",
    "sieve": "Sieve",
    "s3fifo": "S3FIFO",
    "belady": "Belady",
    "belady-size": "BeladySize",
    "gdsf": "GDSF",
}
UNIT_POLICIES = ["lru", "fifo", "clock", "sieve", "s3fifo", "arc", "lfu", "belady", "gdsf"]
SIZED_POLICIES = UNIT_POLICIES + ["belady-size"]
APPROXIMATE = {"belady-size": 0.02}
TIMED_TRACE = "orm-busy"
SPEED_TARGET = 1.5


def libcachesim_hits(path, requests, policy, size):
    reader = lcs.TraceReader(trace=path, trace_type=lcs.TraceType.ORACLE_GENERAL_TRACE)
    cache = getattr(lcs, CLASSES[policy])(cache_size=size)
    started = time.process_time()
    miss_ratio, _ = cache.process_trace(reader)
    seconds = time.process_time() - started
    return round((1.0 - miss_ratio) * requests), seconds


def harness_hits(harness, unit_cost, path, policy, size, unit):
    bound = ["--max-entries", str(size), "--max-bytes", "none"] if unit else [
        "--max-bytes", str(size), "--max-entries", "none"]
    cmd = [harness, "--quiet", "replay", path, "--format", "oracle-general", "-w", unit_cost,
           "--policy", policy, "--no-lookup-time", "--json", *bound]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"harness failed ({' '.join(cmd)}): {out.stderr.strip()}")
    run = json.loads(out.stdout)["runs"][0]
    seconds = run["replay"].get("cpu_s")
    return run["cache"]["hits"], run["replay"]["wall_s"] if seconds is None else seconds


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    harness, unit_cost = sys.argv[1], sys.argv[2]
    rows, speed, failures = [], {}, 0
    for spec in sys.argv[3:]:
        name, path, requests, kind, sizes = spec.split(":")
        unit = kind == "unit"
        for policy in (UNIT_POLICIES if unit else SIZED_POLICIES):
            for size in [int(s) for s in sizes.split(",")]:
                lcs_hits, lcs_s = libcachesim_hits(path, int(requests), policy, size)
                h_hits, h_s = harness_hits(harness, unit_cost, path, policy, size, unit)
                tolerance = APPROXIMATE.get(policy)
                if tolerance is None:
                    equal = "yes" if lcs_hits == h_hits else "NO"
                    failed = lcs_hits != h_hits
                else:
                    rel = abs(lcs_hits - h_hits) / max(lcs_hits, 1)
                    failed = rel > tolerance
                    equal = f"~ ({rel * 100:.2f} %)" + (" NO" if failed else "")
                failures += failed
                rows.append((name, policy, size, lcs_hits, h_hits, equal))
                if name == TIMED_TRACE:
                    speed.setdefault(policy, []).append((size, lcs_s, h_s))
                print(f"  {name} {policy} {size}: libcachesim {lcs_hits}, harness {h_hits}",
                      file=sys.stderr, flush=True)

    print("| trace | policy | size | libcachesim | harness | equal? |")
    print("|---|---|---:|---:|---:|---|")
    for name, policy, size, a, b, eq in rows:
        print(f"| {name} | {policy} | {size:,} | {a:,} | {b:,} | {eq} |")

    if speed:
        print()
        print(f"Speed on {TIMED_TRACE} (CPU seconds, summed over the sizes; ratio = "
              f"libcachesim / harness, target >= {SPEED_TARGET}x for each reference policy):")
        print("| policy | libcachesim s | harness s | ratio | target |")
        print("|---|---:|---:|---:|---|")
        for policy, runs in speed.items():
            a = sum(r[1] for r in runs)
            b = sum(r[2] for r in runs)
            ratio = a / b if b > 0 else float("inf")
            verdict = "met" if ratio >= SPEED_TARGET else "BELOW TARGET"
            print(f"| {policy} | {a:.3f} | {b:.3f} | {ratio:.2f}x | {verdict} |")

    print()
    if failures:
        print(f"FAILED: {failures} of {len(rows)} rows differ")
        return 1
    print(f"all {len(rows)} rows equal (belady-size within its sampling tolerance)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
