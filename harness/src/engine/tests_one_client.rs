//! The event-free loop of a closed loop with one client gives exactly what the event-driven
//! loop gives: every figure, the timeline, the cache's statistics, and the same error on the
//! same request.

use super::*;
use proptest::prelude::*;
use std::time::Duration;

/// Everything a replay reports, in a comparable form.
#[derive(Debug, PartialEq)]
struct Everything {
    counts: [u64; 7],
    sums: [u128; 7],
    cost_sum_bits: u64,
    latency: (u64, Vec<(f64, f64)>),
    timeline: Vec<WindowSample>,
    stats_at_warmup: Option<gencache::CacheStats>,
    stats_at_end: gencache::CacheStats,
    occupancy: Occupancy,
}

fn everything(out: &SideOutcome, cache: &LruSim) -> Everything {
    Everything {
        counts: [
            out.requests,
            out.warmup_requests,
            out.hits,
            out.misses,
            out.joined,
            out.generations,
            out.makespan_ns,
        ],
        sums: [
            out.generation_ns,
            out.wait_ns,
            out.hit_ns,
            out.lookup_ns,
            out.latency_sum_ns,
            out.requested_bytes,
            out.hit_bytes,
        ],
        cost_sum_bits: out.cost_sum_s.to_bits(),
        latency: (out.latency.count(), out.latency.curve()),
        timeline: out.timeline.clone(),
        stats_at_warmup: out.stats_at_warmup,
        stats_at_end: cache.stats(),
        occupancy: cache.occupancy(),
    }
}

/// One replay through gencache's LRU, event-driven or not.
fn replay_lru(
    trace: &[Request],
    limits: &CacheLimits,
    config: &EngineConfig,
    event_driven: bool,
) -> Result<Everything, String> {
    let mut cache = LruSim::new(limits);
    let mut engine = Engine::new(*config, &mut cache);
    engine.event_driven = event_driven;
    engine
        .run(trace.iter().copied(), &mut |_| {})
        .map_err(|e| e.to_string())?;
    let out = engine.finish();
    Ok(everything(&out, &cache))
}

fn arb_requests() -> impl Strategy<Value = Vec<Request>> {
    prop::collection::vec((0u64..40, 1u64..400, 0u32..6), 1..300).prop_map(|v| {
        v.into_iter()
            .map(|(key, size, cost)| Request {
                time: 0.0,
                key,
                size,
                // Runs of equal costs and changes between them (0 s included).
                cost: f64::from(cost) * 0.75,
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn one_client_without_events_equals_the_event_driven_replay(
        trace in arb_requests(),
        max_entries in prop::option::of(1u64..30),
        max_bytes in prop::option::of(200u64..4000),
        ttl_s in prop::option::of(1u64..8),
        workers in 1u32..3,
        single_flight: bool,
        hit_cost_ns in prop_oneof![Just(0u64), Just(50_000_000u64), 1u64..2_000_000_000],
        warmup in 0u64..60,
        windows in 1u32..12,
        known_length: bool,
    ) {
        let limits = CacheLimits {
            max_entries,
            max_bytes,
            ttl: ttl_s.map(Duration::from_secs),
        };
        let config = EngineConfig {
            workers,
            hit_cost_ns,
            single_flight,
            arrival: ArrivalMode::Closed { clients: 1 },
            measure_lookups: false,
            windows,
            expected_requests: known_length.then_some(trace.len() as u64),
            warmup,
        };
        let events = replay_lru(&trace, &limits, &config, true);
        let direct = replay_lru(&trace, &limits, &config, false);
        prop_assert_eq!(direct, events);
    }
}

#[test]
fn one_client_errors_name_the_same_request_with_or_without_events() {
    let ok = |key| Request {
        time: 0.0,
        key,
        size: 1,
        cost: 1.0,
    };
    let limits = CacheLimits::default();
    let config = EngineConfig {
        measure_lookups: false,
        ..EngineConfig::default()
    };
    // A cost out of range on the fourth request.
    let mut bad_cost = vec![ok(1), ok(2), ok(1)];
    bad_cost.push(Request {
        cost: f64::NAN,
        ..ok(3)
    });
    // Hits whose latency overflows the virtual clock on the third request.
    let overflowing = EngineConfig {
        hit_cost_ns: u64::MAX / 2,
        ..config
    };
    let hits = vec![ok(1), ok(1), ok(1), ok(1)];
    for (trace, config) in [(&bad_cost, config), (&hits, overflowing)] {
        let events = replay_lru(trace, &limits, &config, true);
        let direct = replay_lru(trace, &limits, &config, false);
        assert!(events.is_err(), "{events:?}");
        assert_eq!(direct, events);
    }
}
