//! Reading and writing `results.json`, and the atomic file writer every output goes through.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::ReportError;
use crate::results::{OLDEST_READABLE_SCHEMA, ResultsFile, SCHEMA_VERSION};

/// File name of the results inside a results directory.
pub const RESULTS_FILE_NAME: &str = "results.json";

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
    let text = std::fs::read_to_string(&path).map_err(|source| ReportError::Read {
        path: path.clone(),
        source,
    })?;
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

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so a
/// reader never sees a half-written file and an interrupted run leaves the old file intact. The
/// one atomic writer of the project's outputs (results, reports, charts, the harness's CSVs and
/// gate baseline).
///
/// # Errors
///
/// [`ReportError::Write`] naming `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let write_err = |source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(write_err)?;
    temp.write_all(bytes).map_err(write_err)?;
    temp.as_file().sync_all().map_err(write_err)?;
    temp.persist(path).map_err(|err| write_err(err.error))?;
    tracing::debug!(path = %path.display(), bytes = bytes.len(), "wrote");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_content_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.txt")]);
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
