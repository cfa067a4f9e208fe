//! How the thread-safe cache holds its core: behind a `Mutex` for the policies whose hits write
//! shared state (exact LRU relinks, GDSF re-prioritises), behind a read-mostly sharded lock for the
//! lazy-promotion policies (S3-FIFO, SIEVE), whose hits only set per-entry relaxed atomics and so
//! run under the *shared* lock, in parallel. Hit and miss counters of those shared-lock hits live
//! here, striped per thread so that two cores never write the same cache line to count, and
//! written without locked instructions (see `Striped`).

use super::thread_slot;
use crate::lock::{self, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use crate::unsync::{self, SharedLookup};
use crossbeam_utils::CachePadded;
use std::borrow::Borrow;
use std::ops::{Deref, DerefMut};

#[cfg(loom)]
use loom::sync::atomic::{AtomicU64, Ordering};
#[cfg(not(loom))]
use std::sync::atomic::{AtomicU64, Ordering};

/// The core and its lock.
pub(super) enum CoreLock<K, V> {
    Exclusive(Mutex<unsync::Cache<K, V>>),
    Shared {
        core: RwLock<unsync::Cache<K, V>>,
        counters: Striped,
    },
}

/// Exclusive access to the core.
pub(super) enum WriteGuard<'a, K, V> {
    Mutex(MutexGuard<'a, unsync::Cache<K, V>>),
    RwLock(RwLockWriteGuard<'a, unsync::Cache<K, V>>),
}

/// Read access to the core (exclusive for the `Mutex` variant).
pub(super) enum ReadGuard<'a, K, V> {
    Mutex(MutexGuard<'a, unsync::Cache<K, V>>),
    RwLock(RwLockReadGuard<'a, unsync::Cache<K, V>>),
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
            CoreLock::Shared {
                core: RwLock::new(core),
                counters: Striped::new(),
            }
        } else {
            CoreLock::Exclusive(Mutex::new(core))
        }
    }
}

impl<K, V> CoreLock<K, V> {
    pub(super) fn write(&self) -> WriteGuard<'_, K, V> {
        match self {
            CoreLock::Exclusive(m) => WriteGuard::Mutex(m.lock()),
            CoreLock::Shared { core, .. } => WriteGuard::RwLock(lock::write(core)),
        }
    }

    pub(super) fn read(&self) -> ReadGuard<'_, K, V> {
        match self {
            CoreLock::Exclusive(m) => ReadGuard::Mutex(m.lock()),
            CoreLock::Shared { core, .. } => ReadGuard::RwLock(lock::read(core)),
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
            CoreLock::Shared { core, counters } => {
                // Counted with the read lock still held (see `Striped`).
                let core = lock::read(core);
                match core.get_shared(hash, key) {
                    SharedLookup::Hit(value, cost) => {
                        counters.hit(cost);
                        Some(value)
                    }
                    SharedLookup::Miss => {
                        counters.miss();
                        None
                    }
                }
            }
        }
    }

    /// The statistics: the core's, plus the shared-lock hits and misses.
    pub(super) fn stats(&self) -> crate::CacheStats {
        let mut s = self.read().stats();
        if let CoreLock::Shared { counters, .. } = self {
            let (hits, misses, cost) = counters.sum();
            s.hits += hits;
            s.misses += misses;
            s.cost_saved += std::time::Duration::from_nanos(cost);
        }
        s
    }

    pub(super) fn reset_stats(&self) {
        let mut core = self.write();
        core.reset_stats();
        if let CoreLock::Shared { counters, .. } = self {
            counters.reset();
        }
    }
}

/// One stripe of the shared-lock counters.
#[derive(Default)]
struct Stripe {
    hits: AtomicU64,
    misses: AtomicU64,
    cost_saved_nanos: AtomicU64,
}

/// Counters of the shared-lock lookups: one stripe per thread number (`thread_slot`), each on its
/// own cache line and written only by the thread holding that number, plus one shared stripe for
/// threads without a number.
///
/// Counting happens while the lookup holds its read lock, so `reset` (under the write lock) never
/// races an owner's load-and-store.
pub(super) struct Striped {
    stripes: Box<[CachePadded<Stripe>]>,
}

/// Index of the stripe shared by the threads that hold no number.
const SHARED: usize = thread_slot::SLOTS;

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

impl Striped {
    fn new() -> Self {
        Self {
            stripes: (0..=SHARED)
                .map(|_| CachePadded::new(Stripe::default()))
                .collect(),
        }
    }

    /// This thread's stripe and whether it is its only writer.
    #[inline]
    fn mine(&self) -> (&Stripe, bool) {
        match thread_slot::current() {
            Some(i) if i < SHARED => (&self.stripes[i], true),
            _ => (&self.stripes[SHARED], false),
        }
    }

    /// Counts a hit on an entry of `cost` (`UNKNOWN_COST` counts none). Call with the read lock
    /// held.
    #[inline]
    fn hit(&self, cost: f32) {
        let (s, exclusive) = self.mine();
        bump(&s.hits, 1, exclusive);
        if cost >= 0.0 {
            bump(&s.cost_saved_nanos, cost as u64, exclusive);
        }
    }

    /// Counts a miss. Call with the read lock held.
    #[inline]
    fn miss(&self) {
        let (s, exclusive) = self.mine();
        bump(&s.misses, 1, exclusive);
    }

    fn sum(&self) -> (u64, u64, u64) {
        self.stripes.iter().fold((0, 0, 0), |(h, m, c), s| {
            (
                h + s.hits.load(Ordering::Relaxed),
                m + s.misses.load(Ordering::Relaxed),
                c + s.cost_saved_nanos.load(Ordering::Relaxed),
            )
        })
    }

    /// Zeroes every stripe. Call with the write lock held (no lookup is counting).
    fn reset(&self) {
        for s in self.stripes.iter() {
            s.hits.store(0, Ordering::Relaxed);
            s.misses.store(0, Ordering::Relaxed);
            s.cost_saved_nanos.store(0, Ordering::Relaxed);
        }
    }
}
