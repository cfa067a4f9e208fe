//! Unit tests of the thread-safe cache: operations, statistics, single-flight statuses.

use crate::{Cache, CacheConfig, InsertOutcome, LoadOptions, LoadStatus, ManualClock};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

fn cache(config: CacheConfig) -> (Cache<u32, u64>, ManualClock) {
    let clock = ManualClock::new();
    let c = Cache::builder()
        .config(config)
        .clock(clock.clone())
        .weigher(|_: &u32, v: &u64| *v as usize)
        .shards(4)
        .build();
    (c, clock)
}

fn keys(c: &Cache<u32, u64>) -> Vec<u32> {
    c.entries(0, usize::MAX)
        .into_iter()
        .map(|e| e.key)
        .collect()
}

#[test]
fn is_send_sync_and_clone_shares_state() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Cache<String, Arc<Vec<u8>>>>();
    let (c, _) = cache(CacheConfig::default());
    let h = c.clone();
    h.insert(1, 5);
    assert_eq!(c.get(&1), Some(5));
    assert_eq!(c.len(), 1);
    assert!(!c.is_empty());
    assert_eq!(c.weight(), 5);
}

#[test]
fn operations_follow_exact_lru_single_threaded() {
    let (c, _) = cache(CacheConfig {
        max_entries: Some(3),
        max_bytes: Some(100),
        default_ttl: None,
    });
    for k in 1..=3 {
        assert_eq!(c.insert(k, 10), InsertOutcome::Inserted);
    }
    assert_eq!(c.get(&1), Some(10));
    c.insert(4, 10);
    assert_eq!(keys(&c), vec![4, 1, 3]);
    assert_eq!(c.peek(&3), Some(10));
    assert!(c.contains(&3));
    assert_eq!(c.remove(&3), Some(10));
    assert!(matches!(c.insert(9, 101), InsertOutcome::Refused { .. }));
    c.insert(5, 90); // 110 bytes: evicts 1, the least recently used
    assert_eq!(keys(&c), vec![5, 4]);
    let s = c.stats();
    assert_eq!(s.hits, 1);
    assert_eq!(s.evictions.capacity_entries, 1);
    assert_eq!(s.evictions.capacity_bytes, 1);
    assert_eq!(s.evictions.removed, 1);
    assert_eq!(s.refused_too_large, 1);
    c.clear();
    assert_eq!(c.stats().evictions.cleared, 2);
    c.reset_stats();
    assert_eq!(c.stats().evictions.total(), 0);
}

#[test]
fn ttl_reconfigure_and_purge() {
    let (c, clock) = cache(CacheConfig {
        default_ttl: Some(Duration::from_secs(10)),
        ..CacheConfig::default()
    });
    c.insert(1, 1);
    c.insert_with_ttl(2, 1, None);
    clock.advance(Duration::from_secs(10));
    assert_eq!(c.get(&1), None);
    c.insert(3, 1);
    clock.advance(Duration::from_secs(10));
    assert_eq!(c.purge_expired(), 1);
    c.reconfigure(CacheConfig {
        max_entries: Some(0),
        ..c.config()
    });
    assert!(c.is_empty());
}

#[test]
fn big_listing_is_complete_and_ordered() {
    let (c, _) = cache(CacheConfig::default());
    for k in 0..2_000 {
        c.insert(k, 1);
    }
    let all = keys(&c);
    assert_eq!(all.len(), 2_000);
    assert!(all.iter().rev().copied().eq(0..2_000));
    let page: Vec<u32> = c.entries(1_500, 600).into_iter().map(|e| e.key).collect();
    assert!(page.iter().rev().copied().eq(0..500));
}

#[test]
fn load_reports_loaded_hit_and_uses_the_load_ttl() {
    let (c, clock) = cache(CacheConfig::default());
    let opts = LoadOptions::default().ttl(Some(Duration::from_secs(5)));
    let first = c.load(1, opts, || Ok::<_, ()>(11)).unwrap();
    assert_eq!((first.value, first.status), (11, LoadStatus::Loaded));
    let again = c.load(1, opts, || Ok::<_, ()>(99)).unwrap();
    assert_eq!((again.value, again.status), (11, LoadStatus::Hit));
    assert_eq!(c.entries(0, 1)[0].expires_in, Some(Duration::from_secs(5)));
    clock.advance(Duration::from_secs(5));
    assert!(!c.contains(&1));
    let s = c.stats();
    assert_eq!(
        (s.loads_started, s.loads_joined, s.load_failures),
        (1, 0, 0)
    );
    assert_eq!((s.hits, s.misses), (1, 1));
}

#[test]
fn failed_load_is_not_cached_and_counted() {
    let (c, _) = cache(CacheConfig::default());
    let r = c.get_or_try_insert_with(1, || Err::<u64, _>("boom".to_string()));
    assert_eq!(r, Err("boom".to_string()));
    assert!(!c.contains(&1));
    assert_eq!(c.get_or_try_insert_with(1, || Ok::<_, String>(3)), Ok(3));
    let s = c.stats();
    assert_eq!((s.loads_started, s.load_failures), (2, 1));
    assert_eq!(c.get_or_insert_with(1, || 4), 3);
}

#[test]
fn waiters_share_the_leaders_error() {
    let (c, _) = cache(CacheConfig::default());
    let n = 8;
    let barrier = Arc::new(Barrier::new(n));
    let runs = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let (c, barrier, runs) = (c.clone(), Arc::clone(&barrier), Arc::clone(&runs));
            std::thread::spawn(move || {
                barrier.wait();
                c.load(7, LoadOptions::default(), || {
                    runs.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(50));
                    Err::<u64, _>(String::from("generator down"))
                })
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), Err("generator down".to_string()));
    }
    // Every caller got the error; callers arriving after a failure retry on their own, so the
    // number of computations equals the number of failures, and everyone else joined one.
    let s = c.stats();
    let runs = runs.load(Ordering::SeqCst) as u64;
    assert_eq!(s.loads_started, runs);
    assert_eq!(s.load_failures, runs);
    assert_eq!(s.loads_joined, n as u64 - runs);
    assert!(!c.contains(&7));
}

#[test]
fn leader_panic_hands_the_load_to_a_waiter() {
    let (c, _) = cache(CacheConfig::default());
    let started = Arc::new(Barrier::new(2));
    let leader = {
        let (c, started) = (c.clone(), Arc::clone(&started));
        std::thread::spawn(move || {
            c.get_or_insert_with(1, || {
                started.wait();
                std::thread::sleep(Duration::from_millis(50));
                panic!("leader dies");
            })
        })
    };
    started.wait();
    let got = c
        .load(1, LoadOptions::default(), || Ok::<_, ()>(42))
        .unwrap();
    assert!(leader.join().is_err());
    assert_eq!(got.value, 42);
    // The waiter either joined and then took over (Loaded) or arrived after the abandonment.
    assert_eq!(got.status, LoadStatus::Loaded);
    assert_eq!(c.get(&1), Some(42));
    let s = c.stats();
    assert_eq!((s.loads_started, s.load_failures), (2, 1));
    assert_eq!(c.inner.flights.in_flight(), 0);
}

#[test]
fn error_of_another_type_makes_the_waiter_run_its_own_init() {
    let (c, _) = cache(CacheConfig::default());
    let started = Arc::new(Barrier::new(2));
    let leader = {
        let (c, started) = (c.clone(), Arc::clone(&started));
        std::thread::spawn(move || {
            c.get_or_try_insert_with(1, || {
                started.wait();
                std::thread::sleep(Duration::from_millis(30));
                Err::<u64, u8>(1)
            })
        })
    };
    started.wait();
    let got = c.get_or_try_insert_with(1, || Ok::<_, String>(5));
    assert_eq!(leader.join().unwrap(), Err(1));
    assert_eq!(got, Ok(5));
}

#[test]
fn async_load_statuses_and_cancelled_leader() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let (c, _) = cache(CacheConfig::default());
        assert_eq!(c.get_or_insert_async(1, async { 10 }).await, 10);
        assert_eq!(c.get_or_insert_async(1, async { 20 }).await, 10);
        // A leader whose future is dropped mid-load abandons it.
        let leader = c.get_or_insert_async(2, async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            1
        });
        let mut leader = Box::pin(leader);
        assert!(futures_poll_once(leader.as_mut()).await.is_none());
        assert_eq!(c.inner.flights.in_flight(), 1);
        drop(leader);
        assert_eq!(c.inner.flights.in_flight(), 0);
        assert_eq!(c.stats().load_failures, 1);
        let r = c.get_or_try_insert_async(2, async { Ok::<_, ()>(2) }).await;
        assert_eq!(r, Ok(2));
    });
}

/// Polls a future once; `Some(output)` if it completed.
async fn futures_poll_once<F: std::future::Future + Unpin>(mut f: F) -> Option<F::Output> {
    std::future::poll_fn(|cx| {
        std::task::Poll::Ready(match std::pin::Pin::new(&mut f).poll(cx) {
            std::task::Poll::Ready(v) => Some(v),
            std::task::Poll::Pending => None,
        })
    })
    .await
}

/// Runs a load of key 1 (value 100) on another thread whose `init` blocks until `write` has run
/// on this thread; returns the load's result.
fn load_interrupted_by(
    c: &Cache<u32, u64>,
    write: impl FnOnce(&Cache<u32, u64>),
) -> crate::Loaded<u64> {
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let leader = {
        let c = c.clone();
        std::thread::spawn(move || {
            c.load(1, LoadOptions::default(), move || {
                started_tx.send(()).map_err(|_| "test thread gone")?;
                go_rx.recv().map_err(|_| "test thread gone")?;
                Ok::<u64, &'static str>(100)
            })
        })
    };
    started_rx.recv().expect("the leader's init starts");
    write(c);
    go_tx.send(()).expect("the leader waits for the write");
    leader
        .join()
        .expect("the leader does not panic")
        .expect("the load succeeds")
}

#[test]
fn insert_during_a_load_wins_over_the_loaded_value() {
    let (c, _) = cache(CacheConfig::default());
    let loaded = load_interrupted_by(&c, |c| {
        assert_eq!(c.insert(1, 7), InsertOutcome::Inserted);
    });
    // The leader still gets its own value; the cache keeps the newer explicit insert.
    assert_eq!((loaded.value, loaded.status), (100, LoadStatus::Loaded));
    assert_eq!(c.get(&1), Some(7));
    assert_eq!(c.inner.flights.in_flight(), 0);
}

#[test]
fn insert_with_ttl_during_a_load_wins_over_the_loaded_value() {
    let (c, _) = cache(CacheConfig::default());
    let loaded = load_interrupted_by(&c, |c| {
        c.insert_with_ttl(1, 8, None);
    });
    assert_eq!(loaded.value, 100);
    assert_eq!(c.get(&1), Some(8));
    assert_eq!(c.entries(0, 1)[0].expires_in, None);
}

#[test]
fn remove_during_a_load_is_not_undone() {
    let (c, _) = cache(CacheConfig::default());
    let loaded = load_interrupted_by(&c, |c| {
        assert_eq!(c.remove(&1), None);
    });
    assert_eq!(loaded.value, 100);
    assert!(!c.contains(&1));
    assert!(c.is_empty());
}

#[test]
fn clear_during_a_load_is_not_undone() {
    let (c, _) = cache(CacheConfig::default());
    c.insert(2, 2);
    let loaded = load_interrupted_by(&c, |c| c.clear());
    assert_eq!((loaded.value, loaded.status), (100, LoadStatus::Loaded));
    assert!(c.is_empty());
    // The next load runs again and is stored as usual.
    let again = c
        .load(1, LoadOptions::default(), || Ok::<_, ()>(101))
        .unwrap();
    assert_eq!(again.status, LoadStatus::Loaded);
    assert_eq!(c.get(&1), Some(101));
}

#[test]
fn waiters_of_an_invalidated_load_still_get_its_value() {
    let (c, _) = cache(CacheConfig::default());
    let joined = std::sync::Mutex::new(None);
    let loaded = std::thread::scope(|s| {
        load_interrupted_by(&c, |_| {
            c.clear();
            // Joins the flight in progress (it is still registered): waits for the leader.
            s.spawn(|| {
                let got = c.load(1, LoadOptions::default(), || Ok::<_, &'static str>(999));
                *joined.lock().unwrap() = Some(got);
            });
            // Let the waiter register before the leader finishes; whichever happens first, the
            // waiter gets 100 (joined) or, if it came after the leader finished, its own 999.
            while c.stats().misses < 2 {
                std::thread::yield_now();
            }
        })
    });
    assert_eq!(loaded.value, 100);
    let got = joined
        .into_inner()
        .unwrap()
        .expect("the waiter ran")
        .unwrap();
    match got.status {
        LoadStatus::Joined => {
            assert_eq!(got.value, 100);
            assert!(c.is_empty()); // the invalidated value was not stored
        }
        LoadStatus::Loaded => assert_eq!((got.value, c.get(&1)), (999, Some(999))),
        LoadStatus::Hit => panic!("nothing was stored to hit"),
    }
}

#[test]
fn huge_shard_count_is_clamped_and_loads_work() {
    let c: Cache<u32, u32> = Cache::builder().shards(usize::MAX).build();
    assert_eq!(c.get_or_insert_with(1, || 5), 5);
    assert_eq!(
        c.inner.flights.shard_count(),
        crate::single_flight::MAX_SHARDS
    );
}

/// Counts WARN events (a minimal `tracing` subscriber, so the test needs no extra crate).
#[derive(Default)]
struct WarnCounter(AtomicUsize);

impl tracing::Subscriber for WarnCounter {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if *event.metadata().level() == tracing::Level::WARN {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn an_abandoned_load_warns_only_when_a_waiter_takes_over() {
    let counter = Arc::new(WarnCounter::default());
    let dispatch =
        tracing::Dispatch::from(Arc::clone(&counter) as Arc<dyn tracing::Subscriber + Send + Sync>);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        rt.block_on(async {
            let (c, _) = cache(CacheConfig::default());
            let pending = || async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                1
            };
            // Nobody waits: a cancelled load is routine (a server shutting down), no warning.
            let mut alone = Box::pin(c.get_or_insert_async(1, pending()));
            assert!(futures_poll_once(alone.as_mut()).await.is_none());
            drop(alone);
            assert_eq!(counter.0.load(Ordering::SeqCst), 0);
            // A waiter joined: it takes over, and that is worth a warning.
            let mut leader = Box::pin(c.get_or_insert_async(2, pending()));
            assert!(futures_poll_once(leader.as_mut()).await.is_none());
            let mut waiter = Box::pin(c.get_or_insert_async(2, async { 7 }));
            assert!(futures_poll_once(waiter.as_mut()).await.is_none());
            drop(leader);
            assert_eq!(counter.0.load(Ordering::SeqCst), 1);
            assert_eq!(waiter.await, 7);
        });
    });
}

/// A clock whose recent time lags its exact time by a settable amount, as `SystemClock`'s does
/// by up to its refresh interval.
#[derive(Clone, Default)]
struct LaggingClock {
    now: ManualClock,
    lag: Arc<std::sync::atomic::AtomicU64>,
}

impl crate::Clock for LaggingClock {
    fn now(&self) -> Duration {
        self.now.now()
    }

    fn recent_nanos(&self) -> u64 {
        self.now
            .now_nanos()
            .saturating_sub(self.lag.load(Ordering::Relaxed))
    }
}

/// Expiry stays exact for every policy, on every read path, whatever the recent time's lag
/// below `RECENT_MARGIN`: the exact clock is read for any deadline that close.
#[test]
fn ttl_is_exact_whatever_the_recent_time_lag_below_the_margin() {
    let margin = crate::RECENT_MARGIN.as_nanos() as u64;
    for policy in crate::Policy::ALL {
        for lag in [0, 1, margin / 2, margin - 1] {
            let clock = LaggingClock::default();
            clock.lag.store(lag, Ordering::Relaxed);
            let c: Cache<u32, u64> = Cache::builder()
                .policy(policy)
                .max_entries(100)
                .default_ttl(Some(Duration::from_secs(10)))
                .clock(clock.clone())
                .build();
            c.insert(1, 1);
            clock.now.advance(Duration::from_nanos(9_999_999_999));
            let what = format!("{policy:?}, lag {lag} ns");
            assert_eq!(c.get(&1), Some(1), "{what}: alive 1 ns before its deadline");
            assert_eq!(c.peek(&1), Some(1), "{what}");
            assert!(c.contains(&1), "{what}");
            clock.now.advance(Duration::from_nanos(1));
            assert_eq!(c.peek(&1), None, "{what}: expired at its deadline");
            assert!(!c.contains(&1), "{what}");
            assert_eq!(c.get(&1), None, "{what}");
            let s = c.stats();
            assert_eq!((s.hits, s.misses), (1, 1), "{what}");
        }
    }
}

/// Far from its deadline an entry is a hit without reading the exact clock, and its last access
/// (in whole seconds) comes from the recent time without going back before its insert.
#[test]
fn a_lagging_recent_time_never_moves_the_last_access_back() {
    for policy in crate::Policy::ALL {
        let clock = LaggingClock::default();
        let c: Cache<u32, u64> = Cache::builder().policy(policy).clock(clock.clone()).build();
        clock.now.advance(Duration::from_secs(5));
        c.insert(1, 1);
        clock.lag.store(2_000_000_000, Ordering::Relaxed);
        clock.now.advance(Duration::from_millis(500));
        assert_eq!(c.get(&1), Some(1), "{policy:?}");
        let entry = &c.entries(0, 10)[0];
        assert_eq!(entry.idle, Duration::ZERO, "{policy:?}: {entry:?}");
    }
}
