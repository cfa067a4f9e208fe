//! `--warmup N|P%` on `run`, `replay` and `sweep` end to end: a hand-checked trace whose hit
//! rate the warm-up changes in a known way, the figures it states (summary, JSON, CSV, report),
//! and bad values refused with exit 2 naming the flag and writing nothing.

mod common;
use common::{harness, stderr, stdout, tempdir};
use reports::ResultsFile;
use reports::sweep::SweepResults;
use std::path::{Path, PathBuf};

/// `a b c d a b c d` with `1..=n` keys: the first round misses, the second hits (unbounded).
fn two_rounds(dir: &Path, keys: u64) -> PathBuf {
    let mut text = String::from("time,key,size,cost\n");
    for round in 0..2 {
        for k in 1..=keys {
            text.push_str(&format!("{},{k},100,124.6\n", round * keys + k));
        }
    }
    let path = dir.join("two-rounds.csv");
    if let Err(e) = std::fs::write(&path, text) {
        panic!("cannot write the trace: {e}");
    }
    path
}

fn replay_json(trace: &Path, extra: &[&str]) -> ResultsFile {
    let mut args = vec![
        "replay",
        trace.to_str().unwrap_or_default(),
        "--no-lookup-time",
        "--json",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = harness(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    match serde_json::from_str(&stdout(&o)) {
        Ok(r) => r,
        Err(e) => panic!("replay --json: {e}\n{}", stdout(&o)),
    }
}

#[test]
fn leaving_out_the_first_round_turns_a_half_hit_rate_into_every_request_a_hit() {
    let dir = tempdir();
    let trace = two_rounds(dir.path(), 4);
    // Without warm-up: 4 misses then 4 hits, 50 %.
    let cold = replay_json(&trace, &[]);
    let r = &cold.runs[0];
    assert_eq!((r.cache.hits, r.cache.misses, r.warmup_requests), (4, 4, 0));
    assert_eq!(r.measured_requests, Some(8));
    // The first round as warm-up (by count and by percentage): the 4 measured requests all
    // hit; the baseline generates 4 times, the cache never: 124.6 / 0.05 = 2,492x.
    for warmup in ["4", "50%"] {
        let warm = replay_json(&trace, &["--warmup", warmup]);
        let r = &warm.runs[0];
        assert_eq!((r.cache.hits, r.cache.misses), (4, 0), "--warmup {warmup}");
        assert_eq!(r.cache.hit_rate, 1.0);
        assert_eq!((r.warmup_requests, r.measured_requests), (4, Some(4)));
        assert_eq!(r.workload.requests, 8, "the trace's length is unchanged");
        assert_eq!((r.baseline.generations, r.cached.generations), (4, 0));
        assert!((r.speedup - 2492.0).abs() < 1e-6, "{}", r.speedup);
    }
    // Three of the first round: key 4's first use is measured (a miss), the rest hit: 4/5.
    let partial = replay_json(&trace, &["--warmup", "3"]);
    let r = &partial.runs[0];
    assert_eq!((r.cache.hits, r.cache.misses), (4, 1));
    assert!((r.cache.hit_rate - 0.8).abs() < 1e-12);
}

#[test]
fn run_states_the_warm_up_in_the_summary_the_csv_and_the_report() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let o = harness(&[
        "run",
        "--workload",
        "seed-example",
        "--no-memory",
        "--no-lookup-time",
        "--warmup",
        "10%",
        "--out",
        out.to_str().unwrap_or_default(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("first 10 requests (10.00 %) left out as warm-up"),
        "{text}"
    );
    assert!(text.contains("requests (measured)"), "{text}");
    let csv = std::fs::read_to_string(out.join("seed-example.timeline.csv")).unwrap_or_default();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .is_some_and(|h| h.ends_with(",warmup_requests")),
        "{csv}"
    );
    assert!(lines.all(|l| l.ends_with(",10")), "{csv}");
    for report in ["report.md", "report.html"] {
        let text = std::fs::read_to_string(out.join(report)).unwrap_or_default();
        assert!(
            text.contains("first 10 requests (10.00 %) left out as warm-up"),
            "{report}"
        );
    }
    let results: ResultsFile = match serde_json::from_str(
        &std::fs::read_to_string(out.join("results.json")).unwrap_or_default(),
    ) {
        Ok(r) => r,
        Err(e) => panic!("results.json: {e}"),
    };
    let r = &results.runs[0];
    assert_eq!((r.warmup_requests, r.measured_requests), (10, Some(90)));
    assert_eq!(r.cache.hits + r.cache.misses, 90);
}

#[test]
fn sweep_states_the_warm_up_in_json_csv_and_report() {
    let dir = tempdir();
    let trace = two_rounds(dir.path(), 4);
    let out = dir.path().join("sweep");
    let o = harness(&[
        "sweep",
        trace.to_str().unwrap_or_default(),
        "--max-entries",
        "2,4,none",
        "--warmup",
        "50%",
        "--json",
        "--out",
        out.to_str().unwrap_or_default(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: SweepResults = match serde_json::from_str(&stdout(&o)) {
        Ok(r) => r,
        Err(e) => panic!("sweep --json: {e}"),
    };
    assert_eq!(r.warmup_requests, 4);
    assert_eq!(r.method, "stack");
    // 2 entries hold c d after the warm-up: a b c d all miss; 4 entries hold them all.
    let hits: Vec<u64> = r.points.iter().map(|p| p.hits).collect();
    assert_eq!(hits, vec![0, 4, 4]);
    assert!(r.points.iter().all(|p| p.requests == 4));
    assert!(stderr(&o).contains("first 4 requests (50.00 %) left out as warm-up"));
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap_or_default();
    assert!(
        csv.lines()
            .next()
            .is_some_and(|h| h.ends_with(",warmup_requests"))
    );
    assert!(csv.lines().skip(1).all(|l| l.ends_with(",4")), "{csv}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap_or_default();
    assert!(
        md.contains("first 4 requests (50.00 %) left out as warm-up"),
        "{md}"
    );
}

#[test]
fn bad_warm_ups_exit_2_naming_the_flag_and_write_nothing() {
    let dir = tempdir();
    let trace = two_rounds(dir.path(), 4);
    let trace = trace.to_str().unwrap_or_default();
    let out = dir.path().join("out");
    let out_s = out.to_str().unwrap_or_default();
    let cases: [(&str, &str); 6] = [
        ("120%", "0 to 100"),
        ("-3", "negative"),
        ("abc", "abc"),
        ("8", "leaves none to measure"),
        ("100%", "leaves none to measure"),
        ("1e9", "whole number"),
    ];
    for (value, message) in cases {
        let commands: [Vec<&str>; 3] = [
            vec!["replay", trace, "--out", out_s],
            vec!["sweep", trace, "--max-entries", "2,4", "--out", out_s],
            vec![
                "run",
                "--workload",
                "seed-example",
                "--no-memory",
                "--out",
                out_s,
            ],
        ];
        for mut args in commands {
            // seed-example has 100 requests: its "too long" warm-up is 100.
            let value = if args[0] == "run" && value == "8" {
                "100"
            } else {
                value
            };
            args.extend_from_slice(&["--warmup", value]);
            let o = harness(&args);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
            assert!(err.contains("--warmup"), "{args:?}: {err}");
            assert!(err.contains(message), "{args:?}: {err}");
            assert!(stdout(&o).is_empty(), "{args:?}: no partial output");
            assert!(!out.exists(), "{args:?}: nothing written");
        }
    }
}
