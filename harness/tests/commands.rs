//! The other subcommands end to end: list, gen + replay round trip, run's output directory.

mod common;
use common::{harness, stderr, stdout, tempdir};

#[test]
fn list_prints_every_preset_and_policy_on_one_line() {
    let o = harness(&["list"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for name in [
        "typical",
        "busy",
        "duplicate",
        "cold",
        "seed-example",
        "burst",
        "churn",
        "ttl",
        "mixed-cost",
    ] {
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(&format!("{name} "))),
            "{name} missing: {text}"
        );
    }
    // Every policy `--policy` takes, with its description, after the presets.
    let policies = text
        .lines()
        .skip_while(|l| !l.starts_with("policies"))
        .collect::<Vec<_>>();
    for name in common::POLICIES {
        assert!(
            policies
                .iter()
                .any(|l| l.trim_start().starts_with(&format!("{name} "))),
            "{name} missing: {text}"
        );
    }
    assert_eq!(text.lines().count(), 2 + 9 + 14);
}

#[test]
fn generated_trace_replays_to_the_same_hits_as_the_workload() {
    let dir = tempdir();
    let csv = dir.path().join("seed.csv");
    let o = harness(&[
        "gen",
        "--workload",
        "seed-example",
        "--out",
        &csv.to_string_lossy(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = harness(&["replay", &csv.to_string_lossy(), "--json", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let results: reports::ResultsFile = match serde_json::from_str(&stdout(&o)) {
        Ok(r) => r,
        Err(e) => panic!("replay --json: {e}"),
    };
    assert_eq!(results.runs[0].workload.requests, 100);
    assert_eq!(results.runs[0].cache.hits, 70);
    assert_eq!(results.runs[0].cached.generations, 30);
}

#[test]
fn run_writes_results_csvs_and_report_into_out() {
    let dir = tempdir();
    let out = dir.path().join("typical-run");
    let o = harness(&[
        "run",
        "--workload",
        "seed-example",
        "--out",
        &out.to_string_lossy(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for needle in [
        "speedup",
        "verdict",
        "100 requests with 70 duplicates -> 3.3x",
        "memory (measured)",
        "output written to",
    ] {
        assert!(text.contains(needle), "summary lacks `{needle}`:\n{text}");
    }
    for file in [
        "results.json",
        "seed-example.timeline.csv",
        "seed-example.latency-baseline.csv",
        "seed-example.latency-cached.csv",
        "report.md",
        "report.html",
    ] {
        assert!(out.join(file).is_file(), "{file} not written");
    }
    let results = match reports::read_results(&out) {
        Ok(r) => r,
        Err(e) => panic!("results.json unreadable: {e}"),
    };
    let run = &results.runs[0];
    assert_eq!(run.timeline.len(), 100);
    assert!(run.timeline.iter().all(|w| w.heap_bytes.is_some()));
    let timeline =
        std::fs::read_to_string(out.join("seed-example.timeline.csv")).unwrap_or_default();
    assert_eq!(timeline.lines().count(), 101, "header + 100 windows");

    // `harness report` on the same directory works too.
    let report_dir = dir.path().join("report");
    let o = harness(&[
        "report",
        &out.to_string_lossy(),
        "--out",
        &report_dir.to_string_lossy(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(report_dir.join("report.html").is_file());
}

#[test]
fn calibrate_prints_the_exponent_and_hit_rates() {
    let o = harness(&["calibrate", "--workload", "seed-example"]);
    // seed-example has no target hit rate: reported on stderr (not among the findings on
    // stdout), exit 1.
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("cannot calibrate"), "{}", stderr(&o));
    assert!(!stdout(&o).contains("cannot calibrate"), "{}", stdout(&o));
}

#[test]
fn logs_to_a_non_terminal_carry_no_colour_codes() {
    let dir = tempdir();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "run",
            "--workload",
            "seed-example",
            "--no-report",
            "--no-memory",
            "--out",
        ])
        .arg(dir.path().join("run"))
        .env("RUST_LOG", "info")
        .output();
    let Ok(o) = o else {
        panic!("cannot run the harness binary");
    };
    assert!(o.status.success(), "{}", stderr(&o));
    let log = stderr(&o);
    assert!(log.contains("replayed"), "no log line to check: {log}");
    assert!(
        !log.contains('\u{1b}'),
        "ANSI escape in a log to a pipe: {log:?}"
    );
}

#[test]
fn a_run_to_a_non_terminal_prints_periodic_progress_lines() {
    let dir = tempdir();
    let toml = dir.path().join("many.toml");
    let spec = "name = \"many\"\nrequests = 60_000\nseed = 3\n[keys]\nkind = \"unique\"\n\
                [size]\nkind = \"fixed\"\nbytes = 1024\n[cost]\nkind = \"fixed\"\nseconds = 1.0\n\
                [arrival]\nkind = \"closed\"\nclients = 1\n";
    assert!(std::fs::write(&toml, spec).is_ok());
    let run = |interval: &str| {
        harness(&[
            "run",
            "--workload",
            &toml.to_string_lossy(),
            "--no-memory",
            "--no-report",
            "--progress-interval",
            interval,
            "--out",
            &dir.path().join("out").to_string_lossy(),
        ])
    };
    // stderr is a pipe here: no bar, but lines once the interval has passed.
    let o = run("1ms");
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<_> = err
        .lines()
        .filter(|l| l.starts_with("progress: many: "))
        .collect();
    assert!(lines.len() >= 2, "{err}");
    assert!(
        lines.iter().any(|l| l.contains(" of 120000 requests (")),
        "{err}"
    );
    // A run shorter than the interval prints none.
    let o = run("1h");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("progress:"), "{}", stderr(&o));
}
