//! The sweep's two paths give identical figures wherever both apply, and each equals a separate
//! `run` at every point: the one-pass stack curve (closed loop, one client, no TTL) by entries
//! and by bytes, and the engine path with a TTL — each without and with a warm-up (the first
//! requests warm the cache and are left out of every figure, on both paths alike).

use harness::run::{RunOptions, run};
use harness::source::Source;
use harness::sweep::grid::AxisValue;
use harness::sweep::{SweepSpec, sweep};
use reports::sweep::{SweepAxis, SweepPoint, SweepResults};
use std::time::Duration;
use workloads::units::Warmup;

/// No warm-up, a count, and a percentage.
fn warmups() -> [Warmup; 3] {
    [
        Warmup::NONE,
        Warmup::Requests(1_000),
        Warmup::Percent(25_000_000),
    ]
}

fn typical(requests: u64) -> Source {
    let mut w = match workloads::Workload::preset("typical") {
        Ok(w) => w,
        Err(e) => panic!("typical: {e}"),
    };
    w.requests = requests;
    Source::Workload(w)
}

fn base(ttl: Option<Option<Duration>>, warmup: Warmup) -> RunOptions {
    RunOptions {
        measure_lookups: false,
        measure_memory: false,
        ttl,
        warmup,
        ..RunOptions::default()
    }
}

fn spec(axis: SweepAxis, values: Vec<AxisValue>, force_engine: bool) -> SweepSpec {
    SweepSpec {
        axis,
        values,
        target_speedup: 3.0,
        cost_per_hour: Some(2.5),
        force_engine,
        policies: Vec::new(),
    }
}

fn swept(source: &Source, base: &RunOptions, spec: &SweepSpec) -> SweepResults {
    match sweep(source, base, spec) {
        Ok(r) => r,
        Err(e) => panic!("sweep: {e}"),
    }
}

/// The point a separate `run` gives with these options.
fn run_point(source: &Source, options: &RunOptions) -> (u64, u64, f64, f64, f64, u64) {
    let outcome = match run(source, options, &mut |_, _| {}) {
        Ok(o) => o,
        Err(e) => panic!("run: {e}"),
    };
    let r = &outcome.results;
    (
        r.cache.hits,
        r.cached.generations,
        r.speedup,
        r.cached.latency.p50,
        r.cached.latency.p99,
        r.cache.evicted_entries + r.cache.evicted_bytes,
    )
}

fn figures(p: &SweepPoint) -> (u64, u64, f64, f64, f64, u64) {
    (
        p.hits,
        p.generations,
        p.speedup,
        p.latency_p50_s,
        p.latency_p99_s,
        p.evictions,
    )
}

#[test]
fn the_byte_curve_in_one_pass_equals_the_engine_and_separate_replays() {
    for warmup in warmups() {
        byte_curve(warmup);
    }
}

fn byte_curve(warmup: Warmup) {
    let source = typical(6_000);
    let base = base(Some(None), warmup);
    let values: Vec<AxisValue> = [2u64 << 20, 16 << 20, 128 << 20, 1 << 30]
        .into_iter()
        .map(|b| AxisValue::MaxBytes(Some(b)))
        .collect();
    let stack = swept(
        &source,
        &base,
        &spec(SweepAxis::MaxBytes, values.clone(), false),
    );
    assert_eq!(stack.method, "stack");
    let engine = swept(
        &source,
        &base,
        &spec(SweepAxis::MaxBytes, values.clone(), true),
    );
    assert_eq!(engine.method, "engine");
    let measured = 6_000 - warmup.requests_of(6_000);
    assert_eq!(stack.warmup_requests, 6_000 - measured);
    assert!(stack.points.iter().all(|p| p.requests == measured));
    assert_eq!(stack.points, engine.points, "every field of every point");
    assert_eq!(stack.unbounded, engine.unbounded);
    assert_eq!(stack.advice, engine.advice);
    for (value, point) in values.iter().zip(&stack.points) {
        let options = value.apply(base.clone());
        assert_eq!(
            figures(point),
            run_point(&source, &options),
            "{value:?} {warmup:?}"
        );
    }
    // The curve is not trivial: budgets evict, and the largest does better than the smallest.
    assert!(stack.points[0].evictions > 0);
    assert!(stack.points[3].hit_rate > stack.points[0].hit_rate);
}

#[test]
fn the_entry_curve_in_one_pass_equals_the_engine() {
    for warmup in warmups() {
        entry_curve(warmup);
    }
}

fn entry_curve(warmup: Warmup) {
    let source = typical(5_000);
    let base = base(Some(None), warmup);
    let values: Vec<AxisValue> = [0u64, 1, 10, 100, 1000]
        .into_iter()
        .map(|n| AxisValue::MaxEntries(Some(n)))
        .chain([AxisValue::MaxEntries(None)])
        .collect();
    let stack = swept(
        &source,
        &base,
        &spec(SweepAxis::MaxEntries, values.clone(), false),
    );
    let engine = swept(&source, &base, &spec(SweepAxis::MaxEntries, values, true));
    assert_eq!(stack.method, "stack");
    assert_eq!(stack.points, engine.points, "{warmup:?}");
    assert_eq!(stack.unbounded, engine.unbounded, "{warmup:?}");
    assert_eq!(stack.points[0].hits, 0, "max_entries 0 caches nothing");
}

#[test]
fn with_a_ttl_the_engine_path_equals_run_at_every_point() {
    for warmup in warmups() {
        ttl_curve(warmup);
    }
}

fn ttl_curve(warmup: Warmup) {
    let source = typical(3_000);
    let base = base(None, warmup);
    let values: Vec<AxisValue> = [3_600u64, 6 * 3_600, 24 * 3_600]
        .into_iter()
        .map(|s| AxisValue::Ttl(Some(Duration::from_secs(s))))
        .chain([AxisValue::Ttl(None)])
        .collect();
    let r = swept(&source, &base, &spec(SweepAxis::Ttl, values.clone(), false));
    assert_eq!(r.method, "engine");
    for (value, point) in values.iter().zip(&r.points) {
        let options = value.apply(base.clone());
        assert_eq!(
            figures(point),
            run_point(&source, &options),
            "{value:?} {warmup:?}"
        );
    }
    assert!(r.points[0].expirations > 0, "a 1 h TTL expires entries");
    assert!(
        r.points
            .iter()
            .all(|p| p.money_saved == Some(p.generator_hours_saved * 2.5))
    );
}
