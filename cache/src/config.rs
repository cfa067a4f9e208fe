//! Runtime-adjustable bounds of a cache.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The default time-to-live of a new cache: 24 hours (the seed cache's default).
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// The bounds a cache enforces. `None` means "no limit" (or, for `default_ttl`, "never expires").
///
/// Read with `Cache::config`, changed at runtime with `Cache::reconfigure` (shrinking evicts at once,
/// in the policy's eviction order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheConfig {
    /// Maximum number of entries.
    pub max_entries: Option<usize>,
    /// Maximum total weight in bytes (see [`crate::Weigh`]).
    pub max_bytes: Option<u64>,
    /// Time-to-live given to entries inserted without an explicit one.
    pub default_ttl: Option<Duration>,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            max_entries: None,
            max_bytes: None,
            default_ttl: Some(DEFAULT_TTL),
        }
    }
}
