//! `manifest.json` of a run directory: the list of files one `harness run` wrote, written last,
//! so a reader can tell a complete set of outputs from the remains of a failed run.
//!
//! The harness writes a run's files into a staging directory and moves them into place only
//! when all of them were written; the manifest is rewritten with `complete: false` before the
//! first file moves and with `complete: true` after the last. A results directory whose
//! manifest is incomplete, or whose `results.json` is not the size the manifest says, is refused
//! by [`crate::read_results`]. A `results.json` with no manifest beside it (written by another
//! tool, copied by hand, or by an older harness) is read as before.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::ReportError;

/// File name of the manifest inside a run directory.
pub const MANIFEST_FILE_NAME: &str = "manifest.json";

/// One file of a run directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Path relative to the directory, `/`-separated.
    pub path: String,
    /// Size in bytes when written.
    pub bytes: u64,
}

/// What one run wrote into its directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// `false` while the files are being moved into place (or after a failure doing so).
    pub complete: bool,
    /// Every file of the run, the manifest itself excepted.
    pub files: Vec<ManifestEntry>,
}

impl Manifest {
    /// Reads `dir/manifest.json`; `Ok(None)` when there is none.
    pub fn read(dir: &Path) -> Result<Option<Manifest>, ReportError> {
        let path = dir.join(MANIFEST_FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(ReportError::Read { path, source }),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| ReportError::Incomplete {
                dir: dir.to_path_buf(),
                reason: format!("{MANIFEST_FILE_NAME} is unreadable ({e})"),
            })
    }

    /// Writes `dir/manifest.json` atomically.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, ReportError> {
        let path = dir.join(MANIFEST_FILE_NAME);
        let mut json = serde_json::to_vec_pretty(self).map_err(|e| ReportError::Write {
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
        json.push(b'\n');
        crate::io::write_atomic(&path, &json)?;
        Ok(path)
    }

    /// Checks that `file` (inside `dir`), if the manifest lists it, belongs to a complete run
    /// and still has the size written. No manifest, or a file it does not list, passes.
    pub fn check(dir: &Path, file: &Path) -> Result<(), ReportError> {
        let Some(manifest) = Manifest::read(dir)? else {
            return Ok(());
        };
        let incomplete = |reason: String| ReportError::Incomplete {
            dir: dir.to_path_buf(),
            reason,
        };
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(entry) = manifest.files.iter().find(|e| e.path == name) else {
            // Not one of the run's files (a copy kept beside them): nothing to vouch for.
            return Ok(());
        };
        if !manifest.complete {
            return Err(incomplete(
                "the run writing it failed or is still moving its files into place".into(),
            ));
        }
        let bytes = std::fs::metadata(file)
            .map_err(|source| ReportError::Read {
                path: file.to_path_buf(),
                source,
            })?
            .len();
        if bytes != entry.bytes {
            return Err(incomplete(format!(
                "{name} has {bytes} bytes, the run wrote {} (changed or truncated since)",
                entry.bytes
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_manifest_passes_and_an_incomplete_or_changed_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let results = dir.path().join("results.json");
        std::fs::write(&results, b"{}").unwrap();
        assert!(Manifest::check(dir.path(), &results).is_ok());
        let mut manifest = Manifest {
            complete: false,
            files: vec![ManifestEntry {
                path: "results.json".into(),
                bytes: 2,
            }],
        };
        manifest.write(dir.path()).unwrap();
        let err = Manifest::check(dir.path(), &results)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("incomplete") && err.contains("failed"),
            "{err}"
        );
        manifest.complete = true;
        manifest.write(dir.path()).unwrap();
        assert!(Manifest::check(dir.path(), &results).is_ok());
        std::fs::write(&results, b"{ }").unwrap();
        let err = Manifest::check(dir.path(), &results)
            .unwrap_err()
            .to_string();
        assert!(err.contains("3 bytes"), "{err}");
    }
}
