//! The throughput targets measured *interleaved*, pair by pair: for each target (a gencache
//! configuration against a peer in a group), the two caches are built, then the run goes in
//! rounds, each timing one block of operations on one cache and then on the other (which one goes
//! first alternates; each timed block follows an untimed one of the same cache, see `measure`).
//! A ratio is the median of the per-round ratios, so a slow spell of the machine (a neighbour on
//! a shared host taking the memory bandwidth or the last-level cache for a few seconds) slows
//! both sides of a round alike instead of whichever cache criterion happened to be measuring. Only the two caches of a pair are alive, so their data compete for the caches of
//! the CPU as little as in a criterion run. Criterion's figures for the memory-bound groups moved
//! by 30–100 % between runs on this project's 2-core virtual machines; the quartiles printed here
//! show how much these ratios move.
//!
//! ```text
//! cargo bench -p gencache --bench throughput -- --interleaved            # every group
//! cargo bench -p gencache --bench throughput -- --interleaved get_hit    # groups whose name contains it
//! ```

use super::{
    BenchCache, CAPACITY, GROUPS, GenCache, GenCacheCoarseClock, GenCacheS3Fifo,
    GenCacheS3FifoCoarseClock, LruMutex, Moka, PEERS, QuickCache, ZIPF_EXPONENT, ZIPF_KEYS, filled,
    get_hit_setup, run_threads, target, zipf_ops, zipf_setup,
};
use rand_distr::Zipf;
use std::error::Error;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Rounds per pair.
const ROUNDS: usize = 31;
/// Operations per cache and round (so that a block takes a few milliseconds).
fn block_ops(group: &str) -> u64 {
    if group == "insert_evict" {
        1 << 14
    } else {
        1 << 16
    }
}

/// One cache of a group, ready to time a block of `ops` operations: returns the block's time.
type Block<'a> = Box<dyn FnMut(u64) -> Duration + 'a>;

/// The gencache configurations the targets are stated for.
const OURS: [&str; 4] = [
    GenCache::NAME,
    GenCacheCoarseClock::NAME,
    GenCacheS3Fifo::NAME,
    GenCacheS3FifoCoarseClock::NAME,
];

/// Runs the groups whose name contains `filter` (all when `None`) and prints each target's ratio.
pub(super) fn run(filter: Option<&str>) -> Result<(), Box<dyn Error>> {
    let zipf = Zipf::new(ZIPF_KEYS as f64, ZIPF_EXPONENT)?;
    let mut ops = None;
    for (group, threads) in GROUPS {
        if filter.is_some_and(|f| !group.contains(f)) {
            continue;
        }
        println!(
            "\n## {group} (interleaved pairs: {ROUNDS} rounds of {} ops per cache)",
            block_ops(group)
        );
        let ops: &[u64] = if group.starts_with("zipf") {
            ops.get_or_insert_with(|| zipf_ops(&zipf))
        } else {
            &[]
        };
        let mut pairs = 0;
        for ours in OURS {
            for peer in PEERS {
                let Some(min) = target(ours, group, threads, peer) else {
                    continue;
                };
                pairs += 1;
                let (Some(a), Some(b)) = (
                    block(ours, group, ops, threads),
                    block(peer, group, ops, threads),
                ) else {
                    println!("- {group}: {ours} vs {peer}: nothing to measure");
                    continue;
                };
                let (ours_ns, peer_ns) = measure(group, a, b);
                let ratios: Vec<f64> = peer_ns.iter().zip(&ours_ns).map(|(p, o)| p / o).collect();
                let (low, ratio, high) = quartiles(ratios);
                let verdict = if ratio >= min {
                    "met".to_string()
                } else {
                    format!("MISSED by {:.0} %", (1.0 - ratio / min) * 100.0)
                };
                println!(
                    "- {group}: {ours} {:.1} ns/op, {peer} {:.1} ns/op: {ratio:.2}x (quartiles \
                     {low:.2}–{high:.2}; target ≥ {min}x): {verdict}",
                    quartiles(ours_ns).1,
                    quartiles(peer_ns).1,
                );
            }
        }
        if pairs == 0 {
            println!("- {group}: no ratio target, nothing to pair (criterion's run measures it)");
        }
    }
    Ok(())
}

/// Times `ROUNDS` blocks of each of the two caches, alternating which goes first; their ns/op
/// per round.
///
/// Each timed block follows an untimed block of the same cache, so it finds the CPU caches
/// holding that cache's data, as criterion's long runs of one cache do. Without it, a block that
/// followed the other cache's block refilled the CPU caches first: with the alternation, every
/// round then timed one cache warm and the other cold, in turn, and the ratios split into two
/// groups (get_hit quartiles 0.45–1.44×, medians from 0.61× to 1.02× between runs of one build).
fn measure(group: &str, mut a: Block<'_>, mut b: Block<'_>) -> (Vec<f64>, Vec<f64>) {
    let ops = block_ops(group);
    let per_op = |d: Duration| d.as_nanos() as f64 / ops as f64;
    let warm_then_time = |cache: &mut Block<'_>| {
        cache(ops);
        per_op(cache(ops))
    };
    let (mut ta, mut tb) = (Vec::with_capacity(ROUNDS), Vec::with_capacity(ROUNDS));
    for round in 0..ROUNDS {
        if round % 2 == 0 {
            ta.push(warm_then_time(&mut a));
            tb.push(warm_then_time(&mut b));
        } else {
            tb.push(warm_then_time(&mut b));
            ta.push(warm_then_time(&mut a));
        }
    }
    (ta, tb)
}

/// Lower quartile, median and upper quartile.
fn quartiles(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    (values[n / 4], values[n / 2], values[(3 * n) / 4])
}

/// The block of cache `name` for `group`, built and warmed as the criterion groups build it
/// (`None` for an unknown name, or when `get_hit` finds no key present).
fn block<'a>(name: &str, group: &str, ops: &'a [u64], threads: usize) -> Option<Block<'a>> {
    fn of<'a, C: BenchCache + 'static>(
        group: &str,
        ops: &'a [u64],
        threads: usize,
    ) -> Option<Block<'a>> {
        match group {
            "get_hit" => get_hit_block::<C>(),
            "insert_evict" => Some(insert_block::<C>()),
            _ => Some(zipf_block::<C>(ops, threads)),
        }
    }
    match name {
        n if n == GenCache::NAME => of::<GenCache>(group, ops, threads),
        n if n == GenCacheCoarseClock::NAME => of::<GenCacheCoarseClock>(group, ops, threads),
        n if n == GenCacheS3Fifo::NAME => of::<GenCacheS3Fifo>(group, ops, threads),
        n if n == GenCacheS3FifoCoarseClock::NAME => {
            of::<GenCacheS3FifoCoarseClock>(group, ops, threads)
        }
        n if n == LruMutex::NAME => of::<LruMutex>(group, ops, threads),
        n if n == QuickCache::NAME => of::<QuickCache>(group, ops, threads),
        n if n == Moka::NAME => of::<Moka>(group, ops, threads),
        _ => None,
    }
}

fn get_hit_block<C: BenchCache + 'static>() -> Option<Block<'static>> {
    let (cache, lookups) = get_hit_setup::<C>()?;
    let mut next = 0usize;
    Some(Box::new(move |ops: u64| {
        let mask = lookups.len() - 1;
        let begin = Instant::now();
        for _ in 0..ops {
            black_box(cache.get(black_box(lookups[next & mask])));
            next = next.wrapping_add(1);
        }
        begin.elapsed()
    }))
}

fn insert_block<C: BenchCache + 'static>() -> Block<'static> {
    let cache = filled::<C>();
    let mut next_key = CAPACITY as u64;
    Box::new(move |ops: u64| {
        let begin = Instant::now();
        for _ in 0..ops {
            cache.insert(black_box(next_key), next_key);
            next_key += 1;
        }
        begin.elapsed()
    })
}

fn zipf_block<C: BenchCache + 'static>(ops: &[u64], threads: usize) -> Block<'_> {
    let cache = zipf_setup::<C>(ops);
    let mut cursor = 0usize;
    Box::new(move |iters: u64| {
        let elapsed = run_threads(&cache, ops, cursor, iters, threads);
        cursor = (cursor + iters as usize) & (ops.len() - 1);
        elapsed
    })
}
