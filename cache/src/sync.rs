//! The thread-safe cache: shared by reference or cloned as a cheap handle.
//!
//! CONTRACT: signatures are fixed; bodies to be implemented.
#![allow(unused_variables)]

use crate::{
    CacheBuilder, CacheConfig, CacheStats, EntryInfo, InsertOutcome, LoadOptions, Loaded, Weigher,
};
use std::borrow::Borrow;
use std::future::Future;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

/// A thread-safe exact-LRU cache. `Clone` gives another handle to the same cache.
pub struct Cache<K, V> {
    _todo: Arc<PhantomData<(K, V)>>,
}

impl<K, V> Clone for Cache<K, V> {
    fn clone(&self) -> Self {
        Self {
            _todo: Arc::clone(&self._todo),
        }
    }
}

impl<K, V, W> CacheBuilder<K, V, W>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    W: Weigher<K, V>,
{
    /// Builds the thread-safe cache.
    pub fn build(self) -> Cache<K, V> {
        todo!()
    }
}

impl<K, V> Cache<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// A builder with default settings.
    pub fn builder() -> CacheBuilder<K, V> {
        CacheBuilder::new()
    }
    /// See [`crate::unsync::Cache::get`].
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        todo!()
    }
    /// See [`crate::unsync::Cache::peek`].
    pub fn peek<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        todo!()
    }
    /// See [`crate::unsync::Cache::contains`].
    pub fn contains<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        todo!()
    }
    /// Inserts with the default TTL.
    pub fn insert(&self, key: K, value: V) -> InsertOutcome {
        todo!()
    }
    /// Inserts with an explicit TTL (`None` = never expires).
    pub fn insert_with_ttl(&self, key: K, value: V, ttl: Option<Duration>) -> InsertOutcome {
        todo!()
    }
    /// Removes the entry, returning its value if it was live.
    pub fn remove<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        todo!()
    }
    /// Removes every entry.
    pub fn clear(&self) {
        todo!()
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        todo!()
    }
    /// `len() == 0`.
    pub fn is_empty(&self) -> bool {
        todo!()
    }
    /// Total weight in bytes.
    pub fn weight(&self) -> u64 {
        todo!()
    }
    /// Statistics snapshot.
    pub fn stats(&self) -> CacheStats {
        todo!()
    }
    /// Resets counters.
    pub fn reset_stats(&self) {
        todo!()
    }
    /// Current bounds.
    pub fn config(&self) -> CacheConfig {
        todo!()
    }
    /// Changes bounds at runtime; shrinking evicts at once in LRU order.
    pub fn reconfigure(&self, config: CacheConfig) {
        todo!()
    }
    /// Entries from most to least recently used, paginated.
    pub fn entries(&self, offset: usize, limit: usize) -> Vec<EntryInfo<K>> {
        todo!()
    }
    /// Single-flight: returns the cached value or runs `init` once for all concurrent callers.
    pub fn get_or_insert_with<F: FnOnce() -> V>(&self, key: K, init: F) -> V {
        todo!()
    }
    /// Single-flight with errors: an `Err` goes to every waiter and is not cached.
    pub fn get_or_try_insert_with<F, E>(&self, key: K, init: F) -> Result<V, E>
    where
        F: FnOnce() -> Result<V, E>,
        E: Clone,
    {
        todo!()
    }
    /// General sync form: per-load options, and how the value was obtained.
    pub fn load<F, E>(&self, key: K, options: LoadOptions, init: F) -> Result<Loaded<V>, E>
    where
        F: FnOnce() -> Result<V, E>,
        E: Clone,
    {
        todo!()
    }
    /// Async single-flight (usable from tokio; runtime-agnostic).
    pub async fn get_or_insert_async<Fut>(&self, key: K, init: Fut) -> V
    where
        Fut: Future<Output = V>,
    {
        todo!()
    }
    /// Async single-flight with errors.
    pub async fn get_or_try_insert_async<Fut, E>(&self, key: K, init: Fut) -> Result<V, E>
    where
        Fut: Future<Output = Result<V, E>>,
        E: Clone,
    {
        todo!()
    }
    /// General async form.
    pub async fn load_async<Fut, E>(
        &self,
        key: K,
        options: LoadOptions,
        init: Fut,
    ) -> Result<Loaded<V>, E>
    where
        Fut: Future<Output = Result<V, E>>,
        E: Clone,
    {
        todo!()
    }
}
