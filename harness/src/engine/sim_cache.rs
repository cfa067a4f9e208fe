//! What the engine needs from a cache, and the three caches it replays through.
//!
//! - [`NoCache`]: the baseline, every lookup misses and nothing is stored.
//! - [`LruSim`]: the real single-threaded `gencache` core, values are the result sizes; the
//!   replay whose hit counts and timings are reported.
//! - [`MemorySim`]: the real thread-safe `gencache::Cache` holding real (zeroed) payload
//!   allocations, with the heap it keeps measured by the counting allocator.
//!
//! Each one drives a [`ManualClock`] to the virtual time of the operation first, so TTL and
//! budgets act in virtual time.

use crate::alloc;
use gencache::{CacheBuilder, CacheStats, ManualClock};
use std::sync::Arc;
use std::time::Duration;

/// The bounds the cached side replays with.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CacheLimits {
    /// Maximum number of entries, `None` = unbounded.
    pub max_entries: Option<u64>,
    /// Maximum total payload bytes, `None` = unbounded.
    pub max_bytes: Option<u64>,
    /// Default TTL, `None` = entries never expire.
    pub ttl: Option<Duration>,
}

/// Occupancy of a cache at a point of the replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Occupancy {
    /// Entries held.
    pub entries: u64,
    /// Payload (weight) bytes held.
    pub payload_bytes: u64,
    /// Heap bytes held by the cache, when measured.
    pub heap_bytes: Option<u64>,
}

/// The cache operations the engine performs, at a virtual time in nanoseconds.
pub trait SimCache {
    /// Whether this is a real cache (false for the baseline: no lookups are even attempted).
    fn enabled(&self) -> bool;
    /// Looks `key` up at `now_ns`; true when a live entry answered.
    fn lookup(&mut self, key: u64, now_ns: u64) -> bool;
    /// Stores the generated result (`size` bytes) for `key` at `now_ns`.
    fn insert(&mut self, key: u64, size: u64, now_ns: u64);
    /// Current occupancy.
    fn occupancy(&self) -> Occupancy;
    /// The cache's own statistics (zeros for the baseline).
    fn stats(&self) -> CacheStats;
}

/// The baseline: no cache at all.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoCache;

impl SimCache for NoCache {
    fn enabled(&self) -> bool {
        false
    }
    fn lookup(&mut self, _key: u64, _now_ns: u64) -> bool {
        false
    }
    fn insert(&mut self, _key: u64, _size: u64, _now_ns: u64) {}
    fn occupancy(&self) -> Occupancy {
        Occupancy::default()
    }
    fn stats(&self) -> CacheStats {
        CacheStats::default()
    }
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn builder_for<V>(limits: &CacheLimits, clock: &ManualClock) -> CacheBuilder<u64, V> {
    let mut builder = CacheBuilder::new()
        .default_ttl(limits.ttl)
        .clock(clock.clone());
    if let Some(n) = limits.max_entries {
        builder = builder.max_entries(to_usize(n));
    }
    if let Some(b) = limits.max_bytes {
        builder = builder.max_bytes(b);
    }
    builder
}

/// The real single-threaded `gencache` core; each value is the result's size in bytes, and the
/// weigher charges exactly that size against the byte budget.
pub struct LruSim {
    cache: gencache::unsync::Cache<u64, u64>,
    clock: ManualClock,
}

impl LruSim {
    /// A cache with these bounds, starting at virtual time zero.
    pub fn new(limits: &CacheLimits) -> Self {
        let clock = ManualClock::new();
        let cache = builder_for::<u64>(limits, &clock)
            .weigher(|_key: &u64, size: &u64| to_usize(*size))
            .build_unsync();
        Self { cache, clock }
    }
}

impl SimCache for LruSim {
    fn enabled(&self) -> bool {
        true
    }
    #[inline]
    fn lookup(&mut self, key: u64, now_ns: u64) -> bool {
        self.clock.set(Duration::from_nanos(now_ns));
        self.cache.get(&key).is_some()
    }
    #[inline]
    fn insert(&mut self, key: u64, size: u64, now_ns: u64) {
        self.clock.set(Duration::from_nanos(now_ns));
        self.cache.insert(key, size);
    }
    fn occupancy(&self) -> Occupancy {
        Occupancy {
            entries: self.cache.len() as u64,
            payload_bytes: self.cache.weight(),
            heap_bytes: None,
        }
    }
    fn stats(&self) -> CacheStats {
        self.cache.stats()
    }
}

/// A generated result as a real allocation: `size` zeroed bytes behind a shared pointer (a hit
/// hands out a clone of the pointer, as a service would). Zeroed memory comes from
/// `alloc_zeroed`, which the OS backs lazily, so gigabytes of payload cost little RAM.
pub type Payload = Arc<Vec<u8>>;

/// The real thread-safe `gencache::Cache` holding real payloads; every operation is wrapped in
/// a reading of this thread's allocation counter, so `heap` is the heap the cache keeps alive
/// (payloads included, as allocated through it).
pub struct MemorySim {
    cache: gencache::Cache<u64, Payload>,
    clock: ManualClock,
    heap: i64,
}

impl MemorySim {
    /// A cache with these bounds, starting at virtual time zero.
    pub fn new(limits: &CacheLimits) -> Self {
        alloc::keep_large_zeroed_allocations_lazy();
        let clock = ManualClock::new();
        let (cache, heap) = alloc::measure(|| {
            builder_for::<Payload>(limits, &clock)
                .weigher(|_key: &u64, payload: &Payload| payload.len())
                .build()
        });
        Self { cache, clock, heap }
    }

    /// Heap bytes the cache holds now (structure plus payloads).
    pub fn heap_bytes(&self) -> u64 {
        u64::try_from(self.heap).unwrap_or(0)
    }
}

impl SimCache for MemorySim {
    fn enabled(&self) -> bool {
        true
    }
    fn lookup(&mut self, key: u64, now_ns: u64) -> bool {
        self.clock.set(Duration::from_nanos(now_ns));
        let (hit, kept) = alloc::measure(|| self.cache.get(&key).is_some());
        self.heap += kept;
        hit
    }
    fn insert(&mut self, key: u64, size: u64, now_ns: u64) {
        self.clock.set(Duration::from_nanos(now_ns));
        let (_, kept) = alloc::measure(|| {
            let payload: Payload = Arc::new(vec![0u8; to_usize(size)]);
            self.cache.insert(key, payload);
        });
        self.heap += kept;
    }
    fn occupancy(&self) -> Occupancy {
        Occupancy {
            entries: self.cache.len() as u64,
            payload_bytes: self.cache.weight(),
            heap_bytes: Some(self.heap_bytes()),
        }
    }
    fn stats(&self) -> CacheStats {
        self.cache.stats()
    }
}
