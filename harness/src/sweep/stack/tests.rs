//! The one-pass curve against hand-worked cases (its equality with the engine is in
//! `harness/tests/`).

use super::*;

fn requests(keys: &[(u64, u64)]) -> Vec<Request> {
    keys.iter()
        .map(|&(key, size)| Request {
            time: 0.0,
            key,
            size,
            cost: 2.0,
        })
        .collect()
}

fn entries(n: u64) -> StackPoint {
    StackPoint {
        max_entries: Some(n),
        max_bytes: None,
    }
}

fn bytes(b: u64) -> StackPoint {
    StackPoint {
        max_entries: None,
        max_bytes: Some(b),
    }
}

fn hits(trace: &[(u64, u64)], points: &[StackPoint]) -> Vec<u64> {
    match stack_curve(
        requests(trace).into_iter(),
        points,
        50_000_000,
        0,
        ReuseStats::new(None),
    ) {
        Ok((f, _)) => f.iter().map(|f| f.hits).collect(),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn reuse_distance_by_entries() {
    // a b c a b c: reuse distance 3 for the last three.
    let t = [(1, 1), (2, 1), (3, 1), (1, 1), (2, 1), (3, 1)];
    assert_eq!(
        hits(&t, &[entries(0), entries(2), entries(3)]),
        vec![0, 0, 3]
    );
}

#[test]
fn an_oversized_key_takes_no_room_at_a_budget_it_does_not_fit() {
    // key 2 (10 bytes) does not fit 5 bytes: at 5, key 1 survives it; at 12, key 2 pushes
    // key 1 (4 bytes) out (4 + 10 > 12) — not a stack: 5 hits where 12 misses.
    let t = [(1, 4), (2, 10), (1, 4)];
    assert_eq!(hits(&t, &[bytes(5), bytes(12), bytes(14)]), vec![1, 0, 1]);
}

#[test]
fn warm_up_requests_warm_the_cache_but_are_not_counted() {
    // a b c | a b c: the first three only warm the cache; at 3 entries the counted three
    // all hit, at 2 all miss (and each of those misses evicted).
    let t = requests(&[(1, 1), (2, 1), (3, 1), (1, 1), (2, 1), (3, 1)]);
    let r = stack_curve(
        t.into_iter(),
        &[entries(2), entries(3)],
        0,
        3,
        ReuseStats::new(None),
    );
    let Ok((f, _)) = r else { panic!("{r:?}") };
    assert_eq!((f[0].requests, f[0].hits), (3, 0));
    assert_eq!((f[1].requests, f[1].hits), (3, 3));
    // Evictions of the measured requests only: at 2 entries the warm-up left b c, and each
    // of the three measured misses evicted one.
    assert_eq!((f[0].evictions, f[1].evictions), (3, 0));
}

#[test]
fn compaction_keeps_distances() {
    // Far more requests than the initial slots: a cycle over 100 keys.
    let t: Vec<(u64, u64)> = (0..200_000u64).map(|i| (i % 100, 1)).collect();
    let h = hits(&t, &[entries(99), entries(100)]);
    assert_eq!(h, vec![0, 200_000 - 100]);
}

#[test]
fn a_size_change_under_a_byte_budget_is_refused() {
    let r = stack_curve(
        requests(&[(1, 4), (1, 5)]).into_iter(),
        &[bytes(10)],
        0,
        0,
        ReuseStats::new(None),
    );
    assert!(matches!(r, Err(StackError::SizeChanged { request: 2, .. })));
    // Without a byte budget, sizes do not matter.
    assert_eq!(hits(&[(1, 4), (1, 5)], &[entries(1)]), vec![1]);
}
