//! The `sweep.json` schema: what `harness sweep` writes (a curve of runs over one axis — cache
//! budget, TTL or generator workers — with the trace's profile and the advice drawn from it) and
//! what the sweep section of the report reads.

use serde::{Deserialize, Serialize};

/// Version of the sweep schema written by this build (additions within version 1, absent
/// from older files: each point's `virtual_time_s`, `baseline_time_s`, `wait_mean_s` and
/// `generator_utilization`).
pub const SWEEP_SCHEMA_VERSION: u32 = 1;

/// File name of a saved sweep inside a results directory.
pub const SWEEP_FILE_NAME: &str = "sweep.json";

/// The content of `sweep.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepResults {
    /// Always [`SWEEP_SCHEMA_VERSION`] when written by this build.
    pub schema_version: u32,
    /// Version of the harness that wrote the file.
    pub tool_version: String,
    /// Preset name or trace file name.
    pub workload: String,
    /// The swept axis.
    pub axis: SweepAxis,
    /// How the points were computed: `"stack"` (one pass, LRU stack distances) or `"engine"`
    /// (one full replay per point).
    pub method: String,
    /// Arrival process, as the summary states it.
    pub arrival: String,
    /// Requests left out of every statistic at the start of the trace (cold start).
    #[serde(default)]
    pub warmup_requests: u64,
    /// The speedup the advice looks for.
    pub target_speedup: f64,
    /// Price of one generator hour, when given: points then carry `money_saved`.
    #[serde(default)]
    pub generator_cost_per_hour: Option<f64>,
    /// The trace's profile.
    pub profile: TraceProfile,
    /// One point per grid value, in ascending order of the axis.
    pub points: Vec<SweepPoint>,
    /// The bound: no entry bound, no byte budget, no TTL (compulsory misses only).
    pub unbounded: SweepPoint,
    /// What the curve says (the first policy's curve).
    pub advice: Advice,
    /// The policies swept, one curve each, in the order of `points` (empty in files written
    /// before policies were swept: then every point is `lru`).
    #[serde(default)]
    pub policies: Vec<String>,
    /// The advice for each policy's curve.
    #[serde(default)]
    pub policy_advice: Vec<PolicyAdvice>,
    /// Per value of the axis: which policy saves the most generator time and how far LRU is
    /// from it and from `belady` (when several policies were swept).
    #[serde(default)]
    pub comparison: Vec<String>,
}

/// The advice drawn from one policy's curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyAdvice {
    /// The policy.
    pub policy: String,
    /// Its advice (indices into that policy's points, in axis order).
    pub advice: Advice,
}

impl SweepResults {
    /// The policies in curve order (`lru` for a file that names none).
    pub fn policy_names(&self) -> Vec<String> {
        if self.policies.is_empty() {
            let mut names: Vec<String> = Vec::new();
            for p in &self.points {
                if !names.contains(&p.policy) {
                    names.push(p.policy.clone());
                }
            }
            names
        } else {
            self.policies.clone()
        }
    }

    /// One policy's points, in axis order.
    pub fn points_of<'a>(&'a self, policy: &'a str) -> impl Iterator<Item = &'a SweepPoint> + 'a {
        self.points.iter().filter(move |p| p.policy == policy)
    }
}

/// The unbounded bound's row label: it has no bound and no TTL, and on a workers sweep it runs
/// at the grid's most workers, which the label says.
///
/// ```
/// # use reports::sweep::*;
/// # let r: SweepResults = serde_json::from_str(include_str!("../tests/fixtures/sweep-workers.json")).unwrap();
/// assert_eq!(unbounded_label(&r), "unbounded, no TTL, 8 workers");
/// ```
pub fn unbounded_label(r: &SweepResults) -> String {
    match r.axis {
        SweepAxis::Workers if r.unbounded.workers == 1 => "unbounded, no TTL, 1 worker".into(),
        SweepAxis::Workers => format!("unbounded, no TTL, {} workers", r.unbounded.workers),
        _ => "unbounded, no TTL".to_string(),
    }
}

/// On a workers sweep, how many generator workers the cache saves (the first policy's curve):
/// the fewest workers with which the cached side serves the trace at least as fast as the
/// baseline with the most workers of the grid. `None` for another axis, or for points without
/// virtual times (files written before they were recorded).
///
/// ```
/// # use reports::sweep::*;
/// # let r: SweepResults = serde_json::from_str(include_str!("../tests/fixtures/sweep-workers.json")).unwrap();
/// let line = workers_saved(&r).unwrap();
/// assert!(line.contains("saves 7 of 8 workers"), "{line}");
/// ```
pub fn workers_saved(r: &SweepResults) -> Option<String> {
    if r.axis != SweepAxis::Workers {
        return None;
    }
    let first = r.policy_names().into_iter().next()?;
    let points: Vec<(u32, f64, f64)> = r
        .points_of(&first)
        .map(|p| Some((p.workers, p.virtual_time_s?, p.baseline_time_s?)))
        .collect::<Option<Vec<_>>>()?;
    let &(most, _, best_baseline) = points.iter().max_by_key(|p| p.0)?;
    let seconds = crate::format::seconds;
    let plural = |n: u32| if n == 1 { "" } else { "s" };
    Some(
        match points
            .iter()
            .filter(|p| p.1 <= best_baseline)
            .min_by_key(|p| p.0)
        {
            Some(&(fewest, cached, _)) => format!(
                "with the cache, {fewest} worker{} serve{} the trace in {}; without it, {most} \
                 worker{} take{} {}: the cache saves {} of {most} worker{}",
                plural(fewest),
                if fewest == 1 { "s" } else { "" },
                seconds(cached),
                plural(most),
                if most == 1 { "s" } else { "" },
                seconds(best_baseline),
                most - fewest,
                plural(most)
            ),
            None => format!(
                "the cache does not serve the trace faster than the baseline with {most} \
                 worker{} ({}) at any worker count of the grid",
                plural(most),
                seconds(best_baseline)
            ),
        },
    )
}

/// What a sweep varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepAxis {
    /// `--max-entries`.
    MaxEntries,
    /// `--max-bytes`.
    MaxBytes,
    /// `--ttl`.
    Ttl,
    /// `--workers`.
    Workers,
}

impl SweepAxis {
    /// The command-line flag of the axis.
    pub fn flag(self) -> &'static str {
        match self {
            SweepAxis::MaxEntries => "--max-entries",
            SweepAxis::MaxBytes => "--max-bytes",
            SweepAxis::Ttl => "--ttl",
            SweepAxis::Workers => "--workers",
        }
    }

    /// Whether the axis is a cache budget (entries or bytes).
    pub fn is_budget(self) -> bool {
        matches!(self, SweepAxis::MaxEntries | SweepAxis::MaxBytes)
    }
}

/// One point of the curve: one cache configuration replayed over the whole trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepPoint {
    /// Entry bound (`None`: unbounded).
    pub max_entries: Option<u64>,
    /// Byte budget (`None`: unbounded).
    pub max_bytes: Option<u64>,
    /// TTL in seconds (`None`: never expires).
    pub ttl_s: Option<f64>,
    /// Generator workers.
    pub workers: u32,
    /// Eviction policy.
    pub policy: String,
    /// Requests counted (after the warm-up).
    pub requests: u64,
    /// Answered from the cache.
    pub hits: u64,
    /// Not answered from the cache (including joined).
    pub misses: u64,
    /// Misses that waited on another request's generation.
    pub joined: u64,
    /// Generator invocations.
    pub generations: u64,
    /// `hits / requests`.
    pub hit_rate: f64,
    /// Bytes answered from the cache / bytes requested.
    pub byte_hit_rate: f64,
    /// Share of the baseline's generation seconds the cache avoided.
    pub cost_hit_rate: f64,
    /// Generator hours the cache avoided (baseline generation time − cached).
    pub generator_hours_saved: f64,
    /// `generator_hours_saved × generator_cost_per_hour`, when a price was given.
    #[serde(default)]
    pub money_saved: Option<f64>,
    /// Baseline virtual time / cached virtual time.
    pub speedup: f64,
    /// Mean request latency, seconds.
    pub latency_mean_s: f64,
    /// Median request latency, seconds.
    pub latency_p50_s: f64,
    /// 99th-percentile request latency, seconds.
    pub latency_p99_s: f64,
    /// Entries evicted for capacity (entry bound or byte budget).
    pub evictions: u64,
    /// Entries dropped because their TTL ran out.
    pub expirations: u64,
    /// Cached virtual time (first measured arrival to last measured answer), seconds; absent in
    /// files written before it was recorded.
    #[serde(default)]
    pub virtual_time_s: Option<f64>,
    /// The baseline's virtual time (no cache, the same workers and arrivals), seconds.
    #[serde(default)]
    pub baseline_time_s: Option<f64>,
    /// Mean time a request waited (queued for a worker, or on a joined generation), cached
    /// side, seconds.
    #[serde(default)]
    pub wait_mean_s: Option<f64>,
    /// Share of the generator's capacity the cached side used: generation time / (workers ×
    /// virtual time), 0..=1.
    #[serde(default)]
    pub generator_utilization: Option<f64>,
}

impl SweepPoint {
    /// The value of `axis` at this point, as a number for plotting (`None`: unbounded/never).
    pub fn axis_value(&self, axis: SweepAxis) -> Option<f64> {
        match axis {
            SweepAxis::MaxEntries => self.max_entries.map(|v| v as f64),
            SweepAxis::MaxBytes => self.max_bytes.map(|v| v as f64),
            SweepAxis::Ttl => self.ttl_s,
            SweepAxis::Workers => Some(f64::from(self.workers)),
        }
    }
}

/// Facts about the trace itself, independent of any cache.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceProfile {
    /// Requests in the trace.
    pub requests: u64,
    /// Distinct keys.
    pub distinct_keys: u64,
    /// Share of requests that are a key's first (misses even for an unbounded cache).
    pub compulsory_miss_ratio: f64,
    /// Share of distinct keys requested exactly once.
    pub one_hit_wonder_ratio: f64,
    /// Exponent of the Zipf law fitted to the rank-frequency curve (least squares, log-log).
    pub zipf_exponent: f64,
    /// R² of that fit (1 = a perfect power law).
    pub zipf_r2: f64,
    /// Bytes an unbounded cache holds at the end: each distinct key at its last size.
    pub footprint_bytes: u64,
    /// Whether the trace carries timestamps (reuse times in seconds are then meaningful).
    pub timed: bool,
    /// Reuse distance percentiles in requests: `(percentile, requests since the key's last use)`.
    pub reuse_requests: Vec<(f64, f64)>,
    /// Reuse time percentiles in seconds (trace timestamps), when the trace is timed.
    pub reuse_seconds: Vec<(f64, f64)>,
    /// The TTL the reuse times are compared with, seconds.
    pub ttl_s: Option<f64>,
    /// Share of reuses that come later than the TTL (they would find the entry expired).
    pub reuses_after_ttl: Option<f64>,
}

/// The recommendation drawn from a curve (values of the swept axis, ascending).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advice {
    /// The target speedup looked for.
    pub target_speedup: f64,
    /// Index into `points` of the smallest value whose speedup reaches the target.
    pub reaches_target: Option<usize>,
    /// When no point reaches it: the best point and how far below the target it stays.
    pub best_short_of_target: Option<Shortfall>,
    /// Index of the smallest value reaching 95 % of the unbounded cache's speedup.
    pub near_unbounded: Option<usize>,
    /// Index of the point of diminishing returns: from it on, doubling the budget adds less
    /// than 1 percentage point of hit rate (budget axes only).
    pub diminishing_returns: Option<usize>,
    /// Index of the smallest value whose hit rate equals the unbounded cache's (the curve is
    /// flat from there: the trace fits).
    pub saturation: Option<usize>,
    /// The advice in plain sentences, as printed.
    pub lines: Vec<String>,
}

/// How far the best point stays below the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shortfall {
    /// Index of the point with the highest speedup.
    pub best: usize,
    /// Its speedup.
    pub speedup: f64,
    /// `target − speedup`.
    pub short_by: f64,
}

/// Reads a saved sweep (`sweep.json`, or a directory holding one).
///
/// # Errors
///
/// [`crate::ReportError`] when the file cannot be read, is not a sweep, or has a schema version
/// this build does not know.
pub fn read_sweep(dir_or_file: &std::path::Path) -> Result<SweepResults, crate::ReportError> {
    let path = if dir_or_file.is_dir() {
        dir_or_file.join(SWEEP_FILE_NAME)
    } else {
        dir_or_file.to_path_buf()
    };
    let text = std::fs::read_to_string(&path).map_err(|source| crate::ReportError::Read {
        path: path.clone(),
        source,
    })?;
    let sweep: SweepResults =
        serde_json::from_str(&text).map_err(|e| crate::ReportError::Parse {
            path: path.clone(),
            field: ".".to_string(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
    if sweep.schema_version != SWEEP_SCHEMA_VERSION {
        return Err(crate::ReportError::Parse {
            path,
            field: "schema_version".to_string(),
            line: 1,
            column: 1,
            message: format!(
                "sweep schema version {} is not supported (this build reads version {SWEEP_SCHEMA_VERSION})",
                sweep.schema_version
            ),
        });
    }
    Ok(sweep)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One worker reads in the singular, in the row label and in the workers line.
    #[test]
    fn a_one_worker_sweep_reads_in_the_singular() {
        let mut r: SweepResults =
            match serde_json::from_str(include_str!("../tests/fixtures/sweep-workers.json")) {
                Ok(r) => r,
                Err(e) => panic!("fixture: {e}"),
            };
        r.points.retain(|p| p.workers == 1);
        r.unbounded.workers = 1;
        assert_eq!(unbounded_label(&r), "unbounded, no TTL, 1 worker");
        let line = workers_saved(&r).unwrap_or_default();
        assert!(line.contains("without it, 1 worker takes"), "{line}");
        assert!(line.ends_with("the cache saves 0 of 1 worker"), "{line}");
    }
}
