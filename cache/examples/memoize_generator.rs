//! A slow generator behind `#[gencache::memoize]`, timed against calling it directly.
//!
//! Run: `cargo run -p gencache --example memoize_generator --release`
//!
//! The generator sleeps `GENERATION` per call (a stand-in for a two-minute GPU job). Each scenario
//! replays the same request sequence twice, uncached and memoized, and prints both wall times, the
//! speedup and the cache's hit rate. With a hit costing ~0, the expected speedup at hit rate h is
//! 1 / (1 − h): 3.3x at 70 %, 10x at 90 %. The last scenario sends 8 identical requests at once:
//! single-flight runs the generator once for all of them.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

const GENERATION: Duration = Duration::from_millis(20);
const REQUESTS: usize = 200;
const SEED: u64 = 42;

static GENERATIONS: AtomicUsize = AtomicUsize::new(0);

/// The expensive call, uncached.
fn generate(prompt: &str, seed: u64) -> String {
    GENERATIONS.fetch_add(1, Ordering::SeqCst);
    thread::sleep(GENERATION);
    format!("mesh for {prompt:?} (seed {seed})")
}

/// The same call, memoized: one line of attribute.
#[gencache::memoize(ttl = "1h", max_entries = 10_000)]
fn generate_cached(prompt: &str, seed: u64) -> String {
    generate(prompt, seed)
}

/// `REQUESTS` prompts over `distinct` values, each at least once: hit rate 1 − distinct/REQUESTS.
fn requests(distinct: usize, rng: &mut StdRng) -> Vec<String> {
    let prompts: Vec<String> = (0..distinct).map(|i| format!("prompt {i}")).collect();
    let mut sequence = prompts.clone();
    while sequence.len() < REQUESTS {
        if let Some(prompt) = prompts.choose(rng) {
            sequence.push(prompt.clone());
        }
    }
    sequence.shuffle(rng);
    sequence
}

fn timed(run: impl FnOnce()) -> Duration {
    let start = Instant::now();
    run();
    start.elapsed()
}

fn scenario(distinct: usize, rng: &mut StdRng) {
    let sequence = requests(distinct, rng);
    generate_cached_cache().clear();
    generate_cached_cache().reset_stats();

    GENERATIONS.store(0, Ordering::SeqCst);
    let baseline = timed(|| {
        for prompt in &sequence {
            std::hint::black_box(generate(prompt, 7));
        }
    });
    let baseline_generations = GENERATIONS.swap(0, Ordering::SeqCst);
    let cached = timed(|| {
        for prompt in &sequence {
            std::hint::black_box(generate_cached(prompt, 7));
        }
    });
    let cached_generations = GENERATIONS.load(Ordering::SeqCst);
    let stats = generate_cached_cache().stats();
    println!(
        "{REQUESTS} requests, {distinct:>3} distinct | uncached {:>7.1} ms ({baseline_generations} generations) \
         | memoized {:>7.1} ms ({cached_generations} generations, hit rate {:.1} %) | speedup {:.2}x \
         (expected {:.2}x)",
        baseline.as_secs_f64() * 1e3,
        cached.as_secs_f64() * 1e3,
        stats.hit_rate() * 100.0,
        baseline.as_secs_f64() / cached.as_secs_f64(),
        1.0 / (1.0 - stats.hit_rate()),
    );
}

fn concurrent_duplicates() {
    generate_cached_cache().clear();
    GENERATIONS.store(0, Ordering::SeqCst);
    let elapsed = timed(|| {
        thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| generate_cached("the same chair", 1));
            }
        });
    });
    println!(
        "8 concurrent identical requests: {} generation(s) in {:.1} ms (single-flight)",
        GENERATIONS.load(Ordering::SeqCst),
        elapsed.as_secs_f64() * 1e3,
    );
}

fn main() {
    println!(
        "generator: {} ms per call, seed {SEED}",
        GENERATION.as_millis()
    );
    let mut rng = StdRng::seed_from_u64(SEED);
    for distinct in [200, 60, 20, 1] {
        scenario(distinct, &mut rng);
    }
    concurrent_duplicates();
}
