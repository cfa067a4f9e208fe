//! The dedicated charts of the non-budget axes: a TTL sweep writes `ttl-curve`, a workers sweep
//! `workers-curve` (SVG and PNG), the report references them, and `harness report` renders
//! them again from the saved sweep.

mod common;
use common::{harness, stderr, tempdir};
use std::path::Path;

fn is_png(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| b.starts_with(b"\x89PNG\r\n\x1a\n") && b.len() > 1000)
}

fn is_svg(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|s| s.contains("<svg") && s.contains("</svg>"))
}

/// Sweeps into `out`, checks the dedicated chart `stem` and the report's references to it,
/// then re-renders with `harness report` and checks again; returns the report's Markdown.
fn dedicated(args: &[&str], stem: &str, absent: &str) -> String {
    let dir = tempdir();
    let out = dir.path().join("sweep");
    let mut all = vec!["sweep"];
    all.extend_from_slice(args);
    let out_s = out.to_string_lossy().to_string();
    all.extend_from_slice(&["--quiet", "--out", &out_s]);
    let o = harness(&all);
    assert!(o.status.success(), "{}", stderr(&o));
    let again = dir.path().join("again");
    let o = harness(&["report", &out_s, "--out", &again.to_string_lossy()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut markdown = String::new();
    for d in [&out, &again] {
        assert!(
            is_svg(&d.join(format!("{stem}.svg"))),
            "{stem}.svg in {}",
            d.display()
        );
        assert!(
            is_png(&d.join(format!("{stem}.png"))),
            "{stem}.png in {}",
            d.display()
        );
        assert!(
            !d.join(format!("{absent}.svg")).exists(),
            "{absent} is for the other axis"
        );
        let md = std::fs::read_to_string(d.join("report.md")).unwrap_or_default();
        assert!(md.contains(&format!("({stem}.png)")), "{md}");
        assert!(md.contains(&format!("({stem}.svg)")), "{md}");
        let html = std::fs::read_to_string(d.join("report.html")).unwrap_or_default();
        assert!(html.contains(stem), "the HTML report shows {stem}");
        // The generic curve stays beside it (it carries the advice markers).
        assert!(d.join("sweep-curve.svg").is_file());
        markdown = md;
    }
    markdown
}

#[test]
fn a_ttl_sweep_has_its_ttl_curve() {
    let md = dedicated(
        &["--workload", "ttl", "--ttl", "1h,6h,24h,never"],
        "ttl-curve",
        "workers-curve",
    );
    assert!(md.contains("How long entries should live"), "{md}");
}

#[test]
fn a_workers_sweep_has_its_workers_curve_and_says_how_many_workers_the_cache_saves() {
    let md = dedicated(
        &["--workload", "burst", "--workers", "1,2,4,8"],
        "workers-curve",
        "ttl-curve",
    );
    assert!(
        md.contains("How many generator workers the cache saves"),
        "{md}"
    );
    // burst: the cache with one worker beats the baseline with eight.
    assert!(md.contains("the cache saves 7 of 8 workers"), "{md}");
}

#[test]
fn a_budget_sweep_has_neither() {
    let dir = tempdir();
    let out = dir.path().join("sweep");
    let o = harness(&[
        "sweep",
        "--workload",
        "typical",
        "--max-bytes",
        "64MiB,1GiB",
        "--quiet",
        "--out",
        &out.to_string_lossy(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("sweep-curve.svg").is_file());
    assert!(!out.join("ttl-curve.svg").exists());
    assert!(!out.join("workers-curve.svg").exists());
}

/// The terminal says what a workers sweep answers: how many workers the cache saves, and not
/// the budget notions whose unbounded bound runs at another worker count.
#[test]
fn a_workers_sweep_prints_the_workers_it_saves() {
    let o = harness(&["sweep", "--workload", "burst", "--workers", "1,2,4,8"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("  - fewest workers reaching 3x: 1 worker (11.76x"),
        "{text}"
    );
    assert!(text.contains("the cache saves 7 of 8 workers"), "{text}");
    assert!(text.contains("(unbounded, no TTL, 8 workers)"), "{text}");
    assert!(!text.contains("95 % of the unbounded"), "{text}");
    assert!(!text.contains("stops growing"), "{text}");
}
