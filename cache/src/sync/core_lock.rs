//! How the thread-safe cache holds its core: behind a `Mutex` for the policies whose hits write
//! shared state (exact LRU relinks, GDSF re-prioritises), behind a read-mostly lock with one
//! reader line per thread (`slot_lock`) for the lazy-promotion policies (S3-FIFO, SIEVE), whose
//! hits only set per-entry relaxed atomics and so run under the *shared* lock, in parallel. Hit
//! and miss counters of those shared-lock hits live in the lock's reader lines, one per thread, so
//! that two cores never write the same cache line to count, and written without locked
//! instructions (see `Stripe`).

use super::slot_lock::{SlotLock, SlotReadGuard, SlotWriteGuard};
use crate::lock::{Mutex, MutexGuard};
use crate::unsync::{self, SharedLookup};
use std::borrow::Borrow;
use std::ops::{Deref, DerefMut};

#[cfg(loom)]
use loom::sync::atomic::{AtomicU64, Ordering};
#[cfg(not(loom))]
use std::sync::atomic::{AtomicU64, Ordering};

/// The core and its lock.
pub(super) enum CoreLock<K, V> {
    Exclusive(Mutex<unsync::Cache<K, V>>),
    Shared(SlotLock<unsync::Cache<K, V>, Stripe>),
}

/// Exclusive access to the core.
pub(super) enum WriteGuard<'a, K, V> {
    Mutex(MutexGuard<'a, unsync::Cache<K, V>>),
    RwLock(SlotWriteGuard<'a, unsync::Cache<K, V>, Stripe>),
}

/// Read access to the core (exclusive for the `Mutex` variant).
pub(super) enum ReadGuard<'a, K, V> {
    Mutex(MutexGuard<'a, unsync::Cache<K, V>>),
    RwLock(SlotReadGuard<'a, unsync::Cache<K, V>, Stripe>),
}

impl<K, V> Deref for WriteGuard<'_, K, V> {
    type Target = unsync::Cache<K, V>;
    fn deref(&self) -> &Self::Target {
        match self {
            WriteGuard::Mutex(g) => g,
            WriteGuard::RwLock(g) => g,
        }
    }
}

impl<K, V> DerefMut for WriteGuard<'_, K, V> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            WriteGuard::Mutex(g) => &mut *g,
            WriteGuard::RwLock(g) => &mut *g,
        }
    }
}

impl<K, V> Deref for ReadGuard<'_, K, V> {
    type Target = unsync::Cache<K, V>;
    fn deref(&self) -> &Self::Target {
        match self {
            ReadGuard::Mutex(g) => g,
            ReadGuard::RwLock(g) => g,
        }
    }
}

impl<K: std::hash::Hash + Eq + Clone, V: Clone> CoreLock<K, V> {
    pub(super) fn new(core: unsync::Cache<K, V>) -> Self {
        if core.policy().lazy_promotion() {
            CoreLock::Shared(SlotLock::new(core))
        } else {
            CoreLock::Exclusive(Mutex::new(core))
        }
    }
}

impl<K, V> CoreLock<K, V> {
    pub(super) fn write(&self) -> WriteGuard<'_, K, V> {
        match self {
            CoreLock::Exclusive(m) => WriteGuard::Mutex(m.lock()),
            CoreLock::Shared(core) => WriteGuard::RwLock(core.write()),
        }
    }

    pub(super) fn read(&self) -> ReadGuard<'_, K, V> {
        match self {
            CoreLock::Exclusive(m) => ReadGuard::Mutex(m.lock()),
            CoreLock::Shared(core) => ReadGuard::RwLock(core.read()),
        }
    }
}

impl<K: std::hash::Hash + Eq + Clone, V: Clone> CoreLock<K, V> {
    /// A counted lookup: under the `Mutex` as before; under the shared lock for lazy policies.
    #[inline]
    pub(super) fn get<Q>(&self, hash: u64, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        match self {
            CoreLock::Exclusive(m) => m.lock().get_hashed(hash, key),
            CoreLock::Shared(core) => {
                // Counted with the read lock still held (see `Stripe`).
                let core = core.read();
                let (stripe, exclusive) = core.payload();
                match core.get_shared(hash, key) {
                    SharedLookup::Hit(value, cost) => {
                        stripe.hit(cost, exclusive);
                        Some(value)
                    }
                    SharedLookup::Miss => {
                        stripe.miss(exclusive);
                        None
                    }
                }
            }
        }
    }

    /// The statistics: the core's, plus the shared-lock hits and misses.
    pub(super) fn stats(&self) -> crate::CacheStats {
        let mut s = self.read().stats();
        if let CoreLock::Shared(core) = self {
            let (hits, misses, cost) = core.payloads().fold((0, 0, 0), |(h, m, c), s| {
                (
                    h + s.hits.load(Ordering::Relaxed),
                    m + s.misses.load(Ordering::Relaxed),
                    c + s.cost_saved_nanos.load(Ordering::Relaxed),
                )
            });
            s.hits += hits;
            s.misses += misses;
            s.cost_saved += std::time::Duration::from_nanos(cost);
        }
        s
    }

    pub(super) fn reset_stats(&self) {
        let mut core = self.write();
        core.reset_stats();
        if let CoreLock::Shared(lock) = self {
            // Under the write lock: no lookup is counting.
            for s in lock.payloads() {
                s.hits.store(0, Ordering::Relaxed);
                s.misses.store(0, Ordering::Relaxed);
                s.cost_saved_nanos.store(0, Ordering::Relaxed);
            }
        }
    }
}

/// The shared-lock lookups' counters of one reader line of the lock (`slot_lock`): one line per
/// thread number (`thread_slot`), written only by the thread holding that number, plus one
/// shared line for threads without a number.
///
/// Counting happens while the lookup holds its read lock, so `reset_stats` (under the write
/// lock) never races an owner's load-and-store.
#[derive(Default)]
pub(super) struct Stripe {
    hits: AtomicU64,
    misses: AtomicU64,
    cost_saved_nanos: AtomicU64,
}

/// Adds `by` to `counter`: a plain load and store when the caller is its only writer, else an
/// atomic read-modify-write.
#[inline]
fn bump(counter: &AtomicU64, by: u64, exclusive: bool) {
    if exclusive {
        counter.store(
            counter.load(Ordering::Relaxed).wrapping_add(by),
            Ordering::Relaxed,
        );
    } else {
        counter.fetch_add(by, Ordering::Relaxed);
    }
}

impl Stripe {
    /// Counts a hit on an entry of `cost` (`UNKNOWN_COST` counts none); `exclusive`: the caller
    /// is this stripe's only writer. Call with the read lock held.
    #[inline]
    fn hit(&self, cost: f32, exclusive: bool) {
        bump(&self.hits, 1, exclusive);
        if cost >= 0.0 {
            bump(&self.cost_saved_nanos, cost as u64, exclusive);
        }
    }

    /// Counts a miss. Call with the read lock held.
    #[inline]
    fn miss(&self, exclusive: bool) {
        bump(&self.misses, 1, exclusive);
    }
}
