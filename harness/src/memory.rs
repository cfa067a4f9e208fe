//! Where the "under 10 % memory overhead" claim breaks: a sweep over result sizes, each
//! measured with real payloads in the real thread-safe cache.

use crate::engine::{CacheLimits, MemorySim, SimCache};
use reports::results::MemoryReport;

/// Result sizes of the sweep: 128 B to 1 MiB.
pub const SWEEP_SIZES: &[u64] = &[
    128,
    1024,
    4 * 1024,
    16 * 1024,
    64 * 1024,
    256 * 1024,
    1024 * 1024,
];

/// Entries per sweep point.
pub const SWEEP_ENTRIES: u64 = 1024;

/// One point of the sweep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepPoint {
    /// Size of every result, bytes.
    pub result_size: u64,
    /// What was measured.
    pub memory: MemoryReport,
}

/// Measures the overhead of holding `entries` results of `size` bytes each.
///
/// ```
/// #[global_allocator]
/// static GLOBAL: harness::alloc::CountingAlloc = harness::alloc::CountingAlloc;
///
/// fn main() {
///     let p = harness::memory::measure_fixed_size(4096, 100);
///     assert_eq!(p.memory.payload_bytes, 409_600);
///     assert!(p.memory.heap_bytes > p.memory.payload_bytes);
/// }
/// ```
pub fn measure_fixed_size(size: u64, entries: u64) -> SweepPoint {
    let mut cache = MemorySim::new(&CacheLimits::default());
    for key in 0..entries {
        // Out of memory for a sweep point: measure what the cache holds so far.
        if cache.insert(key, size, 0).is_err() {
            tracing::warn!(
                size,
                key,
                "memory sweep: cannot allocate a result, stopping early"
            );
            break;
        }
    }
    let o = cache.occupancy();
    SweepPoint {
        result_size: size,
        memory: MemoryReport::new(o.payload_bytes, o.heap_bytes.unwrap_or(0), o.entries),
    }
}

/// The sweep over [`SWEEP_SIZES`], [`SWEEP_ENTRIES`] entries each.
pub fn sweep() -> Vec<SweepPoint> {
    SWEEP_SIZES
        .iter()
        .map(|&s| measure_fixed_size(s, SWEEP_ENTRIES))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overhead_per_entry_is_roughly_constant_so_the_percentage_falls_with_size() {
        let small = measure_fixed_size(128, 512);
        let large = measure_fixed_size(64 * 1024, 512);
        assert_eq!(small.memory.entries, 512);
        let per_entry = |p: &SweepPoint| p.memory.overhead_per_entry.unwrap_or(f64::NAN);
        assert!(per_entry(&small) > 0.0);
        assert!(small.memory.overhead_pct > large.memory.overhead_pct);
        // The per-entry cost does not depend on the payload size (within a factor of 2).
        let r = per_entry(&small) / per_entry(&large);
        assert!((0.5..2.0).contains(&r), "{small:?} {large:?}");
    }
}
