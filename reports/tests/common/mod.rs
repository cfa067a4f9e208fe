//! A realistic results fixture built in code: the four shapes of run the report must show
//! (typical 70 %, busy 90 %, duplicate ~100 %, cold 0 %), 50-window timelines each.
//!
//! Numbers follow the model: 124.6 s per generation, 0.05 s per hit, 1 worker, closed loop.
#![allow(dead_code)]

use reports::results::*;

pub const MISS_S: f64 = 124.6;
pub const HIT_S: f64 = 0.05;
pub const WINDOWS: u64 = 50;
pub const MIB: u64 = 1_048_576;

/// The seed's claims, with this run's verdicts.
fn claims(hit_rate: f64, speedup: f64, tests: &[usize]) -> Vec<ClaimVerdict> {
    let analytic = |h: f64| MISS_S / (h * HIT_S + (1.0 - h) * MISS_S);
    let seed = [
        ("100 % hit rate -> 2,492x", 1.0, 2492.0),
        ("70 % hit rate -> 3.1x", 0.7, 3.1),
        ("90 % hit rate -> 9.6x", 0.9, 9.6),
        ("100 requests with 70 duplicates -> 3.3x", 0.7, 3.3),
    ];
    seed.iter()
        .enumerate()
        .map(|(index, (claim, claimed_hit_rate, claimed_speedup))| {
            let tested = tests.contains(&index);
            let holds = tested.then_some(speedup >= *claimed_speedup);
            ClaimVerdict {
                claim: claim.to_string(),
                claimed_hit_rate: *claimed_hit_rate,
                claimed_speedup: *claimed_speedup,
                analytic_at_achieved: analytic(hit_rate),
                analytic_at_claimed: analytic(*claimed_hit_rate),
                simulated: tested.then_some(speedup),
                holds,
                note: if tested {
                    format!("simulated {speedup:.2}x against claimed {claimed_speedup}x")
                } else {
                    "this run does not test the claim".to_string()
                },
            }
        })
        .collect()
}

/// A warm-up curve towards `hit_rate` with a deterministic wiggle, as 50 windows.
fn timeline(requests: u64, hit_rate: f64, entry_bytes: u64, distinct: u64) -> Vec<WindowPoint> {
    let per_window = requests / WINDOWS;
    let mut hits_so_far = 0.0;
    (1..=WINDOWS)
        .map(|i| {
            let warm = 1.0 - (-(i as f64) / 4.0).exp();
            let wiggle = 0.015 * ((i as f64) * 1.7).sin();
            let window = (hit_rate * warm + wiggle * hit_rate).clamp(0.0, 1.0);
            hits_so_far += window * per_window as f64;
            let done = per_window * i;
            let entries = ((done as f64 * (1.0 - hit_rate * warm)) as u64)
                .min(distinct)
                .max(1);
            let payload = entries * entry_bytes;
            WindowPoint {
                requests: done,
                time_s: done as f64 * ((1.0 - hit_rate) * MISS_S + hit_rate * HIT_S),
                window_hit_rate: window,
                cumulative_hit_rate: hits_so_far / done as f64,
                entries,
                payload_bytes: payload,
                heap_bytes: Some(payload + entries * 152 + 64 * 1024),
            }
        })
        .collect()
}

/// A percentile curve: `hit_rate` of requests at the hit cost, the rest spread over miss costs.
fn latency_curve(hit_rate: f64) -> Vec<(f64, f64)> {
    let percentiles = [
        0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 69.0, 70.0, 71.0, 80.0, 89.0, 90.0, 91.0, 95.0,
        99.0, 99.9, 99.99, 99.999, 100.0,
    ];
    percentiles
        .iter()
        .map(|p| {
            let latency = if *p < hit_rate * 100.0 {
                HIT_S + 0.000_002
            } else {
                let miss_share = if hit_rate < 1.0 {
                    (p - hit_rate * 100.0) / (100.0 - hit_rate * 100.0)
                } else {
                    1.0
                };
                95.0 + 60.0 * miss_share
            };
            (*p, latency)
        })
        .collect()
}

fn summary(curve: &[(f64, f64)], mean: f64) -> LatencySummary {
    let at = |q: f64| curve.iter().find(|(p, _)| *p >= q).map_or(0.0, |(_, l)| *l);
    LatencySummary {
        mean,
        p50: at(50.0),
        p90: at(90.0),
        p99: at(99.0),
        max: at(100.0),
    }
}

/// One run of the fixture.
pub fn run(
    name: &str,
    requests: u64,
    distinct: u64,
    target: Option<f64>,
    hits: u64,
    tests: &[usize],
) -> RunResults {
    let misses = requests - hits;
    let hit_rate = hits as f64 / requests as f64;
    let lookups = requests as f64 * 0.000_002;
    let baseline_time = requests as f64 * MISS_S;
    let cached_time = misses as f64 * MISS_S + hits as f64 * HIT_S + lookups;
    let speedup = baseline_time / cached_time;
    let entry_bytes = 48 * 1024;
    let held = distinct.min(2_000);
    let payload = held * entry_bytes;
    let heap = payload + held * 152 + 64 * 1024;
    let baseline_curve = latency_curve(0.0);
    let cached_curve = latency_curve(hit_rate);
    RunResults {
        workload: WorkloadInfo {
            name: name.to_string(),
            seed: 42,
            requests,
            distinct_keys: distinct,
            target_hit_rate: target,
            zipf_exponent: Some(0.9),
            arrival: "closed loop, 1 client".to_string(),
        },
        warmup_requests: 0,
        measured_requests: Some(requests),
        model: ModelParams {
            workers: 1,
            hit_cost_s: HIT_S,
            single_flight: true,
            mean_miss_cost_s: MISS_S,
            max_entries: None,
            max_bytes: Some(128 * MIB),
            ttl_s: Some(86_400.0),
        },
        baseline: SideResult {
            virtual_time_s: baseline_time,
            generations: requests,
            generation_time_s: baseline_time,
            wait_time_s: 0.0,
            hit_time_s: 0.0,
            throughput_rps: requests as f64 / baseline_time,
            latency: summary(&baseline_curve, MISS_S),
            latency_curve: baseline_curve,
        },
        cached: SideResult {
            virtual_time_s: cached_time,
            generations: misses,
            generation_time_s: misses as f64 * MISS_S,
            wait_time_s: 0.0,
            hit_time_s: hits as f64 * HIT_S + lookups,
            throughput_rps: requests as f64 / cached_time,
            latency: summary(&cached_curve, cached_time / requests as f64),
            latency_curve: cached_curve,
        },
        speedup,
        cache: CacheCounters {
            hits,
            misses,
            joined: 0,
            hit_rate,
            evicted_entries: 0,
            evicted_bytes: distinct.saturating_sub(held),
            expired: 0,
            refused_too_large: 0,
            peak_bytes: payload,
            peak_entries: held,
        },
        memory: Some(MemoryReport::new(payload, heap, held)),
        claims: claims(hit_rate, speedup, tests),
        timeline: timeline(requests, hit_rate, entry_bytes, held),
        replay: ReplaySpeed {
            wall_s: 0.04,
            requests_per_s: requests as f64 / 0.04,
            cpu_s: None,
        },
        live: None,
        policy: None,
    }
}

/// typical (70 %), busy (90 %), duplicate (one key), cold (all distinct).
pub fn fixture() -> ResultsFile {
    ResultsFile {
        schema_version: reports::SCHEMA_VERSION,
        tool_version: "0.1.0".to_string(),
        runs: vec![
            run("typical", 100_000, 30_000, Some(0.70), 70_030, &[1]),
            run("busy", 100_000, 10_000, Some(0.90), 90_020, &[2]),
            run("duplicate", 100_000, 1, Some(1.0), 99_999, &[0]),
            run("cold", 100_000, 100_000, Some(0.0), 0, &[]),
        ],
    }
}

/// A single-run results file.
pub fn single() -> ResultsFile {
    let mut results = fixture();
    results.runs.truncate(1);
    results
}

/// A "branch" version of the fixture: typical improved a little, cold dropped, a new run added.
pub fn branch() -> ResultsFile {
    ResultsFile {
        schema_version: reports::SCHEMA_VERSION,
        tool_version: "0.1.1".to_string(),
        runs: vec![
            run("typical", 100_000, 30_000, Some(0.70), 70_900, &[1]),
            run("busy", 100_000, 10_000, Some(0.90), 89_500, &[2]),
            run("duplicate", 100_000, 1, Some(1.0), 99_999, &[0]),
            run("seed-example", 100, 30, None, 70, &[3]),
        ],
    }
}
