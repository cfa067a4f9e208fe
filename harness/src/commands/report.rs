//! `harness report`: the Markdown/HTML report for one or more results directories.

use super::Status;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Label of a results directory in the report: its directory name.
fn label_of(path: &Path) -> String {
    let dir = if path.is_file() {
        path.parent().unwrap_or(path)
    } else {
        path
    };
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string())
}

/// Reads every results directory and writes the report into `out`; returns the files written.
pub fn report(results: &[PathBuf], out: &Path, quiet: bool) -> anyhow::Result<Status> {
    // A saved sweep (a directory holding sweep.json and no results.json) gets its sweep report.
    if let [path] = results
        && is_sweep(path)
    {
        let sweep = reports::sweep::read_sweep(path)
            .with_context(|| format!("reading the sweep from {}", path.display()))?;
        let files = reports::write_sweep_report(&sweep, out)
            .with_context(|| format!("writing the report into {}", out.display()))?;
        if !quiet {
            eprintln!(
                "report: {} and {} ({} charts)",
                files.markdown.display(),
                files.html.display(),
                files.charts.len()
            );
        }
        return Ok(Status::Passed);
    }
    let mut inputs = Vec::new();
    for path in results {
        let file = reports::read_results(path)
            .with_context(|| format!("reading results from {}", path.display()))?;
        inputs.push(reports::ReportInput {
            label: label_of(path),
            results: file,
        });
    }
    let files = reports::write_report(&inputs, out)
        .with_context(|| format!("writing the report into {}", out.display()))?;
    if !quiet {
        eprintln!(
            "report: {} and {} ({} charts)",
            files.markdown.display(),
            files.html.display(),
            files.charts.len()
        );
    }
    Ok(Status::Passed)
}

/// Whether `path` is a saved sweep: `sweep.json` itself, or a directory with one and no
/// `results.json`.
fn is_sweep(path: &Path) -> bool {
    if path.is_dir() {
        path.join(reports::sweep::SWEEP_FILE_NAME).is_file()
            && !path.join(reports::RESULTS_FILE_NAME).is_file()
    } else {
        path.file_name()
            .is_some_and(|n| n == reports::sweep::SWEEP_FILE_NAME)
    }
}
