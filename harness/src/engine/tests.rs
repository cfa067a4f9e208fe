//! Engine tests on hand-built traces, against a reference cache (an unbounded set), so they
//! check the event model itself, independently of `gencache`.

use super::*;
use proptest::prelude::*;
use std::collections::HashSet;

/// An unbounded, never-expiring cache: the simplest correct model.
#[derive(Default)]
struct SetCache(HashSet<u64>);

impl SimCache for SetCache {
    fn enabled(&self) -> bool {
        true
    }
    fn lookup(&mut self, key: u64, _now_ns: u64) -> bool {
        self.0.contains(&key)
    }
    fn insert(
        &mut self,
        key: u64,
        _size: u64,
        _cost_ns: u64,
        _now_ns: u64,
    ) -> Result<(), AllocationFailed> {
        self.0.insert(key);
        Ok(())
    }
    fn occupancy(&self) -> Occupancy {
        Occupancy {
            entries: self.0.len() as u64,
            payload_bytes: 0,
            heap_bytes: None,
        }
    }
    fn stats(&self) -> gencache::CacheStats {
        gencache::CacheStats::default()
    }
}

/// [`replay`] on a trace the test built in range: an error is a failed test, shown in full.
fn replay_ok<C: SimCache>(
    trace: impl Iterator<Item = Request>,
    cache: &mut C,
    config: &EngineConfig,
    progress: &mut dyn FnMut(u64),
) -> SideOutcome {
    match replay(trace, cache, config, progress) {
        Ok(out) => out,
        Err(e) => panic!("replay failed: {e}"),
    }
}

const MISS: f64 = 124.6;
const HIT_NS: u64 = 50_000_000;

fn req(time: f64, key: u64, cost: f64) -> Request {
    Request {
        time,
        key,
        size: 100,
        cost,
    }
}

fn deterministic(arrival: ArrivalMode, workers: u32, single_flight: bool) -> EngineConfig {
    EngineConfig {
        workers,
        hit_cost_ns: HIT_NS,
        single_flight,
        arrival,
        measure_lookups: false,
        windows: 10,
        expected_requests: None,
        warmup: 0,
    }
}

fn closed(clients: u32) -> ArrivalMode {
    ArrivalMode::Closed { clients }
}

/// The seed's example: 30 distinct keys, then 70 repeats of them.
fn seed_example() -> Vec<Request> {
    (0..100u64).map(|i| req(0.0, i % 30, MISS)).collect()
}

#[test]
fn seed_example_generates_30_times_and_matches_the_hand_computed_speedup() {
    let config = EngineConfig {
        measure_lookups: true,
        ..deterministic(closed(1), 1, true)
    };
    let base = replay_ok(
        seed_example().into_iter(),
        &mut NoCache,
        &config,
        &mut |_| {},
    );
    let cached = replay_ok(
        seed_example().into_iter(),
        &mut SetCache::default(),
        &config,
        &mut |_| {},
    );
    assert_eq!(base.generations, 100);
    assert_eq!(base.makespan_ns, 100 * secs_to_ns(MISS));
    assert_eq!(cached.generations, 30);
    assert_eq!(cached.hits, 70);
    assert_eq!(cached.joined, 0);
    // 124.6·100 / (30·124.6 + 70·0.05 + measured lookups), exactly, in integer ns.
    let expected = 30 * secs_to_ns(MISS) + 70 * HIT_NS + cached.lookup_ns as u64;
    assert_eq!(cached.makespan_ns, expected);
    let speedup = base.makespan_ns as f64 / cached.makespan_ns as f64;
    let hand = 124.6 * 100.0 / (30.0 * 124.6 + 70.0 * 0.05 + ns_to_secs(cached.lookup_ns));
    assert!((speedup - hand).abs() < 1e-9 * hand, "{speedup} vs {hand}");
    assert!(speedup > 3.3 && speedup < 3.34, "{speedup}");
}

/// A cache whose every lookup takes at least `min_ns` of wall-clock time (it spins on the
/// engine's own lookup clock), to see what the sampled lookup timing charges.
struct SlowLookups {
    inner: SetCache,
    min_ns: u64,
}

impl SimCache for SlowLookups {
    fn enabled(&self) -> bool {
        true
    }
    fn lookup(&mut self, key: u64, now_ns: u64) -> bool {
        let clock = SystemClock::new();
        while clock.now_nanos() < self.min_ns {
            std::hint::spin_loop();
        }
        self.inner.lookup(key, now_ns)
    }
    fn insert(
        &mut self,
        key: u64,
        size: u64,
        cost_ns: u64,
        now_ns: u64,
    ) -> Result<(), AllocationFailed> {
        self.inner.insert(key, size, cost_ns, now_ns)
    }
    fn occupancy(&self) -> Occupancy {
        self.inner.occupancy()
    }
    fn stats(&self) -> gencache::CacheStats {
        self.inner.stats()
    }
}

#[test]
fn sampled_lookup_timing_charges_every_hit_from_the_first_timed_one() {
    // One key, 100 requests: position 1 misses, 2..=100 hit. Positions 16, 32, .. are timed;
    // the 14 hits before 16 are charged nothing (no timed hit yet), the 85 from 16 on at
    // least the 20 µs every lookup takes, and all of it is in the hit time.
    let min_ns = 20_000;
    let config = EngineConfig {
        measure_lookups: true,
        ..deterministic(closed(1), 1, true)
    };
    let trace = (0..100).map(|_| req(0.0, 7, MISS));
    let mut cache = SlowLookups {
        inner: SetCache::default(),
        min_ns,
    };
    let out = replay_ok(trace, &mut cache, &config, &mut |_| {});
    assert_eq!(out.hits, 99);
    assert!(
        out.lookup_ns >= 85 * u128::from(min_ns),
        "{}",
        out.lookup_ns
    );
    assert_eq!(out.hit_ns, 99 * u128::from(HIT_NS) + out.lookup_ns);
    assert_eq!(
        out.makespan_ns as u128,
        u128::from(secs_to_ns(MISS)) + out.hit_ns
    );
}

#[test]
fn one_key_repeated_generates_once() {
    let trace = || (0..1000).map(|_| req(0.0, 7, MISS));
    let cfg = deterministic(closed(1), 1, true);
    let out = replay_ok(trace(), &mut SetCache::default(), &cfg, &mut |_| {});
    assert_eq!(out.generations, 1);
    assert_eq!(out.hits, 999);
    assert_eq!(out.makespan_ns, secs_to_ns(MISS) + 999 * HIT_NS);
}

#[test]
fn all_distinct_keys_gain_nothing() {
    let trace = || (0..500).map(|k| req(0.0, k, MISS));
    let cfg = EngineConfig {
        measure_lookups: true,
        ..deterministic(closed(1), 1, true)
    };
    let base = replay_ok(trace(), &mut NoCache, &cfg, &mut |_| {});
    let cached = replay_ok(trace(), &mut SetCache::default(), &cfg, &mut |_| {});
    assert_eq!(cached.hits, 0);
    assert_eq!(cached.generations, 500);
    assert!(base.makespan_ns as f64 / cached.makespan_ns as f64 <= 1.0);
}

#[test]
fn two_clients_same_key_single_flight_generates_once() {
    let trace = || [req(0.0, 1, 10.0), req(0.0, 1, 10.0)].into_iter();
    let out = replay_ok(
        trace(),
        &mut SetCache::default(),
        &deterministic(closed(2), 1, true),
        &mut |_| {},
    );
    assert_eq!(out.generations, 1);
    assert_eq!(out.joined, 1);
    assert_eq!(out.hits, 0);
    assert_eq!(out.makespan_ns, 10_000_000_000);
    assert_eq!(
        out.wait_ns, 10_000_000_000,
        "the joiner waited the whole generation"
    );
}

#[test]
fn two_clients_same_key_without_single_flight_generates_twice() {
    let trace = || [req(0.0, 1, 10.0), req(0.0, 1, 10.0)].into_iter();
    let one_worker = replay_ok(
        trace(),
        &mut SetCache::default(),
        &deterministic(closed(2), 1, false),
        &mut |_| {},
    );
    assert_eq!(one_worker.generations, 2);
    assert_eq!(one_worker.joined, 0);
    // The second generation queued behind the first on the only worker.
    assert_eq!(one_worker.makespan_ns, 20_000_000_000);
    let two_workers = replay_ok(
        trace(),
        &mut SetCache::default(),
        &deterministic(closed(2), 2, false),
        &mut |_| {},
    );
    assert_eq!(two_workers.generations, 2);
    assert_eq!(two_workers.makespan_ns, 10_000_000_000);
}

#[test]
fn k_workers_serve_a_fifo_queue() {
    // Five distinct requests at t = 0, costs 10 s, two workers: finish at 10, 10, 20, 20, 30.
    let trace = || (0..5).map(|k| req(0.0, k, 10.0));
    let out = replay_ok(
        trace(),
        &mut NoCache,
        &deterministic(ArrivalMode::Open, 2, false),
        &mut |_| {},
    );
    assert_eq!(out.generations, 5);
    assert_eq!(out.makespan_ns, 30_000_000_000);
    // Queued: 10 + 10 + 20 seconds.
    assert_eq!(out.wait_ns, 40_000_000_000);
    assert_eq!(out.generation_ns, 50_000_000_000);
    let f = out.latency.figures();
    assert!((f.max - 30.0).abs() < 0.03);
    assert!((f.p50 - 20.0).abs() < 0.02);
}

#[test]
fn open_loop_arrivals_join_hit_and_respect_timestamps() {
    // t=0 miss (done at 10), t=5 joins it, t=10 arrives as the result lands: a hit,
    // t=100 hit. Makespan from first arrival to the last answer: 100.05 s.
    let trace = || {
        [
            req(0.0, 1, 10.0),
            req(5.0, 1, 10.0),
            req(10.0, 1, 10.0),
            req(100.0, 1, 10.0),
        ]
        .into_iter()
    };
    let out = replay_ok(
        trace(),
        &mut SetCache::default(),
        &deterministic(ArrivalMode::Open, 1, true),
        &mut |_| {},
    );
    assert_eq!(out.generations, 1);
    assert_eq!(out.joined, 1);
    assert_eq!(out.hits, 2);
    assert_eq!(out.makespan_ns, 100_050_000_000);
    assert_eq!(out.wait_ns, 5_000_000_000);
}

#[test]
fn open_loop_timestamps_going_backwards_are_counted_not_fatal() {
    let trace = [req(10.0, 1, 1.0), req(5.0, 2, 1.0)].into_iter();
    let out = replay_ok(
        trace,
        &mut NoCache,
        &deterministic(ArrivalMode::Open, 2, false),
        &mut |_| {},
    );
    assert_eq!(out.reordered_arrivals, 1);
    assert_eq!(out.makespan_ns, 1_000_000_000);
}

#[test]
fn timeline_has_one_sample_per_window() {
    let cfg = EngineConfig {
        expected_requests: Some(100),
        ..deterministic(closed(1), 1, true)
    };
    let out = replay_ok(
        seed_example().into_iter(),
        &mut SetCache::default(),
        &cfg,
        &mut |_| {},
    );
    assert_eq!(out.timeline.len(), 10);
    assert_eq!(out.timeline[0].window_hits, 0, "first 10 requests are cold");
    assert_eq!(out.timeline[9].cumulative_hits, 70);
    assert_eq!(out.timeline[9].window_hit_rate(), 1.0);
    assert_eq!(out.timeline[9].occupancy.entries, 30);
}

/// Reference for closed loop, one client, one worker: each request waits for the previous.
fn sequential_reference(trace: &[Request], cached: bool) -> (u64, u64) {
    let mut seen = HashSet::new();
    let (mut time, mut hits) = (0u64, 0u64);
    for r in trace {
        if cached && seen.contains(&r.key) {
            hits += 1;
            time += HIT_NS;
        } else {
            time += secs_to_ns(r.cost);
            seen.insert(r.key);
        }
    }
    (time, hits)
}

fn arb_trace() -> impl Strategy<Value = Vec<Request>> {
    prop::collection::vec((0.0f64..50.0, 0u64..12, 1u32..20), 1..200).prop_map(|v| {
        let mut t = 0.0;
        v.into_iter()
            .map(|(gap, key, cost)| {
                t += gap;
                req(t, key, f64::from(cost))
            })
            .collect()
    })
}

proptest! {
    // proptest prints the failing input and persists its seed, so every failure reproduces.
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn sequential_replay_matches_the_reference(trace in arb_trace()) {
        let cfg = deterministic(closed(1), 1, true);
        let base = replay_ok(trace.clone().into_iter(), &mut NoCache, &cfg, &mut |_| {});
        let cached = replay_ok(trace.clone().into_iter(), &mut SetCache::default(), &cfg, &mut |_| {});
        prop_assert_eq!((base.makespan_ns, base.hits), sequential_reference(&trace, false));
        prop_assert_eq!((cached.makespan_ns, cached.hits), sequential_reference(&trace, true));
    }

    #[test]
    fn every_request_is_answered_exactly_once(
        trace in arb_trace(),
        clients in 1u32..5,
        workers in 1u32..4,
        single_flight: bool,
        open: bool,
    ) {
        let arrival = if open { ArrivalMode::Open } else { closed(clients) };
        let cfg = deterministic(arrival, workers, single_flight);
        let out = replay_ok(trace.clone().into_iter(), &mut SetCache::default(), &cfg, &mut |_| {});
        let n = trace.len() as u64;
        prop_assert_eq!(out.requests, n);
        prop_assert_eq!(out.latency.count(), n);
        prop_assert_eq!(out.hits + out.misses, n);
        prop_assert_eq!(out.generations + out.joined, out.misses);
        if !single_flight {
            prop_assert_eq!(out.joined, 0);
        }
        // Total request time (summed independently, per answer) splits exactly into hit
        // time, waiting and each originator's own generation.
        prop_assert_eq!(out.latency_sum_ns, out.hit_ns + out.wait_ns + out.generation_ns);
        let busy_bound = u128::from(out.makespan_ns) * u128::from(workers);
        prop_assert!(out.generation_ns <= busy_bound);
    }
}

#[test]
fn many_more_clients_than_requests_start_only_as_many_as_needed() {
    // One event per client up front would need ~100 GB here; the replay must not depend on it.
    let cfg = deterministic(closed(u32::MAX), 1, true);
    let out = replay_ok(
        seed_example().into_iter(),
        &mut SetCache::default(),
        &cfg,
        &mut |_| {},
    );
    assert_eq!(out.requests, 100);
    // All 100 arrive at once: 30 distinct keys generate, 70 duplicates join them.
    assert_eq!(out.generations, 30);
    assert_eq!(out.joined, 70);
    assert_eq!(out.makespan_ns, 30 * secs_to_ns(MISS));
}

#[test]
fn first_requests_of_many_clients_arrive_in_client_order_before_anything_else() {
    // Zero hit cost: an answer at t = 0 must not let a client send twice before client 2 sends
    // its first request. Keys 1, 1, 2 with 3 clients: the third request misses (distinct key).
    let trace = [req(0.0, 1, 1.0), req(0.0, 1, 1.0), req(0.0, 2, 1.0)];
    let cfg = EngineConfig {
        hit_cost_ns: 0,
        ..deterministic(closed(3), 2, true)
    };
    let out = replay_ok(
        trace.into_iter(),
        &mut SetCache::default(),
        &cfg,
        &mut |_| {},
    );
    assert_eq!((out.generations, out.joined, out.hits), (2, 1, 0));
    assert_eq!(out.makespan_ns, 1_000_000_000);
}

#[test]
fn a_cost_beyond_one_year_is_an_error_naming_the_request() {
    let trace = [req(0.0, 1, 1.0), req(0.0, 2, 1e300)];
    let err = replay(
        trace.into_iter(),
        &mut NoCache,
        &deterministic(closed(1), 1, true),
        &mut |_| {},
    );
    assert_eq!(
        err.map(|o| o.requests),
        Err(EngineError::CostOutOfRange {
            request: 2,
            key: 2,
            cost_s: 1e300
        })
    );
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        let r = replay(
            [req(0.0, 1, bad)].into_iter(),
            &mut NoCache,
            &deterministic(closed(1), 1, true),
            &mut |_| {},
        );
        assert!(
            matches!(r, Err(EngineError::CostOutOfRange { request: 1, .. })),
            "{bad}"
        );
    }
}

#[test]
fn virtual_time_overflow_is_an_error_not_a_saturated_clock() {
    // 600 one-year generations in a row pass u64::MAX ns (~584 years).
    let trace = (0..600).map(|k| req(0.0, k, MAX_COST_S));
    let err = replay(
        trace,
        &mut NoCache,
        &deterministic(closed(1), 1, true),
        &mut |_| {},
    );
    assert!(
        matches!(err, Err(EngineError::ClockOverflow { request, .. }) if (580..=590).contains(&request)),
        "{err:?}"
    );
    // An enormous hit cost overflows on a hit.
    let cfg = EngineConfig {
        hit_cost_ns: u64::MAX - 1,
        ..deterministic(closed(1), 1, true)
    };
    let r = replay(
        [req(0.0, 1, 1.0), req(0.0, 1, 1.0)].into_iter(),
        &mut SetCache::default(),
        &cfg,
        &mut |_| {},
    );
    assert_eq!(
        r.map(|o| o.hits),
        Err(EngineError::ClockOverflow { request: 2, key: 1 })
    );
    // An open-loop timestamp beyond the clock.
    let r = replay(
        [req(1e12, 1, 1.0)].into_iter(),
        &mut NoCache,
        &deterministic(ArrivalMode::Open, 1, true),
        &mut |_| {},
    );
    assert!(
        matches!(r, Err(EngineError::TimeOutOfRange { request: 1, .. })),
        "{r:?}"
    );
}

#[test]
fn a_result_the_cache_cannot_allocate_is_an_error_naming_the_request() {
    let mut cache = MemorySim::new(&CacheLimits::default());
    let trace = [
        Request {
            time: 0.0,
            key: 5,
            size: 10,
            cost: 1.0,
        },
        Request {
            time: 0.0,
            key: 6,
            size: 1 << 62,
            cost: 1.0,
        },
    ];
    let r = replay(
        trace.into_iter(),
        &mut cache,
        &deterministic(closed(1), 1, true),
        &mut |_| {},
    );
    assert_eq!(
        r.map(|o| o.requests),
        Err(EngineError::PayloadAllocation {
            request: 2,
            key: 6,
            size: 1 << 62
        })
    );
}
