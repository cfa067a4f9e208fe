//! The one error type of this crate: every variant names the file (and field) it is about.

use std::path::PathBuf;

/// What can go wrong while reading results or writing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A results file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file that was being read.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A results file is larger than any results file this tool writes (see
    /// [`crate::MAX_RESULTS_BYTES`]): refused before it is read into memory.
    #[error("{path}: {len} bytes is not a results file (at most {limit} bytes are read)")]
    TooLarge {
        /// The file that was to be read.
        path: PathBuf,
        /// Its size in bytes.
        len: u64,
        /// The cap.
        limit: u64,
    },
    /// `results.json` is not valid JSON or does not match the schema.
    #[error("{path}: invalid results at field `{field}` (line {line}, column {column}): {message}")]
    Parse {
        /// The file that was parsed.
        path: PathBuf,
        /// serde's path to the offending field, e.g. `runs[0].speedup` (`.` for the document).
        field: String,
        /// 1-based line of the error in the file.
        line: usize,
        /// 1-based column of the error in the file.
        column: usize,
        /// What serde said.
        message: String,
    },
    /// `results.json` has a schema version this build does not know.
    #[error(
        "{path}: results.json schema version {found} is not supported (this build reads versions {oldest} to {supported})"
    )]
    UnsupportedSchema {
        /// The file that was read.
        path: PathBuf,
        /// The version found in the file.
        found: u32,
        /// The version this build writes (and the newest it reads).
        supported: u32,
        /// The oldest version this build reads.
        oldest: u32,
    },
    /// A run directory holds the remains of a failed run (see [`crate::Manifest`]).
    #[error("{dir}: incomplete run outputs: {reason}; run it again")]
    Incomplete {
        /// The run directory.
        dir: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A file or directory could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file or directory that was being written.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// Results could not be serialized (non-finite numbers are the usual cause).
    #[error("cannot serialize results for {path}: {source}")]
    Serialize {
        /// The file that was to be written.
        path: PathBuf,
        /// What serde said.
        source: serde_json::Error,
    },
    /// A chart could not be drawn.
    #[error("cannot draw chart {chart}: {message}")]
    Chart {
        /// The chart's file stem, e.g. `speedup` or `hit-rate-typical`.
        chart: String,
        /// What plotters (or the PNG encoder) said.
        message: String,
    },
    /// The embedded font could not be registered with plotters.
    #[error("cannot register the embedded font {name}")]
    Font {
        /// The font family name.
        name: &'static str,
    },
    /// `write_report` was called with nothing to report.
    #[error("no results to report: {0}")]
    Empty(String),
}
