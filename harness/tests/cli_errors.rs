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

fn write_trace(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    if let Err(e) = std::fs::write(&path, text) {
        panic!("cannot write {}: {e}", path.display());
    }
    path.to_string_lossy().into_owned()
}

#[test]
fn a_result_too_large_to_allocate_is_an_error_naming_the_request_not_an_abort() {
    let dir = tempdir();
    // 2^50 bytes per result: the memory pass used to allocate it before the cache refused it.
    let csv = "time,key,size,cost\n0,1,10,1\n1,2,1125899906842624,1\n2,1,10,1\n";
    let trace = write_trace(&dir, "huge.csv", csv);
    // With a byte budget the cache refuses it without allocating: the run succeeds.
    let o = harness(&[
        "replay",
        &trace,
        "--memory",
        "--max-bytes",
        "1GiB",
        "--json",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let results: reports::ResultsFile = match serde_json::from_str(&stdout(&o)) {
        Ok(r) => r,
        Err(e) => panic!("--json is not a results file: {e}"),
    };
    assert_eq!(results.runs[0].cache.refused_too_large, 1);
    // Without one, allocating 1 PiB fails: exit 2 naming the request, no abort (134).
    let csv = "time,key,size,cost\n0,1,10,1\n1,2,1152921504606846976,1\n";
    let trace = write_trace(&dir, "impossible.csv", csv);
    let o = harness(&["replay", &trace, "--memory", "--quiet"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_clean_failure(&o, &["impossible.csv", "request 2", "cannot allocate"]);
}

#[test]
fn four_billion_clients_finish_normally() {
    let o = harness(&[
        "run",
        "--workload",
        "seed-example",
        "--clients",
        "4000000000",
        "--no-report",
        "--no-memory",
        "--no-lookup-time",
        "--json",
        "--quiet",
        "--out",
        &tempdir().path().join("out").to_string_lossy(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let results: reports::ResultsFile = match serde_json::from_str(&stdout(&o)) {
        Ok(r) => r,
        Err(e) => panic!("--json is not a results file: {e}"),
    };
    let run = &results.runs[0];
    assert_eq!(run.workload.requests, 100);
    assert_eq!(run.cache.hits + run.cache.misses, 100);
}

#[test]
fn open_loop_needs_timestamps_and_does_not_mix_with_clients() {
    let dir = tempdir();
    let text = write_trace(&dir, "keys.txt", "1\n2\n1\n");
    let o = harness(&["replay", &text, "--open-loop", "--quiet"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_clean_failure(&o, &["--open-loop", "keys.txt", "no timestamps"]);

    let csv = write_trace(&dir, "t.csv", "time,key,size,cost\n0,1,10,1\n5,1,10,1\n");
    let o = harness(&["replay", &csv, "--open-loop", "--clients", "4"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_clean_failure(&o, &["--open-loop", "--clients"]);
    // A CSV has timestamps: open loop runs.
    let o = harness(&["replay", &csv, "--open-loop", "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn costs_beyond_one_year_are_refused_not_saturated() {
    let o = harness(&["run", "--workload", "seed-example", "--hit-cost", "1e12"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_clean_failure(&o, &["--hit-cost", "one year"]);

    let dir = tempdir();
    let csv = "time,key,size,cost\n0,1,10,1e300\n1,2,10,1e300\n2,1,10,1\n";
    let trace = write_trace(&dir, "big.csv", csv);
    let o = harness(&["replay", &trace, "--quiet"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_clean_failure(&o, &["big.csv", "request 1", "out of range"]);
}

#[test]
fn a_baseline_that_checks_nothing_is_unusable_input() {
    let dir = tempdir();
    let empty = write_trace(
        &dir,
        "empty.json",
        r#"{"schema_version":1,"tolerance_pct":2,"note":"","metrics":{}}"#,
    );
    let o = harness(&["gate", "--baseline", &empty]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_clean_failure(&o, &["empty.json", "no metrics"]);

    let loose = write_trace(
        &dir,
        "loose.json",
        r#"{"schema_version":1,"tolerance_pct":100000,"note":"","metrics":{"typical.speedup":3.3}}"#,
    );
    let o = harness(&["gate", "--baseline", &loose]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_clean_failure(&o, &["loose.json", "tolerance_pct"]);
}

#[test]
fn memory_overhead_of_zero_payload_is_undefined_not_a_pass() {
    let dir = tempdir();
    let csv = "time,key,size,cost\n0,0,0,1\n1,1,0,1\n2,0,0,1\n";
    let trace = write_trace(&dir, "zero.csv", csv);
    let o = harness(&["replay", &trace, "--memory"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let summary = stdout(&o);
    assert!(summary.contains("overhead undefined"), "{summary}");
    assert!(!summary.contains("claim holds"), "{summary}");
}

#[test]
fn a_target_that_accepts_and_never_answers_times_out_naming_the_url() {
    // Accepts (the kernel does, from the backlog) and never reads or answers.
    let Ok(listener) = std::net::TcpListener::bind("127.0.0.1:0") else {
        panic!("cannot bind a loopback listener");
    };
    let url = format!(
        "http://{}",
        listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default()
    );
    let dir = tempfile::tempdir().ok();
    let out = dir
        .as_ref()
        .map(|d| d.path().join("run"))
        .unwrap_or_default();
    let started = std::time::Instant::now();
    let o = harness(&[
        "run",
        "--workload",
        "seed-example",
        "--no-memory",
        "--no-report",
        "--target",
        &url,
        "--target-timeout",
        "1s",
        "--out",
        &out.to_string_lossy(),
    ]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    assert_clean_failure(&o, &[&url, "no answer within 1s", "--target-timeout"]);
    drop(listener);
}

/// A negative number or duration reaches the flag's own parser, which names the flag and says
/// what it takes (clap alone would call `-1` an unexpected argument).
#[test]
fn negative_values_are_refused_by_the_flags_own_parser() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "sweep",
                "--workload",
                "typical",
                "--max-entries",
                "10",
                "--target-speedup",
                "-1",
            ],
            "the target speedup must be a number above 0",
        ),
        (
            &[
                "sweep",
                "--workload",
                "typical",
                "--max-entries",
                "10",
                "--generator-cost-per-hour",
                "-5",
            ],
            "the price per generator hour must be a number of at least 0",
        ),
        (
            &["run", "--workload", "typical", "--ttl", "-1h"],
            "'-1h' for '--ttl <TTL>'",
        ),
        (
            &["profile", "--workload", "typical", "--ttl", "-2h"],
            "'-2h' for '--ttl <TTL>'",
        ),
        (
            &["serve", "--max-entries", "-3"],
            "the entry bound cannot be negative",
        ),
        (
            &["serve", "--max-bytes", "-3"],
            "'-3' for '--max-bytes <BYTES>'",
        ),
        (
            &["serve", "--max-connections", "-1"],
            "'-1' for '--max-connections <N>'",
        ),
        (&["serve", "--ttl", "-1h"], "'-1h' for '--ttl <TTL>'"),
        (
            &["serve", "--max-size", "-1"],
            "the result size cannot be negative",
        ),
        (
            &["serve", "--idle-timeout", "-1s"],
            "invalid --idle-timeout: \"-1s\"",
        ),
        (
            &["serve", "--shutdown-grace", "-3s"],
            "invalid --shutdown-grace: \"-3s\"",
        ),
    ];
    for (args, needle) in cases {
        let o = harness(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_clean_failure(&o, &[needle]);
        assert!(stdout(&o).is_empty(), "{args:?}: output before the error");
    }
}
