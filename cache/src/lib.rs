//! gencache: a thread-safe exact-LRU result cache for expensive generators.
//!
//! (Crate documentation: policy, concurrency model, memory cost formula — to be written.)
#![warn(missing_docs)]

mod builder;
mod clock;
mod config;
mod stats;
mod sync;
mod types;
pub mod unsync;
mod weigh;

pub use builder::CacheBuilder;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{CacheConfig, DEFAULT_TTL};
pub use stats::{CacheStats, Evictions};
pub use sync::Cache;
pub use types::{EntryInfo, InsertOutcome, LoadOptions, LoadStatus, Loaded};
pub use weigh::{Weigh, WeighBoth, Weigher};

#[cfg(feature = "macros")]
pub use gencache_macros::memoize;
