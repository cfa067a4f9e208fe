//! `write_report`: renders every chart and writes the charts, `report.md` and `report.html`.

use std::path::{Path, PathBuf};

use crate::charts::{
    self, HitRateChart, LatencyChart, MemoryChart, RenderedChart, SpeedupChart, WorkChart,
};
use crate::document::{self, LabelledResults};
use crate::error::ReportError;
use crate::format::slug;
use crate::io::{create_dir, write_atomic};
use crate::results::ResultsFile;
use crate::{html, markdown};

/// One results set to report on, with the label it is shown under (e.g. `main`, `branch`).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportInput {
    /// Shown in headings, tables and chart captions; usually the results directory's name.
    pub label: String,
    /// The results.
    pub results: ResultsFile,
}

/// The files `write_report` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    /// `report.md`.
    pub markdown: PathBuf,
    /// `report.html` (self-contained).
    pub html: PathBuf,
    /// Every chart file, SVG and PNG, in report order.
    pub charts: Vec<PathBuf>,
}

/// Name of the Markdown report in the output directory.
pub const MARKDOWN_FILE_NAME: &str = "report.md";
/// Name of the HTML report in the output directory.
pub const HTML_FILE_NAME: &str = "report.html";

/// Writes the charts (PNG and SVG each), `report.md` and `report.html` into `out_dir`, each
/// file atomically.
///
/// One input gives the report of its runs, with `speedup.{png,svg}` and, per run,
/// `hit-rate`, `memory`, `latency` and `work` charts (suffixed `-WORKLOAD` when the input has
/// several runs). Two or more inputs add a comparison table (runs matched by workload name)
/// and make `speedup` the combined chart; per-run charts are then prefixed with the input's
/// label (`branch-hit-rate-typical.svg`).
///
/// ```no_run
/// # fn main() -> Result<(), reports::ReportError> {
/// use std::path::Path;
/// let main = reports::read_results(Path::new("target/results/main"))?;
/// let branch = reports::read_results(Path::new("target/results/branch"))?;
/// let files = reports::write_report(
///     &[
///         reports::ReportInput { label: "main".into(), results: main },
///         reports::ReportInput { label: "branch".into(), results: branch },
///     ],
///     Path::new("target/report"),
/// )?;
/// println!("open {}", files.html.display());
/// # Ok(())
/// # }
/// ```
pub fn write_report(inputs: &[ReportInput], out_dir: &Path) -> Result<ReportFiles, ReportError> {
    if inputs.is_empty() {
        return Err(ReportError::Empty("no results were given".into()));
    }
    if let Some(empty) = inputs.iter().find(|input| input.results.runs.is_empty()) {
        return Err(ReportError::Empty(format!(
            "results `{}` contain no runs",
            empty.label
        )));
    }
    let comparison = inputs.len() > 1;
    let prefixes = unique_slugs(inputs.iter().map(|input| input.label.as_str()));

    let labelled: Vec<(&str, &ResultsFile)> = inputs
        .iter()
        .map(|input| (input.label.as_str(), &input.results))
        .collect();
    let speedup = charts::render("speedup", &SpeedupChart::new(&labelled))?;

    let mut per_input: Vec<Vec<(usize, RenderedChart)>> = Vec::new();
    for (input, prefix) in inputs.iter().zip(&prefixes) {
        let label = comparison.then_some(input.label.as_str());
        let runs = &input.results.runs;
        let suffixes = unique_slugs(runs.iter().map(|run| run.workload.name.as_str()));
        let mut rendered = Vec::new();
        for (index, (run, suffix)) in runs.iter().zip(&suffixes).enumerate() {
            let stem = |kind: &str| {
                let mut stem = String::new();
                if comparison {
                    stem.push_str(prefix);
                    stem.push('-');
                }
                stem.push_str(kind);
                if runs.len() > 1 {
                    stem.push('-');
                    stem.push_str(suffix);
                }
                stem
            };
            rendered.push((
                index,
                charts::render(&stem("hit-rate"), &HitRateChart { run, label })?,
            ));
            rendered.push((
                index,
                charts::render(&stem("memory"), &MemoryChart { run, label })?,
            ));
            rendered.push((
                index,
                charts::render(&stem("latency"), &LatencyChart { run, label })?,
            ));
            rendered.push((
                index,
                charts::render(&stem("work"), &WorkChart { run, label })?,
            ));
        }
        per_input.push(rendered);
    }

    let documents: Vec<LabelledResults<'_>> = inputs
        .iter()
        .zip(&per_input)
        .map(|(input, rendered)| LabelledResults {
            label: &input.label,
            results: &input.results,
            charts: rendered
                .iter()
                .map(|(index, chart)| (*index, chart))
                .collect(),
        })
        .collect();
    let blocks = document::build(&documents, &speedup);

    create_dir(out_dir)?;
    let all_charts: Vec<&RenderedChart> = std::iter::once(&speedup)
        .chain(per_input.iter().flatten().map(|(_, chart)| chart))
        .collect();
    let mut chart_files = Vec::with_capacity(all_charts.len() * 2);
    for chart in &all_charts {
        let svg_path = out_dir.join(format!("{}.svg", chart.stem));
        write_atomic(&svg_path, chart.svg.as_bytes())?;
        let png_path = out_dir.join(format!("{}.png", chart.stem));
        write_atomic(&png_path, &chart.png)?;
        chart_files.push(svg_path);
        chart_files.push(png_path);
    }

    let markdown_path = out_dir.join(MARKDOWN_FILE_NAME);
    write_atomic(&markdown_path, markdown::render(&blocks).as_bytes())?;
    let html_path = out_dir.join(HTML_FILE_NAME);
    let title = inputs
        .iter()
        .map(|input| input.label.as_str())
        .collect::<Vec<_>>()
        .join(" vs ");
    write_atomic(
        &html_path,
        html::render(
            &format!("gencache replay report: {title}"),
            &blocks,
            &all_charts,
        )
        .as_bytes(),
    )?;
    tracing::info!(dir = %out_dir.display(), charts = chart_files.len(), "report written");

    Ok(ReportFiles {
        markdown: markdown_path,
        html: html_path,
        charts: chart_files,
    })
}

/// File-name-safe slugs of `names`, made unique by numbering repeats (`typical`, `typical-2`).
fn unique_slugs<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    number_repeats(names.map(slug))
}

/// `names` with repeats numbered, the scheme of every file name derived from a workload
/// (charts here, the harness's CSVs): `typical`, `typical-2`, `typical-3`.
///
/// ```
/// let names = ["typical", "busy", "typical"].map(String::from);
/// assert_eq!(reports::number_repeats(names), ["typical", "busy", "typical-2"]);
/// ```
pub fn number_repeats(names: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for base in names {
        let mut candidate = base.clone();
        let mut n = 2;
        while out.contains(&candidate) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        out.push(candidate);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_get_numbered_slugs() {
        let slugs = unique_slugs(["typical", "Typical", "busy"].into_iter());
        assert_eq!(slugs, vec!["typical", "typical-2", "busy"]);
    }

    #[test]
    fn empty_input_list_is_refused() {
        let dir = std::env::temp_dir();
        let err = write_report(&[], &dir).unwrap_err();
        assert!(err.to_string().contains("no results"), "{err}");
    }
}
