//! The versioned `results.json` schema: what `harness run` writes and the reports read.
//!
//! The harness fills these types; this crate only reads them. Bump [`SCHEMA_VERSION`] on any
//! incompatible change; readers refuse versions they do not know.

use serde::{Deserialize, Serialize};

/// Version of the results schema written by this build.
///
/// - 2: `memory` is absent when the run did not measure memory, and `memory.overhead_pct` /
///   `overhead_per_entry` are `null` when undefined (no payload / no entries). Later additions
///   within version 2, read as "none" from files without them: `warmup_requests` (0) and
///   `measured_requests` (absent: every request was measured).
/// - 1: `memory` was always present, zeros when not measured (still read: see
///   [`ResultsFile::upgrade_v1`]).
pub const SCHEMA_VERSION: u32 = 2;

/// The oldest schema version this build still reads.
pub const OLDEST_READABLE_SCHEMA: u32 = 1;

/// The content of `results.json`: one or more runs written by one harness invocation.
///
/// A results directory holds one such file; `harness report A B` compares two directories
/// run by run (matched by workload name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultsFile {
    /// Always [`SCHEMA_VERSION`] when written by this build; readers refuse versions they don't know.
    pub schema_version: u32,
    /// Version of the harness that wrote the file.
    pub tool_version: String,
    /// One entry per replayed workload, in the order they were run.
    pub runs: Vec<RunResults>,
}

/// One replayed workload: baseline and cached side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunResults {
    /// What was replayed.
    pub workload: WorkloadInfo,
    /// The simulation's parameters.
    pub model: ModelParams,
    /// Requests at the start of the trace left out of every figure (`--warmup`): they went
    /// through the cache and warmed it, and are not in any count, rate, time or latency below.
    #[serde(default)]
    pub warmup_requests: u64,
    /// Requests measured (the trace's requests less the warm-up); absent in files written
    /// before the warm-up existed, where every request was measured.
    #[serde(default)]
    pub measured_requests: Option<u64>,
    /// No cache: every request goes to the generator.
    pub baseline: SideResult,
    /// The real gencache cache in front of the generator.
    pub cached: SideResult,
    /// `baseline.virtual_time_s / cached.virtual_time_s`.
    pub speedup: f64,
    /// Cache counters of the cached side.
    pub cache: CacheCounters,
    /// Measured memory overhead of the cache; absent when the run did not measure memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<MemoryReport>,
    /// The seed's claims checked against this run.
    pub claims: Vec<ClaimVerdict>,
    /// Per-window series over the trace (hit rate, occupancy, memory).
    pub timeline: Vec<WindowPoint>,
    /// Wall-clock speed of the simulation itself (not deterministic; never gated).
    pub replay: ReplaySpeed,
    /// The same trace replayed for real (`--live` or `--target`), when it was.
    #[serde(default)]
    pub live: Option<LiveComparison>,
    /// The cache policy of the cached side and its measured structure heap (absent in results
    /// written before policies were selectable: those replayed gencache's LRU).
    #[serde(default)]
    pub policy: Option<PolicyFigures>,
}

impl RunResults {
    /// Requests measured: the trace's less the warm-up.
    ///
    /// ```
    /// # let text = include_str!("../tests/fixtures/results-v1.json");
    /// # let file: reports::ResultsFile = serde_json::from_str(text).unwrap();
    /// let run = &file.runs[0];
    /// assert_eq!(run.measured_requests(), run.workload.requests - run.warmup_requests);
    /// ```
    pub fn measured_requests(&self) -> u64 {
        self.measured_requests
            .unwrap_or(self.workload.requests.saturating_sub(self.warmup_requests))
    }
}

/// The policy a run replayed, and the heap its structure held at the end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFigures {
    /// `--policy` name (`lru`, `fifo`, `belady`, `moka`, ...).
    pub name: String,
    /// One line on what it is.
    pub description: String,
    /// A bound (knows the future or never evicts), not a cache one could deploy.
    pub bound: bool,
    /// Entries held at the end.
    pub entries: u64,
    /// Heap held by the policy's structure at the end, bytes (requested sizes; payloads are not
    /// allocated in this pass). 0 when the counting allocator is not installed.
    pub heap_bytes: u64,
    /// `heap_bytes / entries`.
    pub heap_per_entry: f64,
}

/// Identity of the replayed workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadInfo {
    /// Preset name or trace file name.
    pub name: String,
    /// RNG seed the trace was generated from (0 for real traces).
    pub seed: u64,
    /// Number of requests replayed.
    pub requests: u64,
    /// Distinct keys in the trace.
    pub distinct_keys: u64,
    /// Hit rate the workload was calibrated for, if any (0..=1).
    pub target_hit_rate: Option<f64>,
    /// Zipf exponent used, if synthetic.
    pub zipf_exponent: Option<f64>,
    /// Human-readable arrival process, e.g. "closed loop, 1 client" or "Poisson 0.5/s".
    pub arrival: String,
}

/// Parameters of the discrete-event model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelParams {
    /// Generator workers (K).
    pub workers: u32,
    /// Virtual seconds to answer a hit (plus the measured lookup time).
    pub hit_cost_s: f64,
    /// Whether concurrent duplicate misses join one generation.
    pub single_flight: bool,
    /// Mean generation cost over the trace, seconds.
    pub mean_miss_cost_s: f64,
    /// Cache entry bound, if any.
    pub max_entries: Option<u64>,
    /// Cache byte bound, if any.
    pub max_bytes: Option<u64>,
    /// Default TTL in seconds, if any.
    pub ttl_s: Option<f64>,
}

/// One side (baseline or cached) of a replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SideResult {
    /// Virtual time from the first arrival to the last answer, seconds (the makespan; of the
    /// measured requests, after any warm-up).
    pub virtual_time_s: f64,
    /// Generations run (generator invocations).
    pub generations: u64,
    /// Worker-seconds spent generating.
    pub generation_time_s: f64,
    /// Request-seconds spent queued for a worker or waiting on a joined generation.
    pub wait_time_s: f64,
    /// Request-seconds spent answering hits.
    pub hit_time_s: f64,
    /// Requests per virtual second.
    pub throughput_rps: f64,
    /// Latency summary (seconds).
    pub latency: LatencySummary,
    /// Percentile curve (seconds) for plotting: (percentile 0..=100, latency).
    pub latency_curve: Vec<(f64, f64)>,
}

/// Latency percentiles in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencySummary {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Maximum.
    pub max: f64,
}

/// Counters of the cached side.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheCounters {
    /// Requests answered from the cache.
    pub hits: u64,
    /// Requests that were not (including joined ones).
    pub misses: u64,
    /// Misses that waited for a concurrent generation of the same key (single-flight).
    pub joined: u64,
    /// `hits / requests`.
    pub hit_rate: f64,
    /// Evicted to respect max_entries.
    pub evicted_entries: u64,
    /// Evicted to respect max_bytes.
    pub evicted_bytes: u64,
    /// Expired by TTL.
    pub expired: u64,
    /// Inserts refused: the entry alone is heavier than max_bytes (or max_entries is 0).
    pub refused_too_large: u64,
    /// Peak weight in bytes.
    pub peak_bytes: u64,
    /// Peak number of entries.
    pub peak_entries: u64,
}

/// Measured memory overhead: heap bytes held by the cache vs payload bytes it holds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryReport {
    /// Payload bytes held at the measurement point.
    pub payload_bytes: u64,
    /// Heap bytes held by the cache (payload included), measured by a counting allocator.
    pub heap_bytes: u64,
    /// Entries held at the measurement point.
    pub entries: u64,
    /// `(heap_bytes - payload_bytes) / payload_bytes * 100`; `null` with no payload (a
    /// percentage of nothing is undefined, not 0 %). Required in the file, even when null.
    #[serde(deserialize_with = "Option::deserialize")]
    pub overhead_pct: Option<f64>,
    /// Overhead per entry in bytes; `null` with no entries.
    #[serde(deserialize_with = "Option::deserialize")]
    pub overhead_per_entry: Option<f64>,
}

impl MemoryReport {
    /// The figures for `heap` bytes held for `payload` bytes in `entries` entries.
    ///
    /// ```
    /// let m = reports::results::MemoryReport::new(1000, 1100, 10);
    /// assert_eq!(m.overhead_pct, Some(10.0));
    /// assert_eq!(reports::results::MemoryReport::new(0, 4096, 0).overhead_pct, None);
    /// ```
    pub fn new(payload: u64, heap: u64, entries: u64) -> Self {
        let extra = heap as f64 - payload as f64;
        Self {
            payload_bytes: payload,
            heap_bytes: heap,
            entries,
            overhead_pct: (payload > 0 && heap > 0).then(|| extra * 100.0 / payload as f64),
            overhead_per_entry: (entries > 0 && heap > 0).then(|| extra / entries as f64),
        }
    }
}

impl ResultsFile {
    /// Brings a version-1 file to this version: a memory report of zeros (not measured) becomes
    /// absent, and an overhead of zero payload becomes undefined.
    pub fn upgrade_v1(&mut self) {
        for run in &mut self.runs {
            run.memory = run
                .memory
                .filter(|m| m.heap_bytes > 0)
                .map(|m| MemoryReport::new(m.payload_bytes, m.heap_bytes, m.entries));
        }
        self.schema_version = SCHEMA_VERSION;
    }
}

/// One of the seed's claims checked against this run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimVerdict {
    /// The claim as stated, e.g. "70 % hit rate -> 3.1x".
    pub claim: String,
    /// Hit rate the claim is about (0..=1).
    pub claimed_hit_rate: f64,
    /// Speedup the claim states.
    pub claimed_speedup: f64,
    /// S = t_miss / (h t_hit + (1-h) t_miss) at this run's achieved hit rate.
    pub analytic_at_achieved: f64,
    /// S at the claim's own hit rate with this run's costs.
    pub analytic_at_claimed: f64,
    /// This run's simulated speedup, when the run is the claim's scenario.
    pub simulated: Option<f64>,
    /// Whether the claim holds for this run (None when the run does not test it).
    pub holds: Option<bool>,
    /// One plain sentence explaining the verdict.
    pub note: String,
}

/// One window of the trace.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowPoint {
    /// Requests replayed up to the end of this window.
    pub requests: u64,
    /// Virtual time (cached side) at the end of the window, seconds.
    pub time_s: f64,
    /// Hit rate within the window.
    pub window_hit_rate: f64,
    /// Hit rate from the start up to the end of the window.
    pub cumulative_hit_rate: f64,
    /// Entries held at the end of the window.
    pub entries: u64,
    /// Payload (weight) bytes held at the end of the window.
    pub payload_bytes: u64,
    /// Measured heap bytes of the cache at the end of the window, when measured.
    pub heap_bytes: Option<u64>,
}

/// How fast the simulation ran (wall clock).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplaySpeed {
    /// Wall-clock seconds of the cached replay.
    pub wall_s: f64,
    /// Requests per wall-clock second.
    pub requests_per_s: f64,
    /// CPU seconds of the cached replay (process CPU-time clock, nanosecond resolution), when
    /// the platform reports it: unlike the wall clock, not inflated by other processes on a
    /// shared machine.
    #[serde(default)]
    pub cpu_s: Option<f64>,
}

/// A live replay (real tasks, real sleeps scaled by `time_scale`) beside the simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveComparison {
    /// "in-process" (`--live`) or the target URL (`--target`).
    pub mode: String,
    /// Real seconds per virtual second of generation cost.
    pub time_scale: f64,
    /// Wall-clock seconds of the live baseline replay, rescaled to virtual seconds.
    pub baseline_s: f64,
    /// Wall-clock seconds of the live cached replay, rescaled to virtual seconds.
    pub cached_s: f64,
    /// Live speedup.
    pub speedup: f64,
    /// Live hits.
    pub hits: u64,
    /// Live hit rate.
    pub hit_rate: f64,
    /// Live generations.
    pub generations: u64,
    /// (live speedup - simulated speedup) / simulated speedup * 100.
    pub speedup_diff_pct: f64,
    /// live hits - simulated hits.
    pub hit_diff: i64,
}
