//! The warm-up: its requests go through the cache and are in no figure. Hand-checked cases and
//! a property against the prefix replayed on its own.

use super::*;
use proptest::prelude::*;

const MISS: f64 = 124.6;
const HIT_NS: u64 = 50_000_000;

fn req(key: u64) -> Request {
    Request {
        time: 0.0,
        key,
        size: 100,
        cost: MISS,
    }
}

fn config(clients: u32, warmup: u64) -> EngineConfig {
    EngineConfig {
        hit_cost_ns: HIT_NS,
        arrival: ArrivalMode::Closed { clients },
        measure_lookups: false,
        windows: 10,
        warmup,
        ..EngineConfig::default()
    }
}

fn replay_ok<C: SimCache>(trace: &[Request], cache: &mut C, config: &EngineConfig) -> SideOutcome {
    match replay(trace.iter().copied(), cache, config, &mut |_| {}) {
        Ok(out) => out,
        Err(e) => panic!("replay failed: {e}"),
    }
}

#[test]
fn the_seed_example_after_its_30_first_requests_hits_every_time() {
    // 30 distinct keys, then 70 repeats: with the 30 first requests as warm-up, every measured
    // request hits, so the speedup is 124.6 / 0.05 = 2,492x (the seed's "100 %" claim).
    let trace: Vec<Request> = (0..100u64).map(|i| req(i % 30)).collect();
    let expected = Some(100);
    let cached = replay_ok(
        &trace,
        &mut LruSim::new(&CacheLimits::default()),
        &EngineConfig {
            expected_requests: expected,
            ..config(1, 30)
        },
    );
    let base = replay_ok(&trace, &mut NoCache, &config(1, 30));
    assert_eq!((cached.requests, cached.warmup_requests), (70, 30));
    assert_eq!((cached.hits, cached.misses, cached.generations), (70, 0, 0));
    assert_eq!(cached.makespan_ns, 70 * HIT_NS);
    assert_eq!(cached.latency_sum_ns, u128::from(70 * HIT_NS));
    assert!(
        cached.latency.figures().max < 0.051,
        "no request waited for a generation"
    );
    assert_eq!((base.requests, base.generations), (70, 70));
    assert_eq!(base.makespan_ns, 70 * secs_to_ns(MISS));
    let speedup = base.makespan_ns as f64 / cached.makespan_ns as f64;
    assert!((speedup - 2492.0).abs() < 1e-9, "{speedup}");
    // The windows cover the measured requests only, all hits.
    assert_eq!(cached.timeline.last().map(|w| w.requests), Some(70));
    assert!(
        cached
            .timeline
            .iter()
            .all(|w| w.window_hits == w.window_requests)
    );
    // Without the warm-up the same trace is the seed's 70 % case.
    let all = replay_ok(
        &trace,
        &mut LruSim::new(&CacheLimits::default()),
        &config(1, 0),
    );
    assert_eq!((all.requests, all.hits, all.generations), (100, 70, 30));
}

#[test]
fn a_measured_request_joining_a_warm_up_generation_counts_its_whole_wait() {
    // Two clients, one warm-up request: client 0's request (warm-up) starts generating key 1 at
    // 0; client 1's (measured) arrives at 0 too and joins it. Only the second is counted: one
    // joined miss that waited the whole generation, and no generation of its own.
    let trace = [req(1), req(1)];
    let out = replay_ok(
        &trace,
        &mut LruSim::new(&CacheLimits::default()),
        &config(2, 1),
    );
    assert_eq!(
        (out.requests, out.hits, out.misses, out.joined),
        (1, 0, 1, 1)
    );
    assert_eq!((out.generations, out.generation_ns), (0, 0));
    assert_eq!(out.wait_ns, u128::from(secs_to_ns(MISS)));
    assert_eq!(out.makespan_ns, secs_to_ns(MISS));
}

#[test]
fn evictions_are_counted_from_the_first_measured_request() {
    // One entry: a b | a b — every request misses and evicts the one before; the warm-up (a b)
    // evicted once, the measured part twice.
    let trace = [req(1), req(2), req(1), req(2)];
    let limits = CacheLimits {
        max_entries: Some(1),
        ..CacheLimits::default()
    };
    let mut cache = LruSim::new(&limits);
    let out = replay_ok(&trace, &mut cache, &config(1, 2));
    let at_warmup = out.stats_at_warmup.map(|s| s.evictions.capacity_entries);
    assert_eq!(at_warmup, Some(1));
    assert_eq!(cache.stats().evictions.capacity_entries, 3);
}

proptest! {
    /// Closed loop with one client: the figures with a warm-up of `w` are those of the whole
    /// trace less those of its first `w` requests replayed alone.
    #[test]
    fn with_one_client_a_warm_up_subtracts_its_prefix(
        keys in proptest::collection::vec(0u64..12, 1..80),
        capacity in 1u64..6,
        cut in 0usize..80,
    ) {
        let trace: Vec<Request> = keys.iter().map(|&k| req(k)).collect();
        let w = cut.min(trace.len() - 1);
        let limits = CacheLimits { max_entries: Some(capacity), ..CacheLimits::default() };
        let all = replay_ok(&trace, &mut LruSim::new(&limits), &config(1, 0));
        let mut warm_cache = LruSim::new(&limits);
        let warm = replay_ok(&trace, &mut warm_cache, &config(1, w as u64));
        let prefix = replay_ok(&trace[..w], &mut LruSim::new(&limits), &config(1, 0));
        prop_assert_eq!(warm.requests + prefix.requests, all.requests);
        prop_assert_eq!(warm.hits + prefix.hits, all.hits);
        prop_assert_eq!(warm.misses + prefix.misses, all.misses);
        prop_assert_eq!(warm.generations + prefix.generations, all.generations);
        prop_assert_eq!(warm.generation_ns + prefix.generation_ns, all.generation_ns);
        prop_assert_eq!(warm.latency_sum_ns + prefix.latency_sum_ns, all.latency_sum_ns);
        prop_assert_eq!(warm.hit_bytes + prefix.hit_bytes, all.hit_bytes);
        prop_assert_eq!(warm.makespan_ns + prefix.makespan_ns, all.makespan_ns);
        let evicted = |s: gencache::CacheStats| s.evictions.capacity_entries;
        let before = warm.stats_at_warmup.map_or(0, evicted);
        let mut prefix_cache = LruSim::new(&limits);
        replay_ok(&trace[..w], &mut prefix_cache, &config(1, 0));
        prop_assert_eq!(before, evicted(prefix_cache.stats()));
        prop_assert!(evicted(warm_cache.stats()) >= before);
        // The baseline derived beside the cached replay agrees with a separate one.
        let mut derived_cache = LruSim::new(&limits);
        let Ok(Some((cached, base, _))) = replay_with_baseline(
            trace.iter().copied(),
            &mut derived_cache,
            &config(1, w as u64),
            &mut |_| {},
        ) else {
            return Err(TestCaseError::fail("closed loop, one client"));
        };
        let separate = replay_ok(&trace, &mut NoCache, &EngineConfig { single_flight: false, ..config(1, w as u64) });
        prop_assert_eq!(cached.hits, warm.hits);
        prop_assert_eq!(base.makespan_ns, separate.makespan_ns);
        prop_assert_eq!(base.requests, separate.requests);
        prop_assert_eq!(base.warmup_requests, separate.warmup_requests);
    }
}
