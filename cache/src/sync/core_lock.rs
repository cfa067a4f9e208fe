//! How the thread-safe cache holds its core: behind a `Mutex` for the policies whose hits write
//! shared state (exact LRU relinks, GDSF re-prioritises), behind a read-mostly sharded lock for the
//! lazy-promotion policies (S3-FIFO, SIEVE), whose hits only set per-entry relaxed atomics and so
//! run under the *shared* lock, in parallel. Hit and miss counters of those shared-lock hits live
//! here, striped per thread so that two cores never write the same cache line to count.

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
                let found = lock::read(core).get_shared(hash, key);
                match found {
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

/// Counters striped by thread (each on its own cache line).
pub(super) struct Striped {
    stripes: Box<[CachePadded<Stripe>]>,
}

const STRIPES: usize = 16;

/// This thread's stripe: threads take consecutive numbers, so up to `STRIPES` threads never
/// share one.
fn stripe_index() -> usize {
    use std::cell::Cell;
    use std::sync::atomic::AtomicUsize;
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static INDEX: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    INDEX.with(|i| {
        if i.get() == usize::MAX {
            i.set(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % STRIPES);
        }
        i.get()
    })
}

impl Striped {
    fn new() -> Self {
        Self {
            stripes: (0..STRIPES)
                .map(|_| CachePadded::new(Stripe::default()))
                .collect(),
        }
    }

    #[inline]
    fn hit(&self, cost: f32) {
        let s = &self.stripes[stripe_index()];
        s.hits.fetch_add(1, Ordering::Relaxed);
        if cost >= 0.0 {
            s.cost_saved_nanos.fetch_add(cost as u64, Ordering::Relaxed);
        }
    }

    #[inline]
    fn miss(&self) {
        self.stripes[stripe_index()]
            .misses
            .fetch_add(1, Ordering::Relaxed);
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

    fn reset(&self) {
        for s in self.stripes.iter() {
            s.hits.store(0, Ordering::Relaxed);
            s.misses.store(0, Ordering::Relaxed);
            s.cost_saved_nanos.store(0, Ordering::Relaxed);
        }
    }
}
