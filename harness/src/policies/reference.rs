//! What every reference policy shares: the budget it counts against, the trait a policy
//! implements, and the adapter that turns one into a [`SimCache`] (TTL on lookup, refusal of a
//! result heavier than the whole budget, the statistics the results report).
//!
//! The split follows libCacheSim's `cache_get_base`: a lookup (`find` with update) first; on a
//! miss, the caller (here: the engine, when the generation completes) inserts, and the policy
//! evicts until the new object fits, then inserts it.

use crate::engine::{AllocationFailed, Occupancy, SimCache};
use gencache::CacheStats;
use hashbrown::HashMap;

/// What a policy's capacity counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Count result bytes (`--max-bytes`) rather than entries (`--max-entries`).
    pub by_bytes: bool,
    /// Capacity in that unit (`u64::MAX` = unbounded).
    pub capacity: u64,
}

impl Budget {
    /// An entry budget.
    pub fn entries(n: u64) -> Self {
        Self {
            by_bytes: false,
            capacity: n,
        }
    }

    /// A byte budget.
    pub fn bytes(n: u64) -> Self {
        Self {
            by_bytes: true,
            capacity: n,
        }
    }

    /// What one result of `size` bytes weighs against this budget.
    #[inline]
    pub fn weight(&self, size: u64) -> u64 {
        if self.by_bytes { size } else { 1 }
    }
}

/// One eviction policy, single-threaded, driven as libCacheSim drives its caches.
pub trait Evictor {
    /// `find` with update: true when `key` is cached (and the policy records the hit).
    fn lookup(&mut self, key: u64) -> bool;
    /// Whether `key` is cached, without touching any state.
    fn contains(&self, key: u64) -> bool;
    /// Inserts absent `key` (its weight is at most the capacity), evicting until it fits.
    /// Returns how many entries were evicted.
    fn insert(&mut self, key: u64, size: u64) -> u64;
    /// Drops `key` if cached (expiry). True when it was.
    fn remove(&mut self, key: u64) -> bool;
    /// Entries cached.
    fn entries(&self) -> u64;
    /// Result bytes cached.
    fn payload_bytes(&self) -> u64;
}

/// A reference policy as the engine replays it.
pub struct Reference<P> {
    policy: P,
    budget: Budget,
    ttl_ns: Option<u64>,
    /// Expiry instant per key inserted, when a TTL is set (checked on lookup, as libCacheSim
    /// and gencache both do: an expired entry found by a lookup is a miss and is dropped).
    expires: HashMap<u64, u64>,
    /// The key of the latest operation when it was a missed lookup: its insert needs no check
    /// that the key is absent (the usual case, and the only one with one closed-loop client).
    just_missed: Option<u64>,
    stats: CacheStats,
}

impl<P: Evictor> Reference<P> {
    pub(crate) fn new(policy: P, budget: Budget, ttl_ns: Option<u64>) -> Self {
        Self {
            policy,
            budget,
            ttl_ns,
            expires: HashMap::new(),
            just_missed: None,
            stats: CacheStats::default(),
        }
    }
}

impl<P: Evictor> SimCache for Reference<P> {
    fn enabled(&self) -> bool {
        true
    }

    #[inline]
    fn lookup(&mut self, key: u64, now_ns: u64) -> bool {
        if self.ttl_ns.is_some()
            && let Some(&at) = self.expires.get(&key)
            && now_ns >= at
        {
            self.expires.remove(&key);
            if self.policy.remove(key) {
                self.stats.evictions.expired += 1;
                self.stats.misses += 1;
                self.just_missed = Some(key);
                return false;
            }
        }
        let hit = self.policy.lookup(key);
        if hit {
            self.stats.hits += 1;
            self.just_missed = None;
        } else {
            self.stats.misses += 1;
            self.just_missed = Some(key);
        }
        hit
    }

    #[inline]
    fn insert(
        &mut self,
        key: u64,
        size: u64,
        _cost_ns: u64,
        now_ns: u64,
    ) -> Result<(), AllocationFailed> {
        if self.budget.weight(size) > self.budget.capacity {
            self.stats.refused_too_large += 1;
            return Ok(());
        }
        let absent = self.just_missed.take() == Some(key);
        if !absent && self.policy.contains(key) {
            // A second generation of a cached key (no single-flight): the result is the same.
            self.stats.updates += 1;
            return Ok(());
        }
        let evicted = self.policy.insert(key, size);
        if self.budget.by_bytes {
            self.stats.evictions.capacity_bytes += evicted;
        } else {
            self.stats.evictions.capacity_entries += evicted;
        }
        self.stats.inserts += 1;
        if let Some(ttl) = self.ttl_ns {
            self.expires.insert(key, now_ns.saturating_add(ttl));
        }
        let entries = self.policy.entries();
        let bytes = self.policy.payload_bytes();
        self.stats.peak_entries = self.stats.peak_entries.max(entries);
        self.stats.peak_bytes = self.stats.peak_bytes.max(bytes);
        Ok(())
    }

    fn occupancy(&self) -> Occupancy {
        Occupancy {
            entries: self.policy.entries(),
            payload_bytes: self.policy.payload_bytes(),
            heap_bytes: None,
        }
    }

    fn stats(&self) -> CacheStats {
        let mut stats = self.stats;
        stats.entries = self.policy.entries();
        stats.bytes = self.policy.payload_bytes();
        stats
    }
}
