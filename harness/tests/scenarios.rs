//! The engine with the real `gencache` cache on the presets and hand-built workloads:
//! hand-computed cases, single-flight, budgets, TTL, memory and determinism.

/// The memory pass measures the heap through the counting allocator.
#[global_allocator]
static GLOBAL: harness::alloc::CountingAlloc = harness::alloc::CountingAlloc;

use harness::run::{RunOptions, RunOutcome, run};
use harness::source::Source;
use workloads::Workload;

fn preset(name: &str) -> Source {
    match Workload::preset(name) {
        Ok(w) => Source::Workload(w),
        Err(e) => panic!("preset {name}: {e}"),
    }
}

fn toml(text: &str) -> Source {
    match Workload::from_toml_str(text, "test") {
        Ok(w) => Source::Workload(w),
        Err(e) => panic!("workload: {e}"),
    }
}

fn replay(source: &Source, options: RunOptions) -> RunOutcome {
    match run(source, &options, &mut |_, _| {}) {
        Ok(o) => o,
        Err(e) => panic!("run failed: {e}"),
    }
}

fn deterministic() -> RunOptions {
    RunOptions {
        measure_lookups: false,
        ..RunOptions::default()
    }
}

#[test]
fn seed_example_is_30_generations_and_the_hand_computed_speedup() {
    let o = replay(&preset("seed-example"), RunOptions::default());
    let r = &o.results;
    assert_eq!(r.workload.requests, 100);
    assert_eq!(r.cached.generations, 30);
    assert_eq!(r.cache.hits, 70);
    let hand = 124.6 * 100.0 / (30.0 * 124.6 + 70.0 * 0.05 + o.lookup_s);
    assert!(
        (r.speedup - hand).abs() < 1e-9 * hand,
        "{} vs {hand}",
        r.speedup
    );
    let seed_claim = &r.claims[3];
    assert_eq!(seed_claim.holds, Some(true), "{}", seed_claim.note);
}

#[test]
fn duplicate_generates_once_and_the_all_hits_claim_fails_plainly() {
    let r = replay(&preset("duplicate"), deterministic()).results;
    assert_eq!(r.cached.generations, 1);
    assert_eq!(r.cache.hits, r.workload.requests - 1);
    let all_hits = &r.claims[0];
    assert_eq!(all_hits.holds, Some(false));
    assert!(all_hits.note.contains("cold miss"), "{}", all_hits.note);
}

#[test]
fn cold_gains_nothing() {
    let r = replay(&preset("cold"), RunOptions::default()).results;
    assert_eq!(r.cache.hits, 0);
    assert!(r.speedup <= 1.0, "{}", r.speedup);
}

const TWO_CLIENTS_ONE_KEY: &str = r#"
    name = "two-clients"
    requests = 2
    seed = 1
    [keys]
    kind = "single"
    [size]
    kind = "fixed"
    bytes = 1000
    [arrival]
    kind = "closed"
    clients = 2
"#;

#[test]
fn two_clients_same_key_single_flight_generates_once() {
    let r = replay(&toml(TWO_CLIENTS_ONE_KEY), deterministic()).results;
    assert_eq!(r.cached.generations, 1);
    assert_eq!(r.cache.joined, 1);
    assert!((r.cached.virtual_time_s - 124.6).abs() < 1e-9);
}

#[test]
fn two_clients_same_key_without_single_flight_generates_twice() {
    let options = RunOptions {
        single_flight: false,
        ..deterministic()
    };
    let r = replay(&toml(TWO_CLIENTS_ONE_KEY), options).results;
    assert_eq!(r.cached.generations, 2);
    assert_eq!(r.cache.joined, 0);
    // One worker: the duplicate generation queues behind the first.
    assert!((r.cached.virtual_time_s - 2.0 * 124.6).abs() < 1e-9);
}

#[test]
fn burst_single_flight_joins_and_the_herd_generates_more() {
    let with = replay(&preset("burst"), deterministic()).results;
    let without = replay(
        &preset("burst"),
        RunOptions {
            single_flight: false,
            ..deterministic()
        },
    )
    .results;
    assert!(with.cache.joined > 0);
    assert_eq!(without.cache.joined, 0);
    assert!(
        without.cached.generations > with.cached.generations,
        "{} vs {}",
        without.cached.generations,
        with.cached.generations
    );
    assert_eq!(
        with.cache.hits + with.cache.joined + with.cached.generations,
        with.workload.requests
    );
}

#[test]
fn four_workers_open_loop_do_not_get_three_x() {
    // Open-loop Poisson arrivals at the preset's hit rate with 4 workers: the run lasts as long
    // as the arrivals do, whatever the cache does.
    let source = toml(
        r#"
        name = "open-70"
        requests = 2000
        seed = 9
        [keys]
        kind = "duplicates"
        distinct = 600
        [size]
        kind = "fixed"
        bytes = 4096
        [arrival]
        kind = "poisson"
        rate_per_s = 0.02
        [cache]
        ttl_s = "never"
    "#,
    );
    let options = RunOptions {
        workers: 4,
        ..deterministic()
    };
    let r = replay(&source, options).results;
    assert!(
        (r.cache.hit_rate - 0.70).abs() <= 0.01,
        "{}",
        r.cache.hit_rate
    );
    let headline = &r.claims[4];
    assert_eq!(headline.holds, Some(false), "{}", headline.note);
    assert!(headline.note.contains("open loop"), "{}", headline.note);
    assert!(r.speedup < 3.0);
}

#[test]
fn a_small_byte_budget_evicts_and_a_short_ttl_expires() {
    let budget = RunOptions {
        max_bytes: Some(Some(16 * 1024 * 1024)),
        ..deterministic()
    };
    let r = replay(&preset("typical"), budget).results;
    assert!(r.cache.evicted_bytes > 0);
    assert!(r.cache.peak_bytes <= 16 * 1024 * 1024);

    let ttl = RunOptions {
        ttl: Some(Some(std::time::Duration::from_secs(600))),
        ..deterministic()
    };
    let r = replay(&preset("seed-example"), ttl).results;
    assert!(r.cache.expired > 0);
    assert!(r.cache.hits < 70);
}

#[test]
fn memory_overhead_is_measured_against_payload() {
    let r = replay(&preset("seed-example"), deterministic()).results;
    let Some(m) = r.memory else {
        panic!("the memory pass ran but reported nothing")
    };
    assert_eq!(m.entries, 30);
    assert_eq!(m.payload_bytes, 30 * 1_048_576);
    assert!(m.heap_bytes > m.payload_bytes, "{m:?}");
    assert!(m.overhead_pct.is_some_and(|o| o > 0.0 && o < 10.0), "{m:?}");
    let last = r.timeline.last().copied();
    assert_eq!(last.and_then(|w| w.heap_bytes), Some(m.heap_bytes));
}

#[test]
fn deterministic_runs_repeat_exactly() {
    let a = replay(&preset("burst"), deterministic()).results;
    let b = replay(&preset("burst"), deterministic()).results;
    assert_eq!(a.speedup, b.speedup);
    assert_eq!(a.cache, b.cache);
    assert_eq!(a.memory, b.memory);
    assert_eq!(a.timeline, b.timeline);
    assert_eq!(a.cached.latency, b.cached.latency);
}
