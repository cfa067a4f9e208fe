//! One replay of one source, end to end: the baseline pass, the cached pass (timed: that is the
//! replay speed reported), and the memory pass (real payloads, heap measured), assembled into the
//! results schema the reports read.

use crate::engine::{
    self, ArrivalMode, EngineError, MemorySim, NoCache, SideOutcome, SimCache, ns_to_secs,
};
use crate::model::{Model, Pass};
use crate::policies::{self, HeapMeasured, NextUses, PolicyContext, PolicyError, PolicyName};
use crate::source::{Source, SourceError};
use crate::verdict::{self, RunFacts};
use reports::results::{
    CacheCounters, LatencySummary, MemoryReport, PolicyFigures, ReplaySpeed, RunResults,
    SideResult, WindowPoint, WorkloadInfo,
};
use std::time::{Duration, Instant};

mod passes;
mod results;

pub(crate) use passes::replay_pass;
use passes::*;
pub use results::results_file;
use results::*;

/// Default number of timeline windows.
pub const DEFAULT_WINDOWS: u32 = 100;

/// How to replay, as the command line sets it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    /// Generator workers (≥ 1).
    pub workers: u32,
    /// Virtual seconds to answer a hit (≥ 0); `None`: the workload's (0.05 s by default).
    pub hit_cost_s: Option<f64>,
    /// Whether concurrent duplicate misses join one generation.
    pub single_flight: bool,
    /// Closed-loop clients, overriding the workload's arrivals.
    pub clients: Option<u32>,
    /// Replay a trace file with its own timestamps instead of closed loop.
    pub open_loop_file: bool,
    /// Cache bound overrides (`Some(None)` removes a bound).
    pub max_entries: Option<Option<u64>>,
    /// Byte budget override (`Some(None)` removes it).
    pub max_bytes: Option<Option<u64>>,
    /// TTL override (`Some(None)`: never expire).
    pub ttl: Option<Option<Duration>>,
    /// Add measured lookup times to hit latencies (off: fully deterministic figures).
    pub measure_lookups: bool,
    /// Run the memory pass (real payloads, heap measured).
    pub measure_memory: bool,
    /// Timeline windows.
    pub windows: u32,
    /// The cache policy of the cached pass.
    pub policy: PolicyName,
    /// Requests at the start left out of every figure (they still warm the cache).
    pub warmup: workloads::units::Warmup,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            workers: 1,
            hit_cost_s: None,
            single_flight: true,
            clients: None,
            open_loop_file: false,
            max_entries: None,
            max_bytes: None,
            ttl: None,
            measure_lookups: true,
            measure_memory: true,
            windows: DEFAULT_WINDOWS,
            policy: PolicyName::Lru,
            warmup: workloads::units::Warmup::NONE,
        }
    }
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The source could not be opened or read. (Its message already names the file or workload.)
    #[error("{source}")]
    Source {
        /// Workload or trace name.
        name: String,
        /// The underlying error.
        source: SourceError,
    },
    /// The replay stopped on a request it cannot simulate.
    #[error("{name}: {source}")]
    Engine {
        /// Workload or trace name.
        name: String,
        /// What went wrong, naming the request.
        source: EngineError,
    },
    /// The hit cost is out of its range.
    #[error("{name}: {source}")]
    HitCost {
        /// Workload or trace name.
        name: String,
        /// What is wrong with it.
        source: workloads::units::UnitError,
    },
    /// The policy cannot replay with these bounds or this input.
    #[error("{name}: {source}")]
    Policy {
        /// Workload or trace name.
        name: String,
        /// What the policy cannot do.
        source: PolicyError,
    },
    /// The memory pass was asked for in a process without the counting allocator.
    #[error(
        "the memory pass needs the counting allocator: declare `#[global_allocator] static \
         GLOBAL: harness::alloc::CountingAlloc = harness::alloc::CountingAlloc;` in the binary \
         (or run without the memory pass)"
    )]
    NoCountingAllocator,
    /// The trace had no requests.
    #[error("{name}: the trace has no requests")]
    Empty {
        /// Workload or trace name.
        name: String,
    },
    /// The warm-up covers the whole trace: no request would be measured.
    #[error(
        "--warmup {warmup}: {name} has {requests} requests, and a warm-up of {warmup_requests} \
         leaves none to measure (give fewer requests or a smaller percentage)"
    )]
    WarmupTooLong {
        /// Workload or trace name.
        name: String,
        /// The warm-up as given (`20000`, `100%`).
        warmup: String,
        /// The requests it leaves out.
        warmup_requests: u64,
        /// The trace's requests.
        requests: u64,
    },
}

/// A finished run: the results schema plus figures only the summary prints.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The results as written to `results.json`.
    pub results: RunResults,
    /// The model the run replayed with (the live replay reuses it).
    pub model: Model,
    /// Measured wall-clock time of all cache lookups of the cached pass, seconds (the part of
    /// the cached virtual time that is not deterministic; 0 with lookups unmeasured).
    pub lookup_s: f64,
    /// Open-loop arrivals whose timestamp went backwards (taken as arriving at the previous one).
    pub reordered_arrivals: u64,
    /// Peak RSS of the process after the run, bytes, if known.
    pub peak_rss: Option<u64>,
    /// CPU seconds of the cached pass (the process CPU-time clock), if known: unlike the wall
    /// clock, not inflated by other processes on a shared machine.
    pub cached_cpu_s: Option<f64>,
    /// Bytes requested over the cached pass.
    pub requested_bytes: u128,
    /// Bytes answered from the cache.
    pub hit_bytes: u128,
    /// Worker-nanoseconds of generation without the cache.
    pub baseline_generation_ns: u128,
    /// Worker-nanoseconds of generation with the cache.
    pub cached_generation_ns: u128,
}

/// Checks that the policy can replay `source` with these options, before any pass runs (and
/// before any output directory is made), so a refusal leaves nothing half-written.
///
/// # Errors
///
/// [`RunError::Policy`] naming what the policy cannot do.
pub fn preflight(source: &Source, options: &RunOptions) -> Result<(), RunError> {
    let policy = options.policy;
    let limits = crate::model::effective_limits(source, options);
    let refused = |e| RunError::Policy {
        name: source.name(),
        source: e,
    };
    policies::check(policy, &limits).map_err(refused)?;
    match source.path().and_then(|path| preflight_path(path, options)) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// The part of [`preflight`] that needs only the input's path: a policy that reads the trace
/// twice (an offline bound, which must know each request's next use) refuses an input that is
/// not a regular file. Checked before a piped trace is read at all.
pub fn preflight_path(path: &std::path::Path, options: &RunOptions) -> Option<RunError> {
    let policy = options.policy;
    if policy.needs_future() && !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return Some(RunError::Policy {
            name: crate::source::trace_name(path),
            source: PolicyError::NeedsRereadableInput {
                policy,
                path: path.display().to_string(),
            },
        });
    }
    None
}

/// Replays `source` baseline then cached (then with real payloads for memory) and assembles the
/// results. `progress(pass, requests_done)` is called every 4,096 requests of each pass.
pub fn run(
    source: &Source,
    options: &RunOptions,
    progress: &mut dyn FnMut(&'static str, u64),
) -> Result<RunOutcome, RunError> {
    preflight(source, options)?;
    let model = Model::new(source, options)?;
    let name = source.name();
    let policy = options.policy;
    if options.measure_memory && policy == PolicyName::Lru && !crate::alloc::installed() {
        return Err(RunError::NoCountingAllocator);
    }

    let build_cache = |context: PolicyContext| {
        HeapMeasured::new(|| policies::build(policy, &model.limits, &context)).map_err(|e| {
            RunError::Policy {
                name: name.clone(),
                source: e,
            }
        })
    };
    // Closed loop with one client and a known length: one pass. The baseline needs no
    // simulation (each request generates in turn), so it is derived beside the cached replay,
    // and the length places the timeline windows up front. A policy that needs facts of the
    // whole trace before it starts (an offline bound's next uses; quick_cache's table, sized
    // from the distinct keys) keeps the separate baseline pass that collects them.
    let one_client = model.arrival == (ArrivalMode::Closed { clients: 1 });
    let needs_first_pass = policy.needs_future() || policy == PolicyName::QuickCache;
    let single = source
        .known_requests()
        .filter(|&n| one_client && n > 0 && !needs_first_pass);
    // The same with a bound that must first know the trace: a first pass that only reads
    // (the keys in order, or the distinct keys), then the one pass.
    let first_read = if single.is_none() && one_client && needs_first_pass {
        let facts = read_pass(source, policy, progress)?;
        if facts.requests == 0 {
            return Err(RunError::Empty { name });
        }
        Some(facts)
    } else {
        None
    };
    let (base, distinct_keys, cached, wall_s, cpu_s, cache) = match (single, first_read) {
        (None, Some(facts)) => {
            let mut cache = build_cache(PolicyContext {
                next_uses: facts.keys.map(NextUses::from_key_vec),
                distinct_keys: facts.distinct_keys,
            })?;
            let started = Instant::now();
            let cpu_before = crate::alloc::process_cpu_seconds();
            let (cached, base, distinct) =
                single_pass(source, &model, facts.requests, &mut cache, progress)?;
            let wall_s = started.elapsed().as_secs_f64();
            let cpu_s = cpu_before
                .zip(crate::alloc::process_cpu_seconds())
                .map(|(a, b)| b - a);
            (base, distinct, cached, wall_s, cpu_s, cache)
        }
        (Some(n), _) => {
            let mut cache = build_cache(PolicyContext {
                next_uses: None,
                distinct_keys: None,
            })?;
            let started = Instant::now();
            let cpu_before = crate::alloc::process_cpu_seconds();
            let (cached, base, distinct) = single_pass(source, &model, n, &mut cache, progress)?;
            let wall_s = started.elapsed().as_secs_f64();
            let cpu_s = cpu_before
                .zip(crate::alloc::process_cpu_seconds())
                .map(|(a, b)| b - a);
            (base, distinct, cached, wall_s, cpu_s, cache)
        }
        (None, None) => {
            // Pass 1: baseline (also counts requests and distinct keys for the windows, and,
            // for a bound that knows the future, records the keys in order for each request's
            // next use).
            let mut keys = policy.needs_future().then(Vec::new);
            let (base, distinct_keys) = replay_pass_with(
                source,
                &model,
                Pass::Baseline,
                None,
                &mut NoCache,
                PassInput {
                    count_distinct: true,
                    keys: keys.as_mut(),
                },
                progress,
            )?;
            if base.requests == 0 {
                return Err(crate::warmup::nothing_measured(source, options, &base));
            }
            // Pass 2: the policy, timed.
            let mut cache = build_cache(PolicyContext {
                next_uses: keys.map(NextUses::from_key_vec),
                distinct_keys: Some(distinct_keys),
            })?;
            let started = Instant::now();
            let cpu_before = crate::alloc::process_cpu_seconds();
            let (cached, _) = replay_pass(
                source,
                &model,
                Pass::Cached,
                Some(base.requests + base.warmup_requests),
                &mut cache,
                false,
                progress,
            )?;
            let wall_s = started.elapsed().as_secs_f64();
            let cpu_s = cpu_before
                .zip(crate::alloc::process_cpu_seconds())
                .map(|(a, b)| b - a);
            (base, distinct_keys, cached, wall_s, cpu_s, cache)
        }
    };
    if base.requests == 0 {
        return Err(crate::warmup::nothing_measured(source, options, &base));
    }
    // The windows of the memory pass: the whole trace (its warm-up is left out again there).
    let expected = Some(base.requests + base.warmup_requests);
    // Evictions, expirations and refusals of the measured requests only: the counters at the
    // end less those when the first measured request arrived.
    let stats = crate::warmup::measured_stats(cache.stats(), cached.stats_at_warmup.as_ref());

    // Pass 3: the thread-safe cache holding real payloads, heap measured per window.
    // It measures gencache (the lru policy) only: other policies report their structure's heap
    // from the cached pass (`policy.heap_bytes`).
    let memory = if options.measure_memory && policy == PolicyName::Lru {
        let mut cache = MemorySim::new(&model.limits);
        Some(
            replay_pass(
                source,
                &model,
                Pass::Memory,
                expected,
                &mut cache,
                false,
                progress,
            )?
            .0,
        )
    } else {
        None
    };

    let speedup = ratio(base.makespan_ns as f64, cached.makespan_ns as f64);
    let workload = source.workload();
    let facts = RunFacts {
        requests: cached.requests,
        hits: cached.hits,
        speedup,
        t_miss: base.mean_cost_s(),
        t_hit: model.hit_cost_s,
        workers: model.workers,
        open_loop: model.arrival == ArrivalMode::Open,
        clients: model.clients().unwrap_or(0),
        evicted: stats.evictions.capacity_entries + stats.evictions.capacity_bytes,
        expired: stats.evictions.expired,
    };

    let results = RunResults {
        workload: WorkloadInfo {
            name: name.clone(),
            seed: if source.path().is_some() {
                0
            } else {
                workload.seed
            },
            requests: base.requests + base.warmup_requests,
            distinct_keys,
            target_hit_rate: match source {
                Source::Workload(w) => w.target_hit_rate(),
                Source::TraceFile { .. } => None,
            },
            zipf_exponent: match source {
                Source::Workload(w) => w.zipf_exponent(),
                Source::TraceFile { .. } => None,
            },
            arrival: model.arrival_text.clone(),
        },
        model: model.params(base.mean_cost_s()),
        warmup_requests: cached.warmup_requests,
        measured_requests: Some(cached.requests),
        baseline: side_result(&base),
        cached: side_result(&cached),
        speedup,
        cache: CacheCounters {
            hits: cached.hits,
            misses: cached.misses,
            joined: cached.joined,
            hit_rate: cached.hit_rate(),
            evicted_entries: stats.evictions.capacity_entries,
            evicted_bytes: stats.evictions.capacity_bytes,
            expired: stats.evictions.expired,
            refused_too_large: stats.refused_too_large,
            peak_bytes: stats.peak_bytes,
            peak_entries: stats.peak_entries,
        },
        // Absent when the memory pass did not run (schema v2), not zeros.
        memory: memory.as_ref().map(memory_report),
        claims: verdict::verdicts(&facts),
        timeline: timeline(&cached, memory.as_ref()),
        replay: ReplaySpeed {
            wall_s,
            // Every request is replayed, the warm-up's too.
            requests_per_s: ratio((cached.requests + cached.warmup_requests) as f64, wall_s),
            cpu_s,
        },
        live: None,
        policy: Some(policy_figures(policy, &cache)),
    };
    Ok(RunOutcome {
        results,
        model,
        lookup_s: ns_to_secs(cached.lookup_ns),
        reordered_arrivals: cached.reordered_arrivals,
        peak_rss: crate::alloc::peak_rss_bytes(),
        cached_cpu_s: cpu_s,
        requested_bytes: cached.requested_bytes,
        hit_bytes: cached.hit_bytes,
        baseline_generation_ns: base.generation_ns,
        cached_generation_ns: cached.generation_ns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_example() -> workloads::Workload {
        match workloads::Workload::preset("seed-example") {
            Ok(w) => w,
            Err(e) => panic!("the seed-example preset: {e}"),
        }
    }

    #[test]
    fn a_workload_hit_cost_beyond_one_year_is_refused_not_saturated() {
        let mut workload = seed_example();
        workload.hit_cost_s = 1e12;
        let options = RunOptions {
            measure_memory: false,
            ..RunOptions::default()
        };
        let r = run(&Source::Workload(workload), &options, &mut |_, _| {});
        let err = r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("seed-example"), "{err}");
        assert!(
            err.contains("the hit cost must be at most one year (31536000 s), got 1000000000000 s"),
            "{err}"
        );
    }

    #[test]
    fn overhead_is_defined_only_with_a_payload() {
        assert_eq!(MemoryReport::new(0, 4096, 10).overhead_pct, None);
        let some = MemoryReport::new(1000, 1100, 10);
        assert!(some.overhead_pct.is_some_and(|o| (o - 10.0).abs() < 1e-9));
        assert_eq!(some.overhead_per_entry, Some(10.0));
    }

    #[test]
    fn a_run_without_the_memory_pass_has_no_memory_report() {
        let options = RunOptions {
            measure_memory: false,
            ..RunOptions::default()
        };
        let r = run(&Source::Workload(seed_example()), &options, &mut |_, _| {});
        assert!(r.is_ok_and(|o| o.results.memory.is_none()));
    }
}
