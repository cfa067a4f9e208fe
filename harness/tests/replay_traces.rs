//! Hit counts of real traces replayed with `harness replay` equal the reference table of
//! `../shared/traces/README.md` (exact LRU, one entry per key, cold start, no TTL).

mod common;
use common::{harness, stderr, stdout, trace};

fn hits_at(file: &str, capacity: u64) -> u64 {
    let path = trace(file);
    let o = harness(&[
        "replay",
        &path.to_string_lossy(),
        "--max-entries",
        &capacity.to_string(),
        "--json",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let results: reports::ResultsFile = match serde_json::from_str(&stdout(&o)) {
        Ok(r) => r,
        Err(e) => panic!("replay --json: {e}"),
    };
    results.runs[0].cache.hits
}

#[test]
fn web07_hit_counts_match_the_reference_table() {
    let table = [
        (100, 25_427),
        (1_000, 38_368),
        (5_000, 47_702),
        (10_000, 52_519),
        (50_000, 55_634),
    ];
    for (capacity, expected) in table {
        assert_eq!(
            hits_at("web07.trace.xz", capacity),
            expected,
            "capacity {capacity}"
        );
    }
}

/// 5 M requests per capacity: run in release (`cargo test -p harness --release -- --ignored`).
#[test]
#[ignore = "5 M requests per capacity; run with --release -- --ignored"]
fn orm_busy_hit_counts_match_the_reference_table() {
    let table = [
        (100, 2_574_237),
        (1_000, 3_938_943),
        (5_000, 4_273_062),
        (10_000, 4_474_313),
        (50_000, 4_886_044),
    ];
    for (capacity, expected) in table {
        assert_eq!(
            hits_at("orm-busy.trace.xz", capacity),
            expected,
            "capacity {capacity}"
        );
    }
}
