//! Real-trace replay: exact LRU hit counts on the cache2k traces must equal the reference table
//! in `../shared/traces/README.md` (one entry per key, cold start, no TTL), through both the
//! single-threaded core and the thread-safe cache; S3-FIFO, SIEVE and GDSF (`CostAware` without
//! costs) must equal libCacheSim's counts (the `libcachesim` Python package 0.3.5, cache size in
//! objects, every object of size 1).
//!
//! The orm-busy trace (5 M requests) is `#[ignore]`d in debug builds; CI runs it with
//! `cargo test -p gencache --release --test traces -- --include-ignored`.

use gencache::{Cache, CacheBuilder, Policy};
use std::io::Read;
use std::path::PathBuf;

/// `(capacity, expected hits)` for web07, from the README table.
const WEB07: [(usize, u64); 5] = [
    (100, 25_427),
    (1_000, 38_368),
    (5_000, 47_702),
    (10_000, 52_519),
    (50_000, 55_634),
];

/// `(capacity, expected hits)` for orm-busy, from the README table.
const ORM_BUSY: [(usize, u64); 5] = [
    (100, 2_574_237),
    (1_000, 3_938_943),
    (5_000, 4_273_062),
    (10_000, 4_474_313),
    (50_000, 4_886_044),
];

/// `(capacity, expected hits)` for web07 from libCacheSim (`libcachesim.S3FIFO(cache_size=n)`
/// etc., fed one `Request` per key with `obj_size = 1`).
const WEB07_S3FIFO: [(usize, u64); 3] = [(100, 28_974), (1_000, 41_192), (5_000, 48_521)];
const WEB07_SIEVE: [(usize, u64); 3] = [(100, 28_039), (1_000, 40_536), (5_000, 48_719)];
const WEB07_GDSF: [(usize, u64); 3] = [(100, 29_331), (1_000, 40_407), (5_000, 48_577)];

/// `../shared/traces` beside the checkout, or `$GENCACHE_TRACES_DIR` (a worktree elsewhere).
fn traces_dir() -> PathBuf {
    match std::env::var_os("GENCACHE_TRACES_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/traces"),
    }
}

/// Decompresses a trace: xz (pure Rust) of big-endian `i32` keys.
fn load_trace(name: &str) -> Vec<i32> {
    let path = traces_dir().join(name);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| {
        panic!(
            "cannot open trace {}: {e}. The traces live in shared/traces beside the checkout \
             (CI has them); see shared/traces/README.md",
            path.display()
        )
    });
    let mut bytes = Vec::new();
    lzma_rust2::XzReader::new(std::io::BufReader::new(file), true)
        .read_to_end(&mut bytes)
        .unwrap_or_else(|e| panic!("cannot decompress {}: {e}", path.display()));
    assert_eq!(
        bytes.len() % 4,
        0,
        "{}: {} bytes is not a whole number of i32 keys",
        path.display(),
        bytes.len()
    );
    bytes
        .chunks_exact(4)
        .map(|c| i32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Cold-start replay through the single-threaded core: get, and insert on a miss.
fn hits_unsync(trace: &[i32], capacity: usize) -> u64 {
    hits_unsync_with(trace, capacity, Policy::Lru)
}

fn hits_unsync_with(trace: &[i32], capacity: usize, policy: Policy) -> u64 {
    let mut cache = CacheBuilder::<i32, ()>::new()
        .policy(policy)
        .max_entries(capacity)
        .default_ttl(None)
        .build_unsync();
    for &key in trace {
        if cache.get(&key).is_none() {
            cache.insert(key, ());
        }
    }
    let s = cache.stats();
    assert_eq!(s.lookups(), trace.len() as u64);
    assert_eq!(s.inserts, s.misses);
    s.hits
}

/// The same replay through the thread-safe cache from one thread (LRU order is exact).
fn hits_sync(trace: &[i32], capacity: usize) -> u64 {
    hits_sync_with(trace, capacity, Policy::Lru)
}

fn hits_sync_with(trace: &[i32], capacity: usize, policy: Policy) -> u64 {
    let cache: Cache<i32, ()> = Cache::builder()
        .policy(policy)
        .max_entries(capacity)
        .default_ttl(None)
        .build();
    for &key in trace {
        if cache.get(&key).is_none() {
            cache.insert(key, ());
        }
    }
    cache.stats().hits
}

fn check(name: &str, requests: usize, table: &[(usize, u64)]) {
    let trace = load_trace(name);
    assert_eq!(trace.len(), requests, "{name}: request count");
    for &(capacity, expected) in table {
        assert_eq!(
            hits_unsync(&trace, capacity),
            expected,
            "{name}: unsync hits at capacity {capacity}"
        );
        assert_eq!(
            hits_sync(&trace, capacity),
            expected,
            "{name}: Cache hits at capacity {capacity}"
        );
    }
}

#[test]
fn web07_hit_counts_match_the_reference_table() {
    check("web07.trace.xz", 76_118, &WEB07);
}

#[test]
#[ignore = "5 M requests: run in release (`--release -- --include-ignored`)"]
fn orm_busy_hit_counts_match_the_reference_table() {
    check("orm-busy.trace.xz", 5_000_000, &ORM_BUSY);
}

fn check_policy(policy: Policy, table: &[(usize, u64)]) {
    let trace = load_trace("web07.trace.xz");
    for &(capacity, expected) in table {
        assert_eq!(
            hits_unsync_with(&trace, capacity, policy),
            expected,
            "web07 {policy}: unsync hits at capacity {capacity}"
        );
        assert_eq!(
            hits_sync_with(&trace, capacity, policy),
            expected,
            "web07 {policy}: Cache hits at capacity {capacity}"
        );
    }
}

#[test]
fn web07_s3fifo_hit_counts_match_libcachesim() {
    check_policy(Policy::S3Fifo, &WEB07_S3FIFO);
}

#[test]
fn web07_sieve_hit_counts_match_libcachesim() {
    check_policy(Policy::Sieve, &WEB07_SIEVE);
}

#[test]
fn web07_cost_aware_without_costs_matches_libcachesim_gdsf() {
    check_policy(Policy::CostAware, &WEB07_GDSF);
}
