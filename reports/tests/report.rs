//! report.md and report.html: sections, tables that match the results, inline charts, nothing
//! external, and the comparison of two inputs.

mod common;

use reports::{ReportInput, write_report};

fn markdown_row<'a>(markdown: &'a str, section: &str, first_cell: &str) -> Vec<&'a str> {
    let start = markdown
        .find(&format!("## {section}\n"))
        .unwrap_or_else(|| panic!("no section {section}"));
    let body = &markdown[start..];
    let line = body
        .lines()
        .find(|line| line.starts_with(&format!("| {first_cell} |")))
        .unwrap_or_else(|| panic!("no row {first_cell} in {section}"));
    line.trim_matches('|').split(" | ").map(str::trim).collect()
}

#[test]
fn markdown_summary_matches_the_results() {
    let dir = tempfile::tempdir().unwrap();
    let results = common::fixture();
    let files = write_report(
        &[ReportInput {
            label: "main".into(),
            results: results.clone(),
        }],
        dir.path(),
    )
    .unwrap();
    let markdown = std::fs::read_to_string(&files.markdown).unwrap();

    for section in [
        "# gencache replay report",
        "## Summary",
        "## Claims",
        "## Cache and memory",
        "## Model",
        "## Charts",
    ] {
        assert!(markdown.contains(section), "report.md lacks {section}");
    }
    // typical: 70,030 hits of 100,000 at 124.6 s / 0.05 s.
    let typical = markdown_row(&markdown, "Summary", "typical");
    let run = &results.runs[0];
    assert_eq!(typical[1], "3.1× @ 70 %: holds");
    assert_eq!(typical[2], "100,000");
    assert_eq!(typical[3], "70.0 %");
    assert_eq!(typical[4], "70.0 %");
    assert_eq!(typical[5], format!("{:.2}×", run.speedup));
    let overhead = run.memory.and_then(|m| m.overhead_pct).unwrap_or(f64::NAN);
    assert_eq!(typical[6], format!("{overhead:.1} %"));
    assert_eq!(typical[7], "125.0 s");
    assert_eq!(typical[8], "0.050 s");

    let duplicate = markdown_row(&markdown, "Summary", "duplicate");
    assert_eq!(duplicate[1], "2,492× @ 100 %: does not hold");
    assert_eq!(
        duplicate[5],
        format!(
            "{}×",
            (results.runs[2].speedup.round() as u64)
                .to_string()
                .replace("2431", "2,431")
        )
    );
    let cold = markdown_row(&markdown, "Summary", "cold");
    assert_eq!(cold[1], "none tested");
    assert_eq!(cold[4], "0.0 %");

    let cache = markdown_row(&markdown, "Cache and memory", "busy");
    assert_eq!(cache[1], "90,020");
    assert_eq!(cache[2], "9,980");
    assert_eq!(cache[5], "9,980");

    assert!(
        markdown.contains("K = 1 worker;"),
        "model assumptions lack K"
    );
    assert!(
        markdown.contains("A hit is answered after 0.05 s"),
        "model assumptions lack the hit cost"
    );
    assert!(
        markdown.contains("Single-flight on"),
        "model assumptions lack single-flight"
    );
    assert!(markdown.contains(
        "![Speedup vs hit rate: measured runs against the model and the seed's claims](speedup.png)"
    ));
    for path in &files.charts {
        let name = path.file_name().unwrap().to_string_lossy();
        assert!(
            markdown.contains(&format!("({name})")),
            "report.md does not link {name}"
        );
    }
}

#[test]
fn html_is_self_contained_with_every_section_and_chart_inline() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_report(
        &[ReportInput {
            label: "main".into(),
            results: common::fixture(),
        }],
        dir.path(),
    )
    .unwrap();
    let html = std::fs::read_to_string(&files.html).unwrap();

    for section in [
        "<h1>gencache replay report</h1>",
        "<h2>Summary</h2>",
        "<h2>Claims</h2>",
        "<h2>Cache and memory</h2>",
        "<h2>Model</h2>",
        "<h2>Charts</h2>",
    ] {
        assert!(html.contains(section), "report.html lacks {section}");
    }
    let svg_charts: Vec<_> = files
        .charts
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .collect();
    assert_eq!(html.matches("<svg ").count(), svg_charts.len());
    for path in svg_charts {
        let stem = path.file_stem().unwrap().to_string_lossy();
        assert!(
            html.contains(&format!("<figure id=\"{stem}\">")),
            "report.html lacks chart {stem}"
        );
    }
    for external in [
        "http", "src=", "<script", "<link", "url(", "<img", "@import",
    ] {
        assert!(
            !html.contains(external),
            "report.html references something external: {external}"
        );
    }
    assert!(html.contains("<style>"));
    assert!(html.contains("<td class=\"num\">70.0 %</td>"));
}

#[test]
fn comparison_of_two_inputs_has_changes_and_a_combined_speedup_chart() {
    let dir = tempfile::tempdir().unwrap();
    let (main, branch) = (common::fixture(), common::branch());
    let files = write_report(
        &[
            ReportInput {
                label: "main".into(),
                results: main.clone(),
            },
            ReportInput {
                label: "branch".into(),
                results: branch.clone(),
            },
        ],
        dir.path(),
    )
    .unwrap();
    let markdown = std::fs::read_to_string(&files.markdown).unwrap();
    assert!(markdown.contains("## Comparison"));
    assert!(markdown.contains("| workload | metric | main | branch | change branch vs main |"));

    let typical_speedup = markdown
        .lines()
        .find(|line| line.starts_with("| typical | speedup |"))
        .expect("typical speedup row");
    let (old, new) = (main.runs[0].speedup, branch.runs[0].speedup);
    let expected = format!(
        "| typical | speedup | {:.2}× | {:.2}× | {:+.1} % |",
        old,
        new,
        (new - old) / old * 100.0
    );
    assert_eq!(typical_speedup, expected);
    let busy_hit = markdown
        .lines()
        .find(|line| line.starts_with("| busy | achieved hit rate |"))
        .expect("busy hit-rate row");
    assert_eq!(
        busy_hit,
        "| busy | achieved hit rate | 90.0 % | 89.5 % | -0.5 pp |"
    );
    assert!(markdown.contains("| cold | speedup | 1.00× | not run | — |"));
    assert!(markdown.contains("| seed-example | speedup | not run | 3.33× | — |"));

    // Per-input charts are prefixed with the input; the speedup chart is the combined one.
    for name in [
        "speedup.svg",
        "main-hit-rate-typical.svg",
        "branch-work-seed-example.png",
        "main-latency-cold.png",
    ] {
        assert!(dir.path().join(name).is_file(), "missing {name}");
    }
    let speedup = std::fs::read_to_string(dir.path().join("speedup.svg")).unwrap();
    assert!(speedup.contains("main vs branch"));
    assert!(speedup.contains("input main") && speedup.contains("input branch"));
    assert!(speedup.contains("typical (branch)"));
    let html = std::fs::read_to_string(&files.html).unwrap();
    assert!(html.contains("<h2>Comparison</h2>"));
    assert!(html.contains("<h2>Summary: branch</h2>"));
}

#[test]
fn reports_are_rewritten_in_place_without_leftover_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let input = [ReportInput {
        label: "main".into(),
        results: common::single(),
    }];
    let first = write_report(&input, dir.path()).unwrap();
    let second = write_report(&input, dir.path()).unwrap();
    assert_eq!(first, second);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.') || name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
}

#[test]
fn an_unwritable_output_directory_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"file").unwrap();
    let out = blocker.join("report");
    let err = write_report(
        &[ReportInput {
            label: "main".into(),
            results: common::single(),
        }],
        &out,
    )
    .unwrap_err();
    assert!(err.to_string().contains("not-a-dir"), "{err}");
}

#[test]
fn results_without_runs_are_refused_by_label() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = common::single();
    results.runs.clear();
    let err = write_report(
        &[ReportInput {
            label: "nightly".into(),
            results,
        }],
        dir.path(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("nightly"), "{err}");
}
