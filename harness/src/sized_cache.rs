//! The one constructor of the size-weighted cache every replay uses: the simulation's caches
//! (single-threaded core and thread-safe memory pass), the live replay and `harness serve`.
//!
//! An entry weighs exactly the size of the generated result it holds (the key and the slot are
//! not charged), so a byte budget means "this many bytes of results", the same in every mode.

use gencache::{CacheBuilder, CacheConfig, Clock, Weigher};
use std::sync::Arc;

/// A cached value whose weight is the size of the generated result it stands for.
pub trait ResultSize {
    /// Bytes charged against the byte budget.
    fn result_size(&self) -> usize;
}

/// The simulation and the live replay cache the result's size itself (no bytes).
impl ResultSize for u64 {
    fn result_size(&self) -> usize {
        usize::try_from(*self).unwrap_or(usize::MAX)
    }
}

/// The memory pass holds real zeroed payloads.
impl ResultSize for Arc<Vec<u8>> {
    fn result_size(&self) -> usize {
        self.len()
    }
}

/// `harness serve` holds shared payload bytes.
impl ResultSize for Arc<[u8]> {
    fn result_size(&self) -> usize {
        self.len()
    }
}

/// Weighs an entry by its value's [`ResultSize`].
#[derive(Debug, Clone, Copy, Default)]
pub struct BySize;

impl<K, V: ResultSize> Weigher<K, V> for BySize {
    #[inline]
    fn weigh(&self, _key: &K, value: &V) -> usize {
        value.result_size()
    }
}

/// A cache builder with these bounds, on this clock, weighing entries by result size. Call
/// `.build()` (thread-safe) or `.build_unsync()` (single-threaded core).
///
/// ```
/// use gencache::{CacheConfig, ManualClock};
/// use harness::sized_cache::sized_cache;
///
/// let config = CacheConfig { max_entries: None, max_bytes: Some(100), default_ttl: None };
/// let cache = sized_cache::<u64, u64>(config, ManualClock::new()).build();
/// cache.insert(1, 60);
/// cache.insert(2, 60); // 120 bytes > 100: key 1 is evicted
/// assert_eq!(cache.weight(), 60);
/// ```
pub fn sized_cache<K, V: ResultSize>(
    config: CacheConfig,
    clock: impl Clock,
) -> CacheBuilder<K, V, BySize> {
    CacheBuilder::new()
        .config(config)
        .clock(clock)
        .weigher(BySize)
}
