#!/usr/bin/env python3
"""Cross-check the harness's policies against libCacheSim (the `libcachesim` Python package).

Run by scripts/crosscheck-libcachesim.sh inside its venv. For every (trace, policy, size) it
replays the same oracleGeneral file in both tools and compares the hit counts; it prints one
table and exits 1 on any difference. It also times both sides on the orm-busy replay.

- libCacheSim side: `process_trace` of a fresh cache with libCacheSim's default parameters
  (S3-FIFO: small queue 10 %, ghost 90 %, move-to-main threshold 2; Clock: 1-bit counter;
  BeladySize: 128 samples per eviction); hits = round((1 - miss ratio) x requests), exact for
  any trace below 2^52 requests.
- harness side: `harness replay FILE --policy P --max-entries N` (unit-size traces) or
  `--max-bytes B` (the sized trace), closed loop, one client, lookups untimed, every generation
  1 s (scripts/crosscheck/unit-cost.toml: gdsf's cost term is then libCacheSim's exactly).
- Timing (the orm-busy rows): both sides read the same oracleGeneral file in full. libCacheSim
  is timed from opening the reader to the end of `process_trace` (read + simulate; the Python
  interpreter and the import are not counted); the harness is timed as its whole process
  (start-up, every pass it needs — an offline bound's first pass included —, the JSON output),
  so whatever the harness does besides simulating counts against it. Each (policy, size) runs
  CROSSCHECK_REPEATS times (default 3) on each side, alternating, and the minimum is kept (the
  least-disturbed run: the machine is shared). The wall clock decides the ratio: it is the speed
  a user waits for, and the harness's one-pass replay is a two-thread pipeline on a machine with
  a second core (a reader thread decodes the trace, counts distinct keys and derives the
  baseline), which CPU time cannot credit. CPU time (the process's user + system time:
  `time.process_time` in libCacheSim's process, the growth of the children's rusage for the
  harness process, both microsecond-resolved) is printed beside it, and a CPU ratio below the
  target is flagged in the table, since on a shared machine the wall clock also measures the
  other processes.
- s3fifo follows libCacheSim's admission exactly (an object larger than the small queue, 10 %
  of the cache, is not admitted; one exactly as large is dropped after the evictions made room
  for it, unless it comes back from the ghost), so every s3fifo row, sized or not, must be equal.
- belady-size samples 128 random objects per eviction in both tools, from different random
  streams: its counts cannot be bit-identical. It is shown as "~" and fails only beyond 2 %.

Usage: crosscheck.py HARNESS UNIT_COST_TOML TRACE_SPEC...
  TRACE_SPEC = name:path:requests:unit|bytes:size,size,...
"""
import json
import os
import resource
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


REPEATS = max(1, int(os.environ.get("CROSSCHECK_REPEATS", "3")))


def libcachesim_hits(path, requests, policy, size):
    """Hits and (CPU s, wall s) of one libCacheSim replay, reader opening included."""
    cpu, wall = time.process_time(), time.perf_counter()
    reader = lcs.TraceReader(trace=path, trace_type=lcs.TraceType.ORACLE_GENERAL_TRACE)
    cache = getattr(lcs, CLASSES[policy])(cache_size=size)
    miss_ratio, _ = cache.process_trace(reader)
    seconds = (time.process_time() - cpu, time.perf_counter() - wall)
    return round((1.0 - miss_ratio) * requests), seconds


def harness_hits(harness, unit_cost, path, policy, size, unit):
    """Hits and (CPU s, wall s) of one harness process."""
    bound = ["--max-entries", str(size), "--max-bytes", "none"] if unit else [
        "--max-bytes", str(size), "--max-entries", "none"]
    cmd = [harness, "--quiet", "replay", path, "--format", "oracle-general", "-w", unit_cost,
           "--policy", policy, "--no-lookup-time", "--json", *bound]
    # The children's rusage grows by exactly this child's once it is reaped (one at a time).
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(f"harness failed ({' '.join(cmd)}): {out.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    run = json.loads(out.stdout)["runs"][0]
    return run["cache"]["hits"], (cpu, wall)


def timed(replay, repeats):
    """Runs `replay` `repeats` times: its hits (which must not change) and the minimum CPU
    and wall seconds."""
    hits, best_cpu, best_wall = None, float("inf"), float("inf")
    for _ in range(repeats):
        h, (cpu, wall) = replay()
        if hits is not None and h != hits:
            raise SystemExit(f"a repeated replay changed its hits: {hits} then {h}")
        hits, best_cpu, best_wall = h, min(best_cpu, cpu), min(best_wall, wall)
    return hits, (best_cpu, best_wall)


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
                repeats = REPEATS if name == TIMED_TRACE else 1
                lcs_hits, lcs_s = timed(
                    lambda: libcachesim_hits(path, int(requests), policy, size), repeats)
                h_hits, h_s = timed(
                    lambda: harness_hits(harness, unit_cost, path, policy, size, unit), repeats)
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
        print(f"Speed on {TIMED_TRACE} (seconds summed over the sizes, each the minimum of "
              f"{REPEATS} runs; ratio = libcachesim / harness, target >= {SPEED_TARGET}x in wall "
              f"clock for each reference policy; CPU time beside it; load "
              f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores):")
        print("| policy | libcachesim wall s | harness wall s | wall ratio | libcachesim CPU s "
              "| harness CPU s | CPU ratio | target |")
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        for policy, runs in speed.items():
            lcs_wall = sum(r[1][1] for r in runs)
            ours_wall = sum(r[2][1] for r in runs)
            lcs_cpu = sum(r[1][0] for r in runs)
            ours_cpu = sum(r[2][0] for r in runs)
            wall = lcs_wall / ours_wall if ours_wall > 0 else float("inf")
            cpu = lcs_cpu / ours_cpu if ours_cpu > 0 else float("inf")
            verdict = "met" if wall >= SPEED_TARGET else "BELOW TARGET"
            if cpu < SPEED_TARGET:
                verdict += f" (CPU below {SPEED_TARGET}x)"
            print(f"| {policy} | {lcs_wall:.3f} | {ours_wall:.3f} | {wall:.2f}x | {lcs_cpu:.3f} "
                  f"| {ours_cpu:.3f} | {cpu:.2f}x | {verdict} |")

    print()
    if failures:
        print(f"FAILED: {failures} of {len(rows)} rows differ")
        return 1
    print(f"all {len(rows)} rows equal (belady-size within its sampling tolerance)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
