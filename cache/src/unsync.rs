//! The single-threaded core: the eviction policy (exact LRU, S3-FIFO, SIEVE, GDSF), byte budget,
//! TTL with an expiry queue, statistics.
//!
//! Layout: an index of `u32` slot indices in [`hashbrown::HashTable`]s, split for the entry bound
//! (`index`; the key is stored once, in the slot), a dense slab of 40-byte-overhead slots threaded
//! on a doubly-linked recency list whose links live in an array beside the slots (`linked_slab`;
//! for GDSF kept in heap order instead,
//! `priority_heap`), an indexed deadline queue (`expiry`: an
//! intrusive FIFO for in-order deadlines plus a min-heap for the rest), and the TTL classes from
//! which each entry's insertion time follows (`inserted`). Inserting, the one write path every
//! insert form takes, lives in `insert`, the policies' placement and eviction in `evict`. Every
//! operation is O(1), except that entries whose deadline arrives out of order (a shorter per-entry
//! TTL) cost O(log n) in the heap, as GDSF's priority changes do.
//!
//! ```
//! use gencache::{CacheBuilder, ManualClock};
//! use std::time::Duration;
//!
//! let clock = ManualClock::new();
//! let mut cache = CacheBuilder::<u64, String>::new()
//!     .max_entries(2)
//!     .default_ttl(Some(Duration::from_secs(60)))
//!     .clock(clock.clone())
//!     .build_unsync();
//! cache.insert(1, "one".to_string());
//! cache.insert(2, "two".to_string());
//! assert_eq!(cache.get(&1).as_deref(), Some("one")); // 1 is now most recently used
//! cache.insert(3, "three".to_string()); // evicts 2, the least recently used
//! assert!(!cache.contains(&2));
//! clock.advance(Duration::from_secs(60)); // expiry is exactly at inserted_at + ttl
//! assert_eq!(cache.get(&1), None);
//! assert_eq!(cache.stats().hits, 1);
//! ```

use crate::clock::CacheClock;
use crate::expiry::ExpiryQueue;
#[cfg(all(test, not(loom)))]
use crate::linked_slab::NEVER;
use crate::linked_slab::{HEAVY, LinkedSlab, NIL, Slot, UNKNOWN_COST};
use crate::{CacheBuilder, CacheConfig, CacheStats, Policy, Weigher};
use hashbrown::{DefaultHashBuilder, HashMap};
use std::borrow::Borrow;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;
use std::time::Duration;

mod evict;
mod ghost;
mod index;
mod insert;
mod inserted;
mod listing;
mod priority_heap;
mod stamps;
#[cfg(all(test, not(loom)))]
mod tests;

pub(crate) use listing::ListCursor;

/// The entry weigher, type-erased (a closure rather than `dyn Weigher` so that `K` and `V` need
/// not be `'static`).
/// Shared so that the thread-safe cache can weigh an entry before taking its lock.
pub(crate) type WeighFn<K, V> = Arc<dyn Fn(&K, &V) -> usize + Send + Sync>;

/// Erases a weigher's type.
pub(crate) fn weigh_fn<K, V, W: Weigher<K, V>>(weigher: W) -> WeighFn<K, V> {
    Arc::new(move |k: &K, v: &V| weigher.weigh(k, v))
}

/// The largest number of entries the core holds (indices are `u32`, `NIL` is reserved).
const MAX_SLOTS: usize = (NIL - 1) as usize;

/// A cost as stored in a slot: nanoseconds as `f32`, or `UNKNOWN_COST`.
pub(crate) fn cost_of(cost: Option<Duration>) -> f32 {
    cost.map_or(UNKNOWN_COST, |c| nanos(c) as f32)
}

/// What a hit under a shared lock found (`Cache::get_shared`).
pub(crate) enum SharedLookup<V> {
    /// A live entry: its value and its cost (`UNKNOWN_COST` if none).
    Hit(V, f32),
    /// No live entry (an expired one is left for the expiry queue to reclaim on the next write).
    Miss,
}

/// A single-threaded cache (`&mut self`), exact LRU unless another [`Policy`] is chosen.
/// [`crate::Cache`] is built from these.
///
/// See the [crate documentation](crate) for the policy; the short version: `get` and `insert` make
/// an entry most recently used, the least recently used entries are evicted to respect
/// `max_entries` then `max_bytes`, an entry is expired once `now >= inserted_at + ttl`, and expired
/// entries are never returned.
pub struct Cache<K, V> {
    index: index::Index,
    slab: LinkedSlab<K, V>,
    expiry: ExpiryQueue,
    /// The TTL classes that give each entry's insertion time.
    inserted: inserted::InsertTimes,
    /// Exact weights of the (rare) entries weighing `u32::MAX` bytes or more, by slot index.
    heavy: HashMap<u32, u64>,
    hasher: DefaultHashBuilder,
    weigher: WeighFn<K, V>,
    clock: CacheClock,
    config: CacheConfig,
    bytes: u64,
    counters: Counters,
    policy: Policy,
    /// State of the policies other than LRU (`evict`).
    state: evict::PolicyState,
}

/// Counters that `reset_stats` zeroes (peaks restart from the current values).
#[derive(Debug, Default, Clone, Copy)]
struct Counters {
    hits: u64,
    misses: u64,
    inserts: u64,
    updates: u64,
    evictions: crate::Evictions,
    refused_too_large: u64,
    peak_bytes: u64,
    peak_entries: u64,
    /// Sum of the known costs of the hits, in nanoseconds.
    cost_saved_nanos: u64,
}

/// Why an entry leaves the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    CapacityEntries,
    CapacityBytes,
    Expired,
    Removed,
}

/// A duration in whole nanoseconds, saturating (584 years).
pub(crate) fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

const NANOS_PER_SEC: u64 = 1_000_000_000;

#[inline]
pub(crate) fn secs_u32(nanos: u64) -> u32 {
    u32::try_from(nanos / NANOS_PER_SEC).unwrap_or(u32::MAX)
}

impl<K, V, W> CacheBuilder<K, V, W>
where
    K: Hash + Eq + Clone,
    V: Clone,
    W: Weigher<K, V>,
{
    /// Builds the single-threaded core.
    pub fn build_unsync(self) -> Cache<K, V> {
        Cache::with_parts(
            self.config,
            self.policy,
            self.clock,
            weigh_fn(self.weigher),
            DefaultHashBuilder::default(),
        )
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Cache<K, V> {
    pub(crate) fn with_parts(
        config: CacheConfig,
        policy: Policy,
        clock: CacheClock,
        weigher: WeighFn<K, V>,
        hasher: DefaultHashBuilder,
    ) -> Self {
        let mut slab = if policy == Policy::CostAware {
            LinkedSlab::unlinked()
        } else {
            LinkedSlab::new()
        };
        slab.set_growth_cap(evict::growth_cap(policy, config.max_entries));
        let mut cache = Self {
            index: index::Index::new(),
            slab,
            expiry: ExpiryQueue::new(),
            inserted: inserted::InsertTimes::default(),
            heavy: HashMap::new(),
            hasher,
            weigher,
            clock,
            config,
            bytes: 0,
            counters: Counters::default(),
            policy,
            state: evict::PolicyState::new(),
        };
        cache.policy_reconfigured();
        cache.shape_index();
        cache
    }

    /// Splits the key index for the entry bound (see `index`).
    fn shape_index(&mut self) {
        let slots = self.slab.slots();
        let hasher = &self.hasher;
        self.index.shape_for(
            evict::growth_cap(self.policy, self.config.max_entries),
            |&j| hasher.hash_one(&slots[j as usize].key),
        );
    }

    /// The eviction policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The hash the table uses for `key`.
    #[inline]
    pub(crate) fn hash_of<Q: Hash + ?Sized>(&self, key: &Q) -> u64 {
        self.hasher.hash_one(key)
    }

    #[inline]
    fn now_nanos(&self) -> u64 {
        self.clock.now_nanos()
    }

    #[inline]
    fn find<Q>(&self, hash: u64, key: &Q) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let slots = self.slab.slots();
        self.index
            .find(hash, |&i| slots[i as usize].key.borrow() == key)
    }

    fn slot_weight(&self, i: u32) -> u64 {
        match self.slab.cold(i).weight {
            HEAVY => self.heavy.get(&i).copied().unwrap_or(u64::from(HEAVY)),
            w => u64::from(w),
        }
    }

    fn set_slot_weight(&mut self, i: u32, weight: u64) {
        match u32::try_from(weight) {
            Ok(w) if w != HEAVY => {
                // Only a slot that was heavy has a side-table entry: skip the hash-map probe on
                // every ordinary insert.
                let cold = self.slab.cold_mut(i);
                let was_heavy = cold.weight == HEAVY;
                cold.weight = w;
                if was_heavy {
                    self.heavy.remove(&i);
                }
            }
            _ => {
                self.slab.cold_mut(i).weight = HEAVY;
                self.heavy.insert(i, weight);
            }
        }
    }

    /// Returns a clone of the live value and marks it most recently used (counts a hit or a miss).
    ///
    /// An expired entry found here is dropped at once (counted in `evictions.expired`) and the
    /// lookup counts as a miss.
    #[inline]
    pub fn get<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash_of(key);
        self.get_hashed(hash, key)
    }

    /// `get` with the hash computed by the caller.
    ///
    /// A found entry's deadline is checked against the clock's recent time, the exact time only
    /// near the deadline (`CacheClock::alive`).
    #[inline]
    pub(crate) fn get_hashed<Q>(&mut self, hash: u64, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let Some(i) = self.find(hash, key) else {
            self.counters.misses += 1;
            return None;
        };
        let recent = self.clock.recent_nanos();
        let slot = self.slab.get(i);
        if !self.clock.alive_given_bound(
            slot.expires_at_or_before(),
            || self.slab.expires_at(i),
            recent,
        ) {
            self.remove_index(i, hash, Cause::Expired);
            self.counters.misses += 1;
            return None;
        }
        self.counters.hits += 1;
        // The recent time may lag the exact second of the entry's last write: never go back.
        let secs = secs_u32(recent).max(self.accessed_secs(i));
        let slot = self.slab.get_mut(i);
        slot.add_hit();
        // For `CostAware` the field then holds this second until `on_hit` stamps it.
        slot.accessed_secs.set(secs);
        if slot.cost >= 0.0 {
            self.counters.cost_saved_nanos += slot.cost as u64;
        }
        let i = self.on_hit(i);
        Some(self.slab.get(i).value.clone())
    }

    /// A hit for the lazy-promotion policies under a *shared* lock: sets the entry's frequency
    /// bits and listing counters with relaxed atomics, moves nothing, counts nothing (the
    /// thread-safe cache keeps those counters). An expired entry is a miss and is left for the
    /// expiry queue, drained on the next write.
    #[inline]
    pub(crate) fn get_shared<Q>(&self, hash: u64, key: &Q) -> SharedLookup<V>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        debug_assert!(self.policy.lazy_promotion());
        let Some(i) = self.find(hash, key) else {
            return SharedLookup::Miss;
        };
        let slot = self.slab.get(i);
        let recent = self.clock.recent_nanos();
        if !self.clock.alive_given_bound(
            slot.expires_at_or_before(),
            || self.slab.expires_at(i),
            recent,
        ) {
            return SharedLookup::Miss;
        }
        // Write only what changes, so that hot entries' cache lines stay shared between cores as
        // far as they can: the hit count and frequency share one word, one store per hit.
        slot.touch_shared(evict::freq_cap(self.policy));
        // Stamp the second only if it is past the stamped one: `<`, not `!=`, since the recent
        // time may lag the insert's exact second. Compared in nanoseconds (a multiplication), so
        // that the division into seconds happens once per entry and second, not on every hit.
        let accessed = slot.accessed_secs.load();
        if (u64::from(accessed) + 1) * NANOS_PER_SEC <= recent {
            slot.accessed_secs.store(secs_u32(recent));
        }
        SharedLookup::Hit(slot.value.clone(), slot.cost)
    }

    /// Like `get_hashed` (recency update, expired entries dropped) but counts neither hit nor miss:
    /// for a second look whose lookup was already counted.
    pub(crate) fn get_untracked_hashed<Q>(&mut self, hash: u64, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let (hits, misses) = (self.counters.hits, self.counters.misses);
        let found = self.get_hashed(hash, key);
        self.counters.hits = hits;
        self.counters.misses = misses;
        found
    }

    /// Like `get` but no recency update and no statistics.
    pub fn peek<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.peek_hashed(self.hash_of(key), key)
    }

    pub(crate) fn peek_hashed<Q>(&self, hash: u64, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let i = self.find(hash, key)?;
        self.clock
            .alive(self.slab.expires_at(i))
            .then(|| self.slab.get(i).value.clone())
    }

    /// Whether a live entry exists (no recency update, no statistics).
    pub fn contains<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.contains_hashed(self.hash_of(key), key)
    }

    pub(crate) fn contains_hashed<Q>(&self, hash: u64, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.find(hash, key)
            .is_some_and(|i| self.clock.alive(self.slab.expires_at(i)))
    }

    /// The weigher (shared with the thread-safe cache, which weighs before locking).
    pub(crate) fn weigher(&self) -> &WeighFn<K, V> {
        &self.weigher
    }

    /// The clock (shared with the thread-safe cache, which reads it before locking).
    pub(crate) fn clock(&self) -> &CacheClock {
        &self.clock
    }

    /// Removes the entry, returning its value if it was live.
    ///
    /// An expired entry is removed too (counted as expired) but its value is not returned.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash_of(key);
        self.remove_hashed(hash, key)
    }

    pub(crate) fn remove_hashed<Q>(&mut self, hash: u64, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let i = self.find(hash, key)?;
        if !self.clock.alive(self.slab.expires_at(i)) {
            self.remove_index(i, hash, Cause::Expired);
            return None;
        }
        Some(self.remove_index(i, hash, Cause::Removed).value)
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.counters.evictions.cleared += self.slab.len() as u64;
        self.index.clear();
        self.slab.clear();
        self.expiry.clear();
        self.inserted.clear();
        self.heavy.clear();
        self.bytes = 0;
        self.state.clear();
    }

    /// Number of entries held (may include expired entries not yet reclaimed).
    pub fn len(&self) -> usize {
        self.slab.len()
    }

    /// `len() == 0`.
    pub fn is_empty(&self) -> bool {
        self.slab.len() == 0
    }

    /// Total weight in bytes of the entries held.
    pub fn weight(&self) -> u64 {
        self.bytes
    }

    /// Statistics snapshot.
    pub fn stats(&self) -> CacheStats {
        let c = &self.counters;
        CacheStats {
            hits: c.hits,
            misses: c.misses,
            inserts: c.inserts,
            updates: c.updates,
            evictions: c.evictions,
            refused_too_large: c.refused_too_large,
            bytes: self.bytes,
            entries: self.slab.len() as u64,
            peak_bytes: c.peak_bytes,
            peak_entries: c.peak_entries,
            cost_saved: Duration::from_nanos(c.cost_saved_nanos),
            loads_started: 0,
            loads_joined: 0,
            load_failures: 0,
        }
    }

    /// Resets counters (not current bytes/entries; peaks restart from the current values).
    pub fn reset_stats(&mut self) {
        self.counters = Counters {
            peak_bytes: self.bytes,
            peak_entries: self.slab.len() as u64,
            ..Counters::default()
        };
    }

    /// Current bounds.
    pub fn config(&self) -> CacheConfig {
        self.config
    }

    /// Changes bounds; shrinking evicts at once, in the policy's eviction order.
    ///
    /// Expired entries are reclaimed first. A new `default_ttl` applies to later inserts only;
    /// entries already stored keep their deadline.
    pub fn reconfigure(&mut self, config: CacheConfig) {
        self.config = config;
        self.slab
            .set_growth_cap(evict::growth_cap(self.policy, config.max_entries));
        self.policy_reconfigured();
        let now = self.now_nanos();
        self.drain_expired(now);
        self.enforce_bounds();
        self.shape_index();
    }

    /// Reclaims every expired entry now; returns how many.
    pub fn purge_expired(&mut self) -> usize {
        let now = self.now_nanos();
        self.drain_expired(now)
    }

    /// Removes every entry whose deadline has passed; returns how many.
    fn drain_expired(&mut self, now: u64) -> usize {
        let mut n = 0;
        while let Some((i, deadline)) = self.expiry.peek(&self.slab) {
            if deadline > now {
                break;
            }
            let hash = self.hash_of(&self.slab.get(i).key);
            self.remove_index(i, hash, Cause::Expired);
            n += 1;
        }
        n
    }

    /// Removes slot `i` (whose key hashes to `hash`) from every structure and counts `cause`.
    fn remove_index(&mut self, i: u32, hash: u64, cause: Cause) -> Slot<K, V> {
        let weight = self.slot_weight(i);
        self.bytes -= weight;
        self.on_remove(i, weight);
        self.index.remove(hash, i);
        self.expiry.remove(&mut self.slab, i);
        self.inserted.release(self.slab.get(i), i);
        if self.slab.cold(i).weight == HEAVY {
            self.heavy.remove(&i);
        }
        let (removed, moved) = self.slab.swap_remove(i);
        if let Some(from) = moved {
            // The former last slot now lives at `i`: re-point the table, heap and side table.
            let moved_hash = self.hasher.hash_one(&self.slab.get(i).key);
            self.index.repoint(moved_hash, from, i);
            self.expiry.relocate(&mut self.slab, i);
            self.inserted.relocate(self.slab.get(i), from, i);
            if self.slab.cold(i).weight == HEAVY {
                if let Some(w) = self.heavy.remove(&from) {
                    self.heavy.insert(i, w);
                }
            }
            self.on_relocate(from, i);
        }
        let ev = &mut self.counters.evictions;
        match cause {
            Cause::CapacityEntries => ev.capacity_entries += 1,
            Cause::CapacityBytes => ev.capacity_bytes += 1,
            Cause::Expired => ev.expired += 1,
            Cause::Removed => ev.removed += 1,
        }
        removed
    }

    /// Checks every internal invariant (tests only).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn assert_invariants(&self) {
        let n = self.slab.len();
        assert_eq!(self.index.len(), n, "index and slab disagree");
        let mut order: Vec<u32> = self.slab.iter_from(self.slab.head()).collect();
        order.extend(
            self.slab
                .iter_from(self.slab.head_of(crate::linked_slab::SMALL)),
        );
        if self.policy != Policy::CostAware {
            assert_eq!(order.len(), n, "the queues do not cover the slab");
        }
        self.assert_policy_invariants();
        let mut total = 0;
        for (i, slot) in self.slab.slots().iter().enumerate() {
            let i = i as u32;
            assert_eq!(self.find(self.hash_of(&slot.key), &slot.key), Some(i));
            if self.slab.expires_at(i) == NEVER {
                // `exp_prev` holds the insertion second (`inserted`).
                assert_eq!(self.slab.cold(i).exp_next, NIL);
            }
            total += self.slot_weight(i);
        }
        assert_eq!(total, self.bytes, "byte count drifted");
        // The side table holds exactly the heavy slots (set_slot_weight relies on it).
        let n32 = n as u32;
        let heavy_slots = (0..n32)
            .filter(|&i| self.slab.cold(i).weight == HEAVY)
            .count();
        assert_eq!(self.heavy.len(), heavy_slots, "heavy side table drifted");
        for &i in self.heavy.keys() {
            assert_eq!(self.slab.cold(i).weight, HEAVY, "stale heavy entry {i}");
        }
        self.expiry.assert_valid(&self.slab);
        self.inserted.assert_valid(&self.slab);
        let queued = (0..n32)
            .filter(|&i| self.slab.expires_at(i) != NEVER)
            .count();
        assert_eq!(self.expiry.len(&self.slab), queued, "expiry queue size");
        if let Some(max) = self.config.max_entries {
            assert!(n <= max);
        }
        if let Some(max) = self.config.max_bytes {
            assert!(self.bytes <= max);
        }
    }
}

impl<K, V> std::fmt::Debug for Cache<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("unsync::Cache")
            .field("entries", &self.slab.len())
            .field("bytes", &self.bytes)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
