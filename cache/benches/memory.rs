//! Memory per entry beyond key and value, for gencache and its peers, measured with a counting
//! global allocator (live heap bytes, as requested from the allocator).
//!
//! Run (release, a few seconds):
//!
//! ```text
//! cargo bench -p gencache --bench memory
//! ```
//!
//! For each cache and each size n (100,000 and 1,000,000), a cache bounded to n entries is built
//! and filled with n `u64 → u64` entries (keys 0..n), its deferred work is settled, and
//! `(live heap after filling − live heap before building) / entries held − 16` (the key and the
//! value) is reported: everything the cache allocates is charged, including structures sized at
//! construction (moka's frequency sketch, quick_cache's preallocated shards). gencache runs with
//! its defaults (24 h TTL on every entry, statistics on), the configuration the ≤ 48 bytes target
//! is about; a row without TTL shows what the expiry queue costs; one row per other policy, and
//! one for cost-aware's worst case (`gencache_cost_aware_1s_costs`: every entry with a cost of its
//! own and inserted in a second of its own, on a manual clock, so that the table giving each
//! entry's last-access second back from its tie-break stamp holds one checkpoint per entry). A cache
//! filled to its bound has evicted nothing, so S3-FIFO's ghost (filled by evictions from the
//! small queue, up to 0.9 × the bound) is empty here: the crate documentation gives its cost.
//!
//! Reading the output: one Markdown table; `beyond K+V` is the figure to compare. The allocator's
//! own per-allocation header (glibc: 8–16 bytes) is not included: `allocs/entry` shows who pays it
//! (`lru` allocates every entry separately; the others store entries in bulk arrays).
//!
//! `cargo test -p gencache` runs this program in a quick mode (10,000 entries) that checks the
//! counting allocator against known allocations and sanity-checks every row.

mod common;

use common::{
    BenchCache, GenCache, GenCacheCostAware, GenCacheS3Fifo, GenCacheSieve, LruMutex, Moka,
    QuickCache,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::error::Error;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Bytes currently allocated (requested sizes).
static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
/// Allocations currently live.
static LIVE_ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

/// The size of a `u64` key plus a `u64` value.
const KEY_AND_VALUE: f64 = (2 * size_of::<u64>()) as f64;
/// The target of issue 2 for gencache, in bytes per entry beyond key and value.
const TARGET_BYTES: f64 = 48.0;

/// The system allocator, counting live bytes and allocations.
struct CountingAllocator;

// SAFETY: every method forwards its arguments unchanged to `System`, which upholds the
// `GlobalAlloc` contract (valid, suitably aligned blocks; `dealloc`/`realloc` only ever receive
// pointers that `System` returned, because every allocation of this program goes through this
// type). The only addition is a relaxed atomic counter update, which neither allocates, panics nor
// unwinds, so no allocator re-entrancy or unwinding out of the allocator can happen. Exercised by
// `check_counter` below, which `cargo test -p gencache` runs.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees for `alloc` (non-zero size) are passed on unchanged.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
            LIVE_ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
            LIVE_ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was returned by this allocator, i.e. by `System`, with this `layout`.
        unsafe { System.dealloc(ptr, layout) };
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        LIVE_ALLOCATIONS.fetch_sub(1, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` was returned by `System` with `layout`; `new_size` is the caller's, valid.
        let new_ptr = unsafe { System.realloc(ptr, layout, new_size) };
        if !new_ptr.is_null() {
            // On failure the old block stays allocated and the counters stay as they are.
            LIVE_BYTES.fetch_add(new_size, Ordering::Relaxed);
            LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        new_ptr
    }
}

fn live() -> (usize, usize) {
    (
        LIVE_BYTES.load(Ordering::Relaxed),
        LIVE_ALLOCATIONS.load(Ordering::Relaxed),
    )
}

common::gencache_variant!(
    GenCacheNoTtl,
    "gencache_no_ttl",
    "gencache without TTL (`default_ttl(None)`), to show what the expiry queue costs.",
    |builder: gencache::CacheBuilder<u64, u64>| builder.default_ttl(None)
);

/// Cost-aware in its worst case for memory: every entry has a cost of its own (all priorities
/// distinct) and was inserted in a second of its own (a manual clock advanced one second per
/// insert, with a 30-day TTL so nothing expires), so the table that gives each entry's last-access
/// second back from its tie-break stamp holds one checkpoint per entry.
struct GenCacheCostAwareWorst {
    cache: gencache::Cache<u64, u64>,
    clock: gencache::ManualClock,
}

impl BenchCache for GenCacheCostAwareWorst {
    const NAME: &'static str = "gencache_cost_aware_1s_costs";

    fn with_capacity(entries: usize) -> Self {
        let clock = gencache::ManualClock::new();
        let cache = gencache::Cache::builder()
            .max_entries(entries)
            .policy(gencache::Policy::CostAware)
            .default_ttl(Some(std::time::Duration::from_secs(30 * 86_400)))
            .clock(clock.clone())
            .build();
        Self { cache, clock }
    }

    fn get(&self, key: u64) -> Option<u64> {
        self.cache.get(&key)
    }

    fn insert(&self, key: u64, value: u64) {
        self.clock.advance(std::time::Duration::from_secs(1));
        let cost = std::time::Duration::from_nanos(1_000_000 + key * 7);
        self.cache.insert_with_cost(key, value, cost);
    }

    fn len(&self) -> usize {
        self.cache.len()
    }
}

/// One measured cache at one size.
struct Row {
    cache: &'static str,
    requested: usize,
    held: usize,
    /// Keys `0..requested` that `get` returns with their value, read after measuring.
    readable: usize,
    heap_bytes: usize,
    allocations: usize,
}

impl Row {
    fn bytes_per_entry(&self) -> f64 {
        self.heap_bytes as f64 / self.held.max(1) as f64
    }

    fn beyond_key_and_value(&self) -> f64 {
        self.bytes_per_entry() - KEY_AND_VALUE
    }

    fn allocations_per_entry(&self) -> f64 {
        self.allocations as f64 / self.held.max(1) as f64
    }
}

/// Builds a cache bounded to `entries`, fills it, and measures the heap it holds.
fn measure<C: BenchCache>(entries: usize) -> Row {
    let (bytes_before, allocations_before) = live();
    let cache = C::with_capacity(entries);
    for key in 0..entries as u64 {
        cache.insert(key, key);
    }
    cache.settle();
    let (bytes_after, allocations_after) = live();
    let held = cache.len();
    let readable = (0..entries as u64)
        .filter(|&key| cache.get(key) == Some(key))
        .count();
    drop(black_box(cache));
    Row {
        cache: C::NAME,
        requested: entries,
        held,
        readable,
        heap_bytes: bytes_after.saturating_sub(bytes_before),
        allocations: allocations_after.saturating_sub(allocations_before),
    }
}

fn measure_all(entries: usize) -> Vec<Row> {
    vec![
        measure::<GenCache>(entries),
        measure::<GenCacheNoTtl>(entries),
        measure::<GenCacheS3Fifo>(entries),
        measure::<GenCacheSieve>(entries),
        measure::<GenCacheCostAware>(entries),
        measure::<GenCacheCostAwareWorst>(entries),
        measure::<LruMutex>(entries),
        measure::<QuickCache>(entries),
        measure::<Moka>(entries),
    ]
}

fn print_table(rows: &[Row]) {
    println!("| cache | entries | held | heap MiB | bytes/entry | beyond K+V | allocs/entry |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        println!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.3} |",
            row.cache,
            row.requested,
            row.held,
            row.heap_bytes as f64 / (1024.0 * 1024.0),
            row.bytes_per_entry(),
            row.beyond_key_and_value(),
            row.allocations_per_entry(),
        );
    }
}

/// The counting allocator must see exactly the bytes of a known allocation, and give them back.
fn check_counter() -> Result<(), String> {
    let (before, _) = live();
    let mut block: Vec<u64> = Vec::with_capacity(1000);
    block.push(1);
    let (during, _) = live();
    block.reserve_exact(4000 - block.len()); // realloc to exactly 4000 elements
    let (grown, _) = live();
    drop(black_box(block));
    let (after, _) = live();
    if during - before != 8000 || grown - before != 32_000 || after != before {
        return Err(format!(
            "counting allocator is wrong: +{} (want 8000), +{} after growth (want 32000), \
             {} after free (want {before})",
            during - before,
            grown - before,
            after
        ));
    }
    Ok(())
}

/// Sanity of a run: every cache holds entries, no cache returns more keys than it holds, gencache
/// holds and returns exactly what it was given (exact bound, nothing evicted), and every figure is
/// at least the size of key and value.
fn check_rows(rows: &[Row]) -> Result<(), String> {
    for row in rows {
        if row.held == 0 || row.bytes_per_entry() < KEY_AND_VALUE {
            return Err(format!(
                "{}: implausible measurement ({} entries held, {:.1} bytes/entry)",
                row.cache,
                row.held,
                row.bytes_per_entry()
            ));
        }
        if row.readable > row.held {
            return Err(format!(
                "{}: returns {} keys but holds {} entries",
                row.cache, row.readable, row.held
            ));
        }
        if row.cache.starts_with("gencache")
            && (row.held != row.requested || row.readable != row.requested)
        {
            return Err(format!(
                "{}: holds {} entries and returns {} keys; {} were inserted into a cache bounded \
                 to as many",
                row.cache, row.held, row.readable, row.requested
            ));
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    check_counter()?;
    // `cargo bench` passes `--bench`; `cargo test` runs the quick mode.
    let full = std::env::args().any(|arg| arg == "--bench");
    let sizes: &[usize] = if full {
        &[100_000, 1_000_000]
    } else {
        &[10_000]
    };

    println!(
        "memory per entry beyond key and value (u64 → u64: 16 bytes), caches filled to their bound\n"
    );
    let mut rows = Vec::new();
    for &entries in sizes {
        rows.extend(measure_all(entries));
    }
    print_table(&rows);
    check_rows(&rows)?;

    println!(
        "\ngencache target (24 h TTL, stats on): at most {TARGET_BYTES} bytes beyond key and value"
    );
    let policies = [
        GenCache::NAME,
        GenCacheS3Fifo::NAME,
        GenCacheSieve::NAME,
        GenCacheCostAware::NAME,
    ];
    for row in rows.iter().filter(|r| policies.contains(&r.cache)) {
        let beyond = row.beyond_key_and_value();
        let verdict = if beyond <= TARGET_BYTES {
            "met".to_string()
        } else {
            format!("MISSED by {:.1} bytes", beyond - TARGET_BYTES)
        };
        println!(
            "- {} {} entries: {beyond:.1} bytes: {verdict}",
            row.cache, row.requested
        );
    }
    Ok(())
}
