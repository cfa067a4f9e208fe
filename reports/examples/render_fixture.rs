//! Renders the test fixture's report to a directory, to look at the charts by eye:
//! `cargo run -p reports --example render_fixture -- /tmp/report-fixture`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/report-fixture"), PathBuf::from);
    let single = reports::write_report(
        &[reports::ReportInput {
            label: "main".into(),
            results: common::fixture(),
        }],
        &out.join("single"),
    )?;
    println!("{}", single.html.display());
    let compared = reports::write_report(
        &[
            reports::ReportInput {
                label: "main".into(),
                results: common::fixture(),
            },
            reports::ReportInput {
                label: "branch".into(),
                results: common::branch(),
            },
        ],
        &out.join("compare"),
    )?;
    println!("{}", compared.html.display());
    Ok(())
}
