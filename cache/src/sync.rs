//! The thread-safe cache: shared by reference or cloned as a cheap handle.
//!
//! One [`unsync::Cache`](crate::unsync::Cache) core behind a `parking_lot::Mutex` holds the entries,
//! the recency list and the budgets, so LRU order is exact and budgets are global (see the crate
//! documentation for the trade-off). Keys are hashed before the lock is taken, and for writes the
//! entry is weighed and the clock read before it too, so the critical section is a table probe plus
//! a few pointer updates (a lookup reads the clock inside, see `get_hashed`). Single-flight loads
//! are coordinated outside that lock, in a table sharded by key hash (`single_flight`), and their
//! counters are atomics.

use crate::clock::CacheClock;
use crate::linked_slab::UNKNOWN_COST;
use crate::single_flight::{Flight, Flights, Outcome, Resolved};
use crate::unsync::{self, ListCursor, WeighFn, cost_of};
use crate::{
    CacheBuilder, CacheConfig, CacheStats, EntryInfo, InsertOutcome, LoadOptions, LoadStatus,
    Loaded, Policy, Weigher,
};
use core_lock::CoreLock;
use hashbrown::DefaultHashBuilder;
use std::borrow::Borrow;
use std::convert::Infallible;
use std::future::Future;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

mod core_lock;
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
    /// The clock is read inside the lock, right after the table probe and only when the key was
    /// found: the counter read can then execute while the CPU waits for the slot's cache line,
    /// whereas read before the lock it had to complete before the lock's atomic instruction and
    /// added its whole latency (a TSC read costs 10-15 ns on this project's VMs) to every lookup,
    /// misses included. In `cache/benches/throughput.rs` (`get_hit`, `zipf_2t`) this measured
    /// faster than the read before the lock, within that machine's noise.
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

    /// Single-flight: returns the cached value or runs `init` once for all concurrent callers.
    ///
    /// ```
    /// use gencache::Cache;
    ///
    /// let cache: Cache<u32, String> = Cache::builder().build();
    /// let v = cache.get_or_insert_with(7, || "seven".to_string());
    /// assert_eq!(v, "seven");
    /// // Now cached: the closure does not run.
    /// assert_eq!(cache.get_or_insert_with(7, || unreachable!()), "seven");
    /// ```
    pub fn get_or_insert_with<F: FnOnce() -> V>(&self, key: K, init: F) -> V {
        match self.load(key, LoadOptions::default(), || Ok::<V, Infallible>(init())) {
            Ok(loaded) => loaded.value,
            Err(never) => match never {},
        }
    }

    /// Single-flight with errors: an `Err` goes to every waiter and is not cached.
    ///
    /// `E` must be `Send + 'static` because the error travels, type-erased, from the leader's thread
    /// to its waiters (who may call with a different error type for the same key; such a waiter
    /// runs its own `init` instead).
    pub fn get_or_try_insert_with<F, E>(&self, key: K, init: F) -> Result<V, E>
    where
        F: FnOnce() -> Result<V, E>,
        E: Clone + Send + 'static,
    {
        self.load(key, LoadOptions::default(), init)
            .map(|l| l.value)
    }

    /// General sync form: per-load options, and how the value was obtained.
    ///
    /// A hit returns at once ([`LoadStatus::Hit`]). On a miss, if another caller is already
    /// loading the key, this call blocks until that load finishes and shares its value or error
    /// ([`LoadStatus::Joined`]); otherwise it runs `init`, stores an `Ok` value (with
    /// `options`' TTL, else the default TTL) and wakes the waiters ([`LoadStatus::Loaded`]). If
    /// `init` panics, the panic propagates to this caller and one waiter takes over. A value the
    /// cache refuses (heavier than `max_bytes`) still reaches this caller and its waiters; it is
    /// just not stored.
    ///
    /// A [`Cache::remove`], [`Cache::insert`] / [`Cache::insert_with_ttl`] of the same key, or a
    /// [`Cache::clear`], made while `init` runs wins over the load: the loaded value still goes to
    /// this caller and its waiters (status `Loaded` / `Joined` as usual) but is not stored, so an
    /// admin's `clear` during a minutes-long generation is not undone when it finishes, and a
    /// newer explicit insert is not overwritten by the older loaded value.
    ///
    /// Do not call from inside an async runtime's worker thread while an async load of the same
    /// key may run on that thread (use [`Cache::load_async`] there), and do not load a key from
    /// inside its own `init` (it would wait for itself).
    ///
    /// ```
    /// use gencache::{Cache, LoadOptions, LoadStatus};
    /// use std::time::Duration;
    ///
    /// let cache: Cache<&'static str, u64> = Cache::builder().build();
    /// let opts = LoadOptions::default().ttl(Some(Duration::from_secs(60)));
    /// let first = cache.load("k", opts, || Ok::<_, String>(42)).unwrap();
    /// assert_eq!(first.status, LoadStatus::Loaded);
    /// let again = cache.load("k", opts, || Err("not called".to_string())).unwrap();
    /// assert_eq!((again.value, again.status), (42, LoadStatus::Hit));
    /// let failed = cache.load("other", opts, || Err::<u64, _>("boom".to_string()));
    /// assert_eq!(failed.unwrap_err(), "boom");
    /// assert!(!cache.contains("other")); // errors are not cached
    /// ```
    pub fn load<F, E>(&self, key: K, options: LoadOptions, init: F) -> Result<Loaded<V>, E>
    where
        F: FnOnce() -> Result<V, E>,
        E: Clone + Send + 'static,
    {
        let hash = self.hash(&key);
        if let Some(value) = self.get_hashed(hash, &key) {
            return Ok(Loaded {
                value,
                status: LoadStatus::Hit,
            });
        }
        let guard = loop {
            match self.claim(hash, &key) {
                Ok(guard) => break guard,
                Err(flight) => {
                    if let Some(done) = self.resolve(flight.wait_blocking::<E>()) {
                        return done;
                    }
                }
            }
        };
        // The cost of the value: how long `init` ran, on the cache's clock (so a virtual clock
        // that the generator advances gives virtual costs).
        let started = self.now();
        let result = init();
        let cost = self.now().saturating_sub(started);
        self.lead(guard, key, options, result, cost)
    }

    /// Async single-flight (usable from tokio; runtime-agnostic).
    ///
    /// `init` is only polled if this caller leads the load; otherwise it is dropped unpolled.
    pub async fn get_or_insert_async<Fut>(&self, key: K, init: Fut) -> V
    where
        Fut: Future<Output = V>,
    {
        let init = async { Ok::<V, Infallible>(init.await) };
        match self.load_async(key, LoadOptions::default(), init).await {
            Ok(loaded) => loaded.value,
            Err(never) => match never {},
        }
    }

    /// Async single-flight with errors (see [`Cache::get_or_try_insert_with`]).
    pub async fn get_or_try_insert_async<Fut, E>(&self, key: K, init: Fut) -> Result<V, E>
    where
        Fut: Future<Output = Result<V, E>>,
        E: Clone + Send + 'static,
    {
        self.load_async(key, LoadOptions::default(), init)
            .await
            .map(|l| l.value)
    }

    /// General async form (see [`Cache::load`]). If this caller leads and its future is dropped
    /// before `init` completes, the load is abandoned and one waiter takes over.
    ///
    /// ```
    /// use gencache::{Cache, LoadOptions, LoadStatus};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let cache: Cache<u32, u32> = Cache::builder().build();
    /// let got = cache
    ///     .load_async(1, LoadOptions::default(), async { Ok::<_, ()>(10) })
    ///     .await
    ///     .unwrap();
    /// assert_eq!((got.value, got.status), (10, LoadStatus::Loaded));
    /// # });
    /// ```
    pub async fn load_async<Fut, E>(
        &self,
        key: K,
        options: LoadOptions,
        init: Fut,
    ) -> Result<Loaded<V>, E>
    where
        Fut: Future<Output = Result<V, E>>,
        E: Clone + Send + 'static,
    {
        let hash = self.hash(&key);
        let hit = self.get_hashed(hash, &key);
        if let Some(value) = hit {
            return Ok(Loaded {
                value,
                status: LoadStatus::Hit,
            });
        }
        let guard = loop {
            let claim = self.claim(hash, &key);
            match claim {
                Ok(guard) => break guard,
                Err(flight) => {
                    let resolved = flight.wait_async::<E>().await;
                    if let Some(done) = self.resolve(resolved) {
                        return done;
                    }
                }
            }
        };
        // If this future is dropped during the await, `guard` is dropped: the load is abandoned.
        let started = self.now();
        let result = init.await;
        let cost = self.now().saturating_sub(started);
        self.lead(guard, key, options, result, cost)
    }

    /// After a miss: joins the flight in progress for `key` (`Err(flight)`), or finds the value
    /// a just-finished flight stored, or registers this caller as the leader (`Ok(guard)`).
    fn claim(&self, hash: u64, key: &K) -> Result<LeaderGuard<'_, K, V>, Arc<Flight<V>>> {
        let mut shard = self.inner.flights.lock(hash);
        if let Some(flight) = Flights::find(&shard, hash, key) {
            return Err(flight);
        }
        // A leader stores its value as it unregisters, both under this shard lock, so a value
        // that a load stored between our miss and now is visible here. Serve it as a join: the
        // lookup already counted its miss.
        if let Some(value) = self.inner.core.write().get_untracked_hashed(hash, key) {
            let flight = Arc::new(Flight::new());
            flight.publish(Outcome::Value(value));
            return Err(flight);
        }
        let flight = Flights::start(&mut shard, hash, key);
        self.inner.loads.started.fetch_add(1, Ordering::Relaxed);
        Ok(LeaderGuard {
            inner: &self.inner,
            hash,
            flight,
            finished: false,
        })
    }

    /// Turns a waiter's view of a finished flight into its result, or `None` to claim again.
    fn resolve<E>(&self, resolved: Resolved<V, E>) -> Option<Result<Loaded<V>, E>> {
        let result = match resolved {
            Resolved::Value(value) => Ok(Loaded {
                value,
                status: LoadStatus::Joined,
            }),
            Resolved::Error(e) => Err(e),
            Resolved::Retry => return None,
        };
        self.inner.loads.joined.fetch_add(1, Ordering::Relaxed);
        Some(result)
    }

    /// Publishes the leader's result: an `Ok` value is stored (under the flight shard lock, as the
    /// flight is unregistered) unless a remove/insert/clear invalidated the flight, and shared; an
    /// `Err` is shared, counted and not stored.
    fn lead<E>(
        &self,
        mut guard: LeaderGuard<'_, K, V>,
        key: K,
        options: LoadOptions,
        result: Result<V, E>,
        cost_nanos: u64,
    ) -> Result<Loaded<V>, E>
    where
        E: Clone + Send + 'static,
    {
        let hash = guard.hash;
        let weight = match &result {
            Ok(value) => (self.inner.weigher)(&key, value) as u64,
            Err(_) => 0,
        };
        let now = self.now();
        let cost = cost_of(Some(Duration::from_nanos(cost_nanos)));
        let outcome = {
            let mut shard = self.inner.flights.lock(hash);
            // Unregistered and stored under the same shard lock, so `claim` sees either the
            // flight or the stored value, and a concurrent remove/insert/clear either invalidated
            // the flight before this point or runs after the value is stored.
            let may_store = Flights::finish(&mut shard, hash, &guard.flight);
            match &result {
                Ok(value) => {
                    if may_store {
                        let mut core = self.inner.core.write();
                        let ttl = options.ttl.unwrap_or(core.config().default_ttl);
                        core.insert_prepared(hash, key, value.clone(), weight, ttl, now, cost);
                    }
                    Outcome::Value(value.clone())
                }
                Err(e) => {
                    self.inner.loads.failures.fetch_add(1, Ordering::Relaxed);
                    Outcome::Error(Box::new(e.clone()))
                }
            }
        };
        guard.finished = true;
        guard.flight.publish(outcome);
        result.map(|value| Loaded {
            value,
            status: LoadStatus::Loaded,
        })
    }
}

/// Owns a flight registration; abandons the flight if the leader unwinds or is cancelled.
struct LeaderGuard<'a, K, V> {
    inner: &'a Inner<K, V>,
    hash: u64,
    flight: Arc<Flight<V>>,
    finished: bool,
}

impl<K, V> Drop for LeaderGuard<'_, K, V> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        self.inner.loads.failures.fetch_add(1, Ordering::Relaxed);
        let waiters = {
            let mut shard = self.inner.flights.lock(self.hash);
            Flights::finish(&mut shard, self.hash, &self.flight);
            // Unregistered under the shard lock, nobody can join any more: every other holder
            // of the flight is a waiter (each keeps its clone until the outcome is published).
            Arc::strong_count(&self.flight).saturating_sub(1)
        };
        if waiters > 0 {
            tracing::warn!(
                waiters,
                "single-flight load abandoned (leader panicked or was cancelled); a waiter takes over"
            );
        } else {
            // A cancelled load nobody waits for (a client hung up, a server shutting down) is
            // routine; a panic reports itself.
            tracing::debug!(
                "single-flight load abandoned (leader panicked or was cancelled); no waiter"
            );
        }
        self.flight.publish(Outcome::Abandoned);
    }
}
