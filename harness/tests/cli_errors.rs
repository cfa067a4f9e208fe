//! Every bad input is a clear error and a non-zero exit, never a panic.

mod common;
use common::{harness, stderr, stdout, tempdir};

fn assert_clean_failure(o: &std::process::Output, needles: &[&str]) {
    let err = stderr(o);
    assert!(!o.status.success(), "expected failure, got success: {err}");
    assert!(
        !err.contains("panicked"),
        "panic instead of an error: {err}"
    );
    for n in needles {
        assert!(err.contains(n), "stderr lacks `{n}`: {err}");
    }
}

#[test]
fn unknown_workload_lists_the_valid_ones() {
    let o = harness(&["run", "--workload", "no-such-preset", "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert_clean_failure(
        &o,
        &["no-such-preset", "typical", "busy", "seed-example", "burst"],
    );
}

#[test]
fn unreadable_trace_names_the_file() {
    let dir = tempdir();
    let missing = dir.path().join("absent.trace.xz");
    let missing = missing.to_string_lossy();
    let o = harness(&["replay", &missing]);
    assert_eq!(o.status.code(), Some(2));
    assert_clean_failure(&o, &["absent.trace.xz"]);

    // A file that is not what its extension says.
    let bogus = dir.path().join("bogus.trace.xz");
    std::fs::write(&bogus, b"this is not xz").ok();
    let o = harness(&["replay", &bogus.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    assert_clean_failure(&o, &["bogus.trace.xz"]);
}

#[test]
fn negative_or_zero_workers_are_refused() {
    for bad in ["-1", "0", "many"] {
        let o = harness(&["run", "--workload", "seed-example", "--workers", bad]);
        assert_clean_failure(&o, &["--workers"]);
    }
    let o = harness(&["run", "--workload", "seed-example", "--workers", "-1"]);
    assert_clean_failure(&o, &["at least 1"]);
}

#[test]
fn zero_hit_cost_is_allowed_negative_is_refused() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let o = harness(&[
        "run",
        "--workload",
        "seed-example",
        "--hit-cost",
        "0",
        "--no-report",
        "--no-lookup-time",
        "--json",
        "--quiet",
        "--out",
        &out.to_string_lossy(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let results: reports::ResultsFile = match serde_json::from_str(&stdout(&o)) {
        Ok(r) => r,
        Err(e) => panic!("--json is not a results file: {e}"),
    };
    let run = &results.runs[0];
    assert_eq!(run.model.hit_cost_s, 0.0);
    // Hits cost nothing: the cached side is exactly its 30 generations.
    assert!((run.cached.virtual_time_s - 30.0 * 124.6).abs() < 1e-6);

    let o = harness(&["run", "--workload", "seed-example", "--hit-cost", "-0.5"]);
    assert_clean_failure(&o, &["--hit-cost", "negative"]);
}

#[test]
fn unwritable_out_is_a_clear_error() {
    let o = harness(&[
        "run",
        "--workload",
        "seed-example",
        "--out",
        "/proc/harness-cannot-write-here",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_clean_failure(&o, &["/proc/harness-cannot-write-here"]);
}

#[test]
fn bad_cache_flags_are_refused() {
    for (flag, value, needle) in [
        ("--ttl", "-3", "negative"),
        ("--ttl", "soon", "TTL"),
        ("--max-bytes", "12 parsecs", "unit"),
        ("--max-entries", "-5", "--max-entries"),
        ("--clients", "0", "at least 1"),
    ] {
        let o = harness(&["run", "--workload", "seed-example", flag, value]);
        assert_clean_failure(&o, &[needle]);
    }
}

#[test]
fn unknown_trace_format_is_refused() {
    let o = harness(&["replay", "x.csv", "--format", "parquet"]);
    assert_eq!(o.status.code(), Some(2));
    assert_clean_failure(&o, &["parquet"]);
}

#[test]
fn a_bad_trace_line_is_reported_once_with_file_line_and_column() {
    let dir = tempdir();
    let csv = dir.path().join("bad.csv");
    std::fs::write(&csv, "time,key,size,cost\n0,1,100,1\n0,abc,100,1\n").ok();
    let o = harness(&["replay", &csv.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    assert_clean_failure(&o, &["bad.csv", "line 3", "`key`", "`abc`"]);
    let err = stderr(&o);
    assert_eq!(err.matches("line 3").count(), 1, "repeated cause: {err}");
}
