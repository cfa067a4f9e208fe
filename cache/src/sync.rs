//! The thread-safe cache: shared by reference or cloned as a cheap handle.
//!
//! One [`unsync::Cache`](crate::unsync::Cache) core holds the entries, the policy's order and the
//! budgets, so LRU order is exact and budgets are global (see the crate documentation for the
//! trade-off). It sits behind a mutex for the policies whose hits reorder (LRU, cost-aware), and
//! behind a read-mostly lock whose hits run in parallel for the lazy-promotion ones (S3-FIFO,
//! SIEVE): see `core_lock`. Keys are hashed before the lock is taken, and for writes the
//! entry is weighed and the clock read before it too, so the critical section is a table probe plus
//! a few pointer updates (a lookup reads the clock inside, see `get_hashed`). Single-flight loads
//! are coordinated outside that lock, in a table sharded by key hash (`single_flight`), and their
//! counters are atomics; the loading forms themselves are in `load`.

use crate::clock::CacheClock;
use crate::linked_slab::UNKNOWN_COST;
use crate::single_flight::Flights;
use crate::unsync::{self, ListCursor, WeighFn, cost_of};
use crate::{CacheBuilder, CacheConfig, CacheStats, EntryInfo, InsertOutcome, Policy, Weigher};
use core_lock::CoreLock;
use hashbrown::DefaultHashBuilder;
use std::borrow::Borrow;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

mod core_lock;
mod load;
#[cfg(all(test, loom))]
mod loom_tests;
mod slot_lock;
#[cfg(all(test, not(loom)))]
mod tests;
mod thread_slot;

/// Entries copied per lock hold by [`Cache::entries`].
const LIST_CHUNK: usize = 512;

/// A thread-safe cache (exact LRU by default; see [`Policy`]). `Clone` gives another handle to the
/// same cache.
///
/// ```
/// use gencache::Cache;
/// use std::sync::Arc;
///
/// let cache: Cache<String, Arc<Vec<u8>>> = Cache::builder().max_bytes(1 << 20).build();
/// let handle = cache.clone();
/// std::thread::spawn(move || {
///     handle.insert("a".to_string(), Arc::new(vec![1, 2, 3]));
/// })
/// .join()
/// .unwrap();
/// assert_eq!(cache.get("a").as_deref(), Some(&vec![1, 2, 3]));
/// ```
pub struct Cache<K, V> {
    inner: Arc<Inner<K, V>>,
}

struct Inner<K, V> {
    core: CoreLock<K, V>,
    policy: Policy,
    /// The core's clock and weigher, used before taking the lock to keep critical sections short.
    clock: CacheClock,
    weigher: WeighFn<K, V>,
    /// Same seed as the core's, so a hash computed outside the lock is the core's hash.
    hasher: DefaultHashBuilder,
    flights: Flights<K, V>,
    loads: LoadCounters,
}

#[derive(Default)]
struct LoadCounters {
    started: AtomicU64,
    joined: AtomicU64,
    failures: AtomicU64,
}

impl<K, V> Clone for Cache<K, V> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<K, V> std::fmt::Debug for Cache<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("core", &*self.inner.core.read())
            .finish_non_exhaustive()
    }
}

fn default_shards() -> usize {
    let cores = std::thread::available_parallelism().map_or(4, |n| n.get());
    (cores * 4).next_power_of_two()
}

impl<K, V, W> CacheBuilder<K, V, W>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    W: Weigher<K, V>,
{
    /// Builds the thread-safe cache.
    pub fn build(self) -> Cache<K, V> {
        let hasher = DefaultHashBuilder::default();
        let core = unsync::Cache::with_parts(
            self.config,
            self.policy,
            self.clock,
            unsync::weigh_fn(self.weigher),
            hasher,
        );
        Cache {
            inner: Arc::new(Inner {
                clock: core.clock().clone(),
                weigher: Arc::clone(core.weigher()),
                policy: core.policy(),
                core: CoreLock::new(core),
                hasher,
                flights: Flights::new(self.shards.unwrap_or_else(default_shards)),
                loads: LoadCounters::default(),
            }),
        }
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

    #[inline]
    fn hash<Q: Hash + ?Sized>(&self, key: &Q) -> u64 {
        self.inner.hasher.hash_one(key)
    }

    #[inline]
    fn now(&self) -> u64 {
        self.inner.clock.now_nanos()
    }

    /// Looks up with the hash computed before the lock is taken.
    ///
    /// A hit compares the entry's deadline with the clock's recent time (one atomic load, see
    /// the crate doc); the exact clock is read, inside the lock, only for a deadline close to it.
    #[inline]
    fn get_hashed<Q>(&self, hash: u64, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.inner.core.get(hash, key)
    }

    /// Inserts with the hash, the weight and the clock computed before the lock is taken (the
    /// weigher is user code and may be slow); `ttl: None` means the default TTL.
    fn insert_outside_lock(
        &self,
        hash: u64,
        key: K,
        value: V,
        ttl: Option<Option<Duration>>,
        cost: f32,
    ) -> InsertOutcome {
        let weight = (self.inner.weigher)(&key, &value) as u64;
        let now = self.now();
        // A load of this key in flight now would store an older value when it finishes: mark it
        // so it does not. The flight shard stays locked while the core is written (lock order
        // flight shard → core, as in `claim` and `lead`), so no load can finish in between.
        let mut shard = self.inner.flights.lock(hash);
        Flights::invalidate(&mut shard, hash, &key);
        let mut core = self.inner.core.write();
        let ttl = ttl.unwrap_or(core.config().default_ttl);
        core.insert_prepared(hash, key, value, weight, ttl, now, cost)
    }

    /// See [`crate::unsync::Cache::get`].
    #[inline]
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get_hashed(self.hash(key), key)
    }

    /// See [`crate::unsync::Cache::peek`].
    pub fn peek<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(key);
        self.inner.core.read().peek_hashed(hash, key)
    }

    /// See [`crate::unsync::Cache::contains`].
    pub fn contains<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(key);
        self.inner.core.read().contains_hashed(hash, key)
    }

    /// Inserts with the default TTL. See [`crate::unsync::Cache::insert_with_ttl`].
    ///
    /// ```
    /// use gencache::{Cache, InsertOutcome};
    ///
    /// let cache: Cache<u32, String> = Cache::builder()
    ///     .max_bytes(64)
    ///     .weigher(|_: &u32, v: &String| v.len())
    ///     .build();
    /// assert_eq!(cache.insert(1, "a".repeat(10)), InsertOutcome::Inserted);
    /// assert_eq!(cache.insert(1, "b".repeat(10)), InsertOutcome::Updated);
    /// // Heavier than the whole budget: refused, nothing evicted for it.
    /// assert_eq!(
    ///     cache.insert(2, "c".repeat(100)),
    ///     InsertOutcome::Refused { weight: 100, max_bytes: 64 }
    /// );
    /// assert_eq!(cache.get(&1).unwrap(), "b".repeat(10));
    /// ```
    pub fn insert(&self, key: K, value: V) -> InsertOutcome {
        let hash = self.hash(&key);
        self.insert_outside_lock(hash, key, value, None, UNKNOWN_COST)
    }

    /// Inserts with the default TTL and what producing the value cost (see
    /// [`crate::unsync::Cache::insert_with_cost`]). The loading paths record the cost themselves.
    ///
    /// ```
    /// use gencache::Cache;
    /// use std::time::Duration;
    ///
    /// let cache: Cache<u32, u32> = Cache::builder().build();
    /// cache.insert_with_cost(1, 1, Duration::from_secs(4));
    /// cache.get(&1);
    /// assert_eq!(cache.stats().cost_saved, Duration::from_secs(4));
    /// ```
    pub fn insert_with_cost(&self, key: K, value: V, cost: Duration) -> InsertOutcome {
        let hash = self.hash(&key);
        self.insert_outside_lock(hash, key, value, None, cost_of(Some(cost)))
    }

    /// The eviction policy.
    pub fn policy(&self) -> Policy {
        self.inner.policy
    }

    /// Inserts with an explicit TTL (`None` = never expires). A load of the key in flight still
    /// serves its callers but does not overwrite this value (see [`Cache::load`]).
    pub fn insert_with_ttl(&self, key: K, value: V, ttl: Option<Duration>) -> InsertOutcome {
        let hash = self.hash(&key);
        self.insert_outside_lock(hash, key, value, Some(ttl), UNKNOWN_COST)
    }

    /// Removes the entry, returning its value if it was live. A load of the key in flight still
    /// serves its callers but does not store its value (see [`Cache::load`]).
    pub fn remove<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(key);
        // As in `insert`: a load of this key in flight must not bring the value back.
        let mut shard = self.inner.flights.lock(hash);
        Flights::invalidate(&mut shard, hash, key);
        self.inner.core.write().remove_hashed(hash, key)
    }

    /// Removes every entry. Loads in flight still serve their callers but do not store their
    /// values (see [`Cache::load`]).
    pub fn clear(&self) {
        // Every shard is held while the core is cleared, so no load finishes in between.
        let mut shards = self.inner.flights.lock_all();
        for shard in &mut shards {
            Flights::invalidate_all(shard);
        }
        self.inner.core.write().clear();
    }

    /// Number of entries (may include expired entries not yet reclaimed).
    pub fn len(&self) -> usize {
        self.inner.core.read().len()
    }

    /// `len() == 0`.
    pub fn is_empty(&self) -> bool {
        self.inner.core.read().is_empty()
    }

    /// Total weight in bytes.
    pub fn weight(&self) -> u64 {
        self.inner.core.read().weight()
    }

    /// Statistics snapshot (entry statistics are consistent with each other; load counters are
    /// read just after).
    ///
    /// ```
    /// use gencache::Cache;
    ///
    /// let cache: Cache<u32, u32> = Cache::builder().max_entries(1).build();
    /// cache.insert(1, 1);
    /// cache.get(&1);
    /// cache.get(&2);
    /// cache.insert(2, 2); // evicts 1
    /// let s = cache.stats();
    /// assert_eq!((s.hits, s.misses, s.inserts), (1, 1, 2));
    /// assert_eq!(s.evictions.capacity_entries, 1);
    /// assert_eq!(s.hit_rate(), 0.5);
    /// println!("{}", serde_json::to_string(&s).unwrap()); // serializable for dashboards
    /// ```
    pub fn stats(&self) -> CacheStats {
        let mut s = self.inner.core.stats();
        let loads = &self.inner.loads;
        s.loads_started = loads.started.load(Ordering::Relaxed);
        s.loads_joined = loads.joined.load(Ordering::Relaxed);
        s.load_failures = loads.failures.load(Ordering::Relaxed);
        s
    }

    /// Resets counters (not current bytes/entries; peaks restart from the current values).
    pub fn reset_stats(&self) {
        self.inner.core.reset_stats();
        let loads = &self.inner.loads;
        loads.started.store(0, Ordering::Relaxed);
        loads.joined.store(0, Ordering::Relaxed);
        loads.failures.store(0, Ordering::Relaxed);
    }

    /// Current bounds.
    pub fn config(&self) -> CacheConfig {
        self.inner.core.read().config()
    }

    /// Changes bounds at runtime; shrinking evicts at once, in the policy's eviction order.
    ///
    /// ```
    /// use gencache::{Cache, CacheConfig};
    ///
    /// let cache: Cache<u32, u32> = Cache::builder().build();
    /// for k in 0..10 {
    ///     cache.insert(k, k);
    /// }
    /// cache.reconfigure(CacheConfig { max_entries: Some(3), ..cache.config() });
    /// assert_eq!(cache.len(), 3);
    /// assert!(cache.contains(&9) && !cache.contains(&6)); // the least recent went first
    /// ```
    pub fn reconfigure(&self, config: CacheConfig) {
        self.inner.core.write().reconfigure(config);
    }

    /// Reclaims every expired entry now; returns how many.
    pub fn purge_expired(&self) -> usize {
        self.inner.core.write().purge_expired()
    }

    /// Live entries in the policy's listing order (most to least recently used for `Lru`; heap
    /// order, the next victim first, for `CostAware`; see the crate documentation),
    /// `offset`..`offset + limit`.
    ///
    /// The lock is taken for at most a few hundred entries at a time and released in between, so
    /// listing a big cache does not stall other callers. The price: under concurrent writes the
    /// listing is not an atomic snapshot (an entry touched while the walk is under way may be
    /// listed twice or not at all).
    ///
    /// ```
    /// use gencache::Cache;
    ///
    /// let cache: Cache<&str, u32> = Cache::builder().build();
    /// cache.insert("old", 1);
    /// cache.insert("new", 2);
    /// let page = cache.entries(0, 10);
    /// assert_eq!(page[0].key, "new"); // most recently used first
    /// assert_eq!(page[1].access_count, 0);
    /// assert!(page[1].expires_in.is_some()); // the 24 h default TTL
    /// ```
    pub fn entries(&self, offset: usize, limit: usize) -> Vec<EntryInfo<K>> {
        let mut cursor = ListCursor::new();
        let mut out = Vec::new();
        // A walk whose next entry keeps jumping to the front could chase it forever: after this
        // many holds, finish in one.
        let max_holds = self.len() / LIST_CHUNK * 4 + 8;
        let mut holds = 0;
        while !cursor.is_done() {
            let steps = if holds < max_holds {
                LIST_CHUNK
            } else {
                usize::MAX
            };
            self.inner
                .core
                .read()
                .list_step(&mut cursor, offset, limit, steps, &mut out);
            holds += 1;
        }
        out
    }
}
