//! A run's output directory, written all at once or not at all.
//!
//! `harness run` writes `results.json`, the CSVs and the report into a hidden staging
//! directory (inside `--out` when it exists, else beside its nearest existing ancestor, so the
//! final moves are renames on one file system). Nothing in `--out` changes until every file has
//! been written; a failure before that (a disk that fills up, a late error in a live replay)
//! leaves `--out` exactly as it was, and creates no directory that was not there.
//!
//! [`StagedDir::commit`] then checks every destination first (a directory or special file where
//! a result must go fails the run before anything moves), writes `manifest.json` with
//! `complete: false`, renames the files into place, removes files of the previous run that this
//! one did not rewrite, and writes the manifest again with `complete: true`. Readers
//! (`harness report`, [`reports::read_results`]) refuse a directory whose manifest is
//! incomplete. A run's own files are never mixed with another run's under a complete manifest.

use crate::output::OutputError;
use reports::{MANIFEST_FILE_NAME, Manifest, ManifestEntry};
use std::path::{Path, PathBuf};

/// Where a run writes until it commits.
#[derive(Debug)]
pub struct StagedDir {
    target: PathBuf,
    staging: tempfile::TempDir,
}

fn err(path: &Path, source: std::io::Error) -> OutputError {
    OutputError {
        path: path.to_path_buf(),
        source,
    }
}

/// The nearest ancestor of `path` that exists (`.` for a relative path with none).
fn nearest_existing(path: &Path) -> PathBuf {
    let mut current = path;
    while let Some(parent) = current.parent() {
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        if parent.is_dir() {
            return parent.to_path_buf();
        }
        current = parent;
    }
    PathBuf::from(".")
}

/// Every file under `dir`, relative to it, `/`-separated, sorted.
fn files_under(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        for entry in std::fs::read_dir(dir.join(&rel))? {
            let entry = entry?;
            let rel = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                pending.push(rel);
            } else {
                out.push(rel);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn manifest_path(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

impl StagedDir {
    /// Creates the staging directory for `target` (failing early when nothing can be written
    /// there, before minutes of replay).
    pub fn begin(target: &Path) -> Result<StagedDir, OutputError> {
        if let Ok(meta) = std::fs::symlink_metadata(target)
            && !meta.is_dir()
            && !std::fs::metadata(target).is_ok_and(|m| m.is_dir())
        {
            return Err(err(
                target,
                std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
            ));
        }
        let parent = if target.is_dir() {
            target.to_path_buf()
        } else {
            nearest_existing(target)
        };
        let staging = tempfile::Builder::new()
            .prefix(".harness-staging-")
            .tempdir_in(&parent)
            .map_err(|source| err(target, source))?;
        Ok(StagedDir {
            target: target.to_path_buf(),
            staging,
        })
    }

    /// Where the run's files go for now.
    pub fn path(&self) -> &Path {
        self.staging.path()
    }

    /// The directory the files end up in.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves every staged file into the target directory (see the module docs); returns the
    /// final paths. On error the staging directory is removed and the target keeps an
    /// incomplete manifest only if some file had already moved.
    pub fn commit(self) -> Result<Vec<PathBuf>, OutputError> {
        let staged = files_under(self.path()).map_err(|e| err(self.path(), e))?;
        // Every destination first: nothing moves if one of them cannot be replaced.
        for rel in &staged {
            let dest = self.target.join(rel);
            match std::fs::symlink_metadata(&dest) {
                Ok(meta) if meta.is_file() => {}
                Ok(meta) => {
                    let what = if meta.is_dir() {
                        "is a directory"
                    } else if meta.file_type().is_symlink() {
                        "is a symlink (a run directory's files are replaced, never followed)"
                    } else {
                        "is not a regular file"
                    };
                    return Err(err(
                        &dest,
                        std::io::Error::new(
                            std::io::ErrorKind::AlreadyExists,
                            format!(
                                "{what}; nothing of this run was written into {}",
                                self.target.display()
                            ),
                        ),
                    ));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(err(&dest, e)),
            }
        }
        let mut files = Vec::with_capacity(staged.len());
        for rel in &staged {
            let bytes = std::fs::metadata(self.path().join(rel))
                .map_err(|e| err(&self.path().join(rel), e))?
                .len();
            files.push(ManifestEntry {
                path: manifest_path(rel),
                bytes,
            });
        }
        std::fs::create_dir_all(&self.target).map_err(|e| err(&self.target, e))?;
        let previous = Manifest::read(&self.target).ok().flatten();
        let mut manifest = Manifest {
            complete: false,
            files,
        };
        let report_err = |e: reports::ReportError| {
            err(
                &self.target.join(MANIFEST_FILE_NAME),
                std::io::Error::other(e.to_string()),
            )
        };
        manifest.write(&self.target).map_err(report_err)?;
        let mut written = Vec::with_capacity(staged.len());
        for rel in &staged {
            let dest = self.target.join(rel);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).map_err(|e| err(parent, e))?;
            }
            std::fs::rename(self.path().join(rel), &dest).map_err(|e| err(&dest, e))?;
            written.push(dest);
        }
        // Files of the previous run that this one did not rewrite would otherwise sit beside
        // the new ones, unlisted (another workload's CSVs, a report this run did not make).
        if let Some(previous) = previous {
            for old in previous.files {
                if !manifest.files.iter().any(|f| f.path == old.path) {
                    let stale = self.target.join(&old.path);
                    if std::fs::symlink_metadata(&stale).is_ok_and(|m| m.is_file()) {
                        let _ = std::fs::remove_file(&stale);
                    }
                }
            }
        }
        manifest.complete = true;
        manifest.write(&self.target).map_err(report_err)?;
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        files_under(dir)
            .unwrap_or_default()
            .iter()
            .map(|p| manifest_path(p))
            .collect()
    }

    #[test]
    fn nothing_appears_until_commit_and_then_everything_does() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("a/b/run");
        let staged = StagedDir::begin(&target).unwrap();
        std::fs::write(staged.path().join("results.json"), b"{}").unwrap();
        std::fs::create_dir(staged.path().join("charts")).unwrap();
        std::fs::write(staged.path().join("charts/x.svg"), b"<svg/>").unwrap();
        assert!(!root.path().join("a").exists(), "nothing before commit");
        staged.commit().unwrap();
        assert_eq!(
            names(&target),
            ["charts/x.svg", "manifest.json", "results.json"]
        );
        let manifest = Manifest::read(&target).unwrap().unwrap();
        assert!(manifest.complete);
        assert_eq!(manifest.files.len(), 2);
        // Only the staging directory was ever beside the target: it is gone.
        assert_eq!(
            names(root.path()),
            [
                "a/b/run/charts/x.svg",
                "a/b/run/manifest.json",
                "a/b/run/results.json"
            ]
        );
    }

    #[test]
    fn a_dropped_stage_leaves_no_trace_and_no_directory() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("new");
        let staged = StagedDir::begin(&target).unwrap();
        std::fs::write(staged.path().join("results.json"), b"{}").unwrap();
        drop(staged);
        assert!(names(root.path()).is_empty());
        assert!(!target.exists());
    }

    #[test]
    fn a_directory_in_the_way_fails_before_anything_moves() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("run");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("results.json"), b"old").unwrap();
        std::fs::create_dir(target.join("a.csv")).unwrap();
        let staged = StagedDir::begin(&target).unwrap();
        std::fs::write(staged.path().join("results.json"), b"new").unwrap();
        std::fs::write(staged.path().join("a.csv"), b"x").unwrap();
        let e = staged.commit().unwrap_err().to_string();
        assert!(e.contains("a.csv") && e.contains("is a directory"), "{e}");
        assert_eq!(std::fs::read(target.join("results.json")).unwrap(), b"old");
        assert_eq!(
            names(&target),
            ["results.json"],
            "no staging left, nothing moved"
        );
    }

    #[test]
    fn files_of_the_previous_run_that_were_not_rewritten_are_removed() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("run");
        let first = StagedDir::begin(&target).unwrap();
        std::fs::write(first.path().join("results.json"), b"1").unwrap();
        std::fs::write(first.path().join("busy.timeline.csv"), b"1").unwrap();
        first.commit().unwrap();
        std::fs::write(target.join("notes.txt"), b"mine").unwrap();
        let second = StagedDir::begin(&target).unwrap();
        std::fs::write(second.path().join("results.json"), b"22").unwrap();
        second.commit().unwrap();
        assert_eq!(
            names(&target),
            ["manifest.json", "notes.txt", "results.json"]
        );
    }
}
