//! `#[gencache::memoize]` on `async fn`s under tokio: single-flight across tasks, errors, `None`,
//! `enabled`, TTL on a manual clock, methods, and cancellation of the running call.

use gencache::{Cache, ManualClock, memoize};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::sync::Notify;

const CALLERS: usize = 100;

/// A generous bound that turns a wedged call into a failure instead of a hung test run.
const WEDGE_GUARD: Duration = Duration::from_secs(60);

/// Waits until `misses` lookups missed in `cache`: the concurrent callers have all arrived.
async fn wait_for_misses<V: Clone + Send + Sync + 'static>(cache: &Cache<u128, V>, misses: u64) {
    while cache.stats().misses < misses {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

static SLOW_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize(ttl = "1h")]
async fn generate_3d(image: Vec<u8>, prompt: String) -> String {
    SLOW_RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(50)).await;
    format!("{} bytes -> {prompt}", image.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_concurrent_tasks_run_the_body_once() {
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| tokio::spawn(generate_3d(vec![1, 2, 3], "chair".to_string())))
        .collect();
    for task in tasks {
        assert_eq!(task.await.ok().as_deref(), Some("3 bytes -> chair"));
    }
    assert_eq!(SLOW_RUNS.load(Ordering::SeqCst), 1);
    let stats = generate_3d_cache().stats();
    assert_eq!(stats.loads_started, 1);
    assert_eq!(stats.hits + stats.loads_joined, CALLERS as u64 - 1);
}

static ERROR_RUNS: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, Clone, PartialEq)]
struct GenError(&'static str);

#[memoize]
async fn failing(x: u32) -> Result<u32, GenError> {
    let run = ERROR_RUNS.fetch_add(1, Ordering::SeqCst);
    if run == 0 {
        // Hold the first run until every caller has looked the key up and missed.
        wait_for_misses(failing_cache(), CALLERS as u64).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if x == 0 {
        return Err(GenError("zero"));
    }
    Ok(x)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_error_reaches_every_concurrent_task_and_is_not_stored() {
    let tasks: Vec<_> = (0..CALLERS).map(|_| tokio::spawn(failing(0))).collect();
    for task in tasks {
        assert_eq!(task.await.ok(), Some(Err(GenError("zero"))));
    }
    let stats = failing_cache().stats();
    let runs = ERROR_RUNS.load(Ordering::SeqCst) as u64;
    eprintln!("runs = {runs}, joined = {}", stats.loads_joined);
    assert_eq!(runs + stats.loads_joined, CALLERS as u64);
    assert!(stats.loads_joined > 0, "no task joined the first run");
    assert!(failing_cache().is_empty());
    // Ok values are cached as usual.
    assert_eq!(failing(4).await, Ok(4));
    assert_eq!(failing(4).await, Ok(4));
    assert_eq!(ERROR_RUNS.load(Ordering::SeqCst) as u64, runs + 1);
}

static QUESTION_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize]
async fn parse_async(text: String) -> Result<i64, std::num::ParseIntError> {
    QUESTION_RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::task::yield_now().await;
    let value: i64 = text.parse()?;
    Ok(-value)
}

#[tokio::test]
async fn question_mark_works_in_async_bodies() {
    assert_eq!(parse_async("5".into()).await, Ok(-5));
    assert_eq!(parse_async("5".into()).await, Ok(-5));
    assert!(parse_async("five".into()).await.is_err());
    assert_eq!(QUESTION_RUNS.load(Ordering::SeqCst), 2);
}

static OPTION_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize]
async fn maybe(x: u32) -> Option<u32> {
    OPTION_RUNS.fetch_add(1, Ordering::SeqCst);
    (x % 2 == 0).then_some(x / 2)
}

static OPTION_NONE_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize(cache_none)]
async fn maybe_cached(x: u32) -> Option<u32> {
    OPTION_NONE_RUNS.fetch_add(1, Ordering::SeqCst);
    (x % 2 == 0).then_some(x / 2)
}

#[tokio::test]
async fn none_is_recomputed_unless_cache_none() {
    assert_eq!(maybe(3).await, None);
    assert_eq!(maybe(3).await, None);
    assert_eq!(maybe(4).await, Some(2));
    assert_eq!(maybe(4).await, Some(2));
    assert_eq!(OPTION_RUNS.load(Ordering::SeqCst), 3);

    assert_eq!(maybe_cached(3).await, None);
    assert_eq!(maybe_cached(3).await, None);
    assert_eq!(OPTION_NONE_RUNS.load(Ordering::SeqCst), 1);
}

static ENABLED: AtomicBool = AtomicBool::new(false);
static TOGGLED_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize(enabled = ENABLED.load(Ordering::SeqCst))]
async fn toggled(x: u32) -> u32 {
    TOGGLED_RUNS.fetch_add(1, Ordering::SeqCst);
    x
}

#[tokio::test]
async fn enabled_false_bypasses_the_cache_entirely() {
    assert_eq!(toggled(1).await, 1);
    assert_eq!(toggled(1).await, 1);
    assert_eq!(TOGGLED_RUNS.load(Ordering::SeqCst), 2);
    assert_eq!(toggled_cache().stats().lookups(), 0);
    ENABLED.store(true, Ordering::SeqCst);
    assert_eq!(toggled(1).await, 1);
    assert_eq!(toggled(1).await, 1);
    assert_eq!(TOGGLED_RUNS.load(Ordering::SeqCst), 3);
}

static CLOCK: LazyLock<ManualClock> = LazyLock::new(ManualClock::new);
static TTL_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memoize(ttl = "30m", clock = CLOCK.clone())]
async fn half_hourly(x: u32) -> u32 {
    TTL_RUNS.fetch_add(1, Ordering::SeqCst);
    x
}

#[tokio::test]
async fn ttl_expires_on_a_manual_clock() {
    assert_eq!(half_hourly(1).await, 1);
    CLOCK.advance(Duration::from_secs(29 * 60));
    assert_eq!(half_hourly(1).await, 1);
    assert_eq!(TTL_RUNS.load(Ordering::SeqCst), 1);
    CLOCK.advance(Duration::from_secs(2 * 60));
    assert_eq!(half_hourly(1).await, 1);
    assert_eq!(TTL_RUNS.load(Ordering::SeqCst), 2);
}

struct Service {
    name: String,
    runs: AtomicUsize,
}

impl Service {
    #[memoize(max_entries = 10)]
    async fn answer(&self, question: String) -> String {
        self.runs.fetch_add(1, Ordering::SeqCst);
        tokio::task::yield_now().await;
        format!("{} answers {question}", self.name)
    }
}

#[tokio::test]
async fn async_methods_borrow_self_and_cache_by_arguments() {
    let service = Service {
        name: "svc".into(),
        runs: AtomicUsize::new(0),
    };
    assert_eq!(service.answer("why".into()).await, "svc answers why");
    assert_eq!(service.answer("why".into()).await, "svc answers why");
    assert_eq!(service.answer("how".into()).await, "svc answers how");
    assert_eq!(service.runs.load(Ordering::SeqCst), 2);
    assert_eq!(Service::answer_cache().config().max_entries, Some(10));
}

static CANCEL_RUNS: AtomicUsize = AtomicUsize::new(0);
static FIRST_RUN_STARTED: LazyLock<Notify> = LazyLock::new(Notify::new);

#[memoize]
async fn hangs_first(x: u32) -> u32 {
    if CANCEL_RUNS.fetch_add(1, Ordering::SeqCst) == 0 {
        FIRST_RUN_STARTED.notify_one();
        // The first run never finishes on its own: only cancellation ends it.
        std::future::pending::<()>().await;
    }
    x * 3
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_the_running_call_does_not_wedge_its_waiters() {
    let leader = tokio::spawn(hangs_first(5));
    FIRST_RUN_STARTED.notified().await;
    let waiter = tokio::spawn(hangs_first(5));
    // The waiter has missed too: it is (about to be) waiting on the leader's run.
    wait_for_misses(hangs_first_cache(), 2).await;
    leader.abort();
    let leader_result = leader.await;
    assert!(leader_result.is_err_and(|error| error.is_cancelled()));
    let waited = tokio::time::timeout(WEDGE_GUARD, waiter).await;
    assert_eq!(waited.ok().and_then(Result::ok), Some(15));
    assert_eq!(CANCEL_RUNS.load(Ordering::SeqCst), 2);
    assert_eq!(hangs_first(5).await, 15);
    assert_eq!(CANCEL_RUNS.load(Ordering::SeqCst), 2);
}

static SHARED: LazyLock<Cache<u128, Arc<str>>> = LazyLock::new(|| Cache::builder().build());

#[memoize(cache = SHARED, key = prompt.as_str())]
async fn shared_one(prompt: String, debug: bool) -> Arc<str> {
    let _ = debug;
    Arc::from(format!("one:{prompt}"))
}

#[memoize(cache = SHARED, key = prompt.as_str())]
async fn shared_two(prompt: String) -> Arc<str> {
    Arc::from(format!("two:{prompt}"))
}

#[tokio::test]
async fn async_functions_sharing_a_cache_do_not_collide() {
    assert_eq!(&*shared_one("cat".into(), true).await, "one:cat");
    assert_eq!(&*shared_two("cat".into()).await, "two:cat");
    assert_eq!(&*shared_one("cat".into(), false).await, "one:cat");
    assert_eq!(SHARED.len(), 2);
}

static PANIC_RUNS: AtomicUsize = AtomicUsize::new(0);
static PANIC_RUN_STARTED: LazyLock<Notify> = LazyLock::new(Notify::new);
static PANIC_RELEASE: LazyLock<Notify> = LazyLock::new(Notify::new);

#[memoize]
async fn panics_first(x: u32) -> u32 {
    if PANIC_RUNS.fetch_add(1, Ordering::SeqCst) == 0 {
        PANIC_RUN_STARTED.notify_one();
        PANIC_RELEASE.notified().await;
        panic!("generator crashed");
    }
    x + 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_task_does_not_wedge_its_waiters() {
    let leader = tokio::spawn(panics_first(1));
    PANIC_RUN_STARTED.notified().await;
    let waiter = tokio::spawn(panics_first(1));
    wait_for_misses(panics_first_cache(), 2).await;
    PANIC_RELEASE.notify_one();
    assert!(leader.await.is_err_and(|error| error.is_panic()));
    let waited = tokio::time::timeout(WEDGE_GUARD, waiter).await;
    assert_eq!(waited.ok().and_then(Result::ok), Some(2));
    assert_eq!(PANIC_RUNS.load(Ordering::SeqCst), 2);
}
