//! `CacheBuilder`: how a cache is configured before it is built.

use crate::clock::CacheClock;
use crate::{CacheConfig, Clock, Policy, SystemClock, WeighBoth, Weigher};
use std::marker::PhantomData;
use std::time::Duration;

/// Builds a [`crate::Cache`] (thread-safe) or an [`crate::unsync::Cache`] (single-threaded core).
///
/// Defaults: no entry or byte limit, `default_ttl` = 24 h, [`SystemClock`], [`Policy::Lru`], weight =
/// `key.weight() + value.weight()` ([`crate::Weigh`]).
///
/// ```
/// use gencache::{CacheBuilder, ManualClock};
/// use std::time::Duration;
///
/// let clock = ManualClock::new();
/// let cache = CacheBuilder::<u64, Vec<u8>>::new()
///     .max_entries(10_000)
///     .max_bytes(64 << 20)
///     .default_ttl(Some(Duration::from_secs(3600)))
///     .clock(clock.clone())
///     .weigher(|_key: &u64, value: &Vec<u8>| value.len()) // count payload bytes only
///     .build();
/// cache.insert(1, vec![0; 4096]);
/// assert_eq!(cache.weight(), 4096);
/// ```
pub struct CacheBuilder<K, V, W = WeighBoth> {
    pub(crate) config: CacheConfig,
    pub(crate) clock: CacheClock,
    pub(crate) weigher: W,
    pub(crate) shards: Option<usize>,
    pub(crate) policy: Policy,
    pub(crate) _types: PhantomData<fn(K, V)>,
}

impl<K, V> CacheBuilder<K, V, WeighBoth> {
    /// A builder with the defaults above.
    pub fn new() -> Self {
        Self {
            config: CacheConfig::default(),
            clock: CacheClock::new(SystemClock::new()),
            weigher: WeighBoth,
            shards: None,
            policy: Policy::Lru,
            _types: PhantomData,
        }
    }
}

impl<K, V> Default for CacheBuilder<K, V, WeighBoth> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V, W> CacheBuilder<K, V, W> {
    /// Bound the number of entries.
    pub fn max_entries(mut self, n: usize) -> Self {
        self.config.max_entries = Some(n);
        self
    }

    /// Bound the total weight in bytes.
    pub fn max_bytes(mut self, n: u64) -> Self {
        self.config.max_bytes = Some(n);
        self
    }

    /// TTL for entries inserted without one; `None` = never expire.
    pub fn default_ttl(mut self, ttl: Option<Duration>) -> Self {
        self.config.default_ttl = ttl;
        self
    }

    /// All bounds at once.
    pub fn config(mut self, config: CacheConfig) -> Self {
        self.config = config;
        self
    }

    /// The time source (e.g. a [`crate::ManualClock`] in tests and simulations).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = CacheClock::new(clock);
        self
    }

    /// Number of shards of the thread-safe cache's single-flight table (clamped to 1..=65,536,
    /// then rounded up to a power of two; default 4 × the number of cores). Entries themselves live in one core with
    /// one global budget (see the crate documentation), so this only spreads concurrent loads.
    pub fn shards(mut self, n: usize) -> Self {
        self.shards = Some(n);
        self
    }

    /// The eviction policy (default [`Policy::Lru`]; see the crate documentation, "Policies").
    ///
    /// ```
    /// use gencache::{CacheBuilder, Policy};
    ///
    /// let mut cache = CacheBuilder::<u32, u32>::new()
    ///     .max_entries(1_000)
    ///     .policy(Policy::Sieve)
    ///     .build_unsync();
    /// cache.insert(1, 1);
    /// assert_eq!(cache.policy(), Policy::Sieve);
    /// ```
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Replace the default weigher with a closure `|key, value| bytes`.
    pub fn weigher<W2>(self, weigher: W2) -> CacheBuilder<K, V, W2>
    where
        W2: Weigher<K, V>,
    {
        CacheBuilder {
            config: self.config,
            clock: self.clock,
            weigher,
            shards: self.shards,
            policy: self.policy,
            _types: PhantomData,
        }
    }
}
