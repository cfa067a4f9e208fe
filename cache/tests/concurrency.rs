//! Concurrency: invariants under a mixed multi-threaded load, and single-flight with 1,000
//! concurrent callers (plain, with a panicking leader, and async with a cancelled leader).

use gencache::{Cache, LoadOptions, LoadStatus, Policy};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

/// A value that names its key, so a value served for the wrong key is detected.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Tagged {
    key: u32,
    version: u32,
}

fn weight_of(key: &u32, _: &Tagged) -> usize {
    16 + (*key % 64) as usize
}

const BUDGET: u64 = 4_000;

/// The stress invariants hold for every policy.
#[test]
fn mixed_operations_keep_invariants() {
    for policy in Policy::ALL {
        println!("policy = {policy}");
        mixed_operations_keep_invariants_with(policy);
    }
}

fn mixed_operations_keep_invariants_with(policy: Policy) {
    let seed: u64 = std::env::var("GENCACHE_STRESS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_CAFE);
    println!("stress seed = {seed} (set GENCACHE_STRESS_SEED to replay)");
    let cache: Cache<u32, Tagged> = Cache::builder()
        .max_bytes(BUDGET)
        .max_entries(150)
        .policy(policy)
        .weigher(weight_of)
        .build();
    let threads = 4;
    let ops_per_thread = 20_000;
    let gets = Arc::new(AtomicU64::new(0));
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (cache, gets, barrier) = (cache.clone(), Arc::clone(&gets), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let mut rng = StdRng::seed_from_u64(seed ^ (t as u64) << 32);
                barrier.wait();
                for i in 0..ops_per_thread {
                    let key = rng.random_range(0..400u32);
                    match rng.random_range(0..100) {
                        0..50 => {
                            gets.fetch_add(1, Ordering::Relaxed);
                            if let Some(v) = cache.get(&key) {
                                assert_eq!(v.key, key, "value of another key served");
                            }
                        }
                        50..80 => {
                            cache.insert(key, Tagged { key, version: i });
                        }
                        80..88 => {
                            if let Some(v) = cache.remove(&key) {
                                assert_eq!(v.key, key);
                            }
                        }
                        88..96 => {
                            gets.fetch_add(1, Ordering::Relaxed);
                            let v = cache.get_or_insert_with(key, || Tagged { key, version: i });
                            assert_eq!(v.key, key);
                        }
                        96..98 => {
                            if let Some(v) = cache.peek(&key) {
                                assert_eq!(v.key, key);
                            }
                        }
                        98 => {
                            // Concurrent listing is not a snapshot, but every row is a real
                            // entry of the right weight, and the page size holds.
                            let page = cache.entries(0, 50);
                            assert!(page.len() <= 50);
                            for e in &page {
                                assert_eq!(e.weight, 16 + u64::from(e.key % 64));
                            }
                        }
                        _ => {
                            cache.insert_with_ttl(
                                key,
                                Tagged { key, version: i },
                                Some(Duration::from_millis(1)),
                            );
                        }
                    }
                    let s = cache.stats();
                    assert!(s.bytes <= BUDGET, "weight {} above budget", s.bytes);
                    assert!(s.entries <= 150);
                    assert!(s.peak_bytes <= BUDGET);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("stress thread panicked");
    }
    let s = cache.stats();
    assert_eq!(s.hits + s.misses, gets.load(Ordering::Relaxed));
    assert!(cache.weight() <= BUDGET);
    // No duplicated entries, and every entry's weight agrees with its key.
    let all = cache.entries(0, usize::MAX);
    let distinct: HashSet<u32> = all.iter().map(|e| e.key).collect();
    assert_eq!(distinct.len(), all.len());
    let listed: u64 = all.iter().map(|e| e.weight).sum();
    assert!(listed <= cache.weight());
    for e in &all {
        assert_eq!(e.weight, 16 + u64::from(e.key % 64));
        if let Some(v) = cache.peek(&e.key) {
            assert_eq!(v.key, e.key);
        }
    }
}

const CALLERS: usize = 1_000;

#[test]
fn a_thousand_threads_missing_one_key_run_one_computation() {
    let cache: Cache<&'static str, Arc<String>> = Cache::builder().build();
    let computations = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(CALLERS));
    let handles: Vec<_> = (0..CALLERS)
        .map(|_| {
            let (cache, computations, barrier) = (
                cache.clone(),
                Arc::clone(&computations),
                Arc::clone(&barrier),
            );
            std::thread::spawn(move || {
                barrier.wait();
                cache
                    .load("prompt", LoadOptions::default(), || {
                        computations.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(200));
                        Ok::<_, ()>(Arc::new("image".to_string()))
                    })
                    .expect("infallible")
            })
        })
        .collect();
    let results: Vec<_> = handles
        .into_iter()
        .map(|h| h.join().expect("caller panicked"))
        .collect();
    assert_eq!(computations.load(Ordering::SeqCst), 1);
    assert!(results.iter().all(|r| *r.value == "image"));
    let loaded = results
        .iter()
        .filter(|r| r.status == LoadStatus::Loaded)
        .count();
    assert_eq!(loaded, 1);
    let s = cache.stats();
    assert_eq!(s.loads_started, 1);
    assert_eq!(s.load_failures, 0);
    let joined = results
        .iter()
        .filter(|r| r.status == LoadStatus::Joined)
        .count() as u64;
    assert_eq!(s.loads_joined, joined);
}

#[test]
fn a_panicking_leader_is_replaced_by_one_waiter() {
    let cache: Cache<u32, u64> = Cache::builder().build();
    let computations = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(CALLERS));
    let handles: Vec<_> = (0..CALLERS)
        .map(|_| {
            let (cache, computations, barrier) = (
                cache.clone(),
                Arc::clone(&computations),
                Arc::clone(&barrier),
            );
            std::thread::spawn(move || {
                barrier.wait();
                cache.get_or_insert_with(9, || {
                    let n = computations.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(100));
                    if n == 0 {
                        panic!("first computation fails on purpose");
                    }
                    99
                })
            })
        })
        .collect();
    let mut panicked = 0;
    for h in handles {
        match h.join() {
            Ok(v) => assert_eq!(v, 99),
            Err(_) => panicked += 1,
        }
    }
    assert_eq!(panicked, 1, "only the leader unwinds");
    assert_eq!(
        computations.load(Ordering::SeqCst),
        2,
        "one failed run, one takeover"
    );
    let s = cache.stats();
    assert_eq!((s.loads_started, s.load_failures), (2, 1));
    assert_eq!(cache.get(&9), Some(99));
}

#[test]
fn a_thousand_tasks_survive_a_cancelled_leader() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let cache: Cache<u32, u64> = Cache::builder().build();
        let computations = Arc::new(AtomicUsize::new(0));
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let leader = {
            let cache = cache.clone();
            tokio::spawn(async move {
                cache
                    .get_or_insert_async(5, async move {
                        let _ = started_tx.send(());
                        std::future::pending::<u64>().await
                    })
                    .await
            })
        };
        started_rx.await.expect("leader started");
        let tasks: Vec<_> = (0..CALLERS)
            .map(|_| {
                let (cache, computations) = (cache.clone(), Arc::clone(&computations));
                tokio::spawn(async move {
                    cache
                        .get_or_insert_async(5, async move {
                            computations.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            55
                        })
                        .await
                })
            })
            .collect();
        // Let the callers queue up behind the leader, then cancel it.
        tokio::time::sleep(Duration::from_millis(200)).await;
        leader.abort();
        assert!(leader.await.expect_err("leader cancelled").is_cancelled());
        for t in tasks {
            assert_eq!(t.await.expect("task"), 55);
        }
        assert_eq!(computations.load(Ordering::SeqCst), 1);
        let s = cache.stats();
        assert_eq!((s.loads_started, s.load_failures), (2, 1));
    });
}
