//! Reading and writing `results.json`, and the atomic file writer every output goes through.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::ReportError;
use crate::results::{OLDEST_READABLE_SCHEMA, ResultsFile, SCHEMA_VERSION};

/// File name of the results inside a results directory.
pub const RESULTS_FILE_NAME: &str = "results.json";

/// The largest results file read. The largest the harness writes (a 256-point sweep with every
/// policy) is a few MiB; the cap keeps a wrong path (a trace, a disk image) from being read whole
/// into memory.
pub const MAX_RESULTS_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a results directory (its `results.json`) or a results file.
///
/// The schema version is checked before the rest of the document, so a file from a newer
/// harness is refused by version rather than by whichever field changed.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let results = reports::ResultsFile {
///     schema_version: reports::SCHEMA_VERSION,
///     tool_version: "0.1.0".into(),
///     runs: vec![],
/// };
/// reports::write_results(dir.path(), &results)?;
/// assert_eq!(reports::read_results(dir.path())?, results);
/// # Ok(())
/// # }
/// ```
pub fn read_results(dir_or_file: &Path) -> Result<ResultsFile, ReportError> {
    let path = if dir_or_file.is_dir() {
        dir_or_file.join(RESULTS_FILE_NAME)
    } else {
        dir_or_file.to_path_buf()
    };
    let read_error = |source| ReportError::Read {
        path: path.clone(),
        source,
    };
    let len = std::fs::metadata(&path).map_err(read_error)?.len();
    if len > MAX_RESULTS_BYTES {
        return Err(ReportError::TooLarge {
            path: path.clone(),
            len,
            limit: MAX_RESULTS_BYTES,
        });
    }
    let text = std::fs::read_to_string(&path).map_err(read_error)?;
    // A run directory's manifest vouches for its results (see crate::manifest).
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    crate::Manifest::check(dir, &path)?;
    parse_results(&path, &text)
}

/// Parses the text of a results file; `path` is only used to name the file in errors.
pub fn parse_results(path: &Path, text: &str) -> Result<ResultsFile, ReportError> {
    /// Only the version, with every other field ignored: readable in any schema version.
    #[derive(Deserialize)]
    struct VersionProbe {
        schema_version: Option<u32>,
    }
    let probe: VersionProbe = deserialize_with_path(path, text)?;
    if let Some(found) = probe.schema_version
        && !(OLDEST_READABLE_SCHEMA..=SCHEMA_VERSION).contains(&found)
    {
        return Err(ReportError::UnsupportedSchema {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
            oldest: OLDEST_READABLE_SCHEMA,
        });
    }
    let mut file: ResultsFile = deserialize_with_path(path, text)?;
    if file.schema_version == 1 {
        file.upgrade_v1();
    }
    Ok(file)
}

fn deserialize_with_path<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<T, ReportError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed: T = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|err| parse_error(path, err))?;
    // Trailing garbage after the document is an error too.
    deserializer.end().map_err(|err| ReportError::Parse {
        path: path.to_path_buf(),
        field: ".".to_string(),
        line: err.line(),
        column: err.column(),
        message: err.to_string(),
    })?;
    Ok(parsed)
}

fn parse_error(path: &Path, err: serde_path_to_error::Error<serde_json::Error>) -> ReportError {
    let field = err.path().to_string();
    let inner = err.inner();
    ReportError::Parse {
        path: path.to_path_buf(),
        field,
        line: inner.line(),
        column: inner.column(),
        message: inner.to_string(),
    }
}

/// Writes `results` as `DIR/results.json` (pretty JSON), atomically; creates `dir` if needed.
/// Returns the path written.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let results = reports::ResultsFile {
///     schema_version: reports::SCHEMA_VERSION,
///     tool_version: "0.1.0".into(),
///     runs: vec![],
/// };
/// let path = reports::write_results(dir.path(), &results)?;
/// assert!(path.ends_with("results.json"));
/// # Ok(())
/// # }
/// ```
pub fn write_results(dir: &Path, results: &ResultsFile) -> Result<PathBuf, ReportError> {
    create_dir(dir)?;
    let path = dir.join(RESULTS_FILE_NAME);
    let mut json = serde_json::to_vec_pretty(results).map_err(|source| ReportError::Serialize {
        path: path.clone(),
        source,
    })?;
    json.push(b'\n');
    write_atomic(&path, &json)?;
    Ok(path)
}

/// Creates `dir` and its parents, naming it in the error.
pub(crate) fn create_dir(dir: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Write {
        path: dir.to_path_buf(),
        source,
    })
}

/// Writes `bytes` to `path` through the project's one atomic writer ([`crate::AtomicFile`]):
/// a reader never sees a half-written file and an interrupted run leaves the old file intact; a
/// FIFO or character device is written as a stream, a symlink followed, a new file gets
/// ordinary permissions. Every output goes through it (results, reports, charts, the harness's
/// CSVs, `gen` traces and the gate baseline).
///
/// # Errors
///
/// [`ReportError::Write`] naming `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    crate::atomic::write_file(path, bytes).map_err(|source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_cap_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.json");
        // Sparse: no disk is used for the length.
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(MAX_RESULTS_BYTES + 1).unwrap();
        let err = read_results(&path).unwrap_err();
        assert!(matches!(err, ReportError::TooLarge { len, .. } if len == MAX_RESULTS_BYTES + 1));
        assert!(err.to_string().contains("results.json"), "{err}");
    }

    #[test]
    fn truncated_json_names_file_line_and_column() {
        let err = parse_results(Path::new("x/results.json"), "{\"schema_version\": 1,\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("x/results.json"), "{err}");
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn wrong_type_names_the_field_path() {
        let text = r#"{"schema_version": 1, "tool_version": 3, "runs": []}"#;
        let err = parse_results(Path::new("r.json"), text).unwrap_err();
        match err {
            ReportError::Parse { field, .. } => assert_eq!(field, "tool_version"),
            other => panic!("unexpected error {other}"),
        }
    }

    #[test]
    fn newer_schema_is_refused_by_version_even_if_fields_differ() {
        let text = r#"{"schema_version": 7, "something_new": true}"#;
        let err = parse_results(Path::new("r.json"), text)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "results.json schema version 7 is not supported (this build reads versions 1 to 2)"
            ),
            "{err}"
        );
    }
}
