//! Small public types shared by the thread-safe cache and the single-threaded core.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What an insert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InsertOutcome {
    /// A new key was stored.
    Inserted,
    /// The key existed; its value (and weight, TTL) were replaced.
    Updated,
    /// The entry cannot fit the cache's bounds on its own: nothing was stored, nothing was
    /// evicted, a previous value of the key was dropped, and `refused_too_large` was counted.
    ///
    /// Two causes: the entry alone is heavier than `max_bytes` (then `weight > max_bytes`), or
    /// `max_entries` is 0 (the cache holds nothing). In the latter case `max_bytes` is the
    /// configured byte budget, or `u64::MAX` when there is none, and `weight <= max_bytes` is
    /// possible: tell the causes apart with `weight > max_bytes`.
    ///
    /// [`Policy::S3Fifo`](crate::Policy::S3Fifo) also refuses a new entry its small queue cannot
    /// take (libCacheSim's admission, see the [crate documentation](crate#policies)); `max_bytes`
    /// is then the small queue's byte size, and an entry exactly that large is refused after the
    /// evictions that made room for it.
    Refused {
        /// The entry's weight in bytes.
        weight: u64,
        /// The byte budget (`u64::MAX` if unbounded); exceeded by `weight` unless the refusal is
        /// due to `max_entries == 0`.
        max_bytes: u64,
    },
    /// The entry's TTL was zero (or rounded to 0 ns): it would be expired on arrival, so it was
    /// not stored ("do not cache") and nothing was evicted for it. A previous value of the key
    /// was dropped (counted in `evictions.removed`), as for a refusal.
    AlreadyExpired,
}

/// How a `get_or_*` / `load*` call obtained its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LoadStatus {
    /// Found in the cache.
    Hit,
    /// This caller ran the computation.
    Loaded,
    /// Another caller's concurrent computation for the same key served this caller.
    Joined,
}

/// A value together with how it was obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded<V> {
    /// The value.
    pub value: V,
    /// Hit, loaded by this caller, or joined another caller's load.
    pub status: LoadStatus,
}

/// Options of one single-flight load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    pub(crate) ttl: Option<Option<Duration>>,
}

impl LoadOptions {
    /// Store the loaded value with this TTL instead of the cache's default (`None` = never expire).
    pub fn ttl(mut self, ttl: Option<Duration>) -> Self {
        self.ttl = Some(ttl);
        self
    }
}

/// One entry of a listing (`Cache::entries`), for management views.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryInfo<K> {
    /// The key.
    pub key: K,
    /// Weight in bytes.
    pub weight: u64,
    /// Time since the entry was inserted (or last updated).
    pub age: Duration,
    /// Time since the entry was last read or written.
    pub idle: Duration,
    /// Number of hits on this entry since it was inserted (saturating at 16,777,215).
    pub access_count: u64,
    /// Time left before it expires; `None` = never.
    pub expires_in: Option<Duration>,
    /// What producing the value cost (measured by the loading paths on the cache's clock, or
    /// given to `insert_with_cost`); `None` = not known (a plain `insert`).
    pub cost: Option<Duration>,
}
