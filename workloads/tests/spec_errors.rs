//! Bad workload definitions give a clear error naming the origin and the field. One test per case.

use workloads::{Workload, WorkloadError};

const GOOD: &str = r#"
name = "t"
requests = 100
seed = 1
[keys]
kind = "zipf"
universe = 1000
target_hit_rate = 0.5
calibrated_exponent = 0.9
[size]
kind = "fixed"
bytes = 10
[arrival]
kind = "poisson"
rate_per_s = 2.0
[cache]
max_entries = 10
"#;

fn err(text: &str) -> String {
    let e = Workload::from_toml_str(text, "bad.toml").unwrap_err();
    let msg = e.to_string();
    println!("{msg}");
    assert!(msg.contains("bad.toml"), "origin missing: {msg}");
    msg
}

#[test]
fn the_good_file_loads() {
    let w = Workload::from_toml_str(GOOD, "good.toml").unwrap();
    assert_eq!(w.zipf_exponent(), Some(0.9));
    assert_eq!(w.target_hit_rate(), Some(0.5));
    assert_eq!(w.cost.mean_s(), 124.6);
    assert_eq!(w.hit_cost_s, 0.05);
    assert_eq!(w.cache.ttl_s, Some(86_400.0));
}

#[test]
fn negative_rate() {
    let m = err(&GOOD.replace("rate_per_s = 2.0", "rate_per_s = -2.0"));
    assert!(m.contains("arrival.rate_per_s") && m.contains("-2"), "{m}");
}

#[test]
fn hit_rate_above_one() {
    let m = err(&GOOD.replace("target_hit_rate = 0.5", "target_hit_rate = 1.5"));
    assert!(
        m.contains("keys.target_hit_rate") && m.contains("1.5"),
        "{m}"
    );
}

#[test]
fn zero_requests() {
    let m = err(&GOOD.replace("requests = 100", "requests = 0"));
    assert!(m.contains("`requests`") && m.contains("at least 1"), "{m}");
}

#[test]
fn negative_requests_is_a_type_error_with_a_line() {
    let m = err(&GOOD.replace("requests = 100", "requests = -3"));
    assert!(m.contains("line 3"), "{m}");
}

#[test]
fn unknown_top_level_field() {
    let m = err(&format!("colour = \"blue\"\n{GOOD}"));
    assert!(m.contains("colour"), "{m}");
}

#[test]
fn unknown_field_inside_a_tagged_table() {
    let m = err(&GOOD.replace("bytes = 10", "bytes = 10\nbites = 3"));
    assert!(m.contains("bites"), "{m}");
}

#[test]
fn unknown_kind() {
    let m = err(&GOOD.replace("kind = \"poisson\"", "kind = \"lunar\""));
    assert!(m.contains("lunar"), "{m}");
}

#[test]
fn exponent_and_target_together() {
    let m = err(&GOOD.replace("calibrated_exponent = 0.9", "exponent = 0.9"));
    assert!(m.contains("not both"), "{m}");
}

#[test]
fn zero_byte_budget() {
    let m = err(&GOOD.replace("max_entries = 10", "max_bytes = 0"));
    assert!(m.contains("cache.max_bytes"), "{m}");
}

#[test]
fn ttl_word_other_than_never() {
    let m = err(&GOOD.replace("max_entries = 10", "ttl_s = \"forever\""));
    assert!(m.contains("forever") && m.contains("never"), "{m}");
}

#[test]
fn ttl_never_means_no_expiry() {
    let w = Workload::from_toml_str(&GOOD.replace("max_entries = 10", "ttl_s = \"never\""), "t")
        .unwrap();
    assert_eq!(w.cache.ttl_s, None);
    assert_eq!(w.cache.ttl(), None);
}

#[test]
fn negative_ttl() {
    let m = err(&GOOD.replace("max_entries = 10", "ttl_s = -1.0"));
    assert!(m.contains("cache.ttl_s"), "{m}");
}

#[test]
fn duplicates_more_distinct_than_requests() {
    let text = GOOD.replace(
        "kind = \"zipf\"\nuniverse = 1000\ntarget_hit_rate = 0.5\ncalibrated_exponent = 0.9",
        "kind = \"duplicates\"\ndistinct = 101",
    );
    let m = err(&text);
    assert!(m.contains("keys.distinct") && m.contains("101"), "{m}");
}

#[test]
fn malformed_toml_names_the_line() {
    let m = err("name = \"x\"\nrequests = = 3\n");
    assert!(m.contains("line 2"), "{m}");
}

#[test]
fn unknown_preset_lists_the_valid_names() {
    let e = Workload::preset("typo").unwrap_err();
    assert!(matches!(e, WorkloadError::UnknownPreset { .. }));
    let m = e.to_string();
    for name in [
        "typical",
        "busy",
        "duplicate",
        "cold",
        "seed-example",
        "burst",
        "churn",
        "ttl",
    ] {
        assert!(m.contains(name), "{m}");
    }
    assert!(Workload::resolve("typo").is_err());
}

#[test]
fn missing_file_names_the_path() {
    let e = Workload::from_path(std::path::Path::new("/nonexistent/w.toml")).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/w.toml"), "{e}");
}

#[test]
fn resolve_reads_a_user_file_and_round_trips_toml() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    let w = Workload::preset("churn").unwrap();
    std::fs::write(&path, w.to_toml_string().unwrap()).unwrap();
    let back = Workload::resolve(path.to_str().unwrap()).unwrap();
    assert_eq!(back, w);
}

#[test]
fn a_workload_broken_in_code_is_rejected_by_trace() {
    let mut w = Workload::preset("seed-example").unwrap();
    w.requests = 10; // fewer than its 30 distinct keys
    let m = w.trace().unwrap_err().to_string();
    assert!(m.contains("keys.distinct"), "{m}");
    w.requests = 0;
    assert!(w.trace().is_err());
}

#[test]
fn duplicates_more_distinct_than_bursts() {
    // 100 requests in bursts of 10 draw only 10 keys: 50 distinct keys cannot happen.
    let text = GOOD
        .replace(
            "kind = \"zipf\"\nuniverse = 1000\ntarget_hit_rate = 0.5\ncalibrated_exponent = 0.9",
            "kind = \"duplicates\"\ndistinct = 50",
        )
        .replace(
            "kind = \"poisson\"\nrate_per_s = 2.0",
            "kind = \"bursts\"\nburst_size = 10\nspread_s = 1.0\nmean_gap_s = 10.0",
        );
    let m = err(&text);
    assert!(
        m.contains("keys.distinct") && m.contains("1..=10") && m.contains("arrival.burst_size"),
        "{m}"
    );
    let w = Workload::from_toml_str(&text.replace("distinct = 50", "distinct = 10"), "ok.toml")
        .unwrap();
    let keys: std::collections::HashSet<u64> = w.trace().unwrap().map(|r| r.key).collect();
    assert_eq!(keys.len(), 10);
}

#[test]
fn poisson_rate_so_small_that_times_overflow() {
    let m = err(&GOOD.replace("rate_per_s = 2.0", "rate_per_s = 1e-310"));
    assert!(
        m.contains("arrival.rate_per_s") && m.contains("1e15"),
        "{m}"
    );
    // Just inside the bound is accepted: 100 requests over 1e15 s.
    Workload::from_toml_str(
        &GOOD.replace("rate_per_s = 2.0", "rate_per_s = 1e-13"),
        "ok.toml",
    )
    .unwrap();
}

#[test]
fn burst_spread_or_gap_so_large_that_times_overflow() {
    let bursts = |spread: &str, gap: &str| {
        GOOD.replace(
            "kind = \"poisson\"\nrate_per_s = 2.0",
            &format!("kind = \"bursts\"\nburst_size = 3\nspread_s = {spread}\nmean_gap_s = {gap}"),
        )
    };
    let m = err(&bursts("1e308", "1.0"));
    assert!(m.contains("arrival.spread_s") && m.contains("1e15"), "{m}");
    let m = err(&bursts("0.0", "1e308"));
    assert!(
        m.contains("arrival.mean_gap_s") && m.contains("1e15"),
        "{m}"
    );
    // 34 bursts × 1e13 s each stays within the bound, and every time is finite.
    let w = Workload::from_toml_str(&bursts("1e13", "1e13"), "ok.toml").unwrap();
    assert!(w.trace().unwrap().all(|r| r.time.is_finite()));
}

// ---- issue 10: absurd values are refused with the bound in the message ----

#[test]
fn absurd_request_count_states_the_bound() {
    let m = err(&GOOD.replace("requests = 100", "requests = 1_000_000_000_000_000_000"));
    assert!(
        m.contains("`requests`") && m.contains("1000000000") && m.contains("one billion"),
        "{m}"
    );
    // The bound itself is accepted.
    let at_bound = GOOD.replace("requests = 100", "requests = 1_000_000_000");
    assert!(Workload::from_toml_str(&at_bound, "ok.toml").is_ok());
}

const LOGNORMAL_SIZE: &str = "[size]\nkind = \"log_normal\"\nmean_bytes = 1e6\nsigma = 1.0\n";

#[test]
fn huge_lognormal_sigma_is_refused() {
    let good = GOOD.replace("[size]\nkind = \"fixed\"\nbytes = 10\n", LOGNORMAL_SIZE);
    assert!(Workload::from_toml_str(&good, "ok.toml").is_ok());
    let m = err(&good.replace("sigma = 1.0", "sigma = 1e6"));
    assert!(m.contains("size.sigma") && m.contains("at most 5"), "{m}");
    let cost = GOOD.replace(
        "[arrival]",
        "[cost]\nkind = \"log_normal\"\nmean_s = 124.6\nsigma = 1e6\n[arrival]",
    );
    let m = err(&cost);
    assert!(m.contains("cost.sigma") && m.contains("at most 5"), "{m}");
}

#[test]
fn lognormal_whose_median_is_below_one_byte_is_refused() {
    // sigma 4 is in range, but with a mean of 100 B the median is 100·e^-8 ≈ 0.03 B: most sizes
    // would be clamped to 1 B.
    let text = GOOD.replace(
        "[size]\nkind = \"fixed\"\nbytes = 10\n",
        "[size]\nkind = \"log_normal\"\nmean_bytes = 100\nsigma = 4.0\n",
    );
    let m = err(&text);
    assert!(
        m.contains("size.sigma") && m.contains("median") && m.contains("at most 3.03"),
        "{m}"
    );
}

#[test]
fn huge_numbers_are_printed_in_scientific_notation() {
    let m = err(&GOOD.replace("rate_per_s = 2.0", "rate_per_s = -1e308"));
    assert!(m.contains("-1e308"), "{m}");
    assert!(!m.contains("000000000000"), "{m}");
    let m = err(&GOOD.replace("seed = 1\n", "seed = 1\nhit_cost_s = -1e-320\n"));
    assert!(m.contains("e-320"), "{m}");
}

#[test]
fn a_workload_file_has_a_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    let mut text = GOOD.to_string();
    text.push_str(&format!("# {}\n", "x".repeat(5 << 20)));
    std::fs::write(&big, text).unwrap();
    let m = Workload::from_path(&big).unwrap_err().to_string();
    assert!(m.contains("big.toml") && m.contains("4 MiB"), "{m}");
    // A file just under the limit still loads.
    let ok = dir.path().join("ok.toml");
    let mut text = GOOD.to_string();
    text.push_str(&format!("# {}\n", "x".repeat(3 << 20)));
    std::fs::write(&ok, text).unwrap();
    assert!(Workload::from_path(&ok).is_ok());
}

#[cfg(unix)]
#[test]
fn dev_zero_as_a_workload_stops_at_the_limit() {
    let started = std::time::Instant::now();
    let e = Workload::resolve("/dev/zero").unwrap_err();
    assert!(matches!(e, WorkloadError::TooLarge { .. }), "{e}");
    assert!(e.to_string().contains("/dev/zero"), "{e}");
    // Bounded work (not a timing assertion on speed: reading 4 MiB takes milliseconds).
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

#[test]
fn a_workload_file_that_is_not_text_is_a_toml_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bin.toml");
    std::fs::write(&path, [b'n', b'a', 0xff, 0xfe]).unwrap();
    let m = Workload::from_path(&path).unwrap_err().to_string();
    assert!(m.contains("bin.toml") && m.contains("UTF-8"), "{m}");
}
