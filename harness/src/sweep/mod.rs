//! `harness sweep`: one curve over cache budgets, TTLs or generator workers, with the trace's
//! profile, the unbounded bound and the advice.
//!
//! Two ways to compute a point, giving identical figures wherever both apply:
//! - [`stack`]: closed loop with one client and no TTL — every budget of the LRU curve at once,
//!   in one pass over the trace;
//! - the engine: anything else (TTL, several clients, open loop) — one full replay per point
//!   ([`crate::run::run`]), the points in parallel (rayon).

pub mod advice;
pub mod compare;
mod fenwick;
pub mod grid;
mod key_table;
pub mod profile;
pub mod stack;

use crate::engine::{ArrivalMode, ns_to_secs};
use crate::model::{effective_arrival, effective_limits};
use crate::policies::PolicyName;
use crate::run::{RunError, RunOptions};
use crate::source::{Source, SourceError};
use grid::AxisValue;
use rayon::prelude::*;
use reports::sweep::{PolicyAdvice, SweepAxis, SweepPoint, SweepResults, TraceProfile};
use stack::{StackError, StackPoint, stack_curve};

/// What to sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    /// The axis.
    pub axis: SweepAxis,
    /// Its values, ascending (unbounded / never last).
    pub values: Vec<AxisValue>,
    /// The speedup the advice looks for.
    pub target_speedup: f64,
    /// Price of one generator hour, for the money saved.
    pub cost_per_hour: Option<f64>,
    /// The policies, one curve each, in this order (empty: `base.policy` alone). The
    /// unbounded bound is always gencache's LRU (every policy is the same without bounds).
    pub policies: Vec<PolicyName>,
    /// Replay every point with the engine even where the one-pass curve applies (the two are
    /// identical there; this is how the tests prove it).
    pub force_engine: bool,
}

/// Why a sweep failed.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// Reading the source failed.
    #[error("{0}")]
    Source(#[from] SourceError),
    /// A replay failed.
    #[error("{0}")]
    Run(#[from] RunError),
    /// The one-pass curve stopped on a request the engine refuses too.
    #[error("{name}: {source}")]
    Stack {
        /// Workload or trace name.
        name: String,
        /// What went wrong.
        source: StackError,
    },
}

/// The options of each point: `base` with the axis set to each value.
pub fn point_options(base: &RunOptions, spec: &SweepSpec) -> Vec<RunOptions> {
    // (The policy is `base.policy`; `sweep` sets it per curve.)
    spec.values
        .iter()
        .map(|value| value.apply(base.clone()))
        .collect()
}

/// The unbounded bound's options: no entry bound, no byte budget, no TTL (for a workers axis,
/// at the largest worker count).
pub fn unbounded_options(base: &RunOptions, spec: &SweepSpec) -> RunOptions {
    let workers = spec
        .values
        .iter()
        .filter_map(|v| match v {
            AxisValue::Workers(w) => Some(*w),
            _ => None,
        })
        .max()
        .unwrap_or(base.workers);
    RunOptions {
        max_entries: Some(None),
        max_bytes: Some(None),
        ttl: Some(None),
        workers,
        policy: PolicyName::Lru,
        ..base.clone()
    }
}

/// Whether the one-pass stack curve gives these points exactly: closed loop with one client
/// and no TTL at every point (workers and single-flight then never matter: one request at a
/// time).
pub fn stack_applies(source: &Source, options: &[RunOptions]) -> bool {
    options.iter().all(|o| {
        o.policy == PolicyName::Lru
            && effective_arrival(source, o) == ArrivalMode::Closed { clients: 1 }
            && effective_limits(source, o).ttl.is_none()
    })
}

/// The policies of a sweep: `spec.policies`, or `base.policy` alone.
pub fn policies_of(base: &RunOptions, spec: &SweepSpec) -> Vec<PolicyName> {
    if spec.policies.is_empty() {
        vec![base.policy]
    } else {
        spec.policies.clone()
    }
}

/// Runs the sweep: the profile pass, then every point of every policy's curve (one pass for
/// LRU where it applies, else one replay each), then the advice per policy and the comparison.
pub fn sweep(
    source: &Source,
    base: &RunOptions,
    spec: &SweepSpec,
) -> Result<SweepResults, SweepError> {
    // The warm-up resolved once (a percentage of a trace of unknown length counts it once),
    // then given to every point as a count.
    let warmup = crate::warmup::warmup_requests(source, base.warmup)?;
    let base = &RunOptions {
        warmup: workloads::units::Warmup::Requests(warmup),
        ..base.clone()
    };
    let name = source.name();
    let policies = policies_of(base, spec);
    let ttl_s = effective_limits(source, &point_options(base, spec)[0])
        .ttl
        .map(|t| t.as_secs_f64());

    let mut profile = None;
    let mut all_points = Vec::new();
    let mut unbounded = None;
    let mut methods = Vec::new();
    let mut policy_advice = Vec::new();
    for (i, policy) in policies.iter().enumerate() {
        let policy_base = RunOptions {
            policy: *policy,
            ..base.clone()
        };
        let mut options = point_options(&policy_base, spec);
        // The unbounded bound rides along the first curve's batch (its one pass, for LRU).
        let with_unbounded = i == 0;
        if with_unbounded {
            options.push(unbounded_options(base, spec));
        }
        let (p, mut points, method) = curve_points(source, &options, warmup, ttl_s, spec)?;
        if with_unbounded {
            unbounded = points.pop();
        }
        profile.get_or_insert(p);
        if !methods.contains(&method) {
            methods.push(method);
        }
        all_points.push((*policy, points));
    }
    let unbounded = unbounded.unwrap_or_else(|| empty_point(base));
    for (policy, points) in &all_points {
        let mut advice = advice::advise(spec.axis, points, &unbounded, spec.target_speedup);
        if policies.len() > 1 {
            advice.lines = advice
                .lines
                .iter()
                .map(|l| format!("{policy}: {l}"))
                .collect();
        }
        policy_advice.push(PolicyAdvice {
            policy: policy.to_string(),
            advice,
        });
    }
    let comparison = if policies.len() > 1 {
        compare::compare(spec.axis, &all_points)
    } else {
        Vec::new()
    };
    // The first curve's advice stays the sweep's own (its indices point into the first
    // policy's points, which come first).
    let advice = policy_advice
        .first()
        .map(|a| a.advice.clone())
        .unwrap_or_else(|| advice::advise(spec.axis, &[], &unbounded, spec.target_speedup));
    let points = all_points.into_iter().flat_map(|(_, p)| p).collect();
    let arrival = crate::model::Model::new(source, base)?.arrival_text;
    Ok(SweepResults {
        schema_version: reports::sweep::SWEEP_SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        workload: name,
        axis: spec.axis,
        method: methods.join("+"),
        arrival,
        warmup_requests: warmup,
        target_speedup: spec.target_speedup,
        generator_cost_per_hour: spec.cost_per_hour,
        profile: profile.unwrap_or_default(),
        points,
        unbounded,
        advice,
        policies: policies.iter().map(|p| p.to_string()).collect(),
        policy_advice,
        comparison,
    })
}

/// One policy's points (options all of one policy, the unbounded bound perhaps last).
fn curve_points(
    source: &Source,
    options: &[RunOptions],
    warmup: u64,
    ttl_s: Option<f64>,
    spec: &SweepSpec,
) -> Result<Computed, SweepError> {
    if !spec.force_engine && stack_applies(source, options) {
        match stack_points(source, options, warmup, ttl_s, spec) {
            Ok(done) => Ok(done),
            // A size that changes under a byte budget: exact only with the engine.
            Err(SweepError::Stack {
                source: StackError::SizeChanged { .. },
                ..
            }) => engine_points(source, options, ttl_s, spec),
            Err(e) => Err(e),
        }
    } else {
        engine_points(source, options, ttl_s, spec)
    }
}

pub(crate) fn empty_point(base: &RunOptions) -> SweepPoint {
    SweepPoint {
        max_entries: None,
        max_bytes: None,
        ttl_s: None,
        workers: base.workers,
        policy: base.policy.to_string(),
        requests: 0,
        hits: 0,
        misses: 0,
        joined: 0,
        generations: 0,
        hit_rate: 0.0,
        byte_hit_rate: 0.0,
        cost_hit_rate: 0.0,
        generator_hours_saved: 0.0,
        money_saved: None,
        speedup: 0.0,
        latency_mean_s: 0.0,
        latency_p50_s: 0.0,
        latency_p99_s: 0.0,
        evictions: 0,
        expirations: 0,
        virtual_time_s: None,
        baseline_time_s: None,
        wait_mean_s: None,
        generator_utilization: None,
    }
}

/// Reads the whole trace once for its profile.
pub fn profile_of(source: &Source, ttl_s: Option<f64>) -> Result<TraceProfile, SourceError> {
    let mut builder = profile::ProfileBuilder::new(ttl_s);
    let mut stream = source.open()?;
    for request in stream.by_ref() {
        builder.observe(&request);
    }
    stream.finish()?;
    Ok(builder.finish())
}

type Computed = (TraceProfile, Vec<SweepPoint>, &'static str);

fn stack_points(
    source: &Source,
    options: &[RunOptions],
    warmup: u64,
    ttl_s: Option<f64>,
    spec: &SweepSpec,
) -> Result<Computed, SweepError> {
    let name = source.name();
    // The model's own hit cost (one conversion, one range check, as for `run`).
    let hit_cost_ns = crate::model::Model::new(source, &options[0])?.hit_cost_ns;
    let stack_points: Vec<StackPoint> = options
        .iter()
        .map(|o| {
            let limits = effective_limits(source, o);
            StackPoint {
                max_entries: limits.max_entries,
                max_bytes: limits.max_bytes,
            }
        })
        .collect();
    // The profile rides along the same pass (the stack keeps the per-key state it needs). The
    // trace is decoded on a second core where there is one (`read_ahead`, as for `replay`).
    let (computed, stream) = source.open()?.read_ahead(
        |_| true,
        |requests| {
            stack_curve(
                requests,
                &stack_points,
                hit_cost_ns,
                warmup,
                profile::ReuseStats::new(ttl_s),
            )
        },
    );
    // The first error in trace order: the pass stops at its own error, before any read error
    // (the stream ends at one); only the reader may have read beyond where the pass stopped.
    let (figures, profile) = computed.map_err(|source| SweepError::Stack {
        name: name.clone(),
        source,
    })?;
    stream.finish()?;
    if profile.requests == 0 {
        return Err(RunError::Empty { name }.into());
    }
    // A warm-up count given for a trace whose length was not known up front.
    crate::warmup::check_warmup(source, options[0].warmup, warmup, profile.requests)?;
    let points = figures
        .iter()
        .zip(options)
        .map(|(f, o)| {
            let limits = effective_limits(source, o);
            let latency = f.latency.figures();
            let baseline_makespan = f.baseline_generation_ns;
            point(
                Figures {
                    policy: o.policy,
                    max_entries: limits.max_entries,
                    max_bytes: limits.max_bytes,
                    ttl_s: None,
                    workers: o.workers,
                    requests: f.requests,
                    hits: f.hits,
                    joined: 0,
                    generations: f.requests - f.hits,
                    hit_bytes: f.hit_bytes,
                    requested_bytes: f.requested_bytes,
                    baseline_generation_ns: f.baseline_generation_ns,
                    generation_ns: f.generation_ns,
                    speedup: ratio(baseline_makespan as f64, f.makespan_ns as f64),
                    latency_mean_s: latency.mean,
                    latency_p50_s: latency.p50,
                    latency_p99_s: latency.p99,
                    evictions: f.evictions,
                    expirations: 0,
                    // One client: no request ever waits, and the baseline's time is its costs.
                    virtual_time_s: ns_to_secs(f.makespan_ns),
                    baseline_time_s: ns_to_secs(f.baseline_generation_ns),
                    wait_s: 0.0,
                    generation_s: ns_to_secs(f.generation_ns),
                },
                spec.cost_per_hour,
            )
        })
        .collect();
    Ok((profile, points, "stack"))
}

fn engine_points(
    source: &Source,
    options: &[RunOptions],
    ttl_s: Option<f64>,
    spec: &SweepSpec,
) -> Result<Computed, SweepError> {
    let profile = profile_of(source, ttl_s)?;
    if profile.requests == 0 {
        return Err(RunError::Empty {
            name: source.name(),
        }
        .into());
    }
    if let Some(o) = options.first() {
        let warmup = o.warmup.requests_of(profile.requests);
        crate::warmup::check_warmup(source, o.warmup, warmup, profile.requests)?;
    }
    let outcomes: Vec<Result<SweepPoint, RunError>> = options
        .par_iter()
        .map(|o| {
            let o = RunOptions {
                measure_memory: false,
                measure_lookups: false,
                ..o.clone()
            };
            let outcome = crate::run::run(source, &o, &mut |_, _| {})?;
            let r = &outcome.results;
            Ok(point(
                Figures {
                    policy: o.policy,
                    max_entries: r.model.max_entries,
                    max_bytes: r.model.max_bytes,
                    ttl_s: r.model.ttl_s,
                    workers: r.model.workers,
                    requests: r.cache.hits + r.cache.misses,
                    hits: r.cache.hits,
                    joined: r.cache.joined,
                    generations: r.cached.generations,
                    hit_bytes: outcome.hit_bytes,
                    requested_bytes: outcome.requested_bytes,
                    baseline_generation_ns: outcome.baseline_generation_ns,
                    generation_ns: outcome.cached_generation_ns,
                    speedup: r.speedup,
                    latency_mean_s: r.cached.latency.mean,
                    latency_p50_s: r.cached.latency.p50,
                    latency_p99_s: r.cached.latency.p99,
                    evictions: r.cache.evicted_entries + r.cache.evicted_bytes,
                    expirations: r.cache.expired,
                    virtual_time_s: r.cached.virtual_time_s,
                    baseline_time_s: r.baseline.virtual_time_s,
                    wait_s: r.cached.wait_time_s,
                    generation_s: r.cached.generation_time_s,
                },
                spec.cost_per_hour,
            ))
        })
        .collect();
    let points = outcomes.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok((profile, points, "engine"))
}

/// The raw figures of one point, from either path.
struct Figures {
    policy: PolicyName,
    max_entries: Option<u64>,
    max_bytes: Option<u64>,
    ttl_s: Option<f64>,
    workers: u32,
    requests: u64,
    hits: u64,
    joined: u64,
    generations: u64,
    hit_bytes: u128,
    requested_bytes: u128,
    baseline_generation_ns: u128,
    generation_ns: u128,
    speedup: f64,
    latency_mean_s: f64,
    latency_p50_s: f64,
    latency_p99_s: f64,
    evictions: u64,
    expirations: u64,
    virtual_time_s: f64,
    baseline_time_s: f64,
    /// Request-seconds spent waiting (cached side).
    wait_s: f64,
    /// Worker-seconds spent generating (cached side).
    generation_s: f64,
}

fn point(f: Figures, cost_per_hour: Option<f64>) -> SweepPoint {
    let saved_ns = f.baseline_generation_ns.saturating_sub(f.generation_ns);
    let hours = ns_to_secs(saved_ns) / 3600.0;
    SweepPoint {
        max_entries: f.max_entries,
        max_bytes: f.max_bytes,
        ttl_s: f.ttl_s,
        workers: f.workers,
        policy: f.policy.to_string(),
        requests: f.requests,
        hits: f.hits,
        misses: f.requests - f.hits,
        joined: f.joined,
        generations: f.generations,
        hit_rate: ratio(f.hits as f64, f.requests as f64),
        byte_hit_rate: ratio(f.hit_bytes as f64, f.requested_bytes as f64),
        cost_hit_rate: ratio(saved_ns as f64, f.baseline_generation_ns as f64),
        generator_hours_saved: hours,
        money_saved: cost_per_hour.map(|price| price * hours),
        speedup: f.speedup,
        latency_mean_s: f.latency_mean_s,
        latency_p50_s: f.latency_p50_s,
        latency_p99_s: f.latency_p99_s,
        evictions: f.evictions,
        expirations: f.expirations,
        virtual_time_s: Some(f.virtual_time_s),
        baseline_time_s: Some(f.baseline_time_s),
        wait_mean_s: Some(ratio(f.wait_s, f.requests as f64)),
        generator_utilization: Some(ratio(
            f.generation_s,
            f64::from(f.workers.max(1)) * f.virtual_time_s,
        )),
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}
