//! `harness sweep` and `harness profile` end to end: the real traces' reference table in one
//! pass, advice on hand-computed traces, the report files, and bad input refused with exit 2
//! and no output.

mod common;
use common::{harness, stderr, stdout, tempdir, trace};
use reports::sweep::SweepResults;
use std::path::Path;

fn sweep_json(args: &[&str]) -> SweepResults {
    let mut all = vec!["sweep"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--json", "--quiet"]);
    let o = harness(&all);
    assert!(o.status.success(), "{}", stderr(&o));
    match serde_json::from_str(&stdout(&o)) {
        Ok(r) => r,
        Err(e) => panic!("sweep --json: {e}\n{}", stdout(&o)),
    }
}

fn reference(file: &str, table: &[(u64, u64)]) {
    let path = trace(file);
    let list = table
        .iter()
        .map(|(c, _)| c.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let r = sweep_json(&[&path.to_string_lossy(), "--max-entries", &list]);
    assert_eq!(r.method, "stack", "one pass");
    let got: Vec<(u64, u64)> = r
        .points
        .iter()
        .map(|p| (p.max_entries.unwrap_or(0), p.hits))
        .collect();
    assert_eq!(got, table);
    assert!(r.points.iter().all(|p| p.policy == "lru"));
}

#[test]
fn web07_sweep_reproduces_the_reference_table_in_one_pass() {
    reference(
        "web07.trace.xz",
        &[
            (100, 25_427),
            (1_000, 38_368),
            (5_000, 47_702),
            (10_000, 52_519),
            (50_000, 55_634),
        ],
    );
}

/// 5 M requests: run in release (`cargo test -p harness --release -- --ignored`).
#[test]
#[ignore = "5 M requests; run with --release -- --ignored"]
fn orm_busy_sweep_reproduces_the_reference_table_in_one_pass() {
    reference(
        "orm-busy.trace.xz",
        &[
            (100, 2_574_237),
            (1_000, 3_938_943),
            (5_000, 4_273_062),
            (10_000, 4_474_313),
            (50_000, 4_886_044),
        ],
    );
}

/// `keys` distinct keys cycled `rounds` times, 1 s per generation.
fn cyclic_trace(dir: &Path, keys: u64, rounds: u64) -> String {
    let mut csv = String::from("time,key,size,cost\n");
    for _ in 0..rounds {
        for k in 0..keys {
            csv.push_str(&format!("0,{k},100,1\n"));
        }
    }
    let path = dir.join(format!("cycle-{keys}x{rounds}.csv"));
    if let Err(e) = std::fs::write(&path, csv) {
        panic!("{e}");
    }
    path.to_string_lossy().into_owned()
}

#[test]
fn advice_finds_the_budget_that_reaches_3x_exactly() {
    // 10 keys cycled 3 times with free hits: at 10 entries only the first round misses, so
    // speedup = 30 / 10 = 3 exactly; at 9 entries LRU misses every request of a cycle.
    let dir = tempdir();
    let t = cyclic_trace(dir.path(), 10, 3);
    let r = sweep_json(&[&t, "--max-entries", "5,9,10,20", "--hit-cost", "0"]);
    let speedups: Vec<f64> = r.points.iter().map(|p| p.speedup).collect();
    assert_eq!(speedups, vec![1.0, 1.0, 3.0, 3.0]);
    assert_eq!(r.advice.reaches_target, Some(2));
    assert_eq!(r.advice.near_unbounded, Some(2));
    assert_eq!(r.advice.saturation, Some(2));
    // 10 -> 20 adds nothing.
    assert_eq!(r.advice.diminishing_returns, Some(2));
    assert!(
        r.advice.lines[0].contains("10 entries"),
        "{:?}",
        r.advice.lines
    );
}

#[test]
fn advice_says_by_how_much_nothing_reaches_the_target() {
    // Two rounds: at best 20 / 10 = 2x, 1x short of 3x, and even unbounded gives only 2x.
    let dir = tempdir();
    let t = cyclic_trace(dir.path(), 10, 2);
    let r = sweep_json(&[&t, "--max-entries", "5,10", "--hit-cost", "0"]);
    assert_eq!(r.advice.reaches_target, None);
    let short = r
        .advice
        .best_short_of_target
        .as_ref()
        .map(|s| (s.best, s.short_by));
    assert_eq!(short, Some((1, 1.0)));
    assert!(
        r.advice.lines[0].contains("no budget in the grid reaches 3x")
            && r.advice.lines[0].contains("1.00x short")
            && r.advice.lines[0].contains("even an unbounded cache gives only 2.00x"),
        "{:?}",
        r.advice.lines
    );
}

#[test]
fn sweep_out_writes_results_csv_charts_and_a_report_that_harness_report_renders_again() {
    let dir = tempdir();
    let t = cyclic_trace(dir.path(), 50, 4);
    let out = dir.path().join("out");
    let o = harness(&[
        "sweep",
        &t,
        "--max-bytes",
        "auto",
        "--generator-cost-per-hour",
        "3.5",
        "--out",
        &out.to_string_lossy(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("profile of"), "{text}");
    assert!(text.contains("advice (target 3x)"), "{text}");
    for f in [
        "sweep.json",
        "sweep.csv",
        "report.md",
        "report.html",
        "sweep-curve.svg",
        "sweep-curve.png",
        "sweep-saved.svg",
        "sweep-saved.png",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let saved = match reports::sweep::read_sweep(&out) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(saved.points.len(), 16, "auto: 16 log-spaced budgets");
    assert_eq!(saved.points.last().and_then(|p| p.max_bytes), Some(5_000));
    assert!(saved.points.iter().all(|p| p.money_saved.is_some()));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap_or_default();
    assert!(
        md.contains("Sweep over --max-bytes") && md.contains("Advice"),
        "{md}"
    );

    let again = dir.path().join("again");
    let o = harness(&[
        "report",
        &out.to_string_lossy(),
        "--out",
        &again.to_string_lossy(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md2 = std::fs::read_to_string(again.join("report.md")).unwrap_or_default();
    assert_eq!(md, md2, "harness report renders the same sweep section");
}

#[test]
fn profile_prints_the_trace_profile() {
    let dir = tempdir();
    let t = cyclic_trace(dir.path(), 10, 3);
    let o = harness(&["profile", &t, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p: reports::sweep::TraceProfile = match serde_json::from_str(&stdout(&o)) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    assert_eq!((p.requests, p.distinct_keys), (30, 10));
    assert_eq!(p.footprint_bytes, 1_000);
    assert_eq!(p.one_hit_wonder_ratio, 0.0);
    assert!(p.zipf_exponent.abs() < 1e-9, "all keys equally popular");
    let o = harness(&["profile", "--workload", "typical"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Zipf exponent"), "{}", stdout(&o));
}

#[test]
fn bad_grids_exit_2_with_a_clear_error_and_no_output() {
    let dir = tempdir();
    let t = cyclic_trace(dir.path(), 10, 2);
    let many = (1..=257)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--max-entries", ""], "empty"),
        (vec!["--max-entries", "1,2", "--ttl", "1h,2h"], "at once"),
        (vec!["--max-bytes", "1MiB,lots"], "--max-bytes: `lots`"),
        (vec!["--max-entries", "10,20,10"], "twice"),
        (vec!["--max-entries", &many], "at most 256"),
        (vec!["--workers", "auto"], "auto"),
        (vec![], "give the values"),
    ];
    for (args, expected) in cases {
        let out = dir.path().join("out");
        let out_s = out.to_string_lossy().into_owned();
        let mut all = vec!["sweep", t.as_str()];
        all.extend(args.iter().copied());
        all.extend(["--out", out_s.as_str()]);
        let o = harness(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{args:?}: no partial output");
        assert!(!out.exists(), "{args:?}: nothing written");
    }
}

#[test]
fn web07_policies_sweep_gives_one_curve_per_policy_and_belady_bounds_them() {
    let path = trace("web07.trace.xz");
    let r = sweep_json(&[
        &path.to_string_lossy(),
        "--max-entries",
        "100,1000,5000",
        "--policies",
        "lru,s3fifo,belady",
    ]);
    assert_eq!(r.points.len(), 9);
    assert_eq!(r.policies, ["lru", "s3fifo", "belady"]);
    let hits = |policy: &str| -> Vec<(u64, u64)> {
        r.points
            .iter()
            .filter(|p| p.policy == policy)
            .map(|p| (p.max_entries.unwrap_or(0), p.hits))
            .collect()
    };
    assert_eq!(
        hits("lru"),
        [(100, 25_427), (1_000, 38_368), (5_000, 47_702)]
    );
    assert_eq!(
        hits("s3fifo"),
        [(100, 28_974), (1_000, 41_192), (5_000, 48_521)]
    );
    let belady = hits("belady");
    assert_eq!(belady.len(), 3);
    for (i, (budget, best)) in belady.iter().enumerate() {
        for policy in ["lru", "s3fifo"] {
            let (b, h) = hits(policy)[i];
            assert_eq!(b, *budget);
            assert!(*best >= h, "belady {best} < {policy} {h} at {budget}");
        }
    }
    assert_eq!(r.policy_advice.len(), 3);
    assert!(r.policy_advice.iter().all(|a| !a.advice.lines.is_empty()));
    // One line per budget, then the recommendation with its caveat.
    assert_eq!(r.comparison.len(), 4, "{:?}", r.comparison);
    for line in &r.comparison[..3] {
        assert!(line.contains("s3fifo saves the most"), "{line}");
        assert!(line.contains("behind belady"), "{line}");
    }
    let last = &r.comparison[3];
    assert!(
        last.starts_with("recommendation: s3fifo (best at 3 of 3 values; gencache implements it"),
        "{last}"
    );
    assert!(last.contains("Caveat:"), "{last}");
}

#[test]
fn policies_all_skips_what_cannot_run_and_explicit_refusals_exit_2() {
    let dir = tempdir();
    let t = cyclic_trace(dir.path(), 10, 2);
    // `all` with a byte budget: lru-crate is skipped with a note, the rest run.
    let o = harness(&[
        "sweep",
        &t,
        "--max-bytes",
        "1KiB,4KiB",
        "--policies",
        "all",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("skipped lru-crate"), "{}", stderr(&o));
    let r: SweepResults = match serde_json::from_str(&stdout(&o)) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    assert!(!r.policies.contains(&"lru-crate".to_string()));
    assert!(r.policies.contains(&"belady".to_string()));
    assert_eq!(r.points.len(), 2 * r.policies.len());
    // The sweep CSV has one row per policy and point (and the unbounded bound).
    let out = dir.path().join("csv");
    let out_s = out.to_string_lossy().into_owned();
    let o = harness(&[
        "sweep",
        &t,
        "--max-entries",
        "2,5",
        "--policies",
        "lru,fifo",
        "--out",
        &out_s,
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap_or_default();
    assert_eq!(csv.lines().count(), 1 + 4 + 1, "{csv}");
    assert_eq!(csv.lines().filter(|l| l.contains(",fifo,")).count(), 2);

    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--max-entries", "5", "--policies", "lru,nope"],
            "valid policies",
        ),
        (
            vec!["--max-entries", "5", "--policy", "nope"],
            "valid policies",
        ),
        (
            vec!["--max-bytes", "1KiB", "--policy", "lru-crate"],
            "byte budget",
        ),
        (
            vec![
                "--max-entries",
                "5",
                "--ttl",
                "1h,2h",
                "--policies",
                "lru,belady",
            ],
            "TTL",
        ),
    ];
    for (args, expected) in cases {
        let out = dir.path().join("out");
        let out_s = out.to_string_lossy().into_owned();
        let mut all = vec!["sweep", t.as_str()];
        all.extend(args.iter().copied());
        all.extend(["--out", out_s.as_str()]);
        let o = harness(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{args:?}: no partial output");
        assert!(!out.exists(), "{args:?}: nothing written");
    }
}
