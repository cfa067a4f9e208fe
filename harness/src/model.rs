//! The typed model of one run, built once from the arguments and the source and carried to the
//! engine (each pass's [`EngineConfig`]), the memory pass, the live replay and the results
//! (its [`ModelParams`]); nothing downstream rebuilds it from the serialized form.

use crate::engine::{ArrivalMode, CacheLimits, EngineConfig, secs_to_ns};
use crate::run::{RunError, RunOptions};
use crate::source::Source;
use reports::results::ModelParams;
use workloads::Arrival;
use workloads::units::HitCost;

/// How one source is replayed: the generator, the hit cost, single-flight, the cache bounds and
/// the arrival process.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Generator workers (≥ 1).
    pub workers: u32,
    /// Virtual seconds to answer a hit.
    pub hit_cost_s: f64,
    /// The same in engine nanoseconds.
    pub hit_cost_ns: u64,
    /// Whether concurrent duplicate misses join one generation (cached side only: the baseline
    /// has no cache, so every request generates).
    pub single_flight: bool,
    /// The cached side's bounds.
    pub limits: CacheLimits,
    /// How requests arrive.
    pub arrival: ArrivalMode,
    /// The arrival process in words, for the results.
    pub arrival_text: String,
    /// Add measured lookup times to hit latencies.
    pub measure_lookups: bool,
    /// Timeline windows.
    pub windows: u32,
    /// Requests at the start of the trace that warm the cache without being counted.
    pub warmup: u64,
}

/// Which replay an [`EngineConfig`] is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// No cache.
    Baseline,
    /// The real cache, timed.
    Cached,
    /// The real cache holding real payloads, heap measured (lookups never timed).
    Memory,
}

impl Pass {
    /// The progress label of this pass.
    pub fn label(self) -> &'static str {
        match self {
            Pass::Baseline => "baseline",
            Pass::Cached => "cached",
            Pass::Memory => "memory",
        }
    }
}

impl Model {
    /// The model `options` ask for on `source` (overrides applied to the workload's own).
    ///
    /// # Errors
    ///
    /// [`RunError::HitCost`] for a hit cost out of its range.
    pub fn new(source: &Source, options: &RunOptions) -> Result<Self, RunError> {
        let hit_cost_s = options.hit_cost_s.unwrap_or(source.workload().hit_cost_s);
        let hit_cost = HitCost::from_secs(hit_cost_s).map_err(|e| RunError::HitCost {
            name: source.name(),
            source: e,
        })?;
        let hit_cost_s = hit_cost.secs();
        // In range (at most one year), so it fits the engine's nanoseconds.
        let hit_cost_ns = secs_to_ns(hit_cost_s);
        let arrival = effective_arrival(source, options);
        let warmup = crate::warmup::warmup_requests(source, options.warmup)?;
        Ok(Self {
            workers: options.workers.max(1),
            hit_cost_s,
            hit_cost_ns,
            single_flight: options.single_flight,
            limits: effective_limits(source, options),
            arrival,
            arrival_text: arrival_description(source, options, arrival),
            measure_lookups: options.measure_lookups,
            windows: options.windows,
            warmup,
        })
    }

    /// The engine's configuration for one pass; `expected_requests` (known after the baseline)
    /// places the timeline windows.
    pub fn engine_config(&self, pass: Pass, expected_requests: Option<u64>) -> EngineConfig {
        EngineConfig {
            workers: self.workers,
            hit_cost_ns: self.hit_cost_ns,
            single_flight: pass != Pass::Baseline && self.single_flight,
            arrival: self.arrival,
            measure_lookups: pass != Pass::Memory && self.measure_lookups,
            windows: self.windows,
            expected_requests,
            warmup: self.warmup,
        }
    }

    /// Closed-loop clients, `None` for open loop.
    pub fn clients(&self) -> Option<u32> {
        match self.arrival {
            ArrivalMode::Closed { clients } => Some(clients),
            ArrivalMode::Open => None,
        }
    }

    /// The model as the results schema records it.
    pub fn params(&self, mean_miss_cost_s: f64) -> ModelParams {
        ModelParams {
            workers: self.workers,
            hit_cost_s: self.hit_cost_s,
            single_flight: self.single_flight,
            mean_miss_cost_s,
            max_entries: self.limits.max_entries,
            max_bytes: self.limits.max_bytes,
            ttl_s: self.limits.ttl.map(|t| t.as_secs_f64()),
        }
    }
}

/// The cache bounds after applying overrides to the workload's.
pub fn effective_limits(source: &Source, options: &RunOptions) -> CacheLimits {
    let (entries, bytes, ttl) = match source {
        Source::Workload(w) => (w.cache.max_entries, w.cache.max_bytes, w.cache.ttl()),
        // A real trace replays against a plain LRU unless told otherwise: no byte budget and no
        // TTL, so entry-capacity hit counts are comparable with reference tables.
        Source::TraceFile { .. } => (None, None, None),
    };
    CacheLimits {
        max_entries: options.max_entries.unwrap_or(entries),
        max_bytes: options.max_bytes.unwrap_or(bytes),
        ttl: options.ttl.unwrap_or(ttl),
    }
}

/// The arrival process after applying overrides.
pub fn effective_arrival(source: &Source, options: &RunOptions) -> ArrivalMode {
    if let Some(clients) = options.clients {
        return ArrivalMode::Closed { clients };
    }
    match source {
        Source::Workload(w) => match w.arrival {
            Arrival::Closed { clients } => ArrivalMode::Closed { clients },
            _ => ArrivalMode::Open,
        },
        Source::TraceFile { .. } if options.open_loop_file => ArrivalMode::Open,
        Source::TraceFile { .. } => ArrivalMode::Closed { clients: 1 },
    }
}

fn arrival_description(source: &Source, options: &RunOptions, mode: ArrivalMode) -> String {
    match (source, options.clients, mode) {
        (Source::Workload(w), None, _) => w.arrival_description(),
        (_, _, ArrivalMode::Closed { clients: 1 }) => "closed loop, 1 client".to_string(),
        (_, _, ArrivalMode::Closed { clients }) => format!("closed loop, {clients} clients"),
        (_, _, ArrivalMode::Open) => "open loop, trace timestamps".to_string(),
    }
}
