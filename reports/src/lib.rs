//! reports: charts (plotters) and Markdown/HTML review reports from `harness run` results.
//!
//! This crate reads result files; it never runs replays. The harness writes a
//! [`ResultsFile`] with [`write_results`]; [`read_results`] reads it back (refusing schema
//! versions it does not know) and [`write_report`] turns one or more of them into
//! `report.md`, a self-contained `report.html` and five kinds of charts, each as SVG and PNG:
//!
//! | file | shows |
//! |---|---|
//! | `speedup` | speedup vs hit rate: analytic curve, measured runs, the seed's claims, the 3× bar |
//! | `hit-rate` | windowed and cumulative hit rate over the trace against the target |
//! | `memory` | payload vs measured heap, byte budget, overhead % against 10 % |
//! | `latency` | baseline vs cached latency percentiles (log scale) |
//! | `work` | baseline vs cached virtual time split into generation, waiting, hits |
//!
//! A sweep (`harness sweep --out`, saved as [`sweep::SweepResults`] in `sweep.json`) gets its
//! own report with [`write_sweep_report`]: the `sweep-curve` chart (hit rate and speedup over
//! the swept axis, target line, unbounded bound, advice markers) and `sweep-saved` (generator
//! hours or money saved).
//!
//! Text in the charts uses the embedded DejaVu fonts ([`register_fonts`]), never system fonts.
//! Every file is written atomically (temporary file in the same directory, then rename).

#![warn(missing_docs)]

mod atomic;
mod charts;
mod comparison;
mod document;
mod error;
mod fonts;
pub mod format;
mod html;
mod io;
mod manifest;
mod markdown;
mod report;
pub mod results;
pub mod sweep;
mod sweep_report;

pub use atomic::{AtomicFile, write_file};
pub use error::ReportError;
pub use fonts::register_fonts;
pub use io::{
    MAX_RESULTS_BYTES, RESULTS_FILE_NAME, parse_results, read_results, write_atomic, write_results,
};
pub use manifest::{MANIFEST_FILE_NAME, Manifest, ManifestEntry};
pub use report::{
    HTML_FILE_NAME, MARKDOWN_FILE_NAME, ReportFiles, ReportInput, number_repeats, write_report,
};
pub use results::{ResultsFile, SCHEMA_VERSION};
pub use sweep_report::write_sweep_report;
