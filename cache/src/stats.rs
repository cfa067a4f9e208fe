//! Counters a cache keeps, and the snapshot type `stats()` returns.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Why entries left the cache (other than being replaced by an update of the same key).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evictions {
    /// Evicted (LRU) to respect `max_entries`.
    pub capacity_entries: u64,
    /// Evicted (LRU) to respect `max_bytes`.
    pub capacity_bytes: u64,
    /// Dropped because their TTL had passed (on lookup or by the expiry queue).
    pub expired: u64,
    /// Removed by an explicit `remove`.
    pub removed: u64,
    /// Dropped by `clear`.
    pub cleared: u64,
}

impl Evictions {
    /// Sum over all causes.
    pub fn total(&self) -> u64 {
        self.capacity_entries + self.capacity_bytes + self.expired + self.removed + self.cleared
    }
}

/// A point-in-time snapshot of a cache's statistics. Cheap to take; serializable.
///
/// Counters run from construction or the last `reset_stats()`; `bytes` and `entries` are current
/// values and are never reset; the peaks restart from the current values on reset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheStats {
    /// Lookups (`get`, and the lookup step of `get_or_*`) that found a live entry.
    pub hits: u64,
    /// Lookups that found nothing, or only an expired entry.
    pub misses: u64,
    /// New keys stored.
    pub inserts: u64,
    /// Existing keys whose value was replaced.
    pub updates: u64,
    /// Entries that left the cache, by cause.
    pub evictions: Evictions,
    /// Inserts refused ([`crate::InsertOutcome::Refused`]) because the entry alone is heavier
    /// than `max_bytes`, **or** because `max_entries` is 0 (a cache configured to hold nothing
    /// refuses every insert and counts each one here). Inserts with a zero TTL are not counted.
    pub refused_too_large: u64,
    /// Current total weight in bytes.
    pub bytes: u64,
    /// Current number of entries.
    pub entries: u64,
    /// Highest `bytes` seen.
    pub peak_bytes: u64,
    /// Highest `entries` seen.
    pub peak_entries: u64,
    /// Sum of the costs of the entries the hits returned: the generator time the cache saved
    /// (entries without a known cost count 0).
    pub cost_saved: Duration,
    /// Single-flight loads that ran a computation.
    pub loads_started: u64,
    /// Callers served by a load another caller ran.
    pub loads_joined: u64,
    /// Loads whose computation returned an error (or panicked, or was cancelled).
    pub load_failures: u64,
}

impl CacheStats {
    /// `hits + misses`.
    pub fn lookups(&self) -> u64 {
        self.hits + self.misses
    }

    /// `hits / (hits + misses)`, or 0 when there were no lookups. Derived, never stored.
    pub fn hit_rate(&self) -> f64 {
        let n = self.lookups();
        if n == 0 {
            0.0
        } else {
            self.hits as f64 / n as f64
        }
    }
}
