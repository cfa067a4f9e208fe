//! workloads: the trace model, calibrated synthetic generation traces, scenario presets and
//! readers for real trace files. Knows nothing of the harness.
//!
//! * [`Request`] — one request: arrival time, key, output size, generation cost.
//! * [`Workload`] — a TOML workload definition (or a built-in preset, see [`Workload::presets`]);
//!   [`Workload::trace`] streams its requests deterministically from its seed.
//! * A Zipf workload may name a `target_hit_rate`; the exponent that reaches it is found by
//!   `harness calibrate` (which replays through the harness's engine and the real cache) and
//!   stored as `calibrated_exponent`. This crate never calibrates by itself.
//! * [`units`] — one newtype, parser and range per value read from people (TTL, byte budget,
//!   entry bound, time scale, workers, hit cost, costs, sizes), shared by every surface.
//! * [`tracefile`] — the project's CSV (read and write), libCacheSim `oracleGeneral` (plain and
//!   `.zst`), cache2k (`.xz`) and plain-text key lists, streamed.
//!
//! ```
//! use workloads::Workload;
//! let w = Workload::resolve("duplicate").unwrap();
//! let first = w.trace().unwrap().next().unwrap();
//! assert_eq!(first.cost, 124.6);
//! assert!(w.trace().unwrap().all(|r| r.key == first.key));
//! ```
#![warn(missing_docs)]

mod dist;
mod error;
mod generate;
mod keys;
mod load;
mod model;
mod presets;
mod spec;
pub mod tracefile;
pub mod units;

pub use error::WorkloadError;
pub use generate::Trace;
pub use keys::key_for_rank;
pub use load::PresetInfo;
pub use model::Request;
pub use presets::PRESETS_DIR;
pub use spec::{
    Arrival, CacheSpec, CostDist, DEFAULT_COST_S, DEFAULT_HIT_COST_S, DEFAULT_MAX_EXPONENT,
    DEFAULT_TTL_S, KeyPopularity, MAX_BURST_SIZE, MAX_TRACE_SPAN_S, SizeDist, Workload,
};
