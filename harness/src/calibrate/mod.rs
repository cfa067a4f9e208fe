//! `harness calibrate`: the Zipf exponent whose replay through the engine hits a target hit rate.
//!
//! "70 % hit rate" means what the run reports: the hit rate of [`crate::engine::replay`] through the same
//! cache the run uses ([`LruSim`] with the workload's bounds, weighed by result size), with the
//! run's default model (one generator worker, single-flight, the workload's arrivals, lookup time
//! left out so the figure is deterministic, as in the gate). There is one simulator: the exponent
//! found here is the one whose `harness run` lands on the target. A join of an in-flight
//! generation is not a hit (it waits for the generation), as in the results.
//!
//! The search starts from an analytic estimate (see `analytic.rs`) and finishes by bracketing and
//! bisection on engine replays, until the replay lands within ±0.5 percentage point
//! ([`TOLERANCE`]). The result is stored in the workload's TOML (`calibrated_exponent`):
//! [`workloads::Workload::trace`] never calibrates by itself.

mod analytic;

use crate::engine::LruSim;
use crate::model::{Model, Pass};
use crate::run::{RunOptions, replay_pass};
use crate::source::Source;
use analytic::{MAX_ANALYTIC_UNIVERSE, estimate_exponent};
use std::fmt;
use workloads::{DEFAULT_MAX_EXPONENT, KeyPopularity, Workload};

/// How close to the target a calibrated replay must land: ±0.5 percentage point.
pub const TOLERANCE: f64 = 0.005;
/// Replays allowed before giving up.
pub const MAX_REPLAYS: u32 = 48;
/// Calibration keeps bisecting towards the centre of the window until a replay lands this close
/// (±0.1 pp), so that a stored exponent is not at the edge of ±0.5 pp ...
const AIM: f64 = 0.001;
/// ... unless it has already made this many replays and one is within [`TOLERANCE`].
const REFINE_REPLAYS: u32 = 12;

/// The result of [`calibrate`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Calibration {
    /// The target hit rate.
    pub target: f64,
    /// The Zipf exponent found.
    pub exponent: f64,
    /// The hit rate the replay at `exponent` achieved (within ±[`TOLERANCE`] of the target).
    pub achieved_hit_rate: f64,
    /// Distinct keys in the trace at `exponent`.
    pub distinct_keys: u64,
    /// 1 − distinct/requests: the hit rate of an unbounded cache without TTL.
    pub unbounded_hit_rate: f64,
    /// Number of exact replays the search needed.
    pub replays: u32,
    /// The analytic estimate the search started from.
    pub analytic_exponent: f64,
}

impl fmt::Display for Calibration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "exponent {:.4}: achieved {:.2} % (target {:.2} %), {} distinct keys, \
             unbounded-cache hit rate {:.2} %, {} replays (analytic start {:.4})",
            self.exponent,
            self.achieved_hit_rate * 100.0,
            self.target * 100.0,
            self.distinct_keys,
            self.unbounded_hit_rate * 100.0,
            self.replays,
            self.analytic_exponent
        )
    }
}

/// Why calibration failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalibrationError {
    /// The workload has no target hit rate (not a Zipf workload, or an explicit exponent).
    #[error(
        "workload `{workload}` has no target hit rate to calibrate (needs a zipf `target_hit_rate`)"
    )]
    NoTarget {
        /// Workload name.
        workload: String,
    },
    /// No exponent in [0, max_exponent] reaches the target with this configuration.
    #[error(
        "target hit rate {:.2} % is unreachable for workload `{workload}` with cache ({cache}): \
         the {} achievable with Zipf exponents 0..={max_exponent} is {:.2} % (exponent \
         {best_exponent}, {distinct_keys} distinct keys in {requests} requests, unbounded-cache \
         hit rate {:.2} %)",
        target * 100.0,
        if *too_high { "highest" } else { "lowest" },
        best_achievable * 100.0,
        unbounded_hit_rate * 100.0
    )]
    Unreachable {
        /// Workload name.
        workload: String,
        /// The target hit rate.
        target: f64,
        /// The closest hit rate any exponent achieves (highest if the target is too high,
        /// lowest if it is too low).
        best_achievable: f64,
        /// The exponent achieving it.
        best_exponent: f64,
        /// Whether the target is above (true) or below (false) what is achievable.
        too_high: bool,
        /// Distinct keys in the trace at `best_exponent`.
        distinct_keys: u64,
        /// Requests in the trace.
        requests: u64,
        /// 1 − distinct/requests at `best_exponent`.
        unbounded_hit_rate: f64,
        /// The cache configuration, in words.
        cache: String,
        /// The largest exponent searched.
        max_exponent: f64,
    },
    /// The replays did not land within tolerance (the hit rate jumps over the target window).
    #[error(
        "calibration of `{workload}` did not converge: closest replay {:.2} % at exponent \
         {best_exponent} after {replays} replays, target {:.2} % ± 0.5 pp",
        best_achievable * 100.0,
        target * 100.0
    )]
    NotConverged {
        /// Workload name.
        workload: String,
        /// The target hit rate.
        target: f64,
        /// The closest replay's hit rate.
        best_achievable: f64,
        /// Its exponent.
        best_exponent: f64,
        /// Replays made.
        replays: u32,
    },
    /// The workload could not be generated (should not happen for a validated workload).
    #[error("cannot generate workload `{workload}`: {message}")]
    Workload {
        /// Workload name.
        workload: String,
        /// What went wrong.
        message: String,
    },
}

/// The outcome of one engine replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replay {
    /// Requests answered from the cache.
    pub hits: u64,
    /// Requests not answered from the cache (including `joined`), as the results count them.
    pub misses: u64,
    /// Of `misses`, those that waited for an in-flight generation of their key.
    pub joined: u64,
    /// Distinct keys in the trace.
    pub distinct_keys: u64,
}

impl Replay {
    /// Requests replayed.
    pub fn requests(&self) -> u64 {
        self.hits + self.misses
    }

    /// hits / requests, as the results report it.
    pub fn hit_rate(&self) -> f64 {
        match self.requests() {
            0 => 0.0,
            n => self.hits as f64 / n as f64,
        }
    }

    /// 1 − distinct / requests.
    pub fn unbounded_hit_rate(&self) -> f64 {
        match self.requests() {
            0 => 0.0,
            n => 1.0 - self.distinct_keys as f64 / n as f64,
        }
    }
}

/// The options calibration replays with: the run's defaults, deterministic (no lookup time) and
/// without the memory pass, like the gate.
pub fn calibration_options() -> RunOptions {
    RunOptions {
        measure_lookups: false,
        measure_memory: false,
        ..RunOptions::default()
    }
}

/// `w` with its Zipf exponent set to `exponent` (stored, or explicit if it has no target).
fn with_exponent(w: &Workload, exponent: f64) -> Workload {
    let mut w = w.clone();
    if let KeyPopularity::Zipf {
        exponent: explicit,
        target_hit_rate,
        calibrated_exponent,
        ..
    } = &mut w.keys
    {
        if target_hit_rate.is_some() {
            *calibrated_exponent = Some(exponent);
        } else {
            *explicit = Some(exponent);
        }
    }
    w
}

/// Replays the workload's trace with Zipf `exponent` through the engine and the run's cache
/// ([`crate::engine::replay`] into [`LruSim`], [`calibration_options`]).
///
/// ```
/// let w = workloads::Workload::preset("seed-example").unwrap();
/// let r = harness::calibrate::replay(&w, 0.0).unwrap();
/// assert_eq!((r.misses, r.hits, r.distinct_keys), (30, 70, 30));
/// ```
pub fn replay(w: &Workload, exponent: f64) -> Result<Replay, CalibrationError> {
    replay_with(w, exponent, &calibration_options())
}

/// [`replay`] with the model of `options` (as `harness run` would build it from the same flags).
/// Lookup time and the memory pass are always left out.
pub fn replay_with(
    w: &Workload,
    exponent: f64,
    options: &RunOptions,
) -> Result<Replay, CalibrationError> {
    let options = RunOptions {
        measure_lookups: false,
        measure_memory: false,
        ..options.clone()
    };
    let source = Source::Workload(with_exponent(w, exponent));
    let failed = |message: String| CalibrationError::Workload {
        workload: w.name.clone(),
        message,
    };
    let model = Model::new(&source, &options).map_err(|e| failed(e.to_string()))?;
    let mut cache = LruSim::new(&model.limits);
    let (side, distinct_keys) = replay_pass(
        &source,
        &model,
        Pass::Cached,
        Some(w.requests),
        &mut cache,
        true,
        &mut |_, _| {},
    )
    .map_err(|e| failed(e.to_string()))?;
    Ok(Replay {
        hits: side.hits,
        misses: side.misses,
        joined: side.joined,
        distinct_keys,
    })
}

/// Finds the Zipf exponent whose engine replay lands within ±0.5 pp of `w`'s target hit rate.
///
/// Any stored `calibrated_exponent` is ignored (this is how it is recomputed).
pub fn calibrate(w: &Workload) -> Result<Calibration, CalibrationError> {
    calibrate_with(w, &calibration_options())
}

/// [`calibrate`] for the model `options` describe (e.g. `--workers 4` for a workload meant to run
/// with four workers): the exponent is found for the run those flags make.
pub fn calibrate_with(w: &Workload, options: &RunOptions) -> Result<Calibration, CalibrationError> {
    let (universe, target, max_exponent) = match w.keys {
        KeyPopularity::Zipf {
            universe,
            target_hit_rate: Some(target),
            max_exponent,
            ..
        } => (
            universe,
            target,
            max_exponent.unwrap_or(DEFAULT_MAX_EXPONENT),
        ),
        _ => {
            return Err(CalibrationError::NoTarget {
                workload: w.name.clone(),
            });
        }
    };
    let analytic_exponent = if universe <= MAX_ANALYTIC_UNIVERSE {
        estimate_exponent(
            universe,
            w.requests,
            capacity_in_entries(w),
            target,
            max_exponent,
        )
    } else {
        max_exponent.min(1.0)
    };
    let mut search = Search {
        w,
        options,
        target,
        replays: 0,
        best: None,
    };

    let start = search.at(analytic_exponent)?;
    if let Some(done) = search.finished(analytic_exponent, start, analytic_exponent) {
        return Ok(done);
    }
    // Bracket the target: the hit rate grows with the exponent (up to replay noise).
    let (mut lo, mut hi) = if start.hit_rate() < target {
        let mut lo = analytic_exponent;
        let mut step = 0.125;
        loop {
            let s = (lo + step).min(max_exponent);
            let r = search.at(s)?;
            if let Some(done) = search.finished(s, r, analytic_exponent) {
                return Ok(done);
            }
            if r.hit_rate() > target {
                break (lo, s);
            }
            if s >= max_exponent {
                return Err(search.unreachable(s, r, true, max_exponent));
            }
            lo = s;
            step *= 2.0;
        }
    } else {
        let mut hi = analytic_exponent;
        let mut step = 0.125;
        loop {
            let s = (hi - step).max(0.0);
            let r = search.at(s)?;
            if let Some(done) = search.finished(s, r, analytic_exponent) {
                return Ok(done);
            }
            if r.hit_rate() < target {
                break (s, hi);
            }
            if s <= 0.0 {
                return Err(search.unreachable(s, r, false, max_exponent));
            }
            hi = s;
            step *= 2.0;
        }
    };
    while search.replays < MAX_REPLAYS && hi - lo > 1e-7 {
        let mid = 0.5 * (lo + hi);
        let r = search.at(mid)?;
        if let Some(done) = search.finished(mid, r, analytic_exponent) {
            return Ok(done);
        }
        if r.hit_rate() < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let (best_exponent, best) = search.best.unwrap_or((lo, start));
    if (best.hit_rate() - target).abs() <= TOLERANCE {
        return Ok(search.calibration(best_exponent, best, analytic_exponent));
    }
    Err(CalibrationError::NotConverged {
        workload: w.name.clone(),
        target,
        best_achievable: best.hit_rate(),
        best_exponent,
        replays: search.replays,
    })
}

/// The cache's capacity in entries for the analytic estimate: the entry bound, or the byte
/// budget divided by the mean result size, whichever is smaller.
fn capacity_in_entries(w: &Workload) -> Option<f64> {
    let by_entries = w.cache.max_entries.map(|n| n as f64);
    let by_bytes = w.cache.max_bytes.map(|b| b as f64 / w.size.mean_bytes());
    match (by_entries, by_bytes) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// State of one calibration search.
struct Search<'a> {
    w: &'a Workload,
    options: &'a RunOptions,
    target: f64,
    replays: u32,
    /// The replay closest to the target so far.
    best: Option<(f64, Replay)>,
}

impl Search<'_> {
    fn at(&mut self, exponent: f64) -> Result<Replay, CalibrationError> {
        let r = replay_with(self.w, exponent, self.options)?;
        self.replays += 1;
        tracing::debug!(
            workload = %self.w.name,
            exponent,
            hit_rate = r.hit_rate(),
            "calibration replay"
        );
        let closer = self.best.is_none_or(|(_, b)| {
            (r.hit_rate() - self.target).abs() < (b.hit_rate() - self.target).abs()
        });
        if closer {
            self.best = Some((exponent, r));
        }
        Ok(r)
    }

    /// The result, if this replay is close enough to stop (see [`AIM`]); the closest replay so
    /// far is returned, which may be an earlier one.
    fn finished(&self, exponent: f64, r: Replay, analytic_exponent: f64) -> Option<Calibration> {
        let error = (r.hit_rate() - self.target).abs();
        if error <= AIM {
            return Some(self.calibration(exponent, r, analytic_exponent));
        }
        match self.best {
            Some((e, best))
                if self.replays >= REFINE_REPLAYS
                    && (best.hit_rate() - self.target).abs() <= TOLERANCE =>
            {
                Some(self.calibration(e, best, analytic_exponent))
            }
            _ => None,
        }
    }

    fn calibration(&self, exponent: f64, r: Replay, analytic_exponent: f64) -> Calibration {
        Calibration {
            target: self.target,
            exponent,
            achieved_hit_rate: r.hit_rate(),
            distinct_keys: r.distinct_keys,
            unbounded_hit_rate: r.unbounded_hit_rate(),
            replays: self.replays,
            analytic_exponent,
        }
    }

    fn unreachable(
        &self,
        exponent: f64,
        r: Replay,
        too_high: bool,
        max_exponent: f64,
    ) -> CalibrationError {
        CalibrationError::Unreachable {
            max_exponent,
            workload: self.w.name.clone(),
            target: self.target,
            best_achievable: r.hit_rate(),
            best_exponent: exponent,
            too_high,
            distinct_keys: r.distinct_keys,
            requests: self.w.requests,
            unbounded_hit_rate: r.unbounded_hit_rate(),
            cache: self.w.cache.describe(),
        }
    }
}
