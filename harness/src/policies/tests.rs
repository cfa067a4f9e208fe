//! Each reference policy against a simple model on small random traces, and the bounds'
//! properties: Belady never below a policy that admits every miss at the same entry budget,
//! LRU's hits equal to the stack-distance count, the infinite cache missing first requests only.

use super::*;
use crate::engine::{ArrivalMode, EngineConfig, replay};
use proptest::prelude::*;
use std::collections::VecDeque;
use workloads::Request;

fn trace(keys: &[u64]) -> Vec<Request> {
    keys.iter()
        .map(|&key| Request {
            time: 0.0,
            key,
            size: 1 + key % 7,
            cost: 1.0,
        })
        .collect()
}

fn config() -> EngineConfig {
    EngineConfig {
        arrival: ArrivalMode::Closed { clients: 1 },
        measure_lookups: false,
        ..EngineConfig::default()
    }
}

/// `policy` with an entry budget of `capacity`, built for replaying `keys` (the bounds get
/// their next uses).
fn built(policy: PolicyName, capacity: u64, keys: &[u64]) -> Box<dyn SimCache> {
    let limits = CacheLimits {
        max_entries: Some(capacity),
        ..CacheLimits::default()
    };
    let context = PolicyContext {
        next_uses: Some(NextUses::from_keys(keys.iter().copied())),
        distinct_keys: None,
    };
    match build(policy, &limits, &context) {
        Ok(cache) => cache,
        Err(e) => panic!("{policy}: {e:?}"),
    }
}

/// Hits of `policy` with an entry budget of `capacity` over `keys`, through the engine.
fn hits(policy: PolicyName, capacity: u64, keys: &[u64]) -> u64 {
    let mut cache = built(policy, capacity, keys);
    let out = replay(
        trace(keys).into_iter(),
        cache.as_mut(),
        &config(),
        &mut |_| {},
    );
    match out {
        Ok(out) => out.hits,
        Err(e) => panic!("{policy}: {e}"),
    }
}

fn fifo_model(capacity: usize, keys: &[u64]) -> u64 {
    let mut q: VecDeque<u64> = VecDeque::new();
    let mut hits = 0;
    for &k in keys {
        if q.contains(&k) {
            hits += 1;
        } else if capacity > 0 {
            if q.len() == capacity {
                q.pop_front();
            }
            q.push_back(k);
        }
    }
    hits
}

/// Second chance: a ring of (key, referenced); the hand clears bits until it finds a clear one.
fn clock_model(capacity: usize, keys: &[u64]) -> u64 {
    let mut q: VecDeque<(u64, bool)> = VecDeque::new();
    let mut hits = 0;
    for &k in keys {
        if let Some(e) = q.iter_mut().find(|e| e.0 == k) {
            e.1 = true;
            hits += 1;
        } else if capacity > 0 {
            if q.len() == capacity {
                while let Some((key, referenced)) = q.pop_front() {
                    if referenced {
                        q.push_back((key, false));
                    } else {
                        break;
                    }
                }
            }
            q.push_back((k, false));
        }
    }
    hits
}

/// SIEVE: one queue (oldest first) with a visited bit; the hand walks from the oldest towards
/// the newest clearing bits, evicts the first unvisited object and stays where it was (on the
/// next newer object), wrapping to the oldest at the end.
fn sieve_model(capacity: usize, keys: &[u64]) -> u64 {
    let mut q: Vec<(u64, bool)> = Vec::new();
    let mut hand: Option<usize> = None;
    let mut hits = 0;
    for &k in keys {
        if let Some(e) = q.iter_mut().find(|e| e.0 == k) {
            e.1 = true;
            hits += 1;
            continue;
        }
        if capacity == 0 {
            continue;
        }
        if q.len() == capacity {
            let mut i = hand.unwrap_or(0);
            while q[i].1 {
                q[i].1 = false;
                i = if i + 1 == q.len() { 0 } else { i + 1 };
            }
            q.remove(i);
            hand = (i < q.len()).then_some(i);
        }
        q.push((k, false));
    }
    hits
}

/// MIN by brute force: on a miss with a full cache, evict the key whose next use is latest
/// (never = latest of all; among several never-used keys any choice gives the same hits).
fn belady_model(capacity: usize, keys: &[u64]) -> u64 {
    let mut cached: Vec<u64> = Vec::new();
    let mut hits = 0;
    for (i, &k) in keys.iter().enumerate() {
        if cached.contains(&k) {
            hits += 1;
            continue;
        }
        if capacity == 0 {
            continue;
        }
        if cached.len() == capacity {
            let next = |key: u64| {
                keys[i + 1..]
                    .iter()
                    .position(|&x| x == key)
                    .unwrap_or(usize::MAX)
            };
            let victim = cached.iter().copied().max_by_key(|&c| next(c)).unwrap_or(k);
            cached.retain(|&c| c != victim);
        }
        cached.push(k);
    }
    hits
}

/// LRU hits = requests whose stack distance (position in the recency stack, from 1) is at most
/// the capacity.
fn stack_distance_hits(capacity: usize, keys: &[u64]) -> u64 {
    let mut stack: Vec<u64> = Vec::new();
    let mut hits = 0;
    for &k in keys {
        if let Some(pos) = stack.iter().rev().position(|&x| x == k) {
            if pos < capacity {
                hits += 1;
            }
            let at = stack.len() - 1 - pos;
            stack.remove(at);
        }
        stack.push(k);
    }
    hits
}

fn small_trace() -> impl Strategy<Value = (u64, Vec<u64>)> {
    (0u64..10, proptest::collection::vec(0u64..24, 0..300))
}

/// The policies that admit every miss (demand policies): Belady is optimal among them.
const DEMAND: [PolicyName; 8] = [
    PolicyName::Lru,
    PolicyName::Fifo,
    PolicyName::Clock,
    PolicyName::Lfu,
    PolicyName::Arc,
    PolicyName::S3Fifo,
    PolicyName::Sieve,
    PolicyName::LruCrate,
];

/// Hits of Belady through the engine with several clients and workers (lookups of later
/// requests before earlier misses are inserted; joins with single-flight, duplicate generations
/// without): its hits found by position are checked against its key map in debug builds.
fn belady_hits_concurrent(capacity: u64, keys: &[u64], clients: u32, single_flight: bool) -> u64 {
    let mut cache = built(PolicyName::Belady, capacity, keys);
    let config = EngineConfig {
        arrival: ArrivalMode::Closed { clients },
        workers: clients.div_ceil(2),
        single_flight,
        measure_lookups: false,
        ..EngineConfig::default()
    };
    let traced: Vec<Request> = keys
        .iter()
        .enumerate()
        .map(|(i, &key)| Request {
            time: 0.0,
            key,
            size: 1,
            cost: 1.0 + (i % 5) as f64,
        })
        .collect();
    match replay(traced.into_iter(), cache.as_mut(), &config, &mut |_| {}) {
        Ok(out) => out.hits,
        Err(e) => panic!("belady: {e}"),
    }
}

proptest! {
    #[test]
    fn belady_with_concurrent_clients_finds_by_position_only_what_its_key_map_holds(
        (capacity, keys) in small_trace(),
        clients in 1u32..6,
        single_flight: bool,
    ) {
        let hits = belady_hits_concurrent(capacity, &keys, clients, single_flight);
        prop_assert!(hits <= keys.len() as u64);
        if clients == 1 {
            prop_assert_eq!(hits, belady_model(capacity as usize, &keys));
        }
    }

    #[test]
    fn fifo_matches_its_model((capacity, keys) in small_trace()) {
        prop_assert_eq!(hits(PolicyName::Fifo, capacity, &keys), fifo_model(capacity as usize, &keys));
    }

    #[test]
    fn clock_matches_second_chance((capacity, keys) in small_trace()) {
        prop_assert_eq!(hits(PolicyName::Clock, capacity, &keys), clock_model(capacity as usize, &keys));
    }

    #[test]
    fn sieve_matches_its_model((capacity, keys) in small_trace()) {
        prop_assert_eq!(hits(PolicyName::Sieve, capacity, &keys), sieve_model(capacity as usize, &keys));
    }

    #[test]
    fn belady_matches_brute_force_min((capacity, keys) in small_trace()) {
        prop_assert_eq!(hits(PolicyName::Belady, capacity, &keys), belady_model(capacity as usize, &keys));
    }

    #[test]
    fn belady_is_never_below_a_demand_policy((capacity, keys) in small_trace()) {
        let best = hits(PolicyName::Belady, capacity, &keys);
        for policy in DEMAND {
            let h = hits(policy, capacity, &keys);
            prop_assert!(h <= best, "{} {} > belady {} at {}", policy, h, best, capacity);
        }
    }

    #[test]
    fn lru_equals_the_stack_distance_count((capacity, keys) in small_trace()) {
        prop_assert_eq!(hits(PolicyName::Lru, capacity, &keys), stack_distance_hits(capacity as usize, &keys));
        prop_assert_eq!(hits(PolicyName::LruCrate, capacity, &keys), stack_distance_hits(capacity as usize, &keys));
    }

    #[test]
    fn the_infinite_cache_misses_first_requests_only((_capacity, keys) in small_trace()) {
        let distinct = keys.iter().collect::<std::collections::HashSet<_>>().len() as u64;
        prop_assert_eq!(hits(PolicyName::Infinite, 0, &keys), keys.len() as u64 - distinct);
    }

    #[test]
    fn every_policy_stays_within_its_entry_budget((capacity, keys) in small_trace()) {
        for policy in PolicyName::ALL {
            if policy == PolicyName::Infinite {
                continue;
            }
            let limits = CacheLimits { max_entries: Some(capacity), ..CacheLimits::default() };
            let context = PolicyContext {
                next_uses: Some(NextUses::from_keys(keys.iter().copied())),
                distinct_keys: None,
            };
            let Ok(mut cache) = build(policy, &limits, &context) else { continue };
            for (i, r) in trace(&keys).into_iter().enumerate() {
                if !cache.lookup(r.key, i as u64) {
                    let _ = cache.insert(r.key, r.size, 1, i as u64);
                }
                // moka and quick_cache bound approximately between maintenance steps; moka's
                // maintenance runs after each operation, so it holds; quick_cache holds.
                prop_assert!(cache.occupancy().entries <= capacity, "{} holds {} > {}", policy, cache.occupancy().entries, capacity);
            }
        }
    }
}

#[test]
fn byte_budgets_count_result_sizes() {
    for policy in [
        PolicyName::Fifo,
        PolicyName::Clock,
        PolicyName::Lfu,
        PolicyName::Arc,
        PolicyName::Gdsf,
        PolicyName::S3Fifo,
        PolicyName::Sieve,
    ] {
        // S3-FIFO admits only results smaller than its small queue (a tenth of the budget, as
        // libCacheSim): give it room for 4-byte results.
        let budget = if policy == PolicyName::S3Fifo { 50 } else { 10 };
        let limits = CacheLimits {
            max_bytes: Some(budget),
            ..CacheLimits::default()
        };
        let Ok(mut cache) = build(policy, &limits, &PolicyContext::default()) else {
            panic!("{policy}")
        };
        for key in 0..20u64 {
            let _ = cache.lookup(key, 0);
            let _ = cache.insert(key, 4, 1, 0);
            assert!(cache.occupancy().payload_bytes <= budget, "{policy}");
        }
        assert!(cache.occupancy().entries > 1, "{policy}");
        // Heavier than the whole budget: refused.
        let _ = cache.insert(99, budget + 1, 1, 0);
        assert_eq!(cache.stats().refused_too_large, 1, "{policy}");
    }
}

#[test]
fn a_ttl_expires_entries_on_lookup() {
    let limits = CacheLimits {
        max_entries: Some(10),
        ttl: Some(std::time::Duration::from_nanos(100)),
        ..CacheLimits::default()
    };
    let Ok(mut cache) = build(PolicyName::Fifo, &limits, &PolicyContext::default()) else {
        panic!("fifo with a TTL")
    };
    let _ = cache.insert(1, 1, 1, 0);
    assert!(cache.lookup(1, 99));
    assert!(!cache.lookup(1, 100));
    assert_eq!(cache.stats().evictions.expired, 1);
    assert_eq!(cache.occupancy().entries, 0);
}

#[test]
fn gdsf_keeps_the_costly_result_lru_would_evict() {
    // Two entries; key 1 costs 600 s, keys 2.. cost 5 s each and are requested once.
    let limits = CacheLimits {
        max_entries: Some(2),
        ..CacheLimits::default()
    };
    let Ok(mut cache) = build(PolicyName::Gdsf, &limits, &PolicyContext::default()) else {
        panic!("gdsf")
    };
    let _ = cache.lookup(1, 0);
    let _ = cache.insert(1, 1, 600_000_000_000, 0);
    for key in 2..10u64 {
        let _ = cache.lookup(key, 0);
        let _ = cache.insert(key, 1, 5_000_000_000, 0);
    }
    assert!(cache.lookup(1, 0), "the 600 s result was evicted");
}

#[test]
fn names_parse_and_list() {
    for p in PolicyName::ALL {
        assert_eq!(PolicyName::parse(p.as_str()), Ok(p));
    }
    let err = PolicyName::parse("mru").err().map(|e| e.to_string());
    let err = err.unwrap_or_default();
    assert!(err.contains("unknown policy `mru`"), "{err}");
    assert!(err.contains("fifo, clock"), "{err}");
    assert_eq!(
        PolicyName::parse_list("fifo, arc,fifo"),
        Ok(vec![PolicyName::Fifo, PolicyName::Arc])
    );
    assert_eq!(
        PolicyName::parse_list("all").map(|v| v.len()),
        Ok(PolicyName::ALL.len())
    );
    assert!(PolicyName::parse_list(" , ").is_err());
}

#[test]
fn refusals_name_what_the_policy_cannot_do() {
    let ttl = CacheLimits {
        max_entries: Some(10),
        ttl: Some(std::time::Duration::from_secs(60)),
        ..CacheLimits::default()
    };
    assert_eq!(
        check(PolicyName::Belady, &ttl),
        Err(PolicyError::TtlOnBound(PolicyName::Belady))
    );
    let bytes = CacheLimits {
        max_bytes: Some(1 << 20),
        ..CacheLimits::default()
    };
    assert_eq!(
        check(PolicyName::LruCrate, &bytes),
        Err(PolicyError::NoByteBudget(PolicyName::LruCrate))
    );
    assert_eq!(check(PolicyName::Moka, &bytes), Ok(()));
    let both = CacheLimits {
        max_entries: Some(10),
        max_bytes: Some(100),
        ..CacheLimits::default()
    };
    assert_eq!(check(PolicyName::Lru, &both), Ok(()));
    assert_eq!(
        check(PolicyName::Fifo, &both),
        Err(PolicyError::TwoBounds(PolicyName::Fifo))
    );
}
