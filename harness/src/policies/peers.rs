//! The crates users would pick instead of gencache, replayed through the same engine at the
//! same budget: `moka` (sync; W-TinyLFU admission + LRU/window), `quick_cache` (unsync;
//! CLOCK-PRO-like) and `lru` (exact LRU, entries only).
//!
//! - moka: its maintenance (admission, eviction) runs on later operations, so
//!   `run_pending_tasks()` runs after every operation: counts are repeatable and the budget
//!   holds at every step. The weigher is the result size, clamped to `u32::MAX` (moka's weights
//!   are `u32`).
//! - quick_cache: a weigher of the result size (`u64`); with an entry budget, unit weights.
//! - lru: no weigher at all, so it takes an entry budget only; a byte budget is refused.
//!
//! None models TTL in virtual time (moka's expiry uses its own clock): a TTL is refused.

use super::reference::Budget;
use crate::engine::{AllocationFailed, Occupancy, SimCache};
use gencache::CacheStats;
use std::num::NonZeroUsize;

/// Counters every peer adapter keeps for itself (the crates do not report evictions).
#[derive(Debug, Default)]
struct Counters {
    stats: CacheStats,
    bytes: u64,
}

impl Counters {
    fn lookup(&mut self, hit: bool) -> bool {
        if hit {
            self.stats.hits += 1;
        } else {
            self.stats.misses += 1;
        }
        hit
    }

    fn finish(&self, entries: u64, bytes: u64, by_bytes: bool) -> CacheStats {
        let mut s = self.stats;
        s.entries = entries;
        s.bytes = bytes;
        // Nothing leaves these caches but by eviction (no TTL, no removal).
        let evicted = s.inserts.saturating_sub(entries);
        if by_bytes {
            s.evictions.capacity_bytes = evicted;
        } else {
            s.evictions.capacity_entries = evicted;
        }
        s
    }
}

/// moka's `sync::Cache`, maintenance run after every operation.
pub struct MokaSim {
    cache: moka::sync::Cache<u64, u64>,
    by_bytes: bool,
    counters: Counters,
}

impl MokaSim {
    /// A moka cache with this budget.
    pub fn new(budget: Budget) -> Self {
        let builder = moka::sync::Cache::builder().max_capacity(budget.capacity);
        let cache = if budget.by_bytes {
            builder
                .weigher(|_key: &u64, size: &u64| u32::try_from(*size).unwrap_or(u32::MAX))
                .build()
        } else {
            builder.build()
        };
        Self {
            cache,
            by_bytes: budget.by_bytes,
            counters: Counters::default(),
        }
    }
}

impl SimCache for MokaSim {
    fn enabled(&self) -> bool {
        true
    }
    fn lookup(&mut self, key: u64, _now_ns: u64) -> bool {
        let hit = self.cache.get(&key).is_some();
        self.cache.run_pending_tasks();
        self.counters.lookup(hit)
    }
    fn insert(
        &mut self,
        key: u64,
        size: u64,
        _cost_ns: u64,
        _now_ns: u64,
    ) -> Result<(), AllocationFailed> {
        self.cache.insert(key, size);
        self.cache.run_pending_tasks();
        self.counters.stats.inserts += 1;
        let entries = self.cache.entry_count();
        self.counters.stats.peak_entries = self.counters.stats.peak_entries.max(entries);
        Ok(())
    }
    fn occupancy(&self) -> Occupancy {
        Occupancy {
            entries: self.cache.entry_count(),
            payload_bytes: if self.by_bytes {
                self.cache.weighted_size()
            } else {
                self.cache.iter().map(|(_, size)| size).sum()
            },
            heap_bytes: None,
        }
    }
    fn stats(&self) -> CacheStats {
        let o = self.occupancy();
        self.counters
            .finish(o.entries, o.payload_bytes, self.by_bytes)
    }
}

/// The result size as quick_cache's weight.
#[derive(Debug, Clone, Copy)]
pub struct SizeWeighter;

impl quick_cache::Weighter<u64, u64> for SizeWeighter {
    fn weight(&self, _key: &u64, size: &u64) -> u64 {
        *size
    }
}

enum Quick {
    Entries(quick_cache::unsync::Cache<u64, u64>),
    Bytes(quick_cache::unsync::Cache<u64, u64, SizeWeighter>),
}

/// quick_cache's single-threaded cache.
pub struct QuickCacheSim {
    cache: Quick,
    by_bytes: bool,
    counters: Counters,
}

impl QuickCacheSim {
    /// A quick_cache with this budget (`estimated_items` sizes its table for a byte budget).
    pub fn new(budget: Budget, estimated_items: usize) -> Self {
        let cache = if budget.by_bytes {
            Quick::Bytes(quick_cache::unsync::Cache::with_weighter(
                estimated_items.max(1),
                budget.capacity,
                SizeWeighter,
            ))
        } else {
            let items = usize::try_from(budget.capacity).unwrap_or(usize::MAX);
            Quick::Entries(quick_cache::unsync::Cache::new(items))
        };
        Self {
            cache,
            by_bytes: budget.by_bytes,
            counters: Counters::default(),
        }
    }
}

impl SimCache for QuickCacheSim {
    fn enabled(&self) -> bool {
        true
    }
    fn lookup(&mut self, key: u64, _now_ns: u64) -> bool {
        let hit = match &self.cache {
            Quick::Entries(c) => c.get(&key).is_some(),
            Quick::Bytes(c) => c.get(&key).is_some(),
        };
        self.counters.lookup(hit)
    }
    fn insert(
        &mut self,
        key: u64,
        size: u64,
        _cost_ns: u64,
        _now_ns: u64,
    ) -> Result<(), AllocationFailed> {
        match &mut self.cache {
            Quick::Entries(c) => c.insert(key, size),
            Quick::Bytes(c) => c.insert(key, size),
        }
        self.counters.stats.inserts += 1;
        let entries = self.occupancy().entries;
        self.counters.stats.peak_entries = self.counters.stats.peak_entries.max(entries);
        Ok(())
    }
    fn occupancy(&self) -> Occupancy {
        let (entries, bytes) = match &self.cache {
            Quick::Entries(c) => (c.len() as u64, c.iter().map(|(_, s)| *s).sum()),
            Quick::Bytes(c) => (c.len() as u64, c.weight()),
        };
        Occupancy {
            entries,
            payload_bytes: bytes,
            heap_bytes: None,
        }
    }
    fn stats(&self) -> CacheStats {
        let o = self.occupancy();
        self.counters
            .finish(o.entries, o.payload_bytes, self.by_bytes)
    }
}

/// The `lru` crate: exact LRU by entry count (no weigher: byte budgets are refused).
pub struct LruCrateSim {
    cache: lru::LruCache<u64, u64>,
    /// A zero budget (the crate has no empty capacity): every insert is refused.
    holds_nothing: bool,
    counters: Counters,
}

impl LruCrateSim {
    /// An `lru::LruCache` of `capacity` entries (`u64::MAX`: unbounded; 0 holds nothing).
    pub fn new(capacity: u64) -> Self {
        let cache = match usize::try_from(capacity).ok().and_then(NonZeroUsize::new) {
            _ if capacity == u64::MAX => lru::LruCache::unbounded(),
            Some(n) => lru::LruCache::new(n),
            None => lru::LruCache::new(NonZeroUsize::MIN),
        };
        Self {
            cache,
            holds_nothing: capacity == 0,
            counters: Counters::default(),
        }
    }
}

impl SimCache for LruCrateSim {
    fn enabled(&self) -> bool {
        true
    }
    fn lookup(&mut self, key: u64, _now_ns: u64) -> bool {
        let hit = self.cache.get(&key).is_some();
        self.counters.lookup(hit)
    }
    fn insert(
        &mut self,
        key: u64,
        size: u64,
        _cost_ns: u64,
        _now_ns: u64,
    ) -> Result<(), AllocationFailed> {
        if self.holds_nothing {
            self.counters.stats.refused_too_large += 1;
            return Ok(());
        }
        if let Some((_, old)) = self.cache.push(key, size) {
            self.counters.bytes -= old;
        }
        self.counters.bytes += size;
        self.counters.stats.inserts += 1;
        let entries = self.cache.len() as u64;
        self.counters.stats.peak_entries = self.counters.stats.peak_entries.max(entries);
        Ok(())
    }
    fn occupancy(&self) -> Occupancy {
        Occupancy {
            entries: self.cache.len() as u64,
            payload_bytes: self.counters.bytes,
            heap_bytes: None,
        }
    }
    fn stats(&self) -> CacheStats {
        self.counters
            .finish(self.cache.len() as u64, self.counters.bytes, false)
    }
}
