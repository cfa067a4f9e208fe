//! The one file writer every output of the project goes through (results, reports, charts,
//! CSVs, `gen` traces, the gate baseline).
//!
//! What it does with the path it is given:
//!
//! - **missing or a regular file**: the bytes go to a temporary file in the same directory,
//!   which is renamed over the path once complete, so a reader sees the old file or the new one,
//!   never half. A new file gets ordinary permissions (`0666` minus the umask, so `0644`
//!   usually); a replaced file keeps the mode it had.
//! - **a symlink**: followed (as a shell redirection would); the rules apply to its target, and
//!   the link itself is never replaced.
//! - **a character device or a FIFO** (`/dev/null`, `/dev/stdout`, `>(gzip > t.gz)`): written
//!   as a stream. The node is never replaced; there is nothing to make atomic on a stream.
//! - **anything else** (a directory, a block device, a socket): refused with an error naming
//!   the path. Writing a trace over a disk device is never what a user meant.

#[cfg(unix)]
use std::fs::Permissions;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Most symlinks followed before giving up (the kernel's own limit is 40).
const MAX_SYMLINK_HOPS: usize = 40;

/// A file being written; nothing is visible at its path until [`AtomicFile::commit`] (for a
/// stream target, bytes go straight through). Dropping it without committing leaves the old
/// file in place and removes the temporary.
///
/// - **missing or a regular file**: temporary file in the same directory, renamed over the path
///   on commit; a new file gets `0666` minus the umask, a replaced one keeps its mode;
/// - **a symlink**: followed; the link itself is never replaced;
/// - **a character device or FIFO**: written as a stream, never replaced;
/// - **a directory, block device or socket**: refused.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::io::Write;
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("out.csv");
/// let mut file = reports::AtomicFile::create(&path)?;
/// file.write_all(b"a,b\n")?;
/// assert!(!path.exists(), "nothing appears before commit");
/// file.commit()?;
/// assert_eq!(std::fs::read(&path)?, b"a,b\n");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Replace(tempfile::NamedTempFile),
    Stream(File),
}

/// Where writing to `path` really goes, after following symlinks.
fn resolve(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_SYMLINK_HOPS {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!(
        "more than {MAX_SYMLINK_HOPS} symlinks (a loop?)"
    )))
}

#[cfg(unix)]
fn is_stream(file_type: &std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    file_type.is_char_device() || file_type.is_fifo()
}

#[cfg(not(unix))]
fn is_stream(_: &std::fs::FileType) -> bool {
    false
}

impl AtomicFile {
    /// Starts writing `path` (see [`AtomicFile`] for what each kind of path does).
    /// The error is the bare I/O error; callers name the path.
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        let target = resolve(path)?;
        let existing = match std::fs::metadata(&target) {
            Ok(meta) => Some(meta),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        if let Some(meta) = &existing {
            let file_type = meta.file_type();
            if is_stream(&file_type) {
                let file = OpenOptions::new().write(true).open(&target)?;
                return Ok(AtomicFile {
                    target,
                    kind: Kind::Stream(file),
                });
            }
            if file_type.is_dir() {
                return Err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "is a directory",
                ));
            }
            if !file_type.is_file() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "not a regular file, character device or FIFO; refusing to replace it",
                ));
            }
        }
        let dir = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let file_name = target
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{file_name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // open(2) subtracts the umask, as for a file any other program creates (tempfile's
            // own default, 0600, is for secrets, not for results).
            builder.permissions(Permissions::from_mode(0o666));
        }
        let temp = builder.tempfile_in(dir)?;
        if let Some(meta) = existing {
            // A replaced file keeps its mode (a deliberately private or shared file stays so).
            temp.as_file().set_permissions(meta.permissions())?;
        }
        Ok(AtomicFile {
            target,
            kind: Kind::Replace(temp),
        })
    }

    /// Where the bytes end up (the path after following symlinks).
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes and makes the file visible at its path (renaming the temporary over it).
    pub fn commit(self) -> io::Result<()> {
        match self.kind {
            Kind::Replace(mut temp) => {
                temp.flush()?;
                temp.as_file().sync_all()?;
                temp.persist(&self.target).map_err(|e| e.error)?;
            }
            Kind::Stream(mut file) => file.flush()?,
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.kind {
            Kind::Replace(temp) => temp.write(buf),
            Kind::Stream(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.kind {
            Kind::Replace(temp) => temp.flush(),
            Kind::Stream(file) => file.flush(),
        }
    }
}

/// Writes `bytes` to `path` through [`AtomicFile`]; the error is the bare I/O error.
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit()?;
    tracing::debug!(path = %path.display(), bytes = bytes.len(), "wrote");
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_content_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write_file(&path, b"first").unwrap();
        write_file(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        assert_eq!(names(dir.path()), vec!["out.txt"]);
    }

    #[test]
    fn new_files_get_ordinary_permissions_not_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.json");
        write_file(&path, b"{}").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        // Whatever the umask, the group/other read bits a umask of 022 keeps are there, and
        // the file is what `touch` would make (0666 minus the umask).
        let touched = dir.path().join("touched");
        File::create(&touched).unwrap();
        let expected = std::fs::metadata(&touched).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, expected, "{mode:o} vs {expected:o}");
    }

    #[test]
    fn a_replaced_file_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("private");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, Permissions::from_mode(0o640)).unwrap();
        write_file(&path, b"new").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[test]
    fn a_symlink_is_followed_and_stays_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.csv");
        std::fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink("real.csv", &link).unwrap();
        write_file(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        // A dangling link creates its target.
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink("created", &dangling).unwrap();
        write_file(&dangling, b"x").unwrap();
        assert_eq!(std::fs::read(dir.path().join("created")).unwrap(), b"x");
        assert_eq!(
            names(dir.path()),
            vec!["created", "dangling", "link.csv", "real.csv"]
        );
    }

    #[test]
    fn a_character_device_is_written_as_a_stream_and_not_replaced() {
        // /dev/null through a symlink, so the test never needs root to make a device node.
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("null");
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        write_file(&link, b"discarded").unwrap();
        let meta = std::fs::metadata("/dev/null").unwrap();
        assert!(meta.file_type().is_char_device());
        assert_eq!(
            names(dir.path()),
            vec!["null"],
            "no temporary left beside the link"
        );
        // A device that fails writes reports it.
        let err = write_file(Path::new("/dev/full"), b"x").unwrap_err();
        assert_eq!(err.raw_os_error(), Some(28), "{err}"); // ENOSPC
    }

    #[test]
    fn a_fifo_is_written_as_a_stream() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(&fifo).unwrap())
        };
        write_file(&fifo, b"streamed").unwrap();
        assert_eq!(reader.join().unwrap(), b"streamed");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(names(dir.path()), vec!["pipe"]);
    }

    #[test]
    fn a_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_file(dir.path(), b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::IsADirectory);
    }

    #[test]
    fn dropping_without_commit_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kept");
        std::fs::write(&path, b"old").unwrap();
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"half").unwrap();
        drop(file);
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(names(dir.path()), vec!["kept"]);
    }
}
