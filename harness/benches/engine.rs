//! Engine throughput: requests replayed per second, baseline (no cache) and through the real
//! `gencache` LRU, on a 1 M-request Zipf trace held in memory (so trace generation is not
//! measured). `cargo bench -p harness --bench engine`.

/// Allocations are counted as in the `harness` binary, so the figures are the binary's.
#[global_allocator]
static GLOBAL: harness::alloc::CountingAlloc = harness::alloc::CountingAlloc;

use criterion::{Criterion, Throughput};
use harness::engine::{CacheLimits, EngineConfig, LruSim, NoCache, replay};
use std::hint::black_box;
use workloads::{Request, Workload};

const WORKLOAD: &str = r#"
    name = "bench"
    requests = 1_000_000
    seed = 42
    [keys]
    kind = "zipf"
    universe = 1_000_000
    exponent = 0.9
    [size]
    kind = "fixed"
    bytes = 4096
    [cache]
    max_entries = 100_000
    ttl_s = "never"
"#;

fn trace() -> Vec<Request> {
    match Workload::from_toml_str(WORKLOAD, "bench").and_then(|w| w.trace()) {
        Ok(t) => t.collect(),
        Err(e) => panic!("bench workload: {e}"),
    }
}

fn main() {
    let requests = trace();
    let mut c = Criterion::default().configure_from_args().sample_size(10);
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(requests.len() as u64));
    let config = EngineConfig {
        measure_lookups: false,
        expected_requests: Some(requests.len() as u64),
        ..EngineConfig::default()
    };
    group.bench_function("baseline_no_cache", |b| {
        b.iter(|| {
            let out = replay(requests.iter().copied(), &mut NoCache, &config, &mut |_| {});
            black_box(out.map(|o| o.makespan_ns))
        })
    });
    group.bench_function("cached_lru_100k_entries", |b| {
        b.iter(|| {
            let limits = CacheLimits {
                max_entries: Some(100_000),
                ..CacheLimits::default()
            };
            let mut cache = LruSim::new(&limits);
            let out = replay(requests.iter().copied(), &mut cache, &config, &mut |_| {});
            black_box(out.map(|o| o.hits))
        })
    });
    let timed = EngineConfig {
        measure_lookups: true,
        ..config
    };
    group.bench_function("cached_lru_100k_entries_timed_lookups", |b| {
        b.iter(|| {
            let limits = CacheLimits {
                max_entries: Some(100_000),
                ..CacheLimits::default()
            };
            let mut cache = LruSim::new(&limits);
            let out = replay(requests.iter().copied(), &mut cache, &timed, &mut |_| {});
            black_box(out.map(|o| o.hits))
        })
    });
    group.finish();
    c.final_summary();
}
