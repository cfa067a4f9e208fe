#!/usr/bin/env python3
"""Hit counts of libCacheSim (the `libcachesim` Python package) on an oracleGeneral trace.

Usage: libcachesim_hits.py TRACE REQUESTS POLICY:SIZE [POLICY:SIZE ...]

Prints one JSON object per line: {"policy", "size", "hits", "seconds"}. `hits` is derived from
the miss ratio `process_trace` returns (misses / requests, a double: exact after rounding for
any trace below 2^52 requests). `seconds` times `process_trace` alone (reading + simulating).
Every policy runs with libCacheSim's default parameters.
"""
import json
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


def main() -> int:
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    trace, requests = sys.argv[1], int(sys.argv[2])
    for spec in sys.argv[3:]:
        policy, size = spec.rsplit(":", 1)
        size = int(size)
        reader = lcs.TraceReader(trace=trace, trace_type=lcs.TraceType.ORACLE_GENERAL_TRACE)
        cache = getattr(lcs, CLASSES[policy])(cache_size=size)
        started = time.perf_counter()
        miss_ratio, _byte_miss_ratio = cache.process_trace(reader)
        seconds = time.perf_counter() - started
        hits = round((1.0 - miss_ratio) * requests)
        print(json.dumps({"policy": policy, "size": size, "hits": hits, "seconds": seconds}))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
