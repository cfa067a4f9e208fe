//! The engine driving the real `gencache` core agrees with a reference LRU (a plain list,
//! most recent first) on hits, generations and makespan, for random traces and capacities.

use harness::engine::{ArrivalMode, CacheLimits, EngineConfig, LruSim, replay, secs_to_ns};
use proptest::prelude::*;
use workloads::Request;

/// Exact LRU by entry count, O(n) per access: obviously correct, slow.
fn reference(trace: &[Request], capacity: usize, hit_ns: u64) -> (u64, u64, u64) {
    let mut lru: Vec<u64> = Vec::new();
    let (mut hits, mut generations, mut time) = (0, 0, 0u64);
    for r in trace {
        if let Some(pos) = lru.iter().position(|&k| k == r.key) {
            lru.remove(pos);
            lru.insert(0, r.key);
            hits += 1;
            time += hit_ns;
        } else {
            generations += 1;
            time += secs_to_ns(r.cost);
            if capacity > 0 {
                lru.insert(0, r.key);
                lru.truncate(capacity);
            }
        }
    }
    (hits, generations, time)
}

proptest! {
    // proptest reports the failing case and persists its seed for replay.
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn sequential_replay_matches_reference_lru(
        keys in prop::collection::vec(0u64..40, 1..400),
        capacity in 1usize..30,
        cost in 1u32..200,
    ) {
        let trace: Vec<Request> = keys
            .iter()
            .map(|&key| Request { time: 0.0, key, size: 100, cost: f64::from(cost) })
            .collect();
        let config = EngineConfig {
            arrival: ArrivalMode::Closed { clients: 1 },
            measure_lookups: false,
            ..EngineConfig::default()
        };
        let limits = CacheLimits { max_entries: Some(capacity as u64), max_bytes: None, ttl: None };
        let mut cache = LruSim::new(&limits);
        let out = replay(trace.iter().copied(), &mut cache, &config, &mut |_| {});
        let out = match out {
            Ok(out) => out,
            Err(e) => return Err(TestCaseError::fail(format!("replay failed: {e}"))),
        };
        let (hits, generations, time) = reference(&trace, capacity, config.hit_cost_ns);
        prop_assert_eq!(out.hits, hits);
        prop_assert_eq!(out.generations, generations);
        prop_assert_eq!(out.makespan_ns, time);
    }
}
