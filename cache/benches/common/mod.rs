//! The caches compared by the benchmarks, behind one small interface.
//!
//! Every cache is built the way its users build it by default (its own default hasher, its own
//! default policy), bounded in entries, and stores `u64 → u64`. gencache keeps its defaults too:
//! a 24 h TTL on every entry and statistics always on — the configuration the targets are about.

use std::num::NonZeroUsize;

/// What a benchmark needs from a cache. `&self` everywhere: every cache here is shared between
/// threads (`lru` through a mutex, as users share it).
pub trait BenchCache: Send + Sync + Sized {
    /// Short name used as the criterion function id and in the tables.
    const NAME: &'static str;

    /// A cache bounded to `entries` entries.
    fn with_capacity(entries: usize) -> Self;

    /// A lookup that counts as a use (recency / frequency update).
    fn get(&self, key: u64) -> Option<u64>;

    /// Insert or update.
    fn insert(&self, key: u64, value: u64);

    /// Entries currently held.
    fn len(&self) -> usize;

    /// Finishes deferred bookkeeping (moka applies writes and evictions in batches), so that `len`
    /// and memory are measured on a settled cache.
    fn settle(&self) {}
}

/// A gencache configuration as a [`BenchCache`]: `$configure` receives the builder already bounded
/// to the benchmark's entries and returns it configured (a policy, a clock, no TTL, ...).
macro_rules! gencache_variant {
    ($name:ident, $id:literal, $doc:literal, $configure:expr) => {
        #[doc = $doc]
        pub struct $name(gencache::Cache<u64, u64>);

        impl $crate::common::BenchCache for $name {
            const NAME: &'static str = $id;

            fn with_capacity(entries: usize) -> Self {
                let builder = gencache::Cache::<u64, u64>::builder().max_entries(entries);
                Self(($configure)(builder).build())
            }

            fn get(&self, key: u64) -> Option<u64> {
                self.0.get(&key)
            }

            fn insert(&self, key: u64, value: u64) {
                self.0.insert(key, value);
            }

            fn len(&self) -> usize {
                self.0.len()
            }
        }
    };
}
pub(crate) use gencache_variant;

gencache_variant!(
    GenCache,
    "gencache",
    "gencache with its defaults: 24 h TTL, statistics on.",
    |builder| builder
);
gencache_variant!(
    GenCacheS3Fifo,
    "gencache_s3fifo",
    "gencache with `Policy::S3Fifo` and its other defaults.",
    |builder: gencache::CacheBuilder<u64, u64>| builder.policy(gencache::Policy::S3Fifo)
);
gencache_variant!(
    GenCacheSieve,
    "gencache_sieve",
    "gencache with `Policy::Sieve` and its other defaults.",
    |builder: gencache::CacheBuilder<u64, u64>| builder.policy(gencache::Policy::Sieve)
);
gencache_variant!(
    GenCacheCostAware,
    "gencache_cost_aware",
    "gencache with `Policy::CostAware` and its other defaults.",
    |builder: gencache::CacheBuilder<u64, u64>| builder.policy(gencache::Policy::CostAware)
);

/// `lru::LruCache` (exact LRU, not thread-safe) behind a `parking_lot::Mutex`.
pub struct LruMutex(parking_lot::Mutex<lru::LruCache<u64, u64>>);

impl BenchCache for LruMutex {
    const NAME: &'static str = "lru_mutex";

    fn with_capacity(entries: usize) -> Self {
        let cap = NonZeroUsize::new(entries).unwrap_or(NonZeroUsize::MIN);
        Self(parking_lot::Mutex::new(lru::LruCache::new(cap)))
    }

    fn get(&self, key: u64) -> Option<u64> {
        self.0.lock().get(&key).copied()
    }

    fn insert(&self, key: u64, value: u64) {
        self.0.lock().put(key, value);
    }

    fn len(&self) -> usize {
        self.0.lock().len()
    }
}

/// `quick_cache::sync::Cache` (sharded, S3-FIFO: an approximation of LRU, no exact order).
pub struct QuickCache(quick_cache::sync::Cache<u64, u64>);

impl BenchCache for QuickCache {
    const NAME: &'static str = "quick_cache";

    fn with_capacity(entries: usize) -> Self {
        Self(quick_cache::sync::Cache::new(entries))
    }

    fn get(&self, key: u64) -> Option<u64> {
        self.0.get(&key)
    }

    fn insert(&self, key: u64, value: u64) {
        self.0.insert(key, value);
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// `moka::sync::Cache` (TinyLFU admission, segmented LRU, deferred bookkeeping).
pub struct Moka(moka::sync::Cache<u64, u64>);

impl BenchCache for Moka {
    const NAME: &'static str = "moka";

    fn with_capacity(entries: usize) -> Self {
        Self(moka::sync::Cache::new(entries as u64))
    }

    fn get(&self, key: u64) -> Option<u64> {
        self.0.get(&key)
    }

    fn insert(&self, key: u64, value: u64) {
        self.0.insert(key, value);
    }

    fn len(&self) -> usize {
        usize::try_from(self.0.entry_count()).unwrap_or(usize::MAX)
    }

    fn settle(&self) {
        self.0.run_pending_tasks();
    }
}
