//! The one-pass replay (closed loop, one client: the baseline derived beside the cached pass)
//! gives exactly what the separate baseline replay and cached replay give.

use harness::engine::{
    ArrivalMode, CacheLimits, EngineConfig, LruSim, NoCache, SideOutcome, replay,
    replay_with_baseline,
};
use std::time::Duration;

/// The deterministic figures of a side.
type Figures = (
    u64,
    u64,
    u64,
    u64,
    u64,
    u128,
    u128,
    u128,
    u128,
    Vec<(f64, f64)>,
);

fn figures(s: &SideOutcome) -> Figures {
    (
        s.requests,
        s.hits,
        s.misses,
        s.generations,
        s.makespan_ns,
        s.generation_ns,
        s.wait_ns,
        s.hit_ns,
        s.latency_sum_ns,
        s.latency.curve(),
    )
}

#[test]
fn one_pass_equals_separate_baseline_and_cached_replays() {
    let mut w = match workloads::Workload::preset("typical") {
        Ok(w) => w,
        Err(e) => panic!("{e}"),
    };
    w.requests = 4_000;
    let trace = || match w.trace() {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let limits = CacheLimits {
        max_entries: Some(500),
        max_bytes: Some(64 << 20),
        ttl: Some(Duration::from_secs(3_600)),
    };
    let config = EngineConfig {
        arrival: ArrivalMode::Closed { clients: 1 },
        measure_lookups: false,
        expected_requests: Some(w.requests),
        ..EngineConfig::default()
    };
    let done = replay_with_baseline(trace(), &mut LruSim::new(&limits), &config, &mut |_| {});
    let Ok(Some((cached, base, distinct))) = done else {
        panic!("{done:?}")
    };
    let base_config = EngineConfig {
        single_flight: false,
        expected_requests: None,
        ..config
    };
    let separate_base = match replay(trace(), &mut NoCache, &base_config, &mut |_| {}) {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    let separate_cached = match replay(trace(), &mut LruSim::new(&limits), &config, &mut |_| {}) {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(figures(&base), figures(&separate_base));
    assert_eq!(figures(&cached), figures(&separate_cached));
    assert_eq!(cached.timeline.len(), separate_cached.timeline.len());
    let keys: std::collections::HashSet<u64> = trace().map(|r| r.key).collect();
    assert_eq!(distinct, keys.len() as u64);
    // Any other arrival process is not derived.
    let open = EngineConfig {
        arrival: ArrivalMode::Closed { clients: 2 },
        ..config
    };
    let r = replay_with_baseline(trace(), &mut LruSim::new(&limits), &open, &mut |_| {});
    assert!(matches!(r, Ok(None)));
}
