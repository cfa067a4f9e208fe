//! Files a run writes besides `results.json`: the timeline and latency CSVs, each written
//! atomically (a temporary file in the same directory, then a rename).

use reports::results::RunResults;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Why an output file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}")]
pub struct OutputError {
    /// The file or directory.
    pub path: PathBuf,
    /// The underlying error.
    pub source: std::io::Error,
}

/// Writes `contents` to `path` through the project's one atomic writer
/// ([`reports::write_atomic`], [`reports::AtomicFile`]: temporary file and rename for a regular
/// file, a stream for a device or FIFO, symlinks followed, ordinary permissions).
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), OutputError> {
    reports::write_atomic(path, contents).map_err(|e| match e {
        reports::ReportError::Write { path, source } => OutputError { path, source },
        other => OutputError {
            path: path.to_path_buf(),
            source: std::io::Error::other(other.to_string()),
        },
    })
}

/// File-name-safe form of a workload name (the one [`reports::format::slug`]).
pub use reports::format::slug;

/// The timeline as CSV: the windows of the measured requests (`requests` counts measured
/// requests; `warmup_requests`, on every row, the ones left out before them).
pub fn timeline_csv(run: &RunResults) -> String {
    let mut s = String::from(
        "requests,time_s,window_hit_rate,cumulative_hit_rate,entries,payload_bytes,heap_bytes,\
         warmup_requests\n",
    );
    for w in &run.timeline {
        let heap = w.heap_bytes.map(|h| h.to_string()).unwrap_or_default();
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{}",
            w.requests,
            w.time_s,
            w.window_hit_rate,
            w.cumulative_hit_rate,
            w.entries,
            w.payload_bytes,
            heap,
            run.warmup_requests
        );
    }
    s
}

/// A latency percentile curve as CSV (`percentile,latency_s`).
pub fn latency_csv(curve: &[(f64, f64)]) -> String {
    let mut s = String::from("percentile,latency_s\n");
    for (p, l) in curve {
        let _ = writeln!(s, "{p},{l}");
    }
    s
}

/// Writes `<name>.timeline.csv`, `<name>.latency-baseline.csv` and `<name>.latency-cached.csv`
/// of every run into `dir`; returns the paths. Two runs of the same workload name get distinct
/// files, numbered as the charts are (`typical`, `typical-2`: [`reports::number_repeats`]).
pub fn write_run_csvs(dir: &Path, runs: &[RunResults]) -> Result<Vec<PathBuf>, OutputError> {
    let names = reports::number_repeats(runs.iter().map(|run| slug(&run.workload.name)));
    let mut written = Vec::new();
    for (run, name) in runs.iter().zip(names) {
        let files = [
            (format!("{name}.timeline.csv"), timeline_csv(run)),
            (
                format!("{name}.latency-baseline.csv"),
                latency_csv(&run.baseline.latency_curve),
            ),
            (
                format!("{name}.latency-cached.csv"),
                latency_csv(&run.cached.latency_curve),
            ),
        ];
        for (file, contents) in files {
            let path = dir.join(file);
            write_atomic(&path, contents.as_bytes())?;
            written.push(path);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let dir = dir
            .as_ref()
            .map(|d| d.path())
            .unwrap_or(Path::new("/nonexistent"));
        let path = dir.join("a.csv");
        assert!(write_atomic(&path, b"one").is_ok());
        assert!(write_atomic(&path, b"two").is_ok());
        assert_eq!(std::fs::read(&path).ok().as_deref(), Some(&b"two"[..]));
        let names: Vec<_> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn unwritable_directory_is_a_clear_error() {
        let err = crate::staged::StagedDir::begin(Path::new("/proc/harness-cannot-write-here"));
        let msg = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("/proc/harness-cannot-write-here"), "{msg}");
    }

    #[test]
    fn slugs_are_file_name_safe() {
        assert_eq!(slug("web07.trace.xz"), "web07-trace-xz");
        assert_eq!(slug("a b/c"), "a-b-c");
        assert_eq!(slug("typical+busy"), "typical-busy");
    }
}
