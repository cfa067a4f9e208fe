//! `#[gencache::memoize]` on sync functions and methods: one test per option, counting real
//! executions of the body.
//!
//! Every test uses its own memoized function (and counter): the caches are process-wide statics
//! and the tests run in parallel.

use gencache::{Cache, CacheKind, ManualClock, Weigh, memoize};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, LazyLock};
use std::thread;
use std::time::Duration;

const CALLERS: usize = 100;

/// Runs `call` on `CALLERS` threads released together, returning their results.
fn concurrently<T: Send>(call: impl Fn() -> T + Sync) -> Vec<T> {
    let barrier = Barrier::new(CALLERS);
    thread::scope(|scope| {
        let handles: Vec<_> = (0..CALLERS)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    call()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| match handle.join() {
                Ok(result) => result,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// Blocks until `misses` lookups missed in `cache`: the concurrent callers have all arrived.
fn wait_for_misses<V: Clone + Send + Sync + 'static>(cache: &Cache<u128, V>, misses: u64) {
    while cache.stats().misses < misses {
        thread::sleep(Duration::from_millis(1));
    }
}

// ---------------------------------------------------------------- plain values

static SQUARE_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize]
fn square(x: u64) -> u64 {
    SQUARE_RUNS.fetch_add(1, Ordering::SeqCst);
    x * x
}

#[test]
fn plain_value_runs_the_body_once_per_distinct_argument() {
    assert_eq!(square(3), 9);
    assert_eq!(square(3), 9);
    assert_eq!(square(4), 16);
    assert_eq!(square(3), 9);
    assert_eq!(SQUARE_RUNS.load(Ordering::SeqCst), 2);
    let stats = square_cache().stats();
    assert_eq!((stats.hits, stats.misses, stats.entries), (2, 2, 2));
}

static SLOW_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize]
fn slow_generation(prompt: &str) -> String {
    SLOW_RUNS.fetch_add(1, Ordering::SeqCst);
    // Long enough that the other callers arrive while this one runs.
    thread::sleep(Duration::from_millis(50));
    format!("model of {prompt}")
}

#[test]
fn hundred_concurrent_callers_run_the_body_once() {
    let results = concurrently(|| slow_generation("a red chair"));
    assert!(results.iter().all(|model| model == "model of a red chair"));
    assert_eq!(SLOW_RUNS.load(Ordering::SeqCst), 1);
    let stats = slow_generation_cache().stats();
    assert_eq!(stats.loads_started, 1);
    assert_eq!(stats.hits + stats.loads_joined, CALLERS as u64 - 1);
}

// ---------------------------------------------------------------- Result

static FALLIBLE_RUNS: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, Clone, PartialEq)]
struct GenError(String);

#[memoize]
fn fallible(x: i32) -> Result<i32, GenError> {
    FALLIBLE_RUNS.fetch_add(1, Ordering::SeqCst);
    if x < 0 {
        return Err(GenError(format!("negative input {x}")));
    }
    Ok(x * 10)
}

#[test]
fn result_caches_ok_and_never_stores_err() {
    assert_eq!(fallible(2), Ok(20));
    assert_eq!(fallible(2), Ok(20));
    assert_eq!(FALLIBLE_RUNS.load(Ordering::SeqCst), 1);
    let error = Err(GenError("negative input -1".into()));
    assert_eq!(fallible(-1), error);
    assert_eq!(fallible(-1), error);
    // Each failing call ran the body: the error was not cached.
    assert_eq!(FALLIBLE_RUNS.load(Ordering::SeqCst), 3);
    assert_eq!(fallible_cache().len(), 1);
}

static SHARED_ERROR_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize]
fn always_fails(x: u8) -> Result<u8, GenError> {
    let run = SHARED_ERROR_RUNS.fetch_add(1, Ordering::SeqCst);
    if run == 0 {
        // Hold the first run until every caller has looked the key up and missed.
        wait_for_misses(always_fails_cache(), CALLERS as u64);
        thread::sleep(Duration::from_millis(50));
    }
    Err(GenError(format!("cannot make {x}")))
}

#[test]
fn an_error_reaches_every_concurrent_waiter_and_is_not_stored() {
    let results = concurrently(|| always_fails(7));
    let expected = Err(GenError("cannot make 7".into()));
    assert!(results.iter().all(|result| *result == expected));
    let stats = always_fails_cache().stats();
    let runs = SHARED_ERROR_RUNS.load(Ordering::SeqCst) as u64;
    eprintln!("runs = {runs}, joined = {}", stats.loads_joined);
    // Every caller either ran the body or was handed a running call's error.
    assert_eq!(runs + stats.loads_joined, CALLERS as u64);
    assert!(stats.loads_joined > 0, "no caller joined the first run");
    assert!(always_fails_cache().is_empty());
}

static IO_RUNS: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, Clone, PartialEq)]
struct IoLikeError;

mod io_like {
    pub type Result<T> = std::result::Result<T, super::IoLikeError>;
}

#[memoize]
fn through_result_alias(fail: bool) -> io_like::Result<u32> {
    IO_RUNS.fetch_add(1, Ordering::SeqCst);
    if fail { Err(IoLikeError) } else { Ok(5) }
}

#[test]
fn result_aliases_with_the_result_name_are_recognised() {
    assert_eq!(through_result_alias(true), Err(IoLikeError));
    assert_eq!(through_result_alias(true), Err(IoLikeError));
    assert_eq!(through_result_alias(false), Ok(5));
    assert_eq!(through_result_alias(false), Ok(5));
    assert_eq!(IO_RUNS.load(Ordering::SeqCst), 3);
}

static QUESTION_MARK_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize]
fn parse_number(text: &str) -> Result<u64, std::num::ParseIntError> {
    QUESTION_MARK_RUNS.fetch_add(1, Ordering::SeqCst);
    let parsed: u64 = text.trim().parse()?;
    Ok(parsed * 2)
}

#[test]
fn question_mark_and_early_return_work_in_the_body() {
    assert_eq!(parse_number(" 21 "), Ok(42));
    assert_eq!(parse_number(" 21 "), Ok(42));
    assert!(parse_number("x").is_err());
    assert_eq!(QUESTION_MARK_RUNS.load(Ordering::SeqCst), 2);
}

// ---------------------------------------------------------------- Option

static LOOKUP_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize]
fn find_asset(name: &str) -> Option<String> {
    LOOKUP_RUNS.fetch_add(1, Ordering::SeqCst);
    (name != "missing").then(|| format!("asset:{name}"))
}

#[test]
fn none_is_not_cached_by_default() {
    assert_eq!(find_asset("missing"), None);
    assert_eq!(find_asset("missing"), None);
    assert_eq!(LOOKUP_RUNS.load(Ordering::SeqCst), 2);
    assert_eq!(find_asset("chair").as_deref(), Some("asset:chair"));
    assert_eq!(find_asset("chair").as_deref(), Some("asset:chair"));
    assert_eq!(LOOKUP_RUNS.load(Ordering::SeqCst), 3);
    assert_eq!(find_asset_cache().len(), 1);
}

static NONE_CACHED_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize(cache_none)]
fn find_asset_cache_none(name: &str) -> Option<String> {
    NONE_CACHED_RUNS.fetch_add(1, Ordering::SeqCst);
    (name != "missing").then(|| format!("asset:{name}"))
}

#[test]
fn cache_none_caches_none_too() {
    assert_eq!(find_asset_cache_none("missing"), None);
    assert_eq!(find_asset_cache_none("missing"), None);
    assert_eq!(
        find_asset_cache_none("chair").as_deref(),
        Some("asset:chair")
    );
    assert_eq!(
        find_asset_cache_none("chair").as_deref(),
        Some("asset:chair")
    );
    assert_eq!(NONE_CACHED_RUNS.load(Ordering::SeqCst), 2);
    assert_eq!(find_asset_cache_none_cache().len(), 2);
}

// ---------------------------------------------------------------- enabled

static ENABLED: AtomicBool = AtomicBool::new(true);
static TOGGLED_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize(enabled = ENABLED.load(Ordering::SeqCst))]
fn toggled(x: u32) -> u32 {
    TOGGLED_RUNS.fetch_add(1, Ordering::SeqCst);
    x + 1
}

#[test]
fn enabled_false_bypasses_the_cache_entirely() {
    assert_eq!(toggled(1), 2);
    assert_eq!(toggled(1), 2);
    assert_eq!(TOGGLED_RUNS.load(Ordering::SeqCst), 1);
    let before = toggled_cache().stats();

    ENABLED.store(false, Ordering::SeqCst);
    assert_eq!(toggled(1), 2);
    assert_eq!(toggled(1), 2);
    assert_eq!(toggled(9), 10);
    assert_eq!(TOGGLED_RUNS.load(Ordering::SeqCst), 4);
    // No lookup, no insert: the cache did not see these calls.
    assert_eq!(toggled_cache().stats(), before);

    ENABLED.store(true, Ordering::SeqCst);
    assert_eq!(toggled(1), 2);
    assert_eq!(TOGGLED_RUNS.load(Ordering::SeqCst), 4);
}

// ---------------------------------------------------------------- TTL

static TTL_CLOCK: LazyLock<ManualClock> = LazyLock::new(ManualClock::new);
static TTL_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize(ttl = "1h", clock = TTL_CLOCK.clone())]
fn hourly(x: u32) -> u32 {
    TTL_RUNS.fetch_add(1, Ordering::SeqCst);
    x
}

#[test]
fn ttl_expires_on_a_manual_clock() {
    assert_eq!(hourly(1), 1);
    TTL_CLOCK.advance(Duration::from_secs(59 * 60));
    assert_eq!(hourly(1), 1);
    assert_eq!(TTL_RUNS.load(Ordering::SeqCst), 1);
    TTL_CLOCK.advance(Duration::from_secs(2 * 60));
    assert_eq!(hourly(1), 1);
    assert_eq!(TTL_RUNS.load(Ordering::SeqCst), 2);
    assert_eq!(
        hourly_cache().config().default_ttl,
        Some(Duration::from_secs(3600))
    );
}

static NEVER_CLOCK: LazyLock<ManualClock> = LazyLock::new(ManualClock::new);
static NEVER_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize(ttl = "never", clock = NEVER_CLOCK.clone())]
fn forever(x: u32) -> u32 {
    NEVER_RUNS.fetch_add(1, Ordering::SeqCst);
    x
}

#[test]
fn ttl_never_keeps_entries_past_the_default_day() {
    assert_eq!(forever(1), 1);
    NEVER_CLOCK.advance(Duration::from_secs(400 * 24 * 3600));
    assert_eq!(forever(1), 1);
    assert_eq!(NEVER_RUNS.load(Ordering::SeqCst), 1);
    assert_eq!(forever_cache().config().default_ttl, None);
}

static SHARED_CLOCK: LazyLock<ManualClock> = LazyLock::new(ManualClock::new);
static SHARED_TTL_CACHE: LazyLock<Cache<u128, u32>> =
    LazyLock::new(|| Cache::builder().clock(SHARED_CLOCK.clone()).build());
static SHARED_TTL_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize(cache = SHARED_TTL_CACHE, ttl = "90s")]
fn short_lived(x: u32) -> u32 {
    SHARED_TTL_RUNS.fetch_add(1, Ordering::SeqCst);
    x
}

#[test]
fn ttl_on_a_shared_cache_applies_per_entry() {
    assert_eq!(short_lived(1), 1);
    SHARED_CLOCK.advance(Duration::from_secs(89));
    assert_eq!(short_lived(1), 1);
    assert_eq!(SHARED_TTL_RUNS.load(Ordering::SeqCst), 1);
    SHARED_CLOCK.advance(Duration::from_secs(2));
    assert_eq!(short_lived(1), 1);
    assert_eq!(SHARED_TTL_RUNS.load(Ordering::SeqCst), 2);
}

// ---------------------------------------------------------------- keys

static SKIP_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize(skip(verbose, attempt))]
fn with_skipped(prompt: &str, verbose: bool, attempt: u32) -> String {
    SKIP_RUNS.fetch_add(1, Ordering::SeqCst);
    let _ = (verbose, attempt);
    prompt.to_uppercase()
}

#[test]
fn skipped_arguments_are_not_part_of_the_key() {
    assert_eq!(with_skipped("cat", false, 1), "CAT");
    assert_eq!(with_skipped("cat", true, 2), "CAT");
    assert_eq!(SKIP_RUNS.load(Ordering::SeqCst), 1);
    assert_eq!(with_skipped("dog", true, 2), "DOG");
    assert_eq!(SKIP_RUNS.load(Ordering::SeqCst), 2);
}

static KEY_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize(key = (prompt.to_lowercase(), seed))]
fn with_key(prompt: &str, seed: u64, debug: bool) -> String {
    KEY_RUNS.fetch_add(1, Ordering::SeqCst);
    let _ = debug;
    format!("{}/{seed}", prompt.to_lowercase())
}

#[test]
fn key_expression_replaces_the_arguments() {
    assert_eq!(with_key("Cat", 1, false), "cat/1");
    assert_eq!(with_key("CAT", 1, true), "cat/1");
    assert_eq!(KEY_RUNS.load(Ordering::SeqCst), 1);
    assert_eq!(with_key("cat", 2, true), "cat/2");
    assert_eq!(KEY_RUNS.load(Ordering::SeqCst), 2);
}

static PATTERN_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize]
fn with_patterns((width, height): (u32, u32), mut scale: u32, _: bool) -> u32 {
    PATTERN_RUNS.fetch_add(1, Ordering::SeqCst);
    scale += 1;
    width * height * scale
}

#[test]
fn destructuring_and_mut_patterns_are_keyed_by_value() {
    assert_eq!(with_patterns((2, 3), 1, true), 12);
    assert_eq!(with_patterns((2, 3), 1, true), 12);
    assert_eq!(with_patterns((3, 2), 1, true), 12);
    assert_eq!(with_patterns((2, 3), 1, false), 12);
    assert_eq!(PATTERN_RUNS.load(Ordering::SeqCst), 3);
}

// ---------------------------------------------------------------- shared cache

static SHARED: LazyLock<Cache<u128, u64>> =
    LazyLock::new(|| Cache::builder().max_entries(100).build());

fn shared() -> &'static Cache<u128, u64> {
    &SHARED
}

#[memoize(cache = SHARED)]
fn double_shared(x: u64) -> u64 {
    x * 2
}

#[memoize(cache = shared())]
fn triple_shared(x: u64) -> u64 {
    x * 3
}

#[test]
fn functions_sharing_a_cache_do_not_collide() {
    assert_eq!(double_shared(5), 10);
    assert_eq!(triple_shared(5), 15);
    assert_eq!(double_shared(5), 10);
    assert_eq!(triple_shared(5), 15);
    assert_eq!(SHARED.len(), 2);
    let listed = gencache::memoized();
    let double = listed
        .iter()
        .find(|function| function.name().ends_with("::double_shared"));
    assert_eq!(double.map(|f| f.kind()), Some(CacheKind::Shared));
}

// ---------------------------------------------------------------- bounds and weights

static BOUNDED_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize(max_entries = 2)]
fn bounded(x: u32) -> u32 {
    BOUNDED_RUNS.fetch_add(1, Ordering::SeqCst);
    x
}

#[test]
fn max_entries_bounds_the_own_cache_in_lru_order() {
    bounded(1);
    bounded(2);
    bounded(1); // 1 is now the most recently used
    bounded(3); // evicts 2
    assert_eq!(bounded_cache().len(), 2);
    assert_eq!(BOUNDED_RUNS.load(Ordering::SeqCst), 3);
    bounded(1);
    assert_eq!(BOUNDED_RUNS.load(Ordering::SeqCst), 3);
    bounded(2);
    assert_eq!(BOUNDED_RUNS.load(Ordering::SeqCst), 4);
    assert_eq!(bounded_cache().config().max_entries, Some(2));
}

#[memoize(max_entries = 100, policy = "s3fifo")]
fn lazily_promoted(x: u32) -> u32 {
    x * 2
}

#[test]
fn policy_option_builds_the_own_cache_with_that_policy() {
    assert_eq!(lazily_promoted(4), 8);
    assert_eq!(lazily_promoted(4), 8);
    let cache = lazily_promoted_cache();
    assert_eq!(cache.policy(), gencache::Policy::S3Fifo);
    assert_eq!(cache.stats().hits, 1);
    // The loading path recorded what the computation cost (on the system clock: some time).
    assert!(cache.entries(0, 1)[0].cost.is_some());
}

#[memoize(max_bytes = 1_000, weigher = |blob: &Vec<u8>| blob.len())]
fn blob(size: usize) -> Vec<u8> {
    vec![0; size]
}

#[test]
fn weigher_and_max_bytes_account_the_value() {
    blob(100);
    // 16 bytes of fingerprint key plus what the weigher said.
    assert_eq!(blob_cache().weight(), 116);
    blob(300);
    blob(600); // 116 + 316 + 616 > 1000: the least recently used goes
    assert_eq!(blob_cache().weight(), 316 + 616);
    assert_eq!(blob_cache().len(), 2);
    assert_eq!(blob_cache().config().max_bytes, Some(1_000));
}

#[memoize]
fn text(n: usize) -> String {
    "x".repeat(n)
}

#[test]
fn default_weight_is_key_plus_weigh_of_the_value() {
    let value = text(40);
    assert_eq!(text_cache().weight(), 16 + value.weight() as u64);
}

#[memoize(cache_none)]
fn maybe_text(n: usize) -> Option<String> {
    (n > 0).then(|| "y".repeat(n))
}

#[test]
fn cache_none_weighs_none_as_its_inline_size() {
    maybe_text(0);
    let none = 16 + std::mem::size_of::<Option<String>>() as u64;
    assert_eq!(maybe_text_cache().weight(), none);
}

#[memoize(accessor = renamed_accessor)]
fn accessor_renamed(x: u8) -> u8 {
    x
}

#[test]
fn accessor_can_be_renamed() {
    accessor_renamed(1);
    assert_eq!(renamed_accessor().len(), 1);
}

// ---------------------------------------------------------------- methods

struct Generator {
    model: &'static str,
    runs: Arc<AtomicUsize>,
}

struct Counted {
    model: &'static str,
    runs: Arc<AtomicUsize>,
}

// `runs` only counts: the key of `key_self` is the model.
impl std::hash::Hash for Counted {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.model.hash(state);
    }
}

impl Generator {
    #[memoize]
    fn generate(&self, prompt: &str) -> String {
        self.runs.fetch_add(1, Ordering::SeqCst);
        format!("{}:{prompt}", self.model)
    }
}

impl Counted {
    #[memoize(key_self)]
    fn generate_keyed(&self, prompt: &str) -> String {
        self.runs.fetch_add(1, Ordering::SeqCst);
        format!("{}:{prompt}", self.model)
    }
}

trait Render {
    fn render(&self, scene: u32) -> u64;
}

impl Render for Generator {
    #[memoize(accessor = false)]
    fn render(&self, scene: u32) -> u64 {
        self.runs.fetch_add(1, Ordering::SeqCst);
        u64::from(scene) * 7
    }
}

#[test]
fn methods_leave_self_out_of_the_key_by_default() {
    let runs = Arc::new(AtomicUsize::new(0));
    let first = Generator {
        model: "m1",
        runs: Arc::clone(&runs),
    };
    let second = Generator {
        model: "m2",
        runs: Arc::clone(&runs),
    };
    assert_eq!(first.generate("cat"), "m1:cat");
    // Same prompt through another instance: the cached answer, by design of the default.
    assert_eq!(second.generate("cat"), "m1:cat");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(Generator::generate_cache().len(), 1);
    let listed = gencache::memoized();
    assert!(
        listed
            .iter()
            .any(|function| function.name().ends_with("Generator::generate")),
        "{listed:?}"
    );
}

#[test]
fn key_self_puts_self_in_the_key() {
    let runs = Arc::new(AtomicUsize::new(0));
    let first = Counted {
        model: "m1",
        runs: Arc::clone(&runs),
    };
    let second = Counted {
        model: "m2",
        runs: Arc::clone(&runs),
    };
    assert_eq!(first.generate_keyed("cat"), "m1:cat");
    assert_eq!(second.generate_keyed("cat"), "m2:cat");
    assert_eq!(first.generate_keyed("cat"), "m1:cat");
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[test]
fn trait_impl_methods_are_memoized_without_an_accessor() {
    let runs = Arc::new(AtomicUsize::new(0));
    let generator = Generator {
        model: "m",
        runs: Arc::clone(&runs),
    };
    assert_eq!(generator.render(3), 21);
    assert_eq!(generator.render(3), 21);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let listed = gencache::memoized();
    let render = listed
        .iter()
        .find(|function| function.name().ends_with("Generator::render"));
    assert_eq!(
        render.map(|f| (f.kind(), f.len())),
        Some((CacheKind::Own, 1))
    );
}

// ---------------------------------------------------------------- panics

static PANIC_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize]
fn panics_first(x: u32) -> u32 {
    if PANIC_RUNS.fetch_add(1, Ordering::SeqCst) == 0 {
        // Let the second caller arrive and wait on this run, then fail it.
        wait_for_misses(panics_first_cache(), 2);
        thread::sleep(Duration::from_millis(20));
        panic!("generator crashed");
    }
    x + 100
}

#[test]
fn a_panicking_call_does_not_wedge_its_waiters() {
    let (first, second) = thread::scope(|scope| {
        let first = scope.spawn(|| catch_unwind(AssertUnwindSafe(|| panics_first(1))));
        let second = scope.spawn(|| {
            // Start after the first call is running, so this one waits on it.
            while PANIC_RUNS.load(Ordering::SeqCst) == 0 {
                thread::sleep(Duration::from_millis(1));
            }
            panics_first(1)
        });
        (first.join(), second.join())
    });
    assert!(matches!(first, Ok(Err(_))), "the first call should panic");
    assert_eq!(second.ok(), Some(101));
    assert_eq!(PANIC_RUNS.load(Ordering::SeqCst), 2);
    assert_eq!(panics_first(1), 101);
    assert_eq!(PANIC_RUNS.load(Ordering::SeqCst), 2);
}

// ---------------------------------------------------------------- registry

#[memoize(max_entries = 3)]
fn listed_function(x: u8) -> u8 {
    x
}

#[test]
fn registry_lists_memoized_functions_with_their_statistics() {
    listed_function(1);
    listed_function(1);
    let listed = gencache::memoized();
    let Some(entry) = listed
        .iter()
        .find(|function| function.name().ends_with("memoize::listed_function"))
    else {
        panic!("listed_function missing from {listed:?}");
    };
    assert_eq!(entry.kind(), CacheKind::Own);
    assert_eq!(entry.stats().hits, 1);
    assert_eq!(entry.config().max_entries, Some(3));
    entry.clear();
    assert!(listed_function_cache().is_empty());
}

// ---------------------------------------------------------------- recursion, field caches

static FIB_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize]
fn fibonacci(n: u32) -> u64 {
    FIB_RUNS.fetch_add(1, Ordering::SeqCst);
    if n < 2 {
        return u64::from(n);
    }
    // Loads of other keys from inside a load: each n is computed once.
    fibonacci(n - 1) + fibonacci(n - 2)
}

#[test]
fn recursive_memoized_calls_compute_each_key_once() {
    assert_eq!(fibonacci(90), 2_880_067_194_370_816_120);
    assert_eq!(FIB_RUNS.load(Ordering::SeqCst), 91);
    assert_eq!(fibonacci_cache().len(), 91);
}

struct Renderer {
    cache: Cache<u128, String>,
    runs: AtomicUsize,
}

impl Renderer {
    #[memoize(cache = self.cache, ttl = "10m")]
    fn render(&self, scene: &str) -> String {
        self.runs.fetch_add(1, Ordering::SeqCst);
        scene.to_uppercase()
    }
}

#[test]
fn a_cache_can_be_a_field_of_self() {
    let first = Renderer {
        cache: Cache::builder().build(),
        runs: AtomicUsize::new(0),
    };
    let second = Renderer {
        cache: Cache::builder().build(),
        runs: AtomicUsize::new(0),
    };
    assert_eq!(first.render("hall"), "HALL");
    assert_eq!(first.render("hall"), "HALL");
    assert_eq!(second.render("hall"), "HALL");
    // Each instance has its own cache, so each computed once.
    assert_eq!(first.runs.load(Ordering::SeqCst), 1);
    assert_eq!(second.runs.load(Ordering::SeqCst), 1);
    assert_eq!((first.cache.len(), second.cache.len()), (1, 1));
}
