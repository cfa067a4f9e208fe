//! Keys of `#[memoize]`: no collisions over 10 M distinct argument tuples, and the macro's key
//! against a reference model in a proptest (an exact LRU of bounded size).

use gencache::{Fingerprinter, memoize};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::collections::VecDeque;
use std::hash::Hash;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

const PROMPTS: [&str; 8] = [
    "a red chair",
    "a red chai",
    "r",
    "",
    "a blue chair",
    "a red chair ",
    "ar ed chair",
    "chair, red",
];

/// The `i`-th of 24·N distinct `(prompt, seed, quality)` tuples (the mapping is injective).
fn tuple(i: u64) -> (&'static str, u64, u8) {
    (PROMPTS[(i % 8) as usize], i / 24, ((i / 8) % 3) as u8)
}

/// The line of the `#[memoize]` attribute on `generate` below: the macro's key discriminator is
/// `module_path::name @ file:line:column` of that attribute (`cache/macros/src/expand.rs`).
const GENERATE_ATTRIBUTE_LINE: u32 = line!() + 3;
static GENERATE_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize(max_entries = 1)]
fn generate(prompt: &str, seed: u64, quality: u8) -> String {
    GENERATE_RUNS.fetch_add(1, Ordering::SeqCst);
    format!("{prompt}/{seed}/{quality}")
}

/// The discriminator `#[memoize]` gives `generate`, spelled out the way the macro builds it.
fn generate_discriminator() -> String {
    format!(
        "{}::generate @ {}:{}:1",
        module_path!(),
        file!(),
        GENERATE_ATTRIBUTE_LINE
    )
}

/// The key `#[memoize]` computes for `generate(prompt, seed, quality)`, by reference: the
/// discriminator, then each argument's `Hash`, in order, through XXH3-128, all 128 bits.
fn key_with(discriminator: &str, i: u64) -> u128 {
    let (prompt, seed, quality) = tuple(i);
    let mut hasher = Fingerprinter::new(discriminator);
    prompt.hash(&mut hasher);
    seed.hash(&mut hasher);
    quality.hash(&mut hasher);
    hasher.finish128()
}

/// Serialises the tests that call `generate` (they share its one-entry static cache).
static GENERATE_LOCK: Mutex<()> = Mutex::new(());

/// Calls the real memoized `generate` on tuple `i` and returns the key its cache stored.
fn macro_key(i: u64) -> u128 {
    let (prompt, seed, quality) = tuple(i);
    assert_eq!(
        generate(prompt, seed, quality),
        format!("{prompt}/{seed}/{quality}")
    );
    let entries = generate_cache().entries(0, usize::MAX);
    assert_eq!(entries.len(), 1, "max_entries = 1 keeps only the last call");
    entries[0].key
}

#[test]
fn reference_key_is_the_macros_key() {
    let _serial = GENERATE_LOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let discriminator = generate_discriminator();
    // Tuples that differ in each argument, including ones that differ only by where a string
    // ends ("a red chai" vs "a red chair"), so that a macro hashing arguments differently,
    // truncating the key or using another discriminator would be caught.
    for i in [0, 1, 2, 3, 5, 8, 23, 24, 9_999_999] {
        assert_eq!(
            macro_key(i),
            key_with(&discriminator, i),
            "tuple {i:?} = {:?}",
            tuple(i)
        );
    }
    // A cached call hits under the same key: one run per distinct tuple above, none for this.
    let runs = GENERATE_RUNS.load(Ordering::SeqCst);
    assert_eq!(macro_key(9_999_999), key_with(&discriminator, 9_999_999));
    assert_eq!(GENERATE_RUNS.load(Ordering::SeqCst), runs);
}

#[test]
fn no_key_collisions_across_ten_million_argument_tuples() {
    const N: u64 = 10_000_000;
    // The keys checked are the macro's own: the reference computation is first checked against
    // the key the real `#[memoize]` function stores (see also `reference_key_is_the_macros_key`).
    let discriminator = generate_discriminator();
    {
        let _serial = GENERATE_LOCK
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for i in [0, N / 2, N - 1] {
            assert_eq!(macro_key(i), key_with(&discriminator, i), "tuple {i}");
        }
    }
    let key = |i: u64| key_with(&discriminator, i);
    // Sorting the high halves (80 MB) is enough: equal keys have equal high halves. A repeated
    // high half (expected 2.7·10⁻⁶ times) is then checked on the full 128 bits.
    let mut high: Vec<u64> = (0..N).map(|i| (key(i) >> 64) as u64).collect();
    high.sort_unstable();
    let repeated: Vec<u64> = high
        .windows(2)
        .filter(|pair| pair[0] == pair[1])
        .map(|pair| pair[0])
        .collect();
    drop(high);
    for value in &repeated {
        let mut full: Vec<u128> = (0..N)
            .map(key)
            .filter(|k| (k >> 64) as u64 == *value)
            .collect();
        let before = full.len();
        full.sort_unstable();
        full.dedup();
        assert_eq!(
            full.len(),
            before,
            "a 128-bit key collision among {N} tuples"
        );
    }
    eprintln!(
        "{N} tuples: {} repeated high halves, no 128-bit collision",
        repeated.len()
    );
}

static MODEL_RUNS: AtomicUsize = AtomicUsize::new(0);
/// Serialises the proptest cases: they share the memoized function's static cache.
static MODEL_LOCK: Mutex<()> = Mutex::new(());

const CAPACITY: usize = 4;

#[memoize(max_entries = 4, skip(note))]
fn modelled(prompt: String, seed: u8, note: u8) -> String {
    MODEL_RUNS.fetch_add(1, Ordering::SeqCst);
    let _ = note;
    format!("{prompt}#{seed}")
}

/// What `modelled` should do: an exact LRU of `CAPACITY` keys `(prompt, seed)`.
#[derive(Default)]
struct LruModel {
    /// Most recently used first.
    keys: VecDeque<(String, u8)>,
    runs: usize,
}

impl LruModel {
    fn call(&mut self, prompt: &str, seed: u8) -> String {
        let key = (prompt.to_string(), seed);
        if let Some(position) = self.keys.iter().position(|k| *k == key) {
            self.keys.remove(position);
        } else {
            self.runs += 1;
            if self.keys.len() == CAPACITY {
                self.keys.pop_back();
            }
        }
        self.keys.push_front(key);
        format!("{prompt}#{seed}")
    }
}

#[test]
fn memoized_function_matches_an_lru_reference_model() {
    // A fixed seed: every run checks the same cases, and a failure reproduces as is.
    const SEED: [u8; 32] = *b"gencache memoize lru model seed!";
    eprintln!("proptest seed: {SEED:?}");
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 64,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &SEED),
    );
    let call = (
        prop::sample::select(vec!["a", "ab", "b", ""]),
        0u8..3,
        any::<u8>(),
    );
    let result = runner.run(&prop::collection::vec(call, 1..60), |calls| {
        let _serial = MODEL_LOCK
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        modelled_cache().clear();
        let runs_before = MODEL_RUNS.load(Ordering::SeqCst);
        let mut model = LruModel::default();
        for (prompt, seed, note) in calls {
            let expected = model.call(prompt, seed);
            prop_assert_eq!(modelled(prompt.to_string(), seed, note), expected);
            prop_assert_eq!(MODEL_RUNS.load(Ordering::SeqCst) - runs_before, model.runs);
            prop_assert_eq!(modelled_cache().len(), model.keys.len());
        }
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
