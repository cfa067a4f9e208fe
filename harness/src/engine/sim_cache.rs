//! What the engine needs from a cache, and the three caches it replays through.
//!
//! - [`NoCache`]: the baseline, every lookup misses and nothing is stored.
//! - [`GencacheSim`] (alias [`LruSim`]): the real single-threaded `gencache` core with one of
//!   its policies, values are the result sizes; the
//!   replay whose hit counts and timings are reported.
//! - [`MemorySim`]: the real thread-safe `gencache::Cache` holding real (zeroed) payload
//!   allocations, with the heap it keeps measured by the counting allocator.
//!
//! Each one drives a [`ManualClock`] to the virtual time of the operation first, so TTL and
//! budgets act in virtual time.

use crate::alloc;
use crate::sized_cache::sized_cache;
use gencache::{CacheConfig, CacheStats, ManualClock};
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

impl CacheLimits {
    /// The same bounds as the cache crate's configuration.
    pub fn cache_config(&self) -> CacheConfig {
        CacheConfig {
            max_entries: self.max_entries.map(to_usize),
            max_bytes: self.max_bytes,
            default_ttl: self.ttl,
        }
    }
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
    /// Stores the generated result (`size` bytes, which took `cost_ns` to generate) for `key`
    /// at `now_ns`.
    ///
    /// # Errors
    ///
    /// [`AllocationFailed`] when a cache holding real payloads cannot allocate this one.
    fn insert(
        &mut self,
        key: u64,
        size: u64,
        cost_ns: u64,
        now_ns: u64,
    ) -> Result<(), AllocationFailed>;
    /// Current occupancy.
    fn occupancy(&self) -> Occupancy;
    /// The cache's own statistics (zeros for the baseline).
    fn stats(&self) -> CacheStats;
}

/// A result's payload could not be allocated (the engine names the request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot allocate a result of {size} bytes")]
pub struct AllocationFailed {
    /// The size asked for, bytes.
    pub size: u64,
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
    fn insert(
        &mut self,
        _key: u64,
        _size: u64,
        _cost_ns: u64,
        _now_ns: u64,
    ) -> Result<(), AllocationFailed> {
        Ok(())
    }
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

/// The virtual clock of a [`GencacheSim`]: the engine sets it to each operation's virtual time,
/// the cache reads it. Like [`ManualClock::set`] it never goes backwards, but without an atomic
/// read-modify-write: one thread (the replay's) both sets and reads it, so a plain load and
/// store do (a `fetch_max` per cache operation was a measurable part of a replayed request).
#[derive(Debug, Clone, Default)]
pub struct VirtualClock {
    nanos: Arc<std::sync::atomic::AtomicU64>,
}

impl VirtualClock {
    /// Moves the clock to `nanos` if that is later than it is.
    #[inline]
    pub fn set_nanos(&self, nanos: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        if nanos > self.nanos.load(Relaxed) {
            self.nanos.store(nanos, Relaxed);
        }
    }
}

impl gencache::Clock for VirtualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.now_nanos())
    }
    #[inline]
    fn now_nanos(&self) -> u64 {
        self.nanos.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// The real single-threaded `gencache` core with one of its policies (LRU by default); each
/// value is the result's size in bytes, and the weigher charges exactly that size against the
/// byte budget. The cost-aware policy is given each result's generation cost.
pub struct GencacheSim {
    cache: gencache::unsync::Cache<u64, u64>,
    clock: VirtualClock,
    with_cost: bool,
}

/// The name the engine has always used for gencache's core: with [`GencacheSim::new`] it is
/// gencache's exact LRU.
pub type LruSim = GencacheSim;

impl GencacheSim {
    /// An LRU cache with these bounds, starting at virtual time zero.
    pub fn new(limits: &CacheLimits) -> Self {
        Self::with_policy(limits, gencache::Policy::Lru)
    }

    /// A cache with these bounds and this gencache policy, starting at virtual time zero.
    pub fn with_policy(limits: &CacheLimits, policy: gencache::Policy) -> Self {
        let clock = VirtualClock::default();
        let cache = sized_cache(limits.cache_config(), clock.clone())
            .policy(policy)
            .build_unsync();
        Self {
            cache,
            clock,
            with_cost: policy == gencache::Policy::CostAware,
        }
    }
}

impl SimCache for GencacheSim {
    fn enabled(&self) -> bool {
        true
    }
    #[inline]
    fn lookup(&mut self, key: u64, now_ns: u64) -> bool {
        self.clock.set_nanos(now_ns);
        self.cache.get(&key).is_some()
    }
    #[inline]
    fn insert(
        &mut self,
        key: u64,
        size: u64,
        cost_ns: u64,
        now_ns: u64,
    ) -> Result<(), AllocationFailed> {
        self.clock.set_nanos(now_ns);
        if self.with_cost {
            self.cache
                .insert_with_cost(key, size, Duration::from_nanos(cost_ns));
        } else {
            self.cache.insert(key, size);
        }
        Ok(())
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
    max_bytes: Option<u64>,
    /// Results larger than the whole byte budget, refused without allocating them (the cache
    /// would refuse them anyway); added to the cache's own `refused_too_large`.
    refused_unallocated: u64,
}

impl MemorySim {
    /// A cache with these bounds, starting at virtual time zero.
    pub fn new(limits: &CacheLimits) -> Self {
        alloc::keep_large_zeroed_allocations_lazy();
        let clock = ManualClock::new();
        let (cache, heap) =
            alloc::measure(|| sized_cache(limits.cache_config(), clock.clone()).build());
        Self {
            cache,
            clock,
            heap,
            max_bytes: limits.max_bytes,
            refused_unallocated: 0,
        }
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
    fn insert(
        &mut self,
        key: u64,
        size: u64,
        _cost_ns: u64,
        now_ns: u64,
    ) -> Result<(), AllocationFailed> {
        self.clock.set(Duration::from_nanos(now_ns));
        if self.max_bytes.is_some_and(|max| size > max) {
            // The cache refuses a value heavier than its whole budget; allocating it first
            // (possibly petabytes from a trace's size column) would only abort the process.
            self.refused_unallocated += 1;
            return Ok(());
        }
        let (inserted, kept) = alloc::measure(|| {
            let payload: Payload = Arc::new(zeroed_payload(size)?);
            self.cache.insert(key, payload);
            Ok(())
        });
        self.heap += kept;
        inserted
    }
    fn occupancy(&self) -> Occupancy {
        Occupancy {
            entries: self.cache.len() as u64,
            payload_bytes: self.cache.weight(),
            heap_bytes: Some(self.heap_bytes()),
        }
    }
    fn stats(&self) -> CacheStats {
        let mut stats = self.cache.stats();
        stats.refused_too_large += self.refused_unallocated;
        stats
    }
}

/// `size` zeroed bytes, allocated fallibly and lazily zeroed: `alloc_zeroed` maps fresh pages
/// for large sizes that the OS only backs when touched (`vec![0; n]` would abort the process
/// when the allocation fails, and `try_reserve` + `resize` would write, committing the RAM).
fn zeroed_payload(size: u64) -> Result<Vec<u8>, AllocationFailed> {
    let failed = AllocationFailed { size };
    let len = usize::try_from(size).map_err(|_| failed)?;
    if len == 0 {
        return Ok(Vec::new());
    }
    let layout = std::alloc::Layout::array::<u8>(len).map_err(|_| failed)?;
    // SAFETY: `layout` has a non-zero size (len > 0 was checked above), as `alloc_zeroed`
    // requires.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
    if ptr.is_null() {
        return Err(failed);
    }
    // SAFETY: `ptr` is non-null and was allocated by the global allocator (the allocator `Vec`
    // uses) with the layout of `[u8; len]`: alignment 1 as for `u8` and size exactly
    // `len * size_of::<u8>()` = the capacity given; all `len` bytes are initialized (zeroed by
    // `alloc_zeroed`, and 0 is a valid `u8`); `len <= capacity`; and ownership passes to the
    // `Vec`, nothing else frees or uses `ptr`.
    Ok(unsafe { Vec::from_raw_parts(ptr, len, len) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_virtual_clock_never_goes_backwards_and_is_shared_by_its_clones() {
        use gencache::Clock;
        let clock = VirtualClock::default();
        let read = clock.clone();
        clock.set_nanos(5_000);
        clock.set_nanos(3_000);
        assert_eq!(read.now_nanos(), 5_000);
        assert_eq!(read.now(), Duration::from_nanos(5_000));
        clock.set_nanos(u64::MAX);
        assert_eq!(read.now_nanos(), u64::MAX);
    }

    #[test]
    fn zeroed_payloads_have_the_size_asked_and_are_all_zero() {
        for size in [0u64, 1, 4096, 3 * 1024 * 1024 + 7] {
            let payload = zeroed_payload(size).map_err(|e| e.to_string());
            let Ok(mut payload) = payload else {
                panic!("size {size}: {payload:?}")
            };
            assert_eq!(payload.len() as u64, size);
            assert_eq!(payload.capacity() as u64, size);
            assert!(payload.iter().all(|&b| b == 0));
            // The Vec owns the memory: it can be written, grown (realloc) and dropped (dealloc).
            payload.push(7);
            assert_eq!(payload.last(), Some(&7));
        }
    }

    #[test]
    fn an_impossible_payload_is_an_error_not_an_abort() {
        // Far beyond any address space (and beyond isize::MAX for Layout on the largest).
        for size in [1u64 << 50, 1 << 62, u64::MAX] {
            assert_eq!(zeroed_payload(size), Err(AllocationFailed { size }));
        }
    }

    #[test]
    fn a_result_over_the_whole_budget_is_refused_without_allocating() {
        let limits = CacheLimits {
            max_bytes: Some(1024),
            ..CacheLimits::default()
        };
        let mut cache = MemorySim::new(&limits);
        assert_eq!(cache.insert(1, 1 << 50, 0, 0), Ok(()));
        assert_eq!(cache.insert(2, 100, 0, 0), Ok(()));
        assert_eq!(cache.stats().refused_too_large, 1);
        assert_eq!(cache.occupancy().entries, 1);
        assert_eq!(cache.occupancy().payload_bytes, 100);
    }

    #[test]
    fn without_a_budget_an_impossible_result_is_an_error() {
        let mut cache = MemorySim::new(&CacheLimits::default());
        assert_eq!(
            cache.insert(1, 1 << 62, 0, 0),
            Err(AllocationFailed { size: 1 << 62 })
        );
        assert_eq!(cache.occupancy().entries, 0);
    }
}
