//! Loading through the cache: the single-flight forms (`get_or_insert_with`, `load` and their
//! fallible and async variants), which run `init` once for all concurrent callers of a key and
//! record how long it ran as the entry's cost, and the leader's bookkeeping (`claim`, `lead`,
//! `resolve`, and the guard that abandons a flight whose leader unwinds or is cancelled).

use super::{Cache, Inner};
use crate::single_flight::{Flight, Flights, Outcome, Resolved};
use crate::unsync::cost_of;
use crate::{LoadOptions, LoadStatus, Loaded};
use std::convert::Infallible;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

impl<K, V> Cache<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
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
    pub(super) fn claim(
        &self,
        hash: u64,
        key: &K,
    ) -> Result<LeaderGuard<'_, K, V>, Arc<Flight<V>>> {
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
pub(super) struct LeaderGuard<'a, K, V> {
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
