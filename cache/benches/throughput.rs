//! Throughput of gencache against `lru` (behind a `parking_lot::Mutex`), `quick_cache::sync` and
//! `moka::sync`, side by side in ONE run and in the same criterion groups, so that the ratios are
//! meaningful on a small, noisy machine (absolute ns/op drift between runs; ratios much less).
//!
//! Run it once, in release (about 2 minutes after the build):
//!
//! ```text
//! cargo bench -p gencache --bench throughput
//! cargo bench -p gencache --bench throughput -- zipf_2t    # a single group
//! ```
//!
//! Every cache stores `u64 → u64`, is bounded to 100,000 entries and keeps its own defaults
//! (gencache: 24 h TTL and statistics on); gencache runs once per policy (`gencache` is exact LRU,
//! then `gencache_s3fifo`, `gencache_sieve`, `gencache_cost_aware`). `gencache_coarse_clock` is gencache with the crate's
//! `CoarseClock` (1 ms, `coarse_clock`), measured beside the default to show what the exact clock
//! read on every operation costs, and `gencache_s3fifo_coarse_clock` is S3-FIFO with the same clock
//! for the same comparison on the shared-lock path.
//! Groups:
//!
//! * `get_hit` — a warm cache; each operation is a `get` of a random key known to be present.
//! * `insert_evict` — a full cache; each operation inserts a key never seen before, which evicts one
//!   (moka's TinyLFU admission may instead reject the newcomer: that is its normal insert path).
//! * `zipf_1t`, `zipf_2t`, `zipf_4t` — a mixed workload on 1, 2 and 4 threads sharing one cache: keys drawn from
//!   Zipf(s = 1.0) over 1,000,000 keys; 90 % of operations are reads (`get`), 10 % are fills
//!   (`get`, and `insert` on a miss, as a cache-aside caller does). The cache is warmed first by
//!   one pass of cache-aside over the whole operation sequence. On 2 threads, each thread replays
//!   its own part of the sequence and the time is the wall time from the common start to the last
//!   thread's end, so ns/op is the aggregate cost (half the 1-thread figure = perfect scaling).
//!
//! Reading the output: criterion prints `time: [low estimate high]` per operation for each cache.
//! At the end a table gives each cache's ns/op and the ratio `peer ns/op ÷ gencache ns/op`
//! (above 1 = gencache is faster), checked against the targets of issue 2: ≥ 1.2× `lru_mutex` on
//! one thread, ≥ 1× `quick_cache` on two threads, ≥ 5× `moka`. The same table is written to
//! `target/criterion/gencache-throughput.md`. Randomness comes from a fixed seed printed at start.
//!
//! `-- --interleaved` measures the same groups without criterion, every cache of a group in
//! turn within each round (see `interleaved`): the figures to trust on a shared, noisy machine.

mod coarse_clock;
mod common;
mod interleaved;

use coarse_clock::{GenCacheCoarseClock, GenCacheS3FifoCoarseClock};
use common::{
    BenchCache, GenCache, GenCacheCostAware, GenCacheS3Fifo, GenCacheSieve, LruMutex, Moka,
    QuickCache,
};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::Zipf;
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::error::Error;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Barrier;
use std::time::{Duration, Instant, SystemTime};
use std::{fs, thread};

/// Fixed seed: every run replays the same keys, so a surprising figure reproduces.
const SEED: u64 = 0x6765_6e63_6163_6865;
/// Entries every cache is bounded to.
const CAPACITY: usize = 100_000;
/// Distinct keys of the Zipf workload.
const ZIPF_KEYS: u64 = 1_000_000;
const ZIPF_EXPONENT: f64 = 1.0;
/// Share of fill operations (`get`, then `insert` on a miss) in the Zipf workload.
const FILL_SHARE: f64 = 0.10;
/// Length of the precomputed Zipf operation sequence (a power of two: replayed cyclically).
const ZIPF_OPS: usize = 1 << 20;
/// Length of the precomputed random lookup sequence of `get_hit` (a power of two).
const LOOKUPS: usize = 1 << 16;
/// Marks a fill operation in the encoded Zipf sequence (keys are below 2^20).
const FILL_BIT: u64 = 1 << 63;

/// Group names, in run order, with the number of threads used.
const GROUPS: [(&str, usize); 5] = [
    ("get_hit", 1),
    ("insert_evict", 1),
    ("zipf_1t", 1),
    ("zipf_2t", 2),
    ("zipf_4t", 4),
];
/// Criterion function ids: the gencache variants (the references of the ratios), then peers.
const CACHES: [&str; 9] = [
    GenCache::NAME,
    GenCacheCoarseClock::NAME,
    GenCacheS3Fifo::NAME,
    GenCacheS3FifoCoarseClock::NAME,
    GenCacheSieve::NAME,
    GenCacheCostAware::NAME,
    LruMutex::NAME,
    QuickCache::NAME,
    Moka::NAME,
];
/// The peers among `CACHES` (the rest are gencache variants).
const PEERS: [&str; 3] = [LruMutex::NAME, QuickCache::NAME, Moka::NAME];

fn main() -> Result<(), Box<dyn Error>> {
    let started = SystemTime::now();
    println!("seed = {SEED:#x}");
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--interleaved") {
        // `cargo bench` adds `--bench`; the first other free argument filters the groups.
        let filter = args[1..]
            .iter()
            .find(|a| !a.starts_with("--"))
            .map(String::as_str);
        return interleaved::run(filter);
    }
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
        .configure_from_args();

    let mut group = criterion.benchmark_group(GROUPS[0].0);
    group.throughput(Throughput::Elements(1));
    bench_get_hit::<GenCache>(&mut group);
    bench_get_hit::<GenCacheCoarseClock>(&mut group);
    bench_get_hit::<GenCacheS3Fifo>(&mut group);
    bench_get_hit::<GenCacheS3FifoCoarseClock>(&mut group);
    bench_get_hit::<GenCacheSieve>(&mut group);
    bench_get_hit::<GenCacheCostAware>(&mut group);
    bench_get_hit::<LruMutex>(&mut group);
    bench_get_hit::<QuickCache>(&mut group);
    bench_get_hit::<Moka>(&mut group);
    group.finish();

    let mut group = criterion.benchmark_group(GROUPS[1].0);
    group.throughput(Throughput::Elements(1));
    bench_insert_evict::<GenCache>(&mut group);
    bench_insert_evict::<GenCacheCoarseClock>(&mut group);
    bench_insert_evict::<GenCacheS3Fifo>(&mut group);
    bench_insert_evict::<GenCacheS3FifoCoarseClock>(&mut group);
    bench_insert_evict::<GenCacheSieve>(&mut group);
    bench_insert_evict::<GenCacheCostAware>(&mut group);
    bench_insert_evict::<LruMutex>(&mut group);
    bench_insert_evict::<QuickCache>(&mut group);
    bench_insert_evict::<Moka>(&mut group);
    group.finish();

    let zipf = Zipf::new(ZIPF_KEYS as f64, ZIPF_EXPONENT)?;
    let ops = OnceCell::new();
    for (name, threads) in &GROUPS[2..] {
        let mut group = criterion.benchmark_group(*name);
        group.throughput(Throughput::Elements(1));
        let workload = ZipfWorkload {
            zipf: &zipf,
            ops: &ops,
            threads: *threads,
        };
        bench_zipf::<GenCache>(&mut group, &workload);
        bench_zipf::<GenCacheCoarseClock>(&mut group, &workload);
        bench_zipf::<GenCacheS3Fifo>(&mut group, &workload);
        bench_zipf::<GenCacheS3FifoCoarseClock>(&mut group, &workload);
        bench_zipf::<GenCacheSieve>(&mut group, &workload);
        bench_zipf::<GenCacheCostAware>(&mut group, &workload);
        bench_zipf::<LruMutex>(&mut group, &workload);
        bench_zipf::<QuickCache>(&mut group, &workload);
        bench_zipf::<Moka>(&mut group, &workload);
        group.finish();
    }

    criterion.final_summary();
    summarize(started)
}

/// A cache of `CAPACITY` entries filled with keys `0..CAPACITY`.
fn filled<C: BenchCache>() -> C {
    let cache = C::with_capacity(CAPACITY);
    for key in 0..CAPACITY as u64 {
        cache.insert(key, key);
    }
    cache.settle();
    cache
}

/// A full cache and a random sequence of keys known to be present in it, or `None` when no key
/// survived the filling.
fn get_hit_setup<C: BenchCache>() -> Option<(C, Vec<u64>)> {
    let cache = filled::<C>();
    // Approximate policies may already have dropped some keys: only look up the ones present.
    let present: Vec<u64> = (0..CAPACITY as u64)
        .filter(|&key| cache.get(key).is_some())
        .collect();
    if present.len() < CAPACITY {
        println!(
            "{}: {} of {CAPACITY} keys present after filling",
            C::NAME,
            present.len()
        );
    }
    if present.is_empty() {
        println!("{}: no key present, nothing to measure", C::NAME);
        return None;
    }
    let mut rng = StdRng::seed_from_u64(SEED);
    let lookups = (0..LOOKUPS)
        .map(|_| present[rng.random_range(0..present.len())])
        .collect();
    Some((cache, lookups))
}

// Set-up happens lazily inside the benchmark closure (criterion calls it only when the benchmark
// is selected, and times only the `iter` loops), so a filtered run builds only what it measures.

fn bench_get_hit<C: BenchCache>(group: &mut BenchmarkGroup<'_, WallTime>) {
    let mut setup = None;
    let mut next = 0usize;
    group.bench_function(C::NAME, |b| {
        let Some((cache, lookups)) = setup.get_or_insert_with(get_hit_setup::<C>) else {
            return;
        };
        b.iter(|| {
            let key = lookups[next & (LOOKUPS - 1)];
            next = next.wrapping_add(1);
            black_box(cache.get(black_box(key)))
        })
    });
}

fn bench_insert_evict<C: BenchCache>(group: &mut BenchmarkGroup<'_, WallTime>) {
    let mut cache = None;
    let mut next_key = CAPACITY as u64;
    group.bench_function(C::NAME, |b| {
        let cache = cache.get_or_insert_with(filled::<C>);
        b.iter(|| {
            cache.insert(black_box(next_key), next_key);
            next_key += 1;
        })
    });
}

/// The Zipf operation sequence: keys in `0..ZIPF_KEYS` (rank − 1), `FILL_BIT` set on fills.
fn zipf_ops(zipf: &Zipf<f64>) -> Vec<u64> {
    let mut rng = StdRng::seed_from_u64(SEED);
    (0..ZIPF_OPS)
        .map(|_| {
            // Zipf samples ranks as floats in [1, n]; the conversion saturates, never panics.
            let key = (rng.sample(zipf) as u64).saturating_sub(1);
            if rng.random_bool(FILL_SHARE) {
                key | FILL_BIT
            } else {
                key
            }
        })
        .collect()
}

/// Applies one encoded operation; returns whether the `get` hit.
#[inline]
fn apply<C: BenchCache>(cache: &C, op: u64) -> bool {
    let key = op & !FILL_BIT;
    let hit = cache.get(key).is_some();
    if !hit && op & FILL_BIT != 0 {
        cache.insert(key, key);
    }
    hit
}

/// Replays `count` operations of the cyclic sequence from `start`.
fn replay<C: BenchCache>(cache: &C, ops: &[u64], start: usize, count: u64) {
    let mask = ops.len() - 1;
    for n in 0..count as usize {
        black_box(apply(cache, ops[(start + n) & mask]));
    }
}

/// A cache warmed by one pass of cache-aside over the whole sequence (full, steady state).
fn zipf_setup<C: BenchCache>(ops: &[u64]) -> C {
    let cache = C::with_capacity(CAPACITY);
    for &op in ops {
        apply(&cache, op | FILL_BIT);
    }
    cache.settle();
    let hits = ops.iter().filter(|&&op| apply(&cache, op)).count();
    cache.settle();
    println!(
        "{}: {} entries after warm-up, get hit ratio in the mix {:.3}",
        C::NAME,
        cache.len(),
        hits as f64 / ops.len() as f64
    );
    cache
}

/// The Zipf distribution, its operation sequence (generated on first use, shared by both groups)
/// and the number of threads of one group.
struct ZipfWorkload<'a> {
    zipf: &'a Zipf<f64>,
    ops: &'a OnceCell<Vec<u64>>,
    threads: usize,
}

fn bench_zipf<C: BenchCache>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    workload: &ZipfWorkload<'_>,
) {
    let mut cache = None;
    let mut cursor = 0usize;
    let threads = workload.threads;
    group.bench_function(C::NAME, |b| {
        let ops = workload.ops.get_or_init(|| zipf_ops(workload.zipf));
        let cache = cache.get_or_insert_with(|| zipf_setup::<C>(ops));
        b.iter_custom(|iters| {
            let elapsed = run_threads(cache, ops, cursor, iters, threads);
            cursor = (cursor + iters as usize) & (ops.len() - 1);
            elapsed
        })
    });
}

/// Runs `iters` operations split over `threads` scoped threads sharing `cache`; returns the wall
/// time from the first thread's start to the last thread's end.
fn run_threads<C: BenchCache>(
    cache: &C,
    ops: &[u64],
    cursor: usize,
    iters: u64,
    threads: usize,
) -> Duration {
    let barrier = Barrier::new(threads);
    let barrier = &barrier;
    let spans: Vec<(Instant, Instant)> = thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let share = iters / threads as u64 + u64::from((t as u64) < iters % threads as u64);
                // Threads replay distant parts of the sequence, as independent clients would.
                let start = cursor + t * (ops.len() / threads);
                scope.spawn(move || {
                    barrier.wait();
                    let begin = Instant::now();
                    replay(cache, ops, start, share);
                    (begin, Instant::now())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let first_start = spans.iter().map(|s| s.0).min();
    let last_end = spans.iter().map(|s| s.1).max();
    match (first_start, last_end) {
        (Some(begin), Some(end)) => end.duration_since(begin),
        _ => Duration::ZERO,
    }
}

/// Where criterion writes its results (the same rules criterion follows).
fn criterion_dir() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return Some(PathBuf::from(home));
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(target).join("criterion"));
    }
    // The bench binary lives in `<target>/<profile>/deps/`.
    let exe = std::env::current_exe().ok()?;
    exe.ancestors()
        .map(|dir| dir.join("criterion"))
        .find(|dir| dir.is_dir())
}

/// ns/op criterion estimated in this run for `group/cache` (slope of the linear fit when it has
/// one, else the mean), or `None` when that benchmark did not run now (filtered, or test mode).
fn estimate(dir: &Path, group: &str, cache: &str, since: SystemTime) -> Option<f64> {
    let path = dir
        .join(group)
        .join(cache)
        .join("new")
        .join("estimates.json");
    let modified = fs::metadata(&path).and_then(|m| m.modified()).ok()?;
    if modified < since {
        return None;
    }
    let json: serde_json::Value = serde_json::from_str(&fs::read_to_string(&path).ok()?).ok()?;
    ["slope", "mean"]
        .iter()
        .find_map(|stat| json.get(stat)?.get("point_estimate")?.as_f64())
}

/// The targets for gencache against `peer` in `group` (run on `threads` threads), as a minimum
/// speed ratio: issue 2's for exact LRU (`zipf_1t` ≥ 1.2× `lru_mutex`, `zipf_2t` ≥ 1× quick_cache,
/// ≥ 5× moka) and issue 13's for S3-FIFO (the same plus `get_hit` ≥ 1× quick_cache).
fn target(gencache: &str, group: &str, threads: usize, peer: &str) -> Option<f64> {
    match peer {
        "lru_mutex" if group == "zipf_1t" => Some(1.2),
        "quick_cache" if group == "zipf_2t" => Some(1.0),
        "quick_cache"
            if group == "get_hit"
                && (gencache == GenCacheS3Fifo::NAME
                    || gencache == GenCacheS3FifoCoarseClock::NAME) =>
        {
            Some(1.0)
        }
        "moka" if threads <= 2 => Some(5.0),
        _ => None,
    }
}

/// Prints (and writes next to criterion's results) ns/op per cache and gencache's speed ratios.
fn summarize(started: SystemTime) -> Result<(), Box<dyn Error>> {
    let Some(dir) = criterion_dir() else {
        println!("criterion output directory not found: no summary");
        return Ok(());
    };
    let mut table = BTreeMap::new();
    for (group, _) in GROUPS {
        for cache in CACHES {
            if let Some(ns) = estimate(&dir, group, cache, started) {
                table.insert((group, cache), ns);
            }
        }
    }
    if table.is_empty() {
        println!("no measurement in this run (test mode or filtered out): no summary");
        return Ok(());
    }

    let mut out = String::from("## gencache throughput (ns/op; ratio = peer ÷ gencache)\n\n");
    out.push_str(&format!("| group | {} |\n|---|", CACHES.join(" | ")));
    out.push_str(&"---|".repeat(CACHES.len()));
    out.push('\n');
    let mut verdicts = String::new();
    for (group, threads) in GROUPS {
        let reference = table.get(&(group, GenCache::NAME)).copied();
        out.push_str(&format!("| {group} |"));
        for cache in CACHES {
            let cell = match (table.get(&(group, cache)), reference) {
                (None, _) => "–".to_string(),
                (Some(ns), Some(gen_ns)) if cache != GenCache::NAME => {
                    format!("{ns:.1} ({:.2}x)", ns / gen_ns)
                }
                (Some(ns), _) => format!("{ns:.1}"),
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
        for gencache in [
            GenCache::NAME,
            GenCacheCoarseClock::NAME,
            GenCacheS3Fifo::NAME,
            GenCacheS3FifoCoarseClock::NAME,
        ] {
            for peer in &PEERS {
                let (Some(gen_ns), Some(peer_ns), Some(min)) = (
                    table.get(&(group, gencache)),
                    table.get(&(group, *peer)),
                    target(gencache, group, threads, peer),
                ) else {
                    continue;
                };
                let ratio = peer_ns / gen_ns;
                let verdict = if ratio >= min {
                    "met".to_string()
                } else {
                    format!("MISSED by {:.0} %", (1.0 - ratio / min) * 100.0)
                };
                verdicts.push_str(&format!(
                    "- {group}: {gencache} is {ratio:.2}x {peer} (target ≥ {min}x): {verdict}\n"
                ));
            }
        }
    }
    out.push_str(
        "\nRatios in the table are against the default `gencache` (exact LRU).\n\nTargets (issues 2 \
         and 13):\n\n",
    );
    out.push_str(&verdicts);
    println!("\n{out}");

    let path = dir.join("gencache-throughput.md");
    write_atomically(&path, &out)?;
    println!("written to {}", path.display());
    Ok(())
}

/// Writes `contents` to a temporary file beside `path`, then renames it over `path`.
fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("md.tmp");
    fs::write(&tmp, contents)?;
    fs::rename(&tmp, path)
}
