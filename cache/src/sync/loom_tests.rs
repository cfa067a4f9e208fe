//! Model checks of the single-flight protocol with `loom` (every interleaving of the locks, up to a
//! preemption bound). Run with:
//! `RUSTFLAGS="--cfg loom" cargo test -p gencache --release --lib loom`
//! (a separate `CARGO_TARGET_DIR` avoids rebuilding the shared one).

use crate::{Cache, LoadOptions, LoadStatus};
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use std::sync::Arc;

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

fn new_cache() -> Cache<u32, u32> {
    Cache::builder().shards(1).build()
}

#[test]
fn loom_two_loaders_run_one_computation() {
    model(|| {
        let cache = new_cache();
        let runs = Arc::new(AtomicUsize::new(0));
        let other = {
            let (cache, runs) = (cache.clone(), Arc::clone(&runs));
            thread::spawn(move || {
                cache.get_or_insert_with(1, || {
                    runs.fetch_add(1, Ordering::SeqCst);
                    7
                })
            })
        };
        let mine = cache.get_or_insert_with(1, || {
            runs.fetch_add(1, Ordering::SeqCst);
            7
        });
        assert_eq!((mine, other.join().unwrap()), (7, 7));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(cache.inner.flights.in_flight(), 0);
    });
}

#[test]
fn loom_abandoned_leader_never_strands_a_waiter() {
    model(|| {
        let cache = new_cache();
        let quitter = {
            let cache = cache.clone();
            thread::spawn(move || {
                let hash = cache.hash(&1);
                // Lead and give up, as a panicking or cancelled leader does.
                if let Ok(guard) = cache.claim(hash, &1) {
                    drop(guard);
                }
            })
        };
        let got = cache
            .load(1, LoadOptions::default(), || Ok::<_, ()>(7))
            .unwrap();
        quitter.join().unwrap();
        assert_eq!(got.value, 7);
        assert_ne!(got.status, LoadStatus::Hit);
        assert_eq!(cache.inner.flights.in_flight(), 0);
        assert_eq!(cache.peek(&1), Some(7));
    });
}

#[test]
fn loom_error_reaches_a_waiter_or_the_waiter_loads() {
    model(|| {
        let cache = new_cache();
        let failing = {
            let cache = cache.clone();
            thread::spawn(move || cache.get_or_try_insert_with(1, || Err::<u32, u8>(9)))
        };
        let own_runs = Arc::new(AtomicUsize::new(0));
        let runs = Arc::clone(&own_runs);
        let mine = cache.get_or_try_insert_with(1, move || {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok::<u32, u8>(5)
        });
        let theirs = failing.join().unwrap();
        // Either we joined the failing load (and share its error) or we ran our own init.
        match mine {
            Err(9) => assert_eq!(own_runs.load(Ordering::SeqCst), 0),
            Ok(5) => assert_eq!(own_runs.load(Ordering::SeqCst), 1),
            other => panic!("unexpected result {other:?}"),
        }
        // The failing caller either ran its init or joined ours.
        assert!(matches!(theirs, Err(9) | Ok(5)));
        assert_eq!(cache.inner.flights.in_flight(), 0);
    });
}

#[test]
fn loom_async_waiter_is_woken_by_a_sync_leader() {
    model(|| {
        let cache = new_cache();
        let runs = Arc::new(AtomicUsize::new(0));
        let leader = {
            let (cache, runs) = (cache.clone(), Arc::clone(&runs));
            thread::spawn(move || {
                cache.get_or_insert_with(1, || {
                    runs.fetch_add(1, Ordering::SeqCst);
                    7
                })
            })
        };
        let runs2 = Arc::clone(&runs);
        let got = loom::future::block_on(cache.get_or_insert_async(1, async move {
            runs2.fetch_add(1, Ordering::SeqCst);
            7
        }));
        assert_eq!((got, leader.join().unwrap()), (7, 7));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn loom_a_finishing_load_never_overwrites_a_concurrent_insert() {
    model(|| {
        let cache = new_cache();
        let loader = {
            let cache = cache.clone();
            thread::spawn(move || cache.get_or_insert_with(1, || 7))
        };
        cache.insert(1, 9);
        let loaded = loader.join().unwrap();
        // The load may see the insert (9) or run first (7), but whatever the interleaving the
        // explicit insert is the last word in the cache.
        assert!(loaded == 7 || loaded == 9);
        assert_eq!(cache.peek(&1), Some(9));
        assert_eq!(cache.inner.flights.in_flight(), 0);
    });
}

/// Entry bound of `lazy_cache`: the smallest at which S3-FIFO admits anything (its small queue,
/// `trunc(0.1 × 20)` = 2 places, must be larger than one entry).
const LAZY_BOUND: usize = 20;

/// A full lazy-promotion cache (keys `100..`, plus whatever the test inserts), so that every
/// insert of a new key evicts.
fn lazy_cache(policy: crate::Policy) -> Cache<u32, u32> {
    let cache = Cache::builder()
        .shards(1)
        .max_entries(LAZY_BOUND)
        .policy(policy)
        .build();
    for k in 100..100 + LAZY_BOUND as u32 - 1 {
        cache.insert(k, k);
    }
    cache
}

/// Shared-lock hits (relaxed frequency bits, striped counters) racing an insert that evicts under
/// the write lock: every lookup is counted once, a hit returns the value of its own key, and the
/// bound holds at every observation.
fn shared_hits_race_an_evicting_insert(policy: crate::Policy) {
    model(move || {
        let cache = lazy_cache(policy);
        cache.insert(1, 10);
        let reader = {
            let cache = cache.clone();
            thread::spawn(move || {
                let mut hits = 0;
                for _ in 0..2 {
                    match cache.get(&1) {
                        Some(v) => {
                            assert_eq!(v, 10);
                            hits += 1;
                        }
                        None => {}
                    }
                }
                hits
            })
        };
        cache.insert(2, 20);
        assert!(cache.len() <= LAZY_BOUND);
        let hits = reader.join().unwrap();
        let s = cache.stats();
        assert_eq!(s.lookups(), 2);
        assert_eq!(s.hits, hits);
        assert!(cache.len() <= LAZY_BOUND);
    });
}

#[test]
fn loom_s3fifo_shared_hits_race_an_evicting_insert() {
    shared_hits_race_an_evicting_insert(crate::Policy::S3Fifo);
}

#[test]
fn loom_sieve_shared_hits_race_an_evicting_insert() {
    shared_hits_race_an_evicting_insert(crate::Policy::Sieve);
}

/// Two shared-lock hits on one entry at once: both are counted and both see the value.
#[test]
fn loom_concurrent_shared_hits_are_all_counted() {
    model(|| {
        let cache = lazy_cache(crate::Policy::S3Fifo);
        cache.insert(1, 10);
        let other = {
            let cache = cache.clone();
            thread::spawn(move || cache.get(&1))
        };
        assert_eq!(cache.get(&1), Some(10));
        assert_eq!(other.join().unwrap(), Some(10));
        assert_eq!(cache.stats().hits, 2);
    });
}

/// Thread numbers (`thread_slot`): a thread counts in the stripe of its number with a plain load
/// and store. Three threads share one number and a fallback counter: whoever holds the number
/// writes its cell (a loom `UnsafeCell`, so an access not ordered after the previous holder's
/// release fails the model), the others count atomically; no count is lost.
#[test]
fn loom_thread_slots_hand_over_their_stripe() {
    use super::thread_slot::SlotRegistry;
    use loom::cell::UnsafeCell;
    use loom::sync::atomic::AtomicU64;

    struct Counters {
        registry: SlotRegistry,
        owned: UnsafeCell<u64>,
        shared: AtomicU64,
    }
    // SAFETY (of the test's shared `UnsafeCell`): `owned` is only accessed by the holder of
    // number 0 of `registry`; loom checks that claim/release order those accesses.
    unsafe impl Sync for Counters {}

    model(|| {
        let counters = Arc::new(Counters {
            registry: SlotRegistry::new(1),
            owned: UnsafeCell::new(0),
            shared: AtomicU64::new(0),
        });
        let count_twice = |c: &Counters| match c.registry.claim() {
            Some(slot) => {
                for _ in 0..2 {
                    // SAFETY: this thread holds number 0 until the `release` below.
                    c.owned.with_mut(|n| unsafe { *n += 1 });
                }
                c.registry.release(slot);
            }
            None => {
                c.shared.fetch_add(2, Ordering::Relaxed);
            }
        };
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let c = Arc::clone(&counters);
                thread::spawn(move || count_twice(&c))
            })
            .collect();
        count_twice(&counters);
        for t in threads {
            t.join().unwrap();
        }
        // SAFETY: every other thread has been joined.
        let owned = counters.owned.with(|n| unsafe { *n });
        assert_eq!(owned + counters.shared.load(Ordering::Relaxed), 6);
    });
}

/// The read-mostly lock (`slot_lock`) on its own: a reader on a thread line (marked and unmarked
/// with plain load-and-store pairs) and a reader on the shared line (atomic counts) race a writer
/// that updates two fields. The data lives in loom's `UnsafeCell`, so any access not ordered
/// against a conflicting one fails the model; a reader never sees a half-done write.
#[test]
fn loom_slot_lock_readers_and_a_writer_exclude() {
    use super::slot_lock::SlotLock;
    model(|| {
        let lock = Arc::new(SlotLock::<(u32, u32), ()>::new((0, 0)));
        let own_line = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                let r = lock.read_as(Some(0));
                assert_eq!(r.0, r.1, "half-done write seen");
                r.0
            })
        };
        let shared_line = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                let r = lock.read_as(None);
                assert_eq!(r.0, r.1, "half-done write seen");
                r.0
            })
        };
        {
            let mut w = lock.write();
            w.0 += 1;
            w.1 += 1;
        }
        let seen = (own_line.join().unwrap(), shared_line.join().unwrap());
        assert!(seen.0 <= 1 && seen.1 <= 1);
        // Line 0's thread has been joined: this thread may use the line now.
        assert_eq!(*lock.read_as(Some(0)), (1, 1));
    });
}

/// Two writers and a reader holding two guards on its own line: writers exclude each other and
/// wait for both of the reader's marks.
#[test]
fn loom_slot_lock_writers_wait_for_nested_reads() {
    use super::slot_lock::SlotLock;
    model(|| {
        let lock = Arc::new(SlotLock::<u32, ()>::new(0));
        let writer = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || *lock.write() += 1)
        };
        let reader = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                let outer = lock.read_as(Some(0));
                let inner = lock.read_as(Some(0));
                let seen = (*outer, *inner);
                drop(outer);
                assert_eq!(seen.0, seen.1);
                drop(inner);
            })
        };
        *lock.write() += 1;
        writer.join().unwrap();
        reader.join().unwrap();
        assert_eq!(*lock.read_as(None), 2);
    });
}
