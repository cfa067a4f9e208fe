//! Unit tests of the single-threaded core: each operation, each statistic, TTL on a manual clock.

use crate::unsync::Cache;
use crate::{CacheBuilder, CacheConfig, Evictions, InsertOutcome, ManualClock};
use std::time::Duration;

const SEC: Duration = Duration::from_secs(1);

/// A cache of `u32 -> u64` where every entry weighs `value` bytes, on a manual clock.
fn cache(config: CacheConfig) -> (Cache<u32, u64>, ManualClock) {
    let clock = ManualClock::new();
    let c = CacheBuilder::<u32, u64>::new()
        .config(config)
        .clock(clock.clone())
        .weigher(|_: &u32, v: &u64| *v as usize)
        .build_unsync();
    (c, clock)
}

fn bounded(entries: Option<usize>, bytes: Option<u64>) -> (Cache<u32, u64>, ManualClock) {
    cache(CacheConfig {
        max_entries: entries,
        max_bytes: bytes,
        default_ttl: None,
    })
}

fn keys(c: &Cache<u32, u64>) -> Vec<u32> {
    c.entries(0, usize::MAX)
        .into_iter()
        .map(|e| e.key)
        .collect()
}

#[test]
fn get_hits_and_misses_and_refreshes_recency() {
    let (mut c, _) = bounded(None, None);
    assert_eq!(c.get(&1), None);
    c.insert(1, 10);
    c.insert(2, 20);
    assert_eq!(keys(&c), vec![2, 1]);
    assert_eq!(c.get(&1), Some(10));
    assert_eq!(keys(&c), vec![1, 2]);
    let s = c.stats();
    assert_eq!((s.hits, s.misses), (1, 1));
    c.assert_invariants();
}

#[test]
fn peek_and_contains_touch_neither_recency_nor_stats() {
    let (mut c, _) = bounded(None, None);
    c.insert(1, 10);
    c.insert(2, 20);
    assert_eq!(c.peek(&1), Some(10));
    assert!(c.contains(&1));
    assert!(!c.contains(&3));
    assert_eq!(c.peek(&3), None);
    assert_eq!(keys(&c), vec![2, 1]);
    assert_eq!(c.stats().lookups(), 0);
}

#[test]
fn insert_then_update_counts_and_reweighs() {
    let (mut c, _) = bounded(None, None);
    assert_eq!(c.insert(1, 10), InsertOutcome::Inserted);
    assert_eq!(c.insert(1, 30), InsertOutcome::Updated);
    assert_eq!(c.get(&1), Some(30));
    assert_eq!(c.weight(), 30);
    assert_eq!(c.len(), 1);
    let s = c.stats();
    assert_eq!((s.inserts, s.updates), (1, 1));
    c.assert_invariants();
}

#[test]
fn entry_bound_evicts_least_recently_used() {
    let (mut c, _) = bounded(Some(3), None);
    for k in 1..=3 {
        c.insert(k, 1);
    }
    c.get(&1);
    c.insert(4, 1);
    assert_eq!(keys(&c), vec![4, 1, 3]);
    assert_eq!(c.stats().evictions.capacity_entries, 1);
    c.assert_invariants();
}

#[test]
fn byte_bound_evicts_least_recently_used_until_it_fits() {
    let (mut c, _) = bounded(None, Some(100));
    c.insert(1, 40);
    c.insert(2, 40);
    c.insert(3, 10);
    c.insert(4, 60); // needs 50 more bytes: evicts 1 and 2
    assert_eq!(keys(&c), vec![4, 3]);
    assert_eq!(c.weight(), 70);
    assert_eq!(c.stats().evictions.capacity_bytes, 2);
    // Growing an existing entry evicts others too, never itself.
    c.insert(3, 50);
    assert_eq!(keys(&c), vec![3]);
    c.assert_invariants();
}

#[test]
fn entry_heavier_than_budget_is_refused_without_evicting() {
    let (mut c, _) = bounded(None, Some(100));
    c.insert(1, 50);
    c.insert(2, 50);
    assert_eq!(
        c.insert(3, 101),
        InsertOutcome::Refused {
            weight: 101,
            max_bytes: 100
        }
    );
    assert_eq!(keys(&c), vec![2, 1]);
    // Exactly the budget fits (and evicts the rest).
    assert_eq!(c.insert(3, 100), InsertOutcome::Inserted);
    assert_eq!(keys(&c), vec![3]);
    let s = c.stats();
    assert_eq!(s.refused_too_large, 1);
    assert_eq!(s.evictions.capacity_bytes, 2);
}

#[test]
fn refused_update_drops_the_superseded_value() {
    let (mut c, _) = bounded(None, Some(100));
    c.insert(1, 50);
    c.insert(2, 10);
    assert!(matches!(c.insert(1, 500), InsertOutcome::Refused { .. }));
    assert_eq!(c.peek(&1), None);
    assert_eq!(c.peek(&2), Some(10));
    assert_eq!(c.stats().evictions.removed, 1);
    c.assert_invariants();
}

#[test]
fn zero_entry_bound_refuses_everything() {
    let (mut c, _) = bounded(Some(0), None);
    assert!(matches!(c.insert(1, 1), InsertOutcome::Refused { .. }));
    assert!(c.is_empty());
    assert_eq!(c.stats().refused_too_large, 1);
}

#[test]
fn remove_returns_live_value_and_counts() {
    let (mut c, _) = bounded(None, None);
    c.insert(1, 10);
    assert_eq!(c.remove(&1), Some(10));
    assert_eq!(c.remove(&1), None);
    assert!(c.is_empty());
    assert_eq!(c.weight(), 0);
    assert_eq!(c.stats().evictions.removed, 1);
}

#[test]
fn clear_counts_every_entry_as_cleared() {
    let (mut c, _) = bounded(None, None);
    for k in 0..5 {
        c.insert(k, 1);
    }
    c.clear();
    assert!(c.is_empty());
    assert_eq!(c.weight(), 0);
    assert_eq!(c.stats().evictions.cleared, 5);
    c.insert(9, 1);
    assert_eq!(keys(&c), vec![9]);
    c.assert_invariants();
}

#[test]
fn peaks_track_the_highest_observed_state_and_reset_to_current() {
    let (mut c, _) = bounded(None, None);
    c.insert(1, 10);
    c.insert(2, 20);
    c.remove(&2);
    let s = c.stats();
    assert_eq!((s.peak_bytes, s.peak_entries), (30, 2));
    assert_eq!((s.bytes, s.entries), (10, 1));
    c.get(&1);
    c.reset_stats();
    let s = c.stats();
    assert_eq!(s.hits, 0);
    assert_eq!(s.inserts, 0);
    assert_eq!(s.evictions, Evictions::default());
    assert_eq!((s.peak_bytes, s.peak_entries), (10, 1));
    assert_eq!((s.bytes, s.entries), (10, 1));
}

#[test]
fn default_weigher_adds_key_and_value_weights() {
    let mut c = CacheBuilder::<String, Vec<u8>>::new().build_unsync();
    let key = "abc".to_string();
    let value = vec![0u8; 100];
    let expected = crate::Weigh::weight(&key) + crate::Weigh::weight(&value);
    c.insert(key, value);
    assert_eq!(c.weight(), expected as u64);
    assert!(c.weight() >= 103);
}

#[test]
fn ttl_expires_exactly_at_the_boundary() {
    let (mut c, clock) = cache(CacheConfig {
        default_ttl: Some(10 * SEC),
        ..CacheConfig::default()
    });
    c.insert(1, 1);
    clock.advance(10 * SEC - Duration::from_nanos(1));
    assert_eq!(c.get(&1), Some(1));
    clock.advance(Duration::from_nanos(1));
    assert!(!c.contains(&1));
    assert_eq!(c.peek(&1), None);
    assert_eq!(c.get(&1), None);
    let s = c.stats();
    assert_eq!((s.hits, s.misses, s.evictions.expired), (1, 1, 1));
    assert!(c.is_empty());
}

#[test]
fn per_entry_ttl_overrides_the_default() {
    let (mut c, clock) = cache(CacheConfig {
        default_ttl: Some(10 * SEC),
        ..CacheConfig::default()
    });
    c.insert(1, 1);
    c.insert_with_ttl(2, 1, Some(5 * SEC));
    c.insert_with_ttl(3, 1, None);
    clock.advance(5 * SEC);
    assert!(c.contains(&1));
    assert!(!c.contains(&2));
    clock.advance(1000 * SEC);
    assert!(!c.contains(&1));
    assert!(c.contains(&3));
    assert_eq!(c.entries(0, 10)[0].expires_in, None);
}

#[test]
fn update_restarts_the_ttl() {
    let (mut c, clock) = cache(CacheConfig {
        default_ttl: Some(10 * SEC),
        ..CacheConfig::default()
    });
    c.insert(1, 1);
    clock.advance(8 * SEC);
    c.insert(1, 2);
    clock.advance(8 * SEC);
    assert_eq!(c.get(&1), Some(2));
    c.insert_with_ttl(1, 3, None);
    clock.advance(1000 * SEC);
    assert_eq!(c.get(&1), Some(3));
    c.assert_invariants();
}

#[test]
fn expired_bytes_are_reclaimed_on_write_without_a_lookup() {
    let (mut c, clock) = cache(CacheConfig {
        default_ttl: Some(10 * SEC),
        ..CacheConfig::default()
    });
    for k in 0..100 {
        c.insert(k, 7);
    }
    c.insert_with_ttl(1000, 1, None);
    clock.advance(10 * SEC);
    assert_eq!(c.weight(), 701, "nothing reclaimed before a write");
    c.insert_with_ttl(1001, 2, None); // a write of another key drains the expiry queue
    assert_eq!(c.len(), 2);
    assert_eq!(c.weight(), 3);
    assert_eq!(c.stats().evictions.expired, 100);
    assert_eq!(c.stats().lookups(), 0);
    c.assert_invariants();
}

#[test]
fn purge_expired_reclaims_and_counts() {
    let (mut c, clock) = cache(CacheConfig {
        default_ttl: Some(SEC),
        ..CacheConfig::default()
    });
    c.insert(1, 1);
    c.insert(2, 1);
    c.insert_with_ttl(3, 1, Some(3 * SEC));
    clock.advance(2 * SEC);
    assert_eq!(c.purge_expired(), 2);
    assert_eq!(c.purge_expired(), 0);
    assert_eq!(keys(&c), vec![3]);
}

#[test]
fn reconfigure_shrinks_at_once_in_lru_order() {
    let (mut c, _) = bounded(None, None);
    for k in 1..=5 {
        c.insert(k, 10);
    }
    c.get(&1);
    c.reconfigure(CacheConfig {
        max_entries: Some(3),
        max_bytes: Some(20),
        default_ttl: None,
    });
    assert_eq!(keys(&c), vec![1, 5]);
    let e = c.stats().evictions;
    assert_eq!((e.capacity_entries, e.capacity_bytes), (2, 1));
    assert_eq!(c.config().max_bytes, Some(20));
    c.assert_invariants();
}

#[test]
fn reconfigured_default_ttl_applies_to_later_inserts_only() {
    let (mut c, clock) = cache(CacheConfig {
        default_ttl: Some(10 * SEC),
        ..CacheConfig::default()
    });
    c.insert(1, 1);
    c.reconfigure(CacheConfig {
        default_ttl: Some(2 * SEC),
        ..CacheConfig::default()
    });
    c.insert(2, 1);
    clock.advance(2 * SEC);
    assert!(c.contains(&1));
    assert!(!c.contains(&2));
    // Reconfigure drains the expiry queue too.
    c.reconfigure(c.config());
    assert_eq!(c.len(), 1);
}

#[test]
fn entries_lists_mru_to_lru_with_metadata() {
    let (mut c, clock) = cache(CacheConfig {
        default_ttl: Some(100 * SEC),
        ..CacheConfig::default()
    });
    c.insert(1, 11);
    clock.advance(10 * SEC);
    c.insert(2, 22);
    clock.advance(5 * SEC);
    c.get(&1);
    c.get(&1);
    clock.advance(3 * SEC);
    let all = c.entries(0, 10);
    assert_eq!(all.len(), 2);
    let e1 = &all[0];
    assert_eq!(e1.key, 1);
    assert_eq!(e1.weight, 11);
    assert_eq!(e1.age, 18 * SEC);
    assert_eq!(e1.idle, 3 * SEC);
    assert_eq!(e1.access_count, 2);
    assert_eq!(e1.expires_in, Some(82 * SEC));
    let e2 = &all[1];
    assert_eq!(
        (e2.key, e2.age, e2.idle, e2.access_count),
        (2, 8 * SEC, 8 * SEC, 0)
    );
    // Pagination.
    assert_eq!(c.entries(1, 10).len(), 1);
    assert_eq!(c.entries(1, 10)[0].key, 2);
    assert!(c.entries(2, 10).is_empty());
    assert!(c.entries(0, 0).is_empty());
}

#[test]
fn entries_skip_expired_entries() {
    let (mut c, clock) = cache(CacheConfig {
        default_ttl: Some(SEC),
        ..CacheConfig::default()
    });
    c.insert(1, 1);
    c.insert_with_ttl(2, 1, None);
    clock.advance(SEC);
    assert_eq!(keys(&c), vec![2]);
}

#[test]
fn paginated_walk_survives_changes_between_steps() {
    use crate::unsync::ListCursor;
    let (mut c, _) = bounded(None, None);
    for k in 0..10 {
        c.insert(k, 1);
    }
    let mut cursor = ListCursor::new();
    let mut out = Vec::new();
    c.list_step(&mut cursor, 0, usize::MAX, 3, &mut out);
    assert!(!cursor.is_done());
    assert_eq!(out.len(), 3); // 9, 8, 7; next is 6
    c.remove(&6); // the cursor's next entry disappears
    c.remove(&0); // and the slab moves entries around
    while !cursor.is_done() {
        c.list_step(&mut cursor, 0, usize::MAX, 3, &mut out);
    }
    let listed: Vec<u32> = out.iter().map(|e| e.key).collect();
    assert_eq!(listed, vec![9, 8, 7, 5, 4, 3, 2, 1]);
}

#[test]
fn weights_beyond_u32_are_accounted_exactly() {
    let (mut c, _) = bounded(None, None);
    let huge = u64::from(u32::MAX) + 5;
    c.insert(1, huge);
    c.insert(2, 3);
    c.insert(3, huge + 1);
    assert_eq!(c.weight(), 2 * huge + 4);
    c.remove(&1); // moves slot of key 3 into slot 0
    assert_eq!(c.weight(), huge + 4);
    assert_eq!(c.entries(0, 1)[0].weight, huge + 1);
    c.insert(3, 1);
    assert_eq!(c.weight(), 4);
    c.assert_invariants();
    // Light again, then heavy again at the same slot, then evicted by removal of another key.
    c.insert(3, huge + 2);
    c.assert_invariants();
    c.remove(&2);
    assert_eq!(c.weight(), huge + 2);
    c.assert_invariants();
}

#[test]
fn borrowed_lookups_work_with_string_keys() {
    let mut c = CacheBuilder::<String, u32>::new().build_unsync();
    c.insert("a".to_string(), 1);
    assert_eq!(c.get("a"), Some(1));
    assert!(c.contains("a"));
    assert_eq!(c.remove("a"), Some(1));
}

#[test]
fn many_operations_keep_invariants() {
    // Deterministic pseudo-random mix (fixed LCG seed) exercising swap-removal fix-ups.
    let (mut c, clock) = cache(CacheConfig {
        max_entries: Some(50),
        max_bytes: Some(400),
        default_ttl: Some(30 * SEC),
    });
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..5_000 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let key = ((x >> 33) % 80) as u32;
        match (x >> 20) % 6 {
            0 | 1 => {
                c.get(&key);
            }
            2 => {
                c.insert(key, (x >> 40) % 30);
            }
            3 => {
                c.insert_with_ttl(key, (x >> 40) % 30, Some(SEC * ((x >> 50) % 40) as u32));
            }
            4 => {
                c.remove(&key);
            }
            _ => clock.advance(SEC),
        }
        c.assert_invariants();
    }
}

#[test]
fn zero_ttl_insert_stores_nothing_and_evicts_nothing() {
    let (mut c, _) = bounded(Some(2), None);
    c.insert(1, 10);
    c.insert(2, 20);
    // At the entry bound: a dead-on-arrival entry must not push out the live LRU entry.
    assert_eq!(
        c.insert_with_ttl(3, 30, Some(Duration::ZERO)),
        InsertOutcome::AlreadyExpired
    );
    assert_eq!(keys(&c), vec![2, 1]);
    assert_eq!(c.get(&3), None);
    let s = c.stats();
    assert_eq!((s.inserts, s.updates, s.refused_too_large), (2, 0, 0));
    assert_eq!(s.misses, 1);
    assert_eq!(s.evictions, Evictions::default());
    assert_eq!(c.weight(), 30);
    c.assert_invariants();
}

#[test]
fn zero_ttl_update_drops_the_superseded_value() {
    let (mut c, _) = bounded(Some(2), None);
    c.insert(1, 10);
    c.insert(2, 20);
    assert_eq!(
        c.insert_with_ttl(1, 11, Some(Duration::ZERO)),
        InsertOutcome::AlreadyExpired
    );
    assert_eq!(c.peek(&1), None);
    assert_eq!(c.peek(&2), Some(20));
    assert_eq!(c.stats().evictions.removed, 1);
    assert_eq!(c.weight(), 20);
    c.assert_invariants();
}

#[test]
fn zero_default_ttl_means_do_not_cache() {
    let (mut c, _) = cache(CacheConfig {
        max_entries: Some(1),
        max_bytes: None,
        default_ttl: Some(Duration::ZERO),
    });
    assert_eq!(c.insert(1, 10), InsertOutcome::AlreadyExpired);
    assert!(c.is_empty());
    assert_eq!(c.get(&1), None);
}

/// S3-FIFO admits like libCacheSim: an entry larger than the small queue (10 % of the budget) is
/// refused without evicting; one exactly as large is refused after the evictions made room for
/// it, unless its key is in the ghost (then it goes to the main queue).
#[test]
fn s3fifo_refuses_entries_the_small_queue_cannot_take() {
    let mut c = CacheBuilder::<u32, u64>::new()
        .max_bytes(1_000) // small queue 100 bytes, main queue 900
        .default_ttl(None)
        .policy(crate::Policy::S3Fifo)
        .weigher(|_: &u32, v: &u64| *v as usize)
        .build_unsync();
    for k in 1..=100 {
        assert_eq!(c.insert(k, 10), InsertOutcome::Inserted);
    }
    // Full: key 101 evicts key 1 (oldest of the small queue, never used) into the ghost.
    assert_eq!(c.insert(101, 10), InsertOutcome::Inserted);
    assert!(!c.contains(&1));
    assert_eq!(c.stats().evictions.capacity_bytes, 1);

    let refused = |weight| InsertOutcome::Refused {
        weight,
        max_bytes: 100,
    };
    // Larger than the small queue: refused, nothing evicted.
    assert_eq!(c.insert(500, 101), refused(101));
    assert_eq!((c.len(), c.weight()), (100, 1_000));
    assert_eq!(c.stats().evictions.capacity_bytes, 1);
    assert_eq!(c.stats().refused_too_large, 1);

    // Exactly the small queue's size, not a ghost: room is made, then the entry is dropped.
    assert_eq!(c.insert(501, 100), refused(100));
    assert!(!c.contains(&501));
    assert!(c.stats().evictions.capacity_bytes > 1);
    assert!(c.weight() <= 900);
    assert_eq!(c.stats().refused_too_large, 2);

    // The same size for a key in the ghost: stored, in the main queue.
    let evicted_before = c.stats().evictions.capacity_bytes;
    assert!(c.insert(1, 100) == InsertOutcome::Inserted);
    assert_eq!(c.peek(&1), Some(100));
    let i = c.find(c.hash_of(&1), &1).unwrap();
    assert_eq!(c.slab.get(i).queue(), crate::linked_slab::MAIN);
    assert!(c.stats().evictions.capacity_bytes >= evicted_before);
    assert_eq!(c.stats().refused_too_large, 2);
    c.assert_invariants();

    // An update may make an entry larger than the small queue: it stays where it is, reweighed
    // (libCacheSim changes an object's size in place on a hit).
    assert_eq!(c.insert(1, 150), InsertOutcome::Updated);
    assert_eq!(c.peek(&1), Some(150));
    c.assert_invariants();
}

/// By entries, S3-FIFO's small queue is `trunc(0.1 × max_entries)` places: below 10 entries it
/// has none and below 20 its one place is the size of any entry, so nothing is admitted.
#[test]
fn s3fifo_below_twenty_entries_admits_nothing() {
    for max_entries in [1, 9, 10, 19] {
        let mut c = CacheBuilder::<u32, u64>::new()
            .max_entries(max_entries)
            .policy(crate::Policy::S3Fifo)
            .build_unsync();
        assert!(matches!(c.insert(1, 1), InsertOutcome::Refused { .. }));
        assert_eq!(c.len(), 0, "max_entries {max_entries}");
    }
    let mut c = CacheBuilder::<u32, u64>::new()
        .max_entries(20)
        .policy(crate::Policy::S3Fifo)
        .build_unsync();
    for k in 0..30 {
        assert_eq!(c.insert(k, k.into()), InsertOutcome::Inserted);
    }
    assert_eq!(c.len(), 20);
}

/// Every policy's eviction path (with its prefetch of the next candidate, the `unsafe` of
/// `LinkedSlab::prefetch`), small enough to run under Miri: the bound holds after every insert,
/// every hit returns the value stored for its key, and each insert beyond the bound evicts
/// exactly one entry.
#[test]
fn every_policy_evicts_within_the_bound_and_keeps_values() {
    for policy in crate::Policy::ALL {
        let mut c = CacheBuilder::<u32, u64>::new()
            .max_entries(32)
            .policy(policy)
            .build_unsync();
        for k in 0..300u32 {
            c.insert(k, u64::from(k) * 2);
            assert!(c.len() <= 32, "{policy:?}: {} entries", c.len());
            // Hits on a recent and an old key give the policies' promotions something to do.
            for probe in [k.saturating_sub(3), k / 2] {
                if let Some(v) = c.get(&probe) {
                    assert_eq!(v, u64::from(probe) * 2, "{policy:?}: key {probe}");
                }
            }
        }
        let s = c.stats();
        assert_eq!(s.inserts, 300, "{policy:?}");
        assert_eq!(
            s.evictions.capacity_entries + c.len() as u64 + s.refused_too_large,
            300,
            "{policy:?}: {s:?}"
        );
        assert!(c.len() >= 20, "{policy:?}: only {} entries kept", c.len());
    }
}
