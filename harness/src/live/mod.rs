//! Live replay: the simulation's replay done for real, to check the simulation against reality.
//!
//! Tokio tasks are the clients (a closed loop of C tasks, or one task per request released at
//! its scaled arrival time), the real [`gencache::Cache`] with its async single-flight sits in
//! front of a generator of K workers (a semaphore) that sleeps each request's cost × `time_scale`,
//! and hits sleep the hit cost × `time_scale`. Wall-clock makespans are divided by `time_scale`
//! back into virtual seconds and compared with the simulation of the same trace
//! ([`compare`]): hit counts must be equal for a closed loop of one client (the order of
//! requests is then fixed), and the speedup within [`SPEEDUP_TOLERANCE_PCT`].
//!
//! The cache runs on a [`ScaledClock`](crate::realtime::timing::ScaledClock), so a 24 h TTL lasts 24 *virtual* hours as in the
//! simulation. Cached values are the result sizes (weighed as such, like the simulation's cache):
//! the live replay measures time, not memory.
//!
//! With a target URL ([`replay_http`]) the same replay goes over HTTP to a running
//! `harness serve`: the baseline with `bypass_cache`, the cached side through the server's cache,
//! whose stats are read before and after.

mod compare;
mod drive;
mod http;
mod in_process;

pub use crate::cli::LiveArgs;
pub use compare::{Agreement, LiveSummary, agreement, compare};
pub use drive::collect_trace;
pub use http::replay_http;
pub use in_process::replay_in_process;

use crate::model::Model;
use crate::realtime::Answering;
use crate::serve::api::StatsResponse;
use crate::serve::client::ClientError;
use gencache::CacheConfig;
use reports::results::{LiveComparison, RunResults};
use workloads::units::{HitCost, TimeScale, UnitError, Workers};

/// `harness run --live` / `--target` for one source already simulated: replays its trace live
/// with the simulation's model, returns the comparison for `results.json` and the printed
/// side-by-side summary.
pub fn run_for(
    source: &crate::source::Source,
    model: &Model,
    simulated: &RunResults,
    args: &LiveArgs,
) -> Result<(LiveComparison, String), LiveError> {
    let config = LiveConfig::from_model(model, args.time_scale.get());
    config.validate()?;
    let mut stream = source
        .open()
        .map_err(|e| LiveError::Trace(format!("{}: {e}", source.name())))?;
    let trace = collect_trace(&mut stream)?;
    stream
        .finish()
        .map_err(|e| LiveError::Trace(format!("{}: {e}", source.name())))?;
    let expected_wall_s = (simulated.baseline.virtual_time_s + simulated.cached.virtual_time_s)
        * args.time_scale.get();
    tracing::info!(
        workload = %source.name(),
        expected_wall_s,
        "live replay starting"
    );
    let live = match &args.target {
        Some(target) => replay_http(target, args.target_token.clone(), trace, &config)?,
        None => replay_in_process(trace, &config)?,
    };
    let comparison = compare(simulated, &live);
    let agree = agreement(&comparison, config.clients);
    if !agree.holds() {
        tracing::warn!(
            workload = %source.name(),
            speedup_diff_pct = comparison.speedup_diff_pct,
            hit_diff = comparison.hit_diff,
            "live replay and simulation disagree beyond the tolerance"
        );
    }
    let text = LiveSummary {
        simulated,
        live: &live,
    }
    .to_string();
    Ok((comparison, text))
}

/// Largest |live − simulated| / simulated speedup, in percent, for the two to "agree".
pub const SPEEDUP_TOLERANCE_PCT: f64 = 5.0;

/// Largest trace a live replay accepts: it runs in real (scaled) time and keeps the trace in
/// memory.
pub const MAX_LIVE_REQUESTS: usize = 1_000_000;

/// Why a live replay failed.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// A parameter is out of range.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// The parameter (flag name).
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The trace is empty or too long.
    #[error("cannot replay live: {0}")]
    Trace(String),
    /// Talking to the target server failed.
    #[error("live replay against the server failed: {0}")]
    Http(#[from] ClientError),
    /// A client task failed.
    #[error("live replay task failed: {0}")]
    Task(String),
    /// The tokio runtime could not start.
    #[error("cannot start the tokio runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

/// How a live replay runs.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveConfig {
    /// Real seconds per virtual second (0 < scale ≤ 1).
    pub time_scale: f64,
    /// Generator workers (K ≥ 1).
    pub workers: u32,
    /// Virtual seconds to answer a hit.
    pub hit_cost_s: f64,
    /// Whether concurrent duplicate misses join one generation.
    pub single_flight: bool,
    /// `Some(C)`: closed loop of C clients; `None`: open loop at the trace's timestamps.
    pub clients: Option<u32>,
    /// The cached side's bounds.
    pub cache: CacheConfig,
}

impl LiveConfig {
    /// The live configuration of a simulated run: the same workers, hit cost, single-flight,
    /// arrival and cache bounds as its [`Model`].
    pub fn from_model(model: &Model, time_scale: f64) -> Self {
        Self {
            time_scale,
            workers: model.workers,
            hit_cost_s: model.hit_cost_s,
            single_flight: model.single_flight,
            clients: model.clients(),
            cache: model.limits.cache_config(),
        }
    }

    /// How the cached side answers.
    pub fn answering(&self) -> Answering {
        Answering {
            single_flight: self.single_flight,
            hit_cost_s: self.hit_cost_s,
            time_scale: self.time_scale,
        }
    }

    /// Checks each value with its one parser's range ([`workloads::units`]).
    pub(crate) fn validate(&self) -> Result<(), LiveError> {
        let invalid =
            |what: &'static str| move |e: UnitError| LiveError::Invalid { what, reason: e.0 };
        TimeScale::new(self.time_scale).map_err(invalid("--time-scale"))?;
        Workers::new(u64::from(self.workers)).map_err(invalid("--workers"))?;
        HitCost::from_secs(self.hit_cost_s).map_err(invalid("--hit-cost"))?;
        if self.clients == Some(0) {
            return Err(LiveError::Invalid {
                what: "--clients",
                reason: "must be at least 1".into(),
            });
        }
        Ok(())
    }

    pub(crate) fn arrival_text(&self) -> String {
        match self.clients {
            Some(1) => "closed loop, 1 client".into(),
            Some(c) => format!("closed loop, {c} clients"),
            None => "open loop, trace timestamps".into(),
        }
    }
}

/// One side (baseline or cached) of a live replay.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LiveSide {
    /// Requests answered.
    pub requests: u64,
    /// Answered from the cache.
    pub hits: u64,
    /// Ran the generator.
    pub misses: u64,
    /// Joined a concurrent generation.
    pub joined: u64,
    /// Generator runs.
    pub generations: u64,
    /// Wall-clock makespan, seconds.
    pub wall_s: f64,
    /// The makespan in virtual seconds (`wall_s / time_scale`).
    pub virtual_s: f64,
}

/// A finished live replay, both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveRun {
    /// "in-process" or the target URL.
    pub mode: String,
    /// The configuration it ran with (for `--target`: the server's time scale, workers, hit cost).
    pub config: LiveConfig,
    /// No cache.
    pub baseline: LiveSide,
    /// Through the cache.
    pub cached: LiveSide,
    /// For `--target`: the server's stats before and after the cached side.
    pub server_stats: Option<(StatsResponse, StatsResponse)>,
    /// Things the reader should know (settings that differ from the simulation's, ...).
    pub notes: Vec<String>,
}

impl LiveRun {
    /// `baseline.virtual_s / cached.virtual_s`.
    pub fn speedup(&self) -> f64 {
        ratio(self.baseline.virtual_s, self.cached.virtual_s)
    }
}

pub(crate) fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}
