//! The single-threaded core: exact LRU, byte budget, TTL with an expiry queue, statistics.
//!
//! CONTRACT: signatures are fixed; bodies to be implemented.
#![allow(unused_variables)]

use crate::{CacheBuilder, CacheConfig, CacheStats, EntryInfo, InsertOutcome, Weigher};
use std::borrow::Borrow;
use std::hash::Hash;
use std::marker::PhantomData;
use std::time::Duration;

/// A single-threaded exact-LRU cache (`&mut self`). [`crate::Cache`] is built from these.
pub struct Cache<K, V> {
    _todo: PhantomData<(K, V)>,
}

impl<K, V, W> CacheBuilder<K, V, W>
where
    K: Hash + Eq + Clone,
    V: Clone,
    W: Weigher<K, V>,
{
    /// Builds the single-threaded core.
    pub fn build_unsync(self) -> Cache<K, V> {
        todo!()
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Cache<K, V> {
    /// Returns a clone of the live value and marks it most recently used (counts a hit or a miss).
    pub fn get<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        todo!()
    }
    /// Like `get` but no recency update and no statistics.
    pub fn peek<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        todo!()
    }
    /// Whether a live entry exists (no recency update, no statistics).
    pub fn contains<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        todo!()
    }
    /// Inserts with the default TTL.
    pub fn insert(&mut self, key: K, value: V) -> InsertOutcome {
        todo!()
    }
    /// Inserts with an explicit TTL (`None` = never expires).
    pub fn insert_with_ttl(&mut self, key: K, value: V, ttl: Option<Duration>) -> InsertOutcome {
        todo!()
    }
    /// Removes the entry, returning its value if it was live.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        todo!()
    }
    /// Removes every entry.
    pub fn clear(&mut self) {
        todo!()
    }
    /// Number of entries held (may include expired entries not yet reclaimed).
    pub fn len(&self) -> usize {
        todo!()
    }
    /// `len() == 0`.
    pub fn is_empty(&self) -> bool {
        todo!()
    }
    /// Total weight in bytes of the entries held.
    pub fn weight(&self) -> u64 {
        todo!()
    }
    /// Statistics snapshot.
    pub fn stats(&self) -> CacheStats {
        todo!()
    }
    /// Resets counters (not current bytes/entries).
    pub fn reset_stats(&mut self) {
        todo!()
    }
    /// Current bounds.
    pub fn config(&self) -> CacheConfig {
        todo!()
    }
    /// Changes bounds; shrinking evicts at once in LRU order.
    pub fn reconfigure(&mut self, config: CacheConfig) {
        todo!()
    }
    /// Reclaims every expired entry now.
    pub fn purge_expired(&mut self) -> usize {
        todo!()
    }
    /// Entries from most to least recently used, `offset`..`offset + limit`.
    pub fn entries(&self, offset: usize, limit: usize) -> Vec<EntryInfo<K>> {
        todo!()
    }
}
